"""Factories for test data: each call builds what one test needs, with unique codes."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from survey.accounts import Principal, create_token, create_user
from survey.models import (
    BallotBatch,
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
    User,
)
from survey.surveys import service
from survey.surveys.schemas import QuestionIn, SurveyCreate, SurveyUpdate

_counter = itertools.count(1)
ACTOR = Principal(name="test", role=Role.admin)
PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-" + "x" * 40  # the conftest's PINGYI_SECRET_KEY


def _n() -> int:
    return next(_counter)


def make_category(session: Session, **fields: object) -> UnitCategory:
    n = _n()
    category = UnitCategory(**{"code": f"cat{n}", "name": f"类别{n}", **fields})  # type: ignore[arg-type]
    session.add(category)
    session.commit()
    return category


def make_unit(session: Session, category: UnitCategory, **fields: object) -> Unit:
    n = _n()
    unit = Unit(**{"code": f"U{n}", "name": f"单位{n}", "category_id": category.id, **fields})  # type: ignore[arg-type]
    session.add(unit)
    session.commit()
    return unit


def make_group(session: Session, **fields: object) -> RespondentGroup:
    n = _n()
    group = RespondentGroup(
        **{"code": f"g{n}", "name": f"群体{n}", "kind": GroupKind.public, **fields}  # type: ignore[arg-type]
    )
    session.add(group)
    session.commit()
    return group


def make_evaluation(session: Session, *, quarters: bool = True, **fields: object) -> Evaluation:
    n = _n()
    evaluation = Evaluation(
        **{"name": f"考核{n}", "year": 2026, "status": EvaluationStatus.open, **fields}  # type: ignore[arg-type]
    )
    session.add(evaluation)
    session.commit()
    if quarters:
        for order in range(4):
            session.add(
                Period(
                    evaluation_id=evaluation.id,  # type: ignore[arg-type]
                    code=f"Q{order + 1}",
                    name=f"第{order + 1}季度",
                    kind=PeriodKind.quarter,
                    sort_order=order,
                )
            )
        session.commit()
    return evaluation


def set_weight(
    session: Session,
    evaluation: Evaluation,
    category: UnitCategory,
    group: RespondentGroup,
    weight: float,
) -> None:
    session.add(
        GroupWeight(
            evaluation_id=evaluation.id,  # type: ignore[arg-type]
            category_id=category.id,  # type: ignore[arg-type]
            group_id=group.id,  # type: ignore[arg-type]
            weight=weight,
        )
    )
    session.commit()


def make_user(session: Session, role: Role = Role.office, **fields: object) -> User:
    username = str(fields.pop("username", f"user{_n()}"))
    user = create_user(session, username, PASSWORD, role, **fields)  # type: ignore[arg-type]
    session.commit()
    return user


def make_token(session: Session, role: Role = Role.office) -> str:
    _, plaintext = create_token(session, f"token{_n()}", role)
    session.commit()
    return plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_survey(
    session: Session,
    *,
    units: int = 3,
    groups: int = 1,
    status: str = "open",
    questions: list[QuestionIn] | None = None,
    **fields: object,
) -> tuple[Survey, list[Unit], list[RespondentGroup]]:
    """An open survey over ``units`` new units with a satisfaction rating question."""
    evaluation = make_evaluation(session)
    category = make_category(session)
    unit_rows = [make_unit(session, category) for _ in range(units)]
    group_rows = [make_group(session) for _ in range(groups)]
    data = SurveyCreate(
        evaluation_id=evaluation.id,  # type: ignore[arg-type]
        period="Q1",
        title="测试问卷",
        units=[u.code for u in unit_rows],
        groups=[g.code for g in group_rows],
        questions=questions
        or [QuestionIn(code="overall", kind="rating", prompt="总体评价", scale="satisfaction")],
        **fields,  # type: ignore[arg-type]
    )
    survey = service.create_survey(session, data, ACTOR)
    if status != "draft":
        service.update_survey(session, survey.id, SurveyUpdate(status="open"), ACTOR)  # type: ignore[arg-type]
    if status == "closed":
        service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)  # type: ignore[arg-type]
    return survey, unit_rows, group_rows


def make_ballot(
    session: Session,
    *,
    units: int = 4,
    codes: int = 5,
    status: str = "open",
    uniform_rule: str = "warn",
    unit_comments: bool = False,
    scale: str = "satisfaction3",
) -> tuple[BallotBatch, list[Unit], list[str]]:
    """An open ballot batch over ``units`` new units with ``codes`` issued codes (plaintext)."""
    from survey.ballots import service as ballots
    from survey.ballots.schemas import BatchCreate

    evaluation = make_evaluation(session)
    category = make_category(session)
    unit_rows = [make_unit(session, category) for _ in range(units)]
    group = make_group(session, kind="delegate")
    batch = ballots.create_batch(
        session,
        BatchCreate(
            evaluation_id=evaluation.id,
            group=group.code,
            title="测评",
            scale=scale,  # type: ignore[arg-type]
            units=[u.code for u in unit_rows],
            uniform_rule=uniform_rule,  # type: ignore[arg-type]
            unit_comments=unit_comments,
        ),
        ACTOR,
    )
    issued = ballots.issue_codes(session, batch.id, codes, TEST_SECRET, ACTOR)  # type: ignore[arg-type]
    if status != "draft":
        ballots.set_status(session, batch.id, "open", ACTOR)  # type: ignore[arg-type]
    return batch, unit_rows, [item.code for item in issued]
