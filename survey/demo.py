"""The demo city: a fictional prefecture-level city, 云江市 (Yunjiang), with its units and groups.

Everything here is made up, and loading it twice gives the same database (the later parts that
draw random responses use a seeded generator), so that screenshots and tests can rely on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from survey.accounts import Principal, create_user
from survey.config import DEVELOPMENT_SECRET
from survey.errors import N_, Conflict
from survey.models import (
    Evaluation,
    EvaluationStatus,
    GroupKind,
    GroupWeight,
    Period,
    PeriodKind,
    RespondentGroup,
    Role,
    Survey,
    Unit,
    UnitCategory,
)
from survey.models.responses import is_counted
from survey.security import new_password

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


DEMO_SEED = 20261121
DEMO_RESPONSES = 3000
AGE_BANDS = [("18-34", "18-34岁", 0.34), ("35-59", "35-59岁", 0.45), ("60plus", "60岁及以上", 0.21)]
# How well-known and how well-liked each department is (share who know it, mean satisfaction
# on 0..1): drawn once from the seed so that the demo has leaders, laggards and near-ties.
SURVEY_TITLE = "2026年度市直部门群众满意度调查"


def load_demo_survey(session: Session, evaluation_id: int, *, year: int) -> tuple[Survey, int]:
    """The open city-wide survey over the city departments, with seeded responses."""
    from survey.surveys import service
    from survey.surveys.models import SurveyStatus
    from survey.surveys.schemas import OptionIn, QuestionIn, SurveyCreate, SurveyUpdate

    districts = [
        code_name
        for units in (UNITS["district-urban"], UNITS["district-county"])
        for code_name in units
    ]
    data = SurveyCreate(
        evaluation_id=evaluation_id,
        period="Q4",
        title=SURVEY_TITLE,
        title_en=f"Yunjiang {year}: how satisfied are you with the city departments?",
        introduction="请根据您的亲身感受，为市直部门的工作作风、办事效率和服务质量打分。"
        "不了解的部门请选择“不了解”。问卷匿名，约需1分钟。",
        introduction_en="Rate the city departments by your own experience of their conduct, "
        "efficiency and service. Choose “Don't know” for departments you have not dealt with. "
        "Anonymous; about one minute.",
        closes_at=datetime(year, 12, 31, 16, 0, tzinfo=UTC),
        categories=[c for c, *_ in CATEGORIES if c.startswith("dept-")],
        groups=["citizens", "enterprise"],
        questions=[
            QuestionIn(code="who", kind="group", prompt="您的身份", prompt_en="You are"),
            QuestionIn(
                code="district",
                kind="cell",
                variable="district",
                prompt="您居住或工作在",
                prompt_en="You live or work in",
                options=[OptionIn(code=c, label=n, label_en=e) for c, n, e in districts],
            ),
            QuestionIn(
                code="age",
                kind="cell",
                variable="age",
                prompt="您的年龄",
                prompt_en="Your age",
                options=[OptionIn(code=c, label=n) for c, n, _ in AGE_BANDS],
            ),
            QuestionIn(
                code="overall",
                kind="rating",
                scale="satisfaction",
                prompt="您对该部门的总体评价",
                prompt_en="Your overall view of this department",
            ),
            QuestionIn(
                code="suggest",
                kind="text",
                required=False,
                max_length=500,
                prompt="对市直部门还有什么意见建议？",
                prompt_en="Anything else you would like the departments to hear?",
            ),
        ],
    )
    survey = service.create_survey(session, data, DEMO_ACTOR)
    service.update_survey(session, survey.id, SurveyUpdate(status=SurveyStatus.open), DEMO_ACTOR)  # type: ignore[arg-type]
    assert survey.id is not None
    seeded = _seed_survey_responses(session, survey.id, year)
    return survey, seeded


def _seed_survey_responses(session: Session, survey_id: int, year: int) -> int:
    from survey.models import QualityFlag
    from survey.security import random_id
    from survey.surveys.definition import load_definition
    from survey.surveys.writer import (
        ANSWER_COLUMNS,
        COMMENT_COLUMNS,
        RESPONSE_COLUMNS,
        insert_rows,
    )

    rng = random.Random(DEMO_SEED)  # noqa: S311  (reproducible demo data, not secrets)
    survey = session.get(Survey, survey_id)
    assert survey is not None
    definition = load_definition(session, survey)
    groups = {g.code: g.id for g in definition.groups}
    known = {u.id: rng.uniform(0.45, 0.9) for u in definition.units}
    liked = {u.id: rng.uniform(0.55, 0.92) for u in definition.units}
    districts = [o.code for o in definition.questions[1].options]
    district_weights = [3, 3, 2, 2, 2, 1.5, 1, 1, 1, 1, 1, 1]
    levels = [
        ("satisfied", 100.0),
        ("fairly_satisfied", 80.0),
        ("basically_satisfied", 60.0),
        ("dissatisfied", 0.0),
    ]
    comments_pool = [
        "办事效率高，窗口服务热情。",
        "希望进一步简化审批材料。",
        "网上办理还不够方便。",
        "工作人员态度很好，点赞！",
        "节假日能否延长服务时间？",
        "政策宣传可以再加强。",
    ]
    start = datetime(year, 10, 1, 8, tzinfo=UTC)
    responses: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    for _ in range(DEMO_RESPONSES):
        response_id = random_id()
        group_id = groups["citizens"] if rng.random() < 0.8 else groups["enterprise"]
        cell = (
            f"age={rng.choices([a for a, *_ in AGE_BANDS], [w for *_, w in AGE_BANDS])[0]};"
            f"district={rng.choices(districts, district_weights)[0]}"
        )
        flags = 0
        roll = rng.random()
        if roll < 0.012:
            flags = QualityFlag.too_fast
        elif roll < 0.015:
            flags = QualityFlag.honeypot
        responses.append(
            {
                "id": response_id,
                "evaluation_id": definition.evaluation_id,
                "period_id": definition.period_id,
                "group_id": group_id,
                "channel": "qr",
                "submitted_at": start + timedelta(seconds=rng.randrange(0, 50 * 24 * 3600)),
                "time_precision": "second",
                "quality_flags": flags,
                "cell_key": cell,
                "survey_id": survey_id,
                "submission_key": random_id(),
                "submission_hash": None,
            }
        )
        for seq, unit in enumerate(definition.units):
            if rng.random() > known[unit.id]:
                level, value = "dont_know", None
            else:
                quality = liked[unit.id]
                weights = [
                    quality**2,
                    2 * quality * (1 - quality),
                    (1 - quality) * 0.8,
                    (1 - quality) ** 1.5 * 0.6,
                ]
                level, value = rng.choices(levels, weights)[0]
            answers.append(
                {
                    "response_id": response_id,
                    "seq": seq,
                    "evaluation_id": definition.evaluation_id,
                    "period_id": definition.period_id,
                    "group_id": group_id,
                    "unit_id": unit.id,
                    "question": "overall",
                    "level": level,
                    "value": value,
                    "cell_key": cell,
                    "counted": is_counted(flags, None),
                }
            )
        if rng.random() < 0.06:
            unit = rng.choice(definition.units)
            comments.append(
                {
                    "response_id": response_id,
                    "seq": 0,
                    "evaluation_id": definition.evaluation_id,
                    "unit_id": unit.id,
                    "question": None,
                    "text": rng.choice(comments_pool),
                }
            )
    insert_rows(
        session.connection(),
        [tuple(r[c] for c in RESPONSE_COLUMNS) for r in responses],
        [tuple(a[c] for c in ANSWER_COLUMNS) for a in answers],
        [tuple(c[k] for k in COMMENT_COLUMNS) for c in comments],
    )
    session.commit()
    return len(responses)


# (group, title, codes issued, share cast, excluded unit): the delegate meetings of the year.
BALLOT_BATCHES = [
    ("npc", "2026年度市直部门民主测评（人大代表）", 80, 0.7, None),
    ("cppcc", "2026年度市直部门民主测评（政协委员）", 80, 0.65, None),
    ("party", "2026年度市直部门民主测评（党代表）", 60, 0.6, None),
    ("cadres", "2026年度市直部门民主测评（基层干部）", 100, 0.55, None),
    ("civil", "2026年度市直部门民主测评（市教育局机关干部）", 40, 0.8, "BM09"),
]
TRY_CODES = 5


@dataclass(frozen=True)
class DemoBallots:
    batches: int
    cast: int
    try_codes: tuple[str, ...]


def load_demo_ballots(session: Session, evaluation_id: int, *, secret: str) -> DemoBallots:
    """Ballot batches for the delegate groups, issued codes and seeded ballots."""
    from survey.ballots import codes, service
    from survey.ballots.models import BallotCode, CodeStatus, UniformRule
    from survey.ballots.schemas import BatchCreate
    from survey.models import BatchStatus
    from survey.surveys.scales import ScaleKind

    rng = random.Random(DEMO_SEED + 1)  # noqa: S311  (reproducible demo data, not secrets)
    cast = 0
    try_codes: tuple[str, ...] = ()
    departments = [c for c, *_ in CATEGORIES if c.startswith("dept-")]
    for group, title, count, share, excluded in BALLOT_BATCHES:
        batch = service.create_batch(
            session,
            BatchCreate(
                evaluation_id=evaluation_id,
                period="Q4",
                group=group,
                title=title,
                scale=ScaleKind.satisfaction3,
                categories=departments,
                excluded_unit=excluded,
                uniform_rule=UniformRule.warn,
            ),
            DEMO_ACTOR,
        )
        assert batch.id is not None
        service.set_status(session, batch.id, BatchStatus.open, DEMO_ACTOR)
        issued = service.issue_codes(session, batch.id, count, secret, DEMO_ACTOR)
        ballot = service.load_ballot(session, batch)
        used = int(count * share)
        for item in issued[:used]:
            session.exec(
                update(BallotCode)
                .where(col(BallotCode.code_hash) == codes.code_hash(secret, item.code))
                .values(status=CodeStatus.used)
            )
            answers = {}
            for unit in ballot.units:
                roll = rng.random()
                answers[unit.code] = (
                    "dont_know"
                    if roll < 0.12
                    else "dissatisfied"
                    if roll < 0.17
                    else "basically_satisfied"
                    if roll < 0.4
                    else "satisfied"
                )
            plan = service.check_ballot(ballot, answers, {}, confirm_uniform=True)
            service.store_ballot(session.connection(), ballot, plan, "ballot")
            cast += 1
        if group == "npc":
            try_codes = tuple(codes.display(item.code) for item in issued[used : used + TRY_CODES])
        # The seeded ballots went in serial order; shuffle them as closing would.
        service.remix(session.connection(), batch.id)
        session.commit()
    return DemoBallots(batches=len(BALLOT_BATCHES), cast=cast, try_codes=try_codes)


def load_demo_composite(session: Session) -> tuple[int, int]:
    """Composite schemes, two years of hard-indicator data and inputs; 2025's results frozen."""
    from survey.composite.demo import load_demo_composite as load

    evaluations = list(session.exec(select(Evaluation).order_by(col(Evaluation.year))))
    loaded = load(session, evaluations, DEMO_ACTOR)
    return loaded.schemes, loaded.indicator_values


def load_demo(
    session: Session, *, office_password: str | None = None, secret: str = DEVELOPMENT_SECRET
) -> DemoInfo:
    """Load the demo city into an empty, migrated database and create its office login."""
    if session.exec(select(Unit)).first() is not None:
        raise Conflict(
            N_("The database already holds units; the demo loads only into an empty one.")
        )
    categories: dict[str, UnitCategory] = {}
    for order, (code, name, name_en, kind) in enumerate(CATEGORIES):
        category = UnitCategory(code=code, name=name, name_en=name_en, kind=kind, sort_order=order)
        session.add(category)
        categories[code] = category
    session.flush()
    unit_count = 0
    for category_code, units in UNITS.items():
        for order, (code, name, name_en) in enumerate(units):
            category_id = categories[category_code].id
            assert category_id is not None
            session.add(
                Unit(
                    code=code, name=name, name_en=name_en, category_id=category_id, sort_order=order
                )
            )
            unit_count += 1
    groups: dict[str, RespondentGroup] = {}
    for order, (code, name, name_en, kind) in enumerate(GROUPS):
        group = RespondentGroup(code=code, name=name, name_en=name_en, kind=kind, sort_order=order)
        session.add(group)
        groups[code] = group
    session.flush()

    previous: Evaluation | None = None
    for year, status in EVALUATIONS:
        evaluation = Evaluation(
            name=f"{CITY}{year}年度综合考核",
            name_en=f"Yunjiang {year} comprehensive evaluation",
            year=year,
            status=status,
            previous_id=previous.id if previous else None,
        )
        session.add(evaluation)
        session.flush()
        assert evaluation.id is not None
        for order, (code, name, name_en, start, end) in enumerate(QUARTERS):
            session.add(
                Period(
                    evaluation_id=evaluation.id,
                    code=code,
                    name=name,
                    name_en=name_en,
                    kind=PeriodKind.quarter,
                    sort_order=order,
                    starts_on=date(year, *start),
                    ends_on=date(year, *end),
                )
            )
        for category_code, weights in WEIGHTS_PERCENT.items():
            assert sum(weights.values()) == 100
            for group_code, percent in weights.items():
                category_id, group_id = categories[category_code].id, groups[group_code].id
                assert category_id is not None and group_id is not None
                session.add(
                    GroupWeight(
                        evaluation_id=evaluation.id,
                        category_id=category_id,
                        group_id=group_id,
                        weight=percent / 100,
                    )
                )
        previous = evaluation

    password = office_password or new_password()
    create_user(session, DEMO_OFFICE_USER, password, Role.office, display_name="考核办")
    session.commit()
    current = previous  # the open evaluation of this year
    assert current is not None and current.id is not None
    survey, seeded = load_demo_survey(session, current.id, year=current.year)
    ballots = load_demo_ballots(session, current.id, secret=secret)
    composite_schemes, indicator_values = load_demo_composite(session)
    return DemoInfo(
        categories=len(categories),
        units=unit_count,
        groups=len(groups),
        evaluations=len(EVALUATIONS),
        office_username=DEMO_OFFICE_USER,
        office_password=password,
        survey_slug=survey.slug,
        survey_responses=seeded,
        ballots_cast=ballots.cast,
        ballot_batches=ballots.batches,
        try_codes=ballots.try_codes,
        composite_schemes=composite_schemes,
        indicator_values=indicator_values,
    )
