"""Hand-built responses for the satisfaction tests, stored through the ORM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session

from survey.models import (
    Answer,
    Evaluation,
    RespondentGroup,
    Response,
    Unit,
    UnitCategory,
)
from survey.models.responses import is_counted
from survey.security import random_id
from survey.surveys.service import decide_quality
from tests.factories import ACTOR, make_category, make_evaluation, make_group, make_unit, set_weight

# (unit, question, level); level None stores an answer without a level.
Rating = tuple[Unit | None, str, str | None]


def add_response(
    session: Session,
    evaluation: Evaluation,
    group: RespondentGroup,
    ratings: Sequence[Rating],
    *,
    flags: int = 0,
    decision: str | None = None,
    period_id: int | None = None,
    cell_key: str | None = None,
    commit: bool = True,
) -> str:
    response_id = random_id()
    assert evaluation.id is not None and group.id is not None
    session.add(
        Response(
            id=response_id,
            evaluation_id=evaluation.id,
            period_id=period_id,
            group_id=group.id,
            channel="qr",
            submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
            time_precision="second",
            quality_flags=flags,
            cell_key=cell_key,
        )
    )
    session.flush()
    for seq, (unit, question, level) in enumerate(ratings):
        session.add(
            Answer(
                response_id=response_id,
                seq=seq,
                evaluation_id=evaluation.id,
                period_id=period_id,
                group_id=group.id,
                unit_id=unit.id if unit is not None else None,
                question=question,
                level=level,
                cell_key=cell_key,
                counted=is_counted(flags, None),  # as the writer stores it
            )
        )
    if decision is not None:
        # The office's decision through the service, which also updates the answers.
        decide_quality(session, response_id, decision, ACTOR)
    elif commit:
        session.commit()
    return response_id


def add_many(
    session: Session,
    evaluation: Evaluation,
    group: RespondentGroup,
    unit: Unit,
    levels: dict[str, int],
    *,
    question: str = "overall",
    **options: object,
) -> None:
    """One response per answer: ``levels`` maps a level to how many respondents chose it."""
    for level, count in levels.items():
        for _ in range(count):
            add_response(
                session,
                evaluation,
                group,
                [(unit, question, level)],
                commit=False,
                **options,  # type: ignore[arg-type]
            )
    session.commit()


class Case:
    """Category C with groups A (weight 0.6), B (0.3) and D (0.1), and units U1, U2."""

    def __init__(self, session: Session, **evaluation_fields: object) -> None:
        self.evaluation: Evaluation = make_evaluation(session, **evaluation_fields)
        self.category: UnitCategory = make_category(session)
        self.u1: Unit = make_unit(session, self.category)
        self.u2: Unit = make_unit(session, self.category)
        self.a: RespondentGroup = make_group(session)
        self.b: RespondentGroup = make_group(session)
        self.d: RespondentGroup = make_group(session, kind="delegate")
        for group, weight in ((self.a, 0.6), (self.b, 0.3), (self.d, 0.1)):
            set_weight(session, self.evaluation, self.category, group, weight)
        e = self.evaluation
        # U1, group A: 4 x 100, 2 x 80, 1 x 60, 1 x 0 valid, and 2 don't know.
        add_many(session, e, self.a, self.u1, {"satisfied": 3, "fairly_satisfied": 2})
        add_many(session, e, self.a, self.u1, {"basically_satisfied": 1, "dissatisfied": 1})
        add_many(session, e, self.a, self.u1, {"dont_know": 2})
        # The fourth 满意 is flagged but included by the office: it counts.
        add_response(
            session, e, self.a, [(self.u1, "overall", "satisfied")], flags=2, decision="include"
        )
        # Two 不满意 that do not count: flagged and undecided, and excluded by the office.
        add_response(session, e, self.a, [(self.u1, "overall", "dissatisfied")], flags=1)
        add_response(session, e, self.a, [(self.u1, "overall", "dissatisfied")], decision="exclude")
        # U1, group B: 3 x 100, 2 x 60.
        add_many(session, e, self.b, self.u1, {"satisfied": 3, "basically_satisfied": 2})
        # U1, group D: 3 x 100, below min_n = 5.
        add_many(session, e, self.d, self.u1, {"satisfied": 3})
        # U2: group A 6 x 100 and 4 x 80 (mean 92), group B 5 x 0 (mean 0).
        add_many(session, e, self.a, self.u2, {"satisfied": 6, "fairly_satisfied": 4})
        add_many(session, e, self.b, self.u2, {"dissatisfied": 5})
