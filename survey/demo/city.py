"""The demo city's data: 云江市's unit categories, units, groups, weights and evaluations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from survey.accounts import Principal
from survey.models import (
    EvaluationStatus,
    GroupKind,
    Role,
)

if TYPE_CHECKING:
    from survey.demo.leads import DemoLogin

CITY = "云江市"
DEMO_ACTOR = Principal(name="demo-loader", role=Role.admin)
DEMO_OFFICE_USER = "office"

# (code, name, English name, kind)
CATEGORIES = [
    ("district-urban", "中心城区", "Urban districts", "district"),
    ("district-county", "县（市）", "Counties and county-level cities", "district"),
    ("zone-comprehensive", "综合类功能区", "Comprehensive functional zones", "zone"),
    ("zone-specialised", "专业类功能区", "Specialised functional zones", "zone"),
    ("dept-economic", "经济发展类部门", "Economic development departments", "department"),
    ("dept-social", "社会民生类部门", "Social and livelihood departments", "department"),
    (
        "dept-regulatory",
        "执法监管类部门",
        "Law enforcement and regulatory departments",
        "department",
    ),
    ("dept-service", "综合服务类部门", "General service departments", "department"),
]

# category code -> [(unit code, name, English name)]
UNITS: dict[str, list[tuple[str, str, str]]] = {
    "district-urban": [
        ("QX01", "云江区", "Yunjiang District"),
        ("QX02", "东湖区", "Donghu District"),
        ("QX03", "西城区", "Xicheng District"),
        ("QX04", "滨江区", "Binjiang District"),
        ("QX05", "北塘区", "Beitang District"),
    ],
    "district-county": [
        ("QX06", "临川市", "Linchuan (county-level city)"),
        ("QX07", "青石县", "Qingshi County"),
        ("QX08", "白沙县", "Baisha County"),
        ("QX09", "柳河县", "Liuhe County"),
        ("QX10", "安平县", "Anping County"),
        ("QX11", "丰泽县", "Fengze County"),
        ("QX12", "石门县", "Shimen County"),
    ],
    "zone-comprehensive": [
        ("YQ01", "云江经济技术开发区", "Yunjiang Economic and Technological Development Zone"),
        ("YQ02", "云江高新技术产业开发区", "Yunjiang High-tech Industrial Development Zone"),
        ("YQ03", "临港经济区", "Lingang Economic Zone"),
    ],
    "zone-specialised": [
        ("YQ04", "云江综合保税区", "Yunjiang Comprehensive Bonded Zone"),
        ("YQ05", "云江旅游度假区", "Yunjiang Tourism Resort"),
        ("YQ06", "空港物流园区", "Airport Logistics Park"),
    ],
    "dept-economic": [
        ("BM01", "市发展和改革委员会", "Development and Reform Commission"),
        ("BM02", "市工业和信息化局", "Bureau of Industry and Information Technology"),
        ("BM03", "市商务局", "Bureau of Commerce"),
        ("BM04", "市财政局", "Bureau of Finance"),
        ("BM05", "市自然资源和规划局", "Bureau of Natural Resources and Planning"),
        ("BM06", "市农业农村局", "Bureau of Agriculture and Rural Affairs"),
        ("BM07", "市文化和旅游局", "Bureau of Culture and Tourism"),
        ("BM08", "市科学技术局", "Bureau of Science and Technology"),
    ],
    "dept-social": [
        ("BM09", "市教育局", "Bureau of Education"),
        ("BM10", "市民政局", "Bureau of Civil Affairs"),
        ("BM11", "市人力资源和社会保障局", "Bureau of Human Resources and Social Security"),
        ("BM12", "市卫生健康委员会", "Health Commission"),
        ("BM13", "市住房和城乡建设局", "Bureau of Housing and Urban-Rural Development"),
        ("BM14", "市医疗保障局", "Healthcare Security Bureau"),
        ("BM15", "市交通运输局", "Bureau of Transport"),
        ("BM16", "市退役军人事务局", "Bureau of Veterans Affairs"),
    ],
    "dept-regulatory": [
        ("BM17", "市公安局", "Public Security Bureau"),
        ("BM18", "市市场监督管理局", "Administration for Market Regulation"),
        ("BM19", "市生态环境局", "Bureau of Ecology and Environment"),
        ("BM20", "市应急管理局", "Bureau of Emergency Management"),
        ("BM21", "市司法局", "Bureau of Justice"),
        ("BM22", "市综合行政执法局", "Comprehensive Administrative Law Enforcement Bureau"),
        ("BM23", "市审计局", "Audit Bureau"),
    ],
    "dept-service": [
        ("BM24", "市行政审批服务局", "Administrative Approval Service Bureau"),
        ("BM25", "市政务服务和大数据管理局", "Government Services and Big Data Bureau"),
        ("BM26", "市城市管理局", "Urban Management Bureau"),
        ("BM27", "市水务局", "Water Affairs Bureau"),
        ("BM28", "市信访局", "Letters and Visits Bureau"),
        ("BM29", "市住房公积金管理中心", "Housing Provident Fund Management Centre"),
        ("BM30", "市机关事务管理局", "Government Offices Administration"),
    ],
}

# (code, name, English name, kind)
GROUPS = [
    ("citizens", "市民群众", "Citizens", GroupKind.public),
    ("enterprise", "企业代表", "Enterprise representatives", GroupKind.public),
    ("npc", "人大代表", "NPC deputies", GroupKind.delegate),
    ("cppcc", "政协委员", "CPPCC members", GroupKind.delegate),
    ("party", "党代表", "Party-congress deputies", GroupKind.delegate),
    ("cadres", "基层干部", "Grassroots cadres", GroupKind.delegate),
    ("civil", "机关干部", "Civil servants", GroupKind.delegate),
]

# Weights per category in per cent (each row sums to 100). Districts answer mostly to their
# residents, zones to the enterprises they serve, departments to everyone they deal with.
WEIGHTS_PERCENT: dict[str, dict[str, int]] = {
    "district-urban": {
        "citizens": 40,
        "enterprise": 20,
        "npc": 10,
        "cppcc": 10,
        "party": 10,
        "cadres": 10,
    },
    "district-county": {
        "citizens": 40,
        "enterprise": 15,
        "npc": 10,
        "cppcc": 10,
        "party": 10,
        "cadres": 15,
    },
    "zone-comprehensive": {
        "citizens": 15,
        "enterprise": 40,
        "npc": 10,
        "cppcc": 10,
        "party": 5,
        "cadres": 10,
        "civil": 10,
    },
    "zone-specialised": {
        "citizens": 10,
        "enterprise": 50,
        "npc": 10,
        "cppcc": 10,
        "party": 5,
        "cadres": 5,
        "civil": 10,
    },
    "dept-economic": {
        "citizens": 20,
        "enterprise": 30,
        "npc": 10,
        "cppcc": 10,
        "party": 5,
        "cadres": 15,
        "civil": 10,
    },
    "dept-social": {
        "citizens": 40,
        "enterprise": 10,
        "npc": 10,
        "cppcc": 10,
        "party": 5,
        "cadres": 15,
        "civil": 10,
    },
    "dept-regulatory": {
        "citizens": 30,
        "enterprise": 20,
        "npc": 10,
        "cppcc": 10,
        "party": 5,
        "cadres": 15,
        "civil": 10,
    },
    "dept-service": {
        "citizens": 35,
        "enterprise": 15,
        "npc": 10,
        "cppcc": 10,
        "party": 5,
        "cadres": 15,
        "civil": 10,
    },
}

QUARTERS = [
    ("Q1", "第一季度", "First quarter", (1, 1), (3, 31)),
    ("Q2", "第二季度", "Second quarter", (4, 1), (6, 30)),
    ("Q3", "第三季度", "Third quarter", (7, 1), (9, 30)),
    ("Q4", "第四季度", "Fourth quarter", (10, 1), (12, 31)),
]

# (year, status)
EVALUATIONS = [(2025, EvaluationStatus.published), (2026, EvaluationStatus.open)]


@dataclass(frozen=True)
class DemoInfo:
    categories: int
    units: int
    groups: int
    evaluations: int
    office_username: str
    office_password: str
    survey_slug: str
    survey_responses: int
    ballots_cast: int
    ballot_batches: int
    try_codes: tuple[str, ...]  # unused codes of the NPC deputies' ballot, to try /b
    composite_schemes: int = 0
    indicator_values: int = 0
    unit_logins: tuple[tuple[str, str, str], ...] = ()  # (unit code, username, password)
    lead_logins: tuple[DemoLogin, ...] = ()  # a lead department's sign-in
