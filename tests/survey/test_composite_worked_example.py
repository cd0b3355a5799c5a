"""A worked example from the seeds, end to end through the database.

Fourteen districts (区市) compete in one category. The office writes a YAML scheme, imports
the hard-indicator file, enters bonuses and deductions, a lead department enters its
qualitative scores, and last year's published ranking is in the database. Every expected
figure below is worked out by hand in the comments.

The scheme (Qingdao, Lanzhou and Taixing rules together):

* 高质量发展 (80 points): fixed-asset investment against a per-unit target, assessed
  quarterly on cumulative nodes Q1, H1, Q1-Q3 and the year weighted 10/20/30/40 % (Qingdao
  2020); points = 80 * min(value / target, 1). The block is multiplied by Lanzhou's tier
  coefficient (1.00 ... 1.18) chosen by the unit's share of the category's GDP increment.
* 综合评价 (20 points): 依法行政, the qualitative score (0-100) the Bureau of Justice gave,
  rescaled linearly: points = 20 * score / 100.
* 加减分: Lanzhou's bonus 2-8 points per item (honours, major projects), bonus total capped
  at 8, deduction 1-6 points for serious negative impact.
* Taixing's differentiation rule on the Bureau's scores, with 0.2 points off the Bureau's own
  total; Qingdao's interview list (bottom 3, or a fall of 10 places or more).
"""

from __future__ import annotations

import csv
import io
import math

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from scoring import recompute
from survey.composite import indicators, inputs, service
from survey.composite import scheme as schemes
from survey.composite.schemas import AdjustmentCreate, QualitativeScoreIn
from survey.models import Evaluation, EvaluationStatus, Unit
from tests.factories import ACTOR, bearer, make_category, make_evaluation, make_token, make_unit

NAN = math.nan
CODES = [f"U{i:02d}" for i in range(1, 15)]

# Cumulative investment targets (亿元) of every district: Q1 10, H1 20, Q1-Q3 30, year 40.
TARGETS = {"Q1": 10.0, "H1": 20.0, "Q1-Q3": 30.0, "year": 40.0}
# Intended period points (out of 80 = 80 * value / target): Q1, H1, Q1-Q3, year.
POINTS: list[list[float]] = [
    [60, 70, 80, 80],  # U01: 6 + 14 + 24 + 32 = 76 (its year value 44 > target: capped at 80)
    [80, 75, 70, 65],  # U02: 8 + 15 + 21 + 26 = 70
    [70, 70, 70, 70],  # U03: 70
    [72, 72, 72, 72],  # U04: 72
    [66, 66, 66, 66],  # U05: 66
    [68, 68, 68, 68],  # U06: 68
    [65, 65, 65, 65],  # U07: 65
    [64, 64, 64, 64],  # U08: 64
    [63, 63, 63, 63],  # U09: 63
    [62, 62, 62, 62],  # U10: 62
    [60, 60, 60, 60],  # U11: 60
    [58, 58, 58, 58],  # U12: 58
    [55, 55, 55, 55],  # U13: 55
    [NAN, 50, 50, 50],  # U14: no Q1 row -> (0.2*50 + 0.3*50 + 0.4*50) / 0.9 = 50
]
# GDP increments (亿元), adding up to 100, so the share is increment / 100.
INCREMENTS = [20, 13, 9, 6, 5, 4, 3, 2, 1, 1, 15, 1, 0, 20]
# Cut points 0.02, 0.05, 0.08, 0.12, 0.16 (a share at a cut point takes the upper tier):
#   0.20 -> 1.18 (U01, U14); 0.13, 0.15 -> 1.14 (U02, U11); 0.09 -> 1.10 (U03);
#   0.06, 0.05 -> 1.06 (U04, U05); 0.04, 0.03, 0.02 -> 1.03 (U06, U07, U08);
#   0.01, 0.00 -> 1.00 (U09, U10, U12, U13).
# The Bureau of Justice's 依法行政 scores; 综合评价 = score / 5.
RULE_OF_LAW = [92, 88, 85, 90, 84, 86, 83, 82, 81, 87, 79, 80, 78, 80]
# Totals = investment points * coefficient + score / 5 + net bonus:
#   U01 76*1.18 = 89.68 + 18.4 + 3 = 111.08     U08 64*1.03 = 65.92 + 16.4 = 82.32
#   U02 70*1.14 = 79.80 + 17.6 + 8 = 105.40     U09 63 + 16.2 = 79.20
#   U03 70*1.10 = 77.00 + 17.0     =  94.00     U10 62 + 17.4 = 79.40
#   U04 72*1.06 = 76.32 + 18.0     =  94.32     U11 60*1.14 = 68.40 + 15.8 - 6 = 78.20
#   U05 66*1.06 = 69.96 + 16.8 - 1 =  85.76     U12 58 + 16.0 = 74.00
#   U06 68*1.03 = 70.04 + 17.2     =  87.24     U13 55 + 15.6 = 70.60
#   U07 65*1.03 = 66.95 + 16.6     =  83.55     U14 50*1.18 = 59.00 + 16.0 = 75.00
TOTALS = [
    111.08, 105.40, 94.00, 94.32, 85.76, 87.24, 83.55,
    82.32, 79.20, 79.40, 78.20, 74.00, 70.60, 75.00,
]  # fmt: skip
# Ranking: U01 1, U02 2, U04 3, U03 4, U06 5, U05 6, U07 7, U08 8, U10 9, U09 10, U11 11,
# U14 12, U12 13, U13 14.
RANKS = [1, 2, 4, 3, 6, 5, 7, 8, 10, 9, 11, 13, 14, 12]
# Last year's published ranking (U15 has since been dissolved; U14 is new):
PREVIOUS = {
    "U11": 1, "U09": 2, "U01": 3, "U02": 4, "U03": 5, "U04": 6, "U15": 7,
    "U05": 8, "U06": 9, "U07": 10, "U08": 11, "U10": 12, "U12": 13, "U13": 14,
}  # fmt: skip
# Change = last year - this year: U01 +2, U02 +2, U03 +1, U04 +3, U05 +2, U06 +4, U07 +3,
# U08 +3, U09 -8, U10 +3, U11 -10, U12 0, U13 0, U14 new.
CHANGES = [2, 2, 1, 3, 2, 4, 3, 3, -8, 3, -10, 0, 0, None]

DISTRICT_SCHEME = """\
# 区市综合考核方案 (the worked example)
category: {dist}
title: 区市综合考核
periods:
  codes: [Q1, H1, Q1-Q3, year]
  weights: [0.1, 0.2, 0.3, 0.4]     # Qingdao 2020
blocks:
  - code: development
    name: 高质量发展
    points: 80
    coefficient:                    # Lanzhou: tiers 1.00 .. 1.18 by the share of GDP growth
      indicator: gdp_increment
      period: year
      rule: share
      thresholds: [0.02, 0.05, 0.08, 0.12, 0.16]
    indicators:
      - code: investment
        name: 固定资产投资
        points: 80
        method: target_completion
        source: {{type: hard, indicator: investment}}
  - code: appraisal
    name: 综合评价
    points: 20
    indicators:
      - code: rule_of_law
        name: 依法行政
        points: 20
        source: {{type: qualitative, item: rule_of_law}}
adjustments:
  - code: bonus
    name: 加减分
    items:
      - {{code: honour, name: 省部级表彰, low: 2, high: 8}}
      - {{code: project, name: 重大项目, low: 2, high: 8}}
      - {{code: negative, name: 重大负面影响, low: -6, high: -1}}
    bonus_total_max: 8
ranking: {{decimals: 2, tie_break: [{{block: development}}]}}
grades:
  thresholds: [90, 80, 60]
  max_shares: [0.2, null, null]     # at most floor(0.2 * 14) = 2 units 优秀
interview: {{bottom: 3, fall_places: 10}}
progress_award: {{min_rise: 4}}
differentiation: {{}}                 # Taixing's defaults: 90 / 30 %, 80 / 20 %, 0.2 points
warnings:
  - {{indicator: investment, period: year, max_drop: 0.1}}
---
category: {dept}
title: 市直部门
blocks:
  - code: business
    name: 业务目标
    points: 100
    indicators:
      - code: tasks
        name: 重点任务
        points: 100
        method: min_max
        params: {{low: 0, high: 100}}
        source: {{type: hard, indicator: tasks, period: year}}
adjustments:
  - code: penalty
    name: 差别化扣分
    source: differentiation_penalty
interview: null
"""

PREVIOUS_SCHEME = """\
category: {dist}
indicators:
  - code: score
    name: 上年综合得分
    points: 100
    method: min_max
    params: {{low: 0, high: 100}}
    source: {{type: hard, indicator: score, period: year}}
"""


def _csv(rows: list[tuple[str, str, str, float, float | None]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["unit", "indicator", "period", "value", "target"])
    for unit, indicator, period, value, target in rows:
        writer.writerow([unit, indicator, period, repr(value), "" if target is None else target])
    return buffer.getvalue().encode()


def _setup(session: Session) -> tuple[Evaluation, dict[str, Unit], str, str]:
    dist = make_category(session, name="区市")
    dept = make_category(session, name="市直部门")
    units = {code: make_unit(session, dist, code=code) for code in CODES[:13]}
    units["U15"] = make_unit(session, dist, code="U15")
    units["L1"] = make_unit(session, dept, code="L1", name="市司法局")
    units["L2"] = make_unit(session, dept, code="L2", name="市应急管理局")

    # Last year: a one-indicator scheme whose values give the PREVIOUS ranks, published.
    last = make_evaluation(session, year=2025, status=EvaluationStatus.closed)
    assert last.id is not None
    schemes.import_text(session, last.id, PREVIOUS_SCHEME.format(dist=dist.code), ACTOR)
    rows = [(code, "score", "year", 100.0 - rank, None) for code, rank in PREVIOUS.items()]
    # Last year's investment, for this year's early warning: U09 had 40 (now 31.5, -21.25 %),
    # U01 had 40 (now 44, +10 %: no warning).
    rows += [("U09", "investment", "year", 40.0, None), ("U01", "investment", "year", 40.0, None)]
    indicators.import_indicators(session, last.id, _csv(rows), "last.csv", actor=ACTOR)
    service.publish_results(session, last.id, ACTOR)

    # Since then U15 was dissolved and U14 created.
    units["U15"].active = False
    session.add(units["U15"])
    session.commit()
    units["U14"] = make_unit(session, dist, code="U14")

    current = make_evaluation(session, year=2026, previous_id=last.id)
    assert current.id is not None
    schemes.import_text(
        session,
        current.id,
        DISTRICT_SCHEME.format(dist=dist.code, dept=dept.code),
        ACTOR,
        note="worked example",
    )
    rows = []
    for code, points in zip(CODES, POINTS, strict=True):
        for period, p in zip(TARGETS, points, strict=True):
            if math.isnan(p):
                continue  # U14 reported no Q1 figure
            target = TARGETS[period]
            value = p / 80 * target
            if code == "U01" and period == "year":
                value = 44.0  # 110 % of the target: completion is capped at 1
            rows.append((code, "investment", period, value, target))
    rows += [
        (code, "gdp_increment", "year", float(inc), None)
        for code, inc in zip(CODES, INCREMENTS, strict=True)
    ]
    rows += [("L1", "tasks", "year", 91.5, None), ("L2", "tasks", "year", 90.0, None)]
    indicators.import_indicators(session, current.id, _csv(rows), "2026.csv", actor=ACTOR)

    for unit, item, points, reason in [
        ("U01", "honour", 3, "省级文明城区"),
        ("U02", "honour", 5, "全国营商环境示范"),
        ("U02", "project", 10, "百亿元项目落地"),  # above the item's 8: counts 8
        ("U05", "negative", -0.5, "安全事故通报"),  # below the item's 1 in size: counts -1
        ("U11", "negative", -9, "重大环境事件"),  # beyond the item's 6: counts -6
    ]:
        inputs.add_adjustment(
            session,
            current.id,
            AdjustmentCreate(
                unit=unit, item=item, points=points, reason=reason, approved_by="市考核委"
            ),
            ACTOR,
        )
    inputs.put_qualitative(
        session,
        current.id,
        [
            QualitativeScoreIn(unit=code, item="rule_of_law", lead="L1", score=score)
            for code, score in zip(CODES, RULE_OF_LAW, strict=True)
        ],
        ACTOR,
    )
    return current, units, dist.code, dept.code


def test_the_worked_example_through_the_database(session: Session) -> None:
    current, _, dist, dept = _setup(session)
    assert current.id is not None
    results = service.composite_results(session, current.id, viewer=ACTOR)
    by_code = {u.unit: u for u in results.units}
    for i, code in enumerate(CODES):
        unit = by_code[code]
        assert unit.total == pytest.approx(TOTALS[i], abs=1e-9), code
        assert unit.rank == RANKS[i], code
        assert unit.rank_change == CHANGES[i], code
        assert unit.scheme_version == 1
    assert by_code["U14"].rank_change_status == "new"
    # Block subtotals of U02: 70 * 1.14 = 79.8 and 88 / 5 = 17.6.
    blocks = {b.code: b.value for b in by_code["U02"].blocks}
    assert blocks == pytest.approx({"development": 79.8, "appraisal": 17.6})

    # 优秀: >= 90 and at most floor(0.2 * 14) = 2: U01, U02. U04 and U03 (>= 90) go to 良好.
    # 良好 (>= 80): U04, U03, U06, U05, U07, U08. 合格 (>= 60): the other six.
    grades = {u.unit: u.grade for u in results.units if u.category == dist}
    assert [c for c in CODES if grades[c] == "优秀"] == ["U01", "U02"]
    assert by_code["U04"].demoted_from == "优秀" and by_code["U04"].grade == "良好"
    assert sorted(c for c in CODES if grades[c] == "良好") == [
        "U03", "U04", "U05", "U06", "U07", "U08",
    ]  # fmt: skip
    assert sorted(c for c in CODES if grades[c] == "合格") == [
        "U09", "U10", "U11", "U12", "U13", "U14",
    ]  # fmt: skip

    # Interviews: bottom 3 = ranks 12-14 (U14, U12, U13); fell 10 or more: U11 (1st -> 11th).
    # U09 fell 8 places: not listed.
    listed = sorted(u.unit for u in results.units if u.flags.interview)
    assert listed == ["U11", "U12", "U13", "U14"]
    assert by_code["U11"].flags.interview_fell and not by_code["U11"].flags.interview_bottom
    assert not by_code["U09"].flags.interview
    # Progress award for a rise of 4 places or more: U06 (9th -> 5th).
    assert [u.unit for u in results.units if u.flags.progress_award] == ["U06"]
    # Early warning: U09's investment fell from 40 to 63 / 80 * 40 = 31.5, i.e. -21.25 %.
    warned = {u.unit: u.flags.warnings for u in results.units if u.flags.warnings}
    assert list(warned) == ["U09"]
    assert warned["U09"][0].change == pytest.approx(-0.2125)

    # Taixing: 14 scores; >= 90 are 92 and 90 (2 <= floor(0.3 * 14) = 4, fine); < 80 are 79
    # and 78 (2 < ceil(0.2 * 14) = 3: broken). The Bureau loses 0.2: 91.5 - 0.2 = 91.3.
    (report,) = results.differentiation
    assert (report.lead, report.category, report.item) == ("L1", dist, "rule_of_law")
    assert (report.n_high, report.max_high, report.n_low, report.min_low) == (2, 4, 2, 3)
    assert not report.passed and report.penalty_applied and report.penalty == 0.2
    assert by_code["L1"].total == pytest.approx(91.3)
    assert by_code["L2"].total == pytest.approx(90.0)
    assert by_code["L1"].category == dept

    # The explanation recomputes to the total, and shows the bounded bonus of U02.
    explanation = service.explain_unit(session, current.id, "U02", viewer=ACTOR)
    assert recompute(explanation["tree"]) == pytest.approx(105.40, abs=1e-9)
    bonus = next(c for c in explanation["tree"]["children"] if c["name"] == "bonus")
    assert bonus["detail"]["bonus_raw"] == 13.0 and bonus["detail"]["bonus"] == 8.0
    assert [e["reason"] for e in bonus["source"]["entries"]] == [
        "全国营商环境示范",
        "百亿元项目落地",
    ]


def test_explain_json_over_http_recomputes_to_the_stored_total(
    session: Session, client: TestClient
) -> None:
    current, _, _, _ = _setup(session)
    token = make_token(session)
    body = client.get(
        f"/api/v1/evaluations/{current.id}/results/units/U14/explain", headers=bearer(token)
    ).json()
    # U14: no Q1, so its period weights are renormalised to 2/9, 3/9, 4/9.
    development = body["tree"]["children"][0]
    periods = development["children"][0]["detail"]
    assert periods["inputs"]["scores"][0] == "NaN"
    assert periods["weights_used"][0] == 0
    assert recompute(body["tree"]) == pytest.approx(75.0, abs=1e-9)
    results = client.get(f"/api/v1/evaluations/{current.id}/results", headers=bearer(token)).json()
    stored = next(u for u in results["units"] if u["unit"] == "U14")
    assert recompute(body["tree"]) == pytest.approx(stored["total"], abs=1e-12)
