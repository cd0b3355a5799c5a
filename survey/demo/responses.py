"""The demo's open city-wide survey and its seeded citizen responses."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from survey.demo.city import CATEGORIES, DEMO_ACTOR, UNITS
from survey.models import (
    Survey,
)
from survey.models.responses import is_counted

if TYPE_CHECKING:
    from survey.surveys.definition import SurveyDefinition

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


_DISTRICT_WEIGHTS = [3, 3, 2, 2, 2, 1.5, 1, 1, 1, 1, 1, 1]
_LEVELS = [
    ("satisfied", 100.0),
    ("fairly_satisfied", 80.0),
    ("basically_satisfied", 60.0),
    ("dissatisfied", 0.0),
]
_COMMENTS = [
    "办事效率高，窗口服务热情。",
    "希望进一步简化审批材料。",
    "网上办理还不够方便。",
    "工作人员态度很好，点赞！",
    "节假日能否延长服务时间？",
    "政策宣传可以再加强。",
]


def _seed_survey_responses(session: Session, survey_id: int, year: int) -> int:
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
    known = {u.id: rng.uniform(0.45, 0.9) for u in definition.units}
    liked = {u.id: rng.uniform(0.55, 0.92) for u in definition.units}
    districts = [o.code for o in definition.questions[1].options]
    start = datetime(year, 10, 1, 8, tzinfo=UTC)
    rows = _Rows()
    for _ in range(DEMO_RESPONSES):
        _draw_response(
            rng, definition, rows, start=start, known=known, liked=liked, districts=districts
        )
    insert_rows(
        session.connection(),
        [tuple(r[c] for c in RESPONSE_COLUMNS) for r in rows.responses],
        [tuple(a[c] for c in ANSWER_COLUMNS) for a in rows.answers],
        [tuple(c[k] for k in COMMENT_COLUMNS) for c in rows.comments],
    )
    session.commit()
    return len(rows.responses)


@dataclass
class _Rows:
    """Rows for the bulk insert the survey writer uses."""

    responses: list[dict[str, object]] = field(default_factory=list)
    answers: list[dict[str, object]] = field(default_factory=list)
    comments: list[dict[str, object]] = field(default_factory=list)


def _draw_response(
    rng: random.Random,
    definition: SurveyDefinition,
    rows: _Rows,
    *,
    start: datetime,
    known: dict[int, float],
    liked: dict[int, float],
    districts: list[str],
) -> None:
    """One citizen's response; the draws keep their order, so the seed gives the same data."""
    from survey.models import QualityFlag
    from survey.security import random_id

    groups = {g.code: g.id for g in definition.groups}
    survey_id = definition.id
    response_id = random_id()
    group_id = groups["citizens"] if rng.random() < 0.8 else groups["enterprise"]
    cell = (
        f"age={rng.choices([a for a, *_ in AGE_BANDS], [w for *_, w in AGE_BANDS])[0]};"
        f"district={rng.choices(districts, _DISTRICT_WEIGHTS)[0]}"
    )
    flags = 0
    roll = rng.random()
    if roll < 0.012:
        flags = QualityFlag.too_fast
    elif roll < 0.015:
        flags = QualityFlag.honeypot
    rows.responses.append(
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
    answered = {"response_id": response_id, "group_id": group_id, "cell_key": cell}
    _draw_answers(rng, definition, rows, answered, flags=flags, known=known, liked=liked)
    if rng.random() < 0.06:
        unit = rng.choice(definition.units)
        rows.comments.append(
            {
                "response_id": response_id,
                "seq": 0,
                "evaluation_id": definition.evaluation_id,
                "unit_id": unit.id,
                "question": None,
                "text": rng.choice(_COMMENTS),
            }
        )


def _draw_answers(
    rng: random.Random,
    definition: SurveyDefinition,
    rows: _Rows,
    answered: dict[str, object],
    *,
    flags: int,
    known: dict[int, float],
    liked: dict[int, float],
) -> None:
    """The response's rating of every unit: "don't know" unless the unit is known."""
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
            level, value = rng.choices(_LEVELS, weights)[0]
        rows.answers.append(
            {
                "response_id": answered["response_id"],
                "seq": seq,
                "evaluation_id": definition.evaluation_id,
                "period_id": definition.period_id,
                "group_id": answered["group_id"],
                "unit_id": unit.id,
                "question": "overall",
                "level": level,
                "value": value,
                "cell_key": answered["cell_key"],
                "counted": is_counted(flags, None),
            }
        )
