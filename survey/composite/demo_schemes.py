"""The demo city's composite schemes: one YAML document per category, as the office writes them."""

from __future__ import annotations

PENALTY_LOW = "-1.6"

_PERIODS = """\
periods:                          # 按季度考核（青岛2020）：一季度、半年、前三季度、全年
  codes: [Q1, H1, Q1-Q3, year]
  weights: [0.1, 0.2, 0.3, 0.4]
"""

_BONUS = """\
  - code: bonus
    name: 加减分
    name_en: Bonus and deduction
    items:                        # 兰州新区：奖励2-8分，扣分1-6分
      - {code: honour, name: 省部级表彰, name_en: Provincial honours, low: 2, high: 8}
      - {code: major_project, name: 重大项目, name_en: Major projects, low: 2, high: 8}
      - {code: negative, name: 重大负面影响, name_en: Serious negative impact, low: -6, high: -1}
    bonus_total_max: 8
    deduction_total_min: -6
"""


# The districts' 综合评价 block: the third-party survey and two qualitative items.
_DISTRICT_APPRAISAL = """\
  - code: appraisal
    name: 综合评价
    name_en: Overall appraisal
    points: 20
    indicators:
      - code: survey
        name: 群众满意度（第三方调查）
        name_en: Public satisfaction (third-party survey)
        points: 10
        method: min_max
        params: {low: 0, high: 100}
        source: {type: hard, indicator: public_satisfaction, period: year}
      - code: rule_of_law
        name: 依法行政
        name_en: Law-based administration
        points: 5
        source: {type: qualitative, item: rule_of_law}
      - code: safety
        name: 安全生产
        name_en: Work safety
        points: 5
        source: {type: qualitative, item: safety}
"""


def district_scheme(category: str, title: str, year: int, *, interview: str) -> str:
    # The first year in the system has no previous year to grow from: the bureau's
    # published growth rate stands in for the revenue's speed.
    revenue_speed = (
        "{type: hard, indicator: revenue, period: year, growth: true}"
        if year > 2025
        else "{type: hard, indicator: revenue_growth, period: year}"
    )
    return f"""\
# 云江市{year}年度区市综合考核方案：{title}
# 发展类板块（高质量发展、攻坚克难、改革创新）共80分，综合评价20分（青岛）；
# 高质量发展板块乘以考核系数（兰州新区：六档1.00-1.18，按对全市GDP增量的贡献份额）。
category: {category}
title: {title}
{_PERIODS}blocks:
{_district_high_quality(revenue_speed)}  - code: tackling
    name: 攻坚克难
    name_en: Tackling hard tasks
    points: 20
    indicators:
      - code: projects
        name: 重点项目完成率
        name_en: Key projects completed
        points: 10
        method: target_completion
        source: {{type: hard, indicator: projects, period: year}}
      - code: attraction
        name: 招商引资到位资金
        name_en: Investment attracted
        points: 10
        method: benchmark             # 对标标杆值
        source: {{type: hard, indicator: attraction, period: year}}
  - code: reform
    name: 改革创新
    name_en: Reform and innovation
    points: 10
    indicators:
      - code: rd
        name: 研发投入强度
        name_en: R&D intensity
        points: 5
        method: z_score
        source: {{type: hard, indicator: rd_intensity, period: year}}
      - code: hightech
        name: 高新技术企业数
        name_en: High-tech enterprises
        points: 5
        method: rank_points
        params: {{min_points: 2}}
        source: {{type: hard, indicator: hightech, period: year}}
{_DISTRICT_APPRAISAL}adjustments:
{_BONUS}ranking: {{decimals: 2, tie_break: [{{block: high_quality}}]}}
grades: {{thresholds: [85, 75, 60], max_shares: [0.3, null, null]}}
interview: {interview}
progress_award: {{min_rise: 2}}
differentiation: {{}}              # 泰兴：90分以上不超过30%，80分以下不低于20%，不得满分
warnings:                         # 较上年明显下滑或低于预警值
  - {{indicator: investment, period: year, max_drop: 0.1}}
  - {{indicator: revenue, period: year, max_drop: 0.05}}
  - {{indicator: gdp_growth, period: year, threshold: 3.0}}
"""


def _district_high_quality(revenue_speed: str) -> str:
    """The districts' 高质量发展 block: scale, speed and quality, times the tier coefficient."""
    return f"""\
  - code: high_quality
    name: 高质量发展
    name_en: High-quality development
    points: 50
    coefficient:
      indicator: gdp_increment
      period: year
      rule: share
      thresholds: [0.1, 0.14, 0.18, 0.22, 0.28]
    indicators:
      - code: gdp
        name: 地区生产总值
        name_en: GDP
        points: 12.5
        method: scale_speed_quality   # 规模、速度、质量
        params: {{weights: [0.3, 0.4, 0.3]}}
        parts:
          scale:
            method: rank_points
            params: {{min_points: 40}}
            source: {{type: hard, indicator: gdp, period: year}}
          speed:
            method: efficacy_coefficient
            source: {{type: hard, indicator: gdp_growth, period: year}}
          quality:
            method: min_max
            params: {{min_points: 40}}
            source: {{type: hard, indicator: new_economy_share, period: year}}
      - code: revenue
        name: 一般公共预算收入
        name_en: General budget revenue
        points: 12.5
        method: scale_speed_quality
        params: {{weights: [0.3, 0.4, 0.3]}}
        parts:
          scale:
            method: rank_points
            params: {{min_points: 40}}
            source: {{type: hard, indicator: revenue, period: year}}
          speed:
            method: efficacy_coefficient
            source: {revenue_speed}
          quality:
            method: min_max
            params: {{min_points: 40}}
            source: {{type: hard, indicator: tax_share, period: year}}
      - code: investment
        name: 固定资产投资
        name_en: Fixed-asset investment
        points: 15
        method: target_completion     # 差异目标值，按季度累计考核
        source: {{type: hard, indicator: investment}}
      - code: fdi
        name: 实际利用外资
        name_en: Foreign direct investment
        points: 10
        method: target_completion
        source: {{type: hard, indicator: fdi, period: year}}
"""


def zone_comprehensive_scheme(year: int) -> str:
    return f"""\
# 云江市{year}年度综合类功能区考核方案（按权重）
category: zone-comprehensive
title: 综合类功能区考核
blocks:
  - code: opening
    name: 对外开放
    name_en: Opening up
    weight: 0.4
    indicators:
      - code: fdi
        name: 实际利用外资
        weight: 0.5
        method: target_completion
        source: {{type: hard, indicator: fdi, period: year}}
      - code: trade
        name: 进出口总额
        weight: 0.5
        method: target_completion
        source: {{type: hard, indicator: trade, period: year}}
  - code: industry
    name: 产业发展
    name_en: Industry
    weight: 0.35
    indicators:
      - code: output_growth
        name: 规上工业产值增速
        weight: 0.5
        method: efficacy_coefficient
        params: {{satisfactory: 12, unsatisfactory: 0}}
        source: {{type: hard, indicator: output_growth, period: year}}
      - code: hightech
        name: 高新技术企业数
        weight: 0.5
        method: min_max
        params: {{min_points: 60}}
        source: {{type: hard, indicator: hightech, period: year}}
  - code: environment
    name: 营商环境
    name_en: Business environment
    weight: 0.25
    indicators:
      - code: business_env
        name: 营商环境评价
        weight: 1
        source: {{type: qualitative, item: business_env}}
adjustments:
{_BONUS}grades: {{thresholds: [85, 75, 60], max_shares: [0.34, null, null]}}
interview: {{bottom: 1, fall_places: 2}}
differentiation: {{}}
warnings:
  - {{indicator: fdi, period: year, max_drop: 0.15}}
"""


def zone_specialised_scheme(year: int) -> str:
    return f"""\
# 云江市{year}年度专业类功能区考核方案：外资、进出口指标220分（青岛），满分500分
category: zone-specialised
title: 专业类功能区考核
blocks:
  - code: opening
    name: 对外开放
    name_en: Opening up
    points: 220
    indicators:
      - code: fdi
        name: 实际利用外资
        points: 110
        method: target_completion
        source: {{type: hard, indicator: fdi, period: year}}
      - code: trade
        name: 进出口总额
        points: 110
        method: target_completion
        source: {{type: hard, indicator: trade, period: year}}
  - code: industry
    name: 特色产业
    name_en: Specialised industry
    points: 180
    indicators:
      - code: output_growth
        name: 主导产业营业收入增长率
        points: 100
        method: efficacy_coefficient
        params: {{satisfactory: 15, unsatisfactory: 0}}
        source: {{type: hard, indicator: output_growth, period: year}}
      - code: hightech
        name: 高新技术企业数
        points: 80
        method: rank_points
        params: {{min_points: 50}}
        source: {{type: hard, indicator: hightech, period: year}}
  - code: environment
    name: 营商环境
    name_en: Business environment
    points: 100
    indicators:
      - code: business_env
        name: 营商环境评价
        points: 100
        source: {{type: qualitative, item: business_env}}
adjustments:
{_BONUS}grades: {{thresholds: [425, 375, 300], max_shares: [0.34, null, null]}}
interview: {{bottom: 1, fall_places: 2}}
differentiation: {{}}
"""


def department_scheme(category: str, title: str, year: int) -> str:
    return f"""\
# 云江市{year}年度市直部门考核方案：{title}
# 业务目标实行"重点目标+创优目标"双目标考核（青岛）；综合评价即群众满意度（民主测评与问卷）。
category: {category}
title: {title}
{_PERIODS}blocks:
  - code: business
    name: 业务目标
    name_en: Business goals
    points: 50
    indicators:
      - code: key_tasks
        name: 重点目标
        name_en: Key goals
        points: 35
        method: target_completion
        source: {{type: hard, indicator: key_tasks}}
      - code: excellence
        name: 创优目标
        name_en: Excellence goals
        points: 15
        source: {{type: excellence, difficulty: [0.8, 1.2]}}   # 专家评定难度系数
  - code: rule_of_law
    name: 依法行政
    name_en: Law-based administration
    points: 10
    indicators:
      - code: rule_of_law
        name: 依法行政
        points: 10
        source: {{type: qualitative, item: rule_of_law}}
  - code: appraisal
    name: 综合评价
    name_en: Public appraisal
    points: 30
    indicators:
      - code: satisfaction
        name: 群众满意度
        name_en: Public satisfaction
        points: 30
        source: {{type: satisfaction, measure: score}}
  - code: service
    name: 服务效能
    name_en: Service efficiency
    points: 10
    indicators:
      - code: service
        name: 服务效能
        points: 10
        source: {{type: qualitative, item: service}}
adjustments:
{_BONUS}  - code: penalty
    name: 差别化扣分
    name_en: Differentiation penalty
    source: differentiation_penalty
    low: {PENALTY_LOW}
ranking: {{decimals: 2, tie_break: [{{block: business}}]}}
grades: {{thresholds: [90, 80, 60], max_shares: [0.25, null, null]}}
interview: {{bottom: 1, fall_places: 3}}
progress_award: {{min_rise: 3}}
differentiation: {{}}
warnings:
  - {{indicator: key_tasks, period: year, threshold: 93}}
"""


DEPARTMENT_TITLES = {
    "dept-economic": "经济发展类部门考核",
    "dept-social": "社会民生类部门考核",
    "dept-regulatory": "执法监管类部门考核",
    "dept-service": "综合服务类部门考核",
}


def scheme_file(year: int) -> str:
    documents = [
        district_scheme(
            "district-urban", "中心城区综合考核", year, interview="{bottom: 1, fall_places: 2}"
        ),
        district_scheme(
            "district-county", "县（市）综合考核", year, interview="{bottom: 1, fall_places: 3}"
        ),
        zone_comprehensive_scheme(year),
        zone_specialised_scheme(year),
        *(department_scheme(code, title, year) for code, title in DEPARTMENT_TITLES.items()),
    ]
    return "---\n".join(documents)
