"""``unit_scores`` gives the very numbers of ``satisfaction_results``, without the rest.

The full results call is the reference: every unit's score, standard error, answer count and
groups used and dropped, and every cell, must be the same, on the hand-worked case and on
random answers with raking, a group below the minimum, a zero weight, a category without
weights and a question filter.
"""

from __future__ import annotations

import random
from typing import Any

from sqlmodel import Session

from survey.accounts import Principal
from survey.models import Role
from survey.satisfaction import policy as policy_service
from survey.satisfaction.schemas import SatisfactionPolicyPut
from survey.satisfaction.scores import unit_scores
from survey.satisfaction.service import satisfaction_results
from tests.factories import ACTOR, make_category, make_evaluation, make_group, make_unit, set_weight
from tests.survey.satisfaction_data import Case, add_many

OFFICE = Principal(name="office", role=Role.office)
LEVELS = ("satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "dont_know")


def _assert_same(session: Session, evaluation_id: int, **filters: Any) -> int:
    """Compare both calls; returns how many units have a score."""
    full = satisfaction_results(
        session, evaluation_id, viewer=OFFICE, rank_intervals=False, **filters
    )
    lean = unit_scores(session, evaluation_id, **filters)
    assert set(lean.by_unit) == {u.unit for u in full.units}
    for unit in full.units:
        got = lean.by_unit[unit.unit]
        assert got.category == unit.category
        assert got.n_valid == unit.n_valid
        # Exactly equal: the same arithmetic on the same numbers.
        assert got.score == unit.score
        assert got.se == unit.se
        assert got.groups_used == [g.model_dump() for g in unit.groups_used]
        assert got.groups_dropped == [g.model_dump() for g in unit.groups_dropped]
    cells: dict[str, dict[str, Any]] = {}
    for cell in full.cells:
        cells.setdefault(cell.unit, {})[cell.group] = cell
    for unit in full.units:
        got_cells = lean.cells(unit.unit)
        assert set(got_cells) == set(cells.get(unit.unit, {}))
        for group, cell in got_cells.items():
            want = cells[unit.unit][group]
            assert (cell.n_valid, cell.mean, cell.se, cell.satisfied_rate) == (
                want.n_valid,
                want.mean,
                want.se,
                want.satisfied_rate,
            )
    assert lean.cells("no such unit") == {}
    assert lean.min_n == full.policy.min_n
    weights: dict[str, dict[str, float]] = {}
    for w in full.policy.weights:
        weights.setdefault(w.category, {})[w.group] = w.weight
    assert lean.weights == weights
    return sum(1 for u in full.units if u.score is not None)


def test_the_hand_worked_case(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    assert _assert_same(session, case.evaluation.id) == 2
    lean = unit_scores(session, case.evaluation.id)
    # As worked by hand in test_satisfaction_results: 2/3 * 77.5 + 1/3 * 84.
    score = lean.by_unit[case.u1.code].score
    assert score is not None and abs(score - (2 / 3 * 77.5 + 84 / 3)) < 1e-9


def test_random_answers_with_raking_and_filters(session: Session) -> None:
    rng = random.Random(7)
    evaluation = make_evaluation(session)
    weighted, unweighted = make_category(session), make_category(session)
    groups = [make_group(session) for _ in range(4)]
    for group, weight in zip(groups, (0.5, 0.3, 0.2, 0.0), strict=True):
        set_weight(session, evaluation, weighted, group, weight)
    units = [make_unit(session, weighted) for _ in range(6)]
    units += [make_unit(session, unweighted) for _ in range(2)]
    for unit in units:
        for group in groups:
            for question in ("overall", "service"):
                # Sometimes fewer answers than min_n, sometimes none.
                size = rng.choice([0, 2, 6, 12])
                counts: dict[str, int] = {}
                for _ in range(size):
                    level = rng.choice(LEVELS)
                    counts[level] = counts.get(level, 0) + 1
                cell_key = rng.choice(["age=young", "age=old", None])
                add_many(
                    session, evaluation, group, unit, counts, question=question, cell_key=cell_key
                )
    assert evaluation.id is not None
    assert _assert_same(session, evaluation.id) > 0
    # The awkward cases are there: groups dropped for both reasons, unscored units.
    lean = unit_scores(session, evaluation.id)
    reasons = {g["reason"] for u in lean.by_unit.values() for g in u.groups_dropped}
    assert reasons == {"below_min_n", "zero_weight"}
    assert any(u.score is None for u in lean.by_unit.values())
    assert _assert_same(session, evaluation.id, question="service") > 0
    policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(margins={"age": {"young": 600, "old": 400}}, min_n=3),
        ACTOR,
    )
    assert _assert_same(session, evaluation.id) > 0
