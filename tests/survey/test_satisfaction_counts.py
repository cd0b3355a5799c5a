"""The counting SQL: the same counts as counting the stored rows one by one in Python."""

from __future__ import annotations

import random
from collections import Counter

from sqlmodel import Session, col, select

from survey.models import Answer, Period, Response
from survey.satisfaction.counts import (
    CountFilter,
    answer_counts,
    cell_answer_counts,
    without_cells,
)
from survey.surveys.service import is_counted
from tests.factories import make_category, make_evaluation, make_group, make_unit
from tests.survey.satisfaction_data import add_response

LEVELS = ["satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "dont_know"]
FLAGS = [0, 0, 0, 0, 0, 0, 2, 1, 16]
DECISIONS = [None, None, None, "include", "exclude"]


def _python_counts(
    session: Session,
    evaluation_id: int,
    *,
    period_id: int | None = None,
    units: set[int] | None = None,
    questions: set[str] | None = None,
) -> Counter[tuple[int, int, str, str]]:
    """The reference: load every answer and its response (fine in a test, never in the code)."""
    counted = {
        r.id
        for r in session.exec(select(Response).where(Response.evaluation_id == evaluation_id))
        if is_counted(r.quality_flags, r.quality_decision)
    }
    expected: Counter[tuple[int, int, str, str]] = Counter()
    for a in session.exec(select(Answer).where(Answer.evaluation_id == evaluation_id)):
        if a.response_id not in counted or a.unit_id is None or a.level is None:
            continue
        if period_id is not None and a.period_id != period_id:
            continue
        if units is not None and a.unit_id not in units:
            continue
        if questions is not None and a.question not in questions:
            continue
        expected[(a.unit_id, a.group_id, a.question, a.level)] += 1
    return expected


def _as_counter(rows: list[tuple[int, int, str, str, int]]) -> Counter[tuple[int, int, str, str]]:
    return Counter({(u, g, q, lv): n for u, g, q, lv, n in rows})


def test_counts_leave_out_flagged_and_excluded_responses(session: Session) -> None:
    evaluation = make_evaluation(session)
    other_evaluation = make_evaluation(session)
    category = make_category(session)
    units = [make_unit(session, category) for _ in range(4)]
    groups = [make_group(session), make_group(session), make_group(session, kind="delegate")]
    rng = random.Random(5)
    for _ in range(300):
        ratings = [
            (unit, question, rng.choice(LEVELS))
            for unit in units
            for question in ("overall", "service")
            if rng.random() < 0.8
        ]
        ratings.append((None, "who", "retired"))  # a profile answer: no unit, never counted
        flags, decision = rng.choice(FLAGS), rng.choice(DECISIONS)
        add_response(
            session,
            evaluation,
            rng.choice(groups),
            ratings,
            flags=flags,
            decision=decision,
            period_id=None,
            commit=False,
        )
    # Answers of another evaluation must not leak in.
    add_response(session, other_evaluation, groups[0], [(units[0], "overall", "satisfied")])
    session.commit()
    assert evaluation.id is not None

    rows = answer_counts(session, CountFilter(evaluation_id=evaluation.id))
    expected = _python_counts(session, evaluation.id)
    assert _as_counter(rows) == expected
    assert all(n > 0 for *_, n in rows)
    # Each decision kind was exercised, so the rule, not luck, produced the match.
    decided = Counter(
        (r.quality_flags != 0, r.quality_decision)
        for r in session.exec(select(Response).where(Response.evaluation_id == evaluation.id))
    )
    assert decided[(True, "include")] and decided[(True, None)] and decided[(False, "exclude")]

    some = {units[0].id, units[2].id}
    filtered = answer_counts(
        session, CountFilter(evaluation_id=evaluation.id, unit_ids=some, questions=["service"])
    )
    expected_filtered = _python_counts(
        session,
        evaluation.id,
        units=some,
        questions={"service"},  # type: ignore[arg-type]
    )
    assert _as_counter(filtered) == expected_filtered


def test_counts_by_period_and_by_weighting_cell(session: Session) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    q1, q2 = session.exec(
        select(Period).where(Period.evaluation_id == evaluation.id).order_by(col(Period.sort_order))
    ).all()[:2]
    category = make_category(session)
    unit = make_unit(session, category)
    group = make_group(session)
    rng = random.Random(11)
    cells = ["age=young;district=A", "age=old;district=A", "age=old;district=B", None]
    for _ in range(120):
        add_response(
            session,
            evaluation,
            group,
            [(unit, "overall", rng.choice(LEVELS))],
            flags=rng.choice(FLAGS),
            decision=rng.choice(DECISIONS),
            period_id=rng.choice([q1.id, q2.id]),
            cell_key=rng.choice(cells),
            commit=False,
        )
    session.commit()

    in_q1 = answer_counts(session, CountFilter(evaluation_id=evaluation.id, period_id=q1.id))
    assert _as_counter(in_q1) == _python_counts(session, evaluation.id, period_id=q1.id)

    everything = CountFilter(evaluation_id=evaluation.id)  # type: ignore[arg-type]
    by_cell = cell_answer_counts(session, everything)
    counted = {
        r.id: r.cell_key
        for r in session.exec(select(Response).where(Response.evaluation_id == evaluation.id))
        if is_counted(r.quality_flags, r.quality_decision)
    }
    expected: Counter[tuple[object, ...]] = Counter()
    for a in session.exec(select(Answer).where(Answer.evaluation_id == evaluation.id)):
        if a.response_id in counted:
            expected[(a.unit_id, a.group_id, a.question, a.level, counted[a.response_id])] += 1
    assert Counter({(u, g, q, lv, c): n for u, g, q, lv, c, n in by_cell}) == expected
    # Summed over the cells they are the plain counts, as raking relies on.
    assert without_cells(by_cell) == answer_counts(session, everything)
