"""The demo's service-window survey: an overall question and four aspects, for the key drivers.

Each general service department has its own strength on each aspect, and a respondent's
overall view follows the aspects with fixed weights (efficiency most, openness least) plus
noise, so the key-driver page has a clear ranking of importance and departments that differ
in performance.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from survey.demo.city import DEMO_ACTOR
from survey.models import Survey
from survey.models.responses import is_counted

DRIVER_SEED = 20261207
DRIVER_RESPONSES = 900
DRIVER_CATEGORY = "dept-service"
# (code, prompt, English prompt, weight in the overall view)
ASPECTS = [
    ("efficiency", "办事效率", "Speed of service", 0.45),
    ("attitude", "服务态度", "Attitude of the staff", 0.25),
    ("convenience", "办事便捷程度", "Ease of getting things done", 0.20),
    ("openness", "政务公开", "Openness of information", 0.10),
]
_LEVELS = [
    ("satisfied", 100.0, 85.0),
    ("fairly_satisfied", 80.0, 70.0),
    ("basically_satisfied", 60.0, 50.0),
    ("dissatisfied", 0.0, float("-inf")),
]


def _level(latent: float) -> tuple[str, float]:
    return next((code, score) for code, score, floor in _LEVELS if latent >= floor)


def load_demo_driver_survey(session: Session, evaluation_id: int, *, year: int) -> Survey:
    """The closed service-window survey of the third quarter, with seeded responses."""
    from survey.surveys import service
    from survey.surveys.models import QuestionKind, QuestionRole, SurveyStatus
    from survey.surveys.scales import ScaleKind
    from survey.surveys.schemas import QuestionIn, SurveyCreate, SurveyUpdate

    rating = QuestionKind.rating
    data = SurveyCreate(
        evaluation_id=evaluation_id,
        period="Q3",
        title=f"{year}年度政务服务窗口满意度调查",
        title_en=f"Yunjiang {year}: service windows",
        introduction="请根据您在服务窗口办事的经历，对总体满意度和各方面分别评价。",
        introduction_en="Rate the service window you used: overall, then each aspect.",
        categories=[DRIVER_CATEGORY],
        groups=["citizens", "enterprise"],
        questions=[
            QuestionIn(code="who", kind=QuestionKind.group, prompt="您的身份", prompt_en="You are"),
            QuestionIn(
                code="overall",
                kind=rating,
                scale=ScaleKind.satisfaction,
                role=QuestionRole.overall,
                prompt="您对该部门的总体评价",
                prompt_en="Your overall view of this department",
            ),
            *[
                QuestionIn(
                    code=code,
                    kind=rating,
                    scale=ScaleKind.satisfaction,
                    role=QuestionRole.aspect,
                    prompt=prompt,
                    prompt_en=prompt_en,
                )
                for code, prompt, prompt_en, _ in ASPECTS
            ],
        ],
    )
    survey = service.create_survey(session, data, DEMO_ACTOR)
    assert survey.id is not None
    service.update_survey(session, survey.id, SurveyUpdate(status=SurveyStatus.open), DEMO_ACTOR)
    _seed(session, survey, year)
    service.update_survey(session, survey.id, SurveyUpdate(status=SurveyStatus.closed), DEMO_ACTOR)
    return survey


def _seed(session: Session, survey: Survey, year: int) -> None:
    from survey.security import random_id
    from survey.surveys.definition import load_definition
    from survey.surveys.writer import (
        ANSWER_COLUMNS,
        RESPONSE_COLUMNS,
        insert_rows,
    )

    rng = random.Random(DRIVER_SEED)  # noqa: S311  (reproducible demo data, not secrets)
    definition = load_definition(session, survey)
    groups = {g.code: g.id for g in definition.groups}
    # Each department's mean on each aspect (0-100 latent scale).
    strength = {u.id: [rng.uniform(62, 88) for _ in ASPECTS] for u in definition.units}
    start = datetime(year, 7, 1, 8, tzinfo=UTC)
    responses: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    for _ in range(DRIVER_RESPONSES):
        response_id = random_id()
        group_id = groups["citizens"] if rng.random() < 0.7 else groups["enterprise"]
        responses.append(
            {
                "id": response_id,
                "evaluation_id": definition.evaluation_id,
                "period_id": definition.period_id,
                "group_id": group_id,
                "channel": "qr",
                "submitted_at": start + timedelta(seconds=rng.randrange(0, 80 * 24 * 3600)),
                "time_precision": "second",
                "quality_flags": 0,
                "cell_key": None,
                "survey_id": survey.id,
                "submission_key": random_id(),
                "submission_hash": None,
            }
        )
        # A citizen rates the one or two windows they used.
        visited = rng.sample(list(definition.units), rng.choice([1, 1, 2]))
        seq = 0
        for unit in visited:
            mood = rng.gauss(0, 9)  # how the day went colours every aspect a little
            latents = [m + mood + rng.gauss(0, 11) for m in strength[unit.id]]
            overall = sum(w * x for (*_, w), x in zip(ASPECTS, latents, strict=True))
            rated = [("overall", *_level(overall + rng.gauss(0, 5)))]
            rated += [(code, *_level(x)) for (code, *_), x in zip(ASPECTS, latents, strict=True)]
            for question, level, value in rated:
                answers.append(
                    {
                        "response_id": response_id,
                        "seq": seq,
                        "evaluation_id": definition.evaluation_id,
                        "period_id": definition.period_id,
                        "group_id": group_id,
                        "unit_id": unit.id,
                        "question": question,
                        "level": level,
                        "value": value,
                        "cell_key": None,
                        "counted": is_counted(0, None),
                    }
                )
                seq += 1
    insert_rows(
        session.connection(),
        [tuple(r[c] for c in RESPONSE_COLUMNS) for r in responses],
        [tuple(a[c] for c in ANSWER_COLUMNS) for a in answers],
        [],
    )
    session.commit()
