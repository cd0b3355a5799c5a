"""Satisfaction results against a case worked by hand, and who sees what."""

from __future__ import annotations

import math

import pytest
from scipy import stats
from sqlmodel import Session

from survey.accounts import Principal
from survey.errors import NotAuthenticated, NotFound, NotPermitted
from survey.models import Role
from survey.satisfaction import policy as policy_service
from survey.satisfaction import rank_draws
from survey.satisfaction.schemas import SatisfactionPolicyPut, SatisfactionResults
from survey.satisfaction.service import satisfaction_results
from tests.factories import (
    ACTOR,
    make_category,
    make_evaluation,
    make_group,
    make_unit,
    set_weight,
)
from tests.survey.satisfaction_data import Case, add_many, add_response

OFFICE = Principal(name="office", role=Role.office)


def test_hand_worked_unit_score_with_a_dropped_group(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    results = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    assert results.policy.version == 0 and results.audience == "office"
    cells = {(c.unit, c.group): c for c in results.cells}

    a1 = cells[(case.u1.code, case.a.code)]
    # n = 8, mean = (4*100 + 2*80 + 60 + 0) / 8 = 620 / 8 = 77.5
    # sd^2 = (4*22.5^2 + 2*2.5^2 + 17.5^2 + 77.5^2) / 7 = 8350 / 7; se^2 = 8350 / 56
    # satisfied rate = 7 / 8; trimmed (k = 1, drop one 0 and one 100) = 520 / 6
    assert (a1.n_valid, a1.n_dont_know) == (8, 2)
    assert a1.mean == pytest.approx(77.5)
    assert a1.se == pytest.approx(math.sqrt(8350 / 56))
    assert a1.satisfied_rate == pytest.approx(0.875)
    assert a1.trimmed_mean == pytest.approx(520 / 6)
    assert a1.question == "overall" and not a1.suppressed
    b1 = cells[(case.u1.code, case.b.code)]
    # n = 5, mean = (300 + 120) / 5 = 84; sd^2 = (3*16^2 + 2*24^2) / 4 = 480; se^2 = 96
    assert b1.mean == pytest.approx(84) and b1.se == pytest.approx(math.sqrt(96))
    assert cells[(case.u1.code, case.d.code)].n_valid == 3

    units = {u.unit: u for u in results.units}
    u1 = units[case.u1.code]
    # D (n = 3 < 5) is dropped; A and B are renormalised: 0.6/0.9 = 2/3 and 0.3/0.9 = 1/3.
    # score = 2/3 * 77.5 + 1/3 * 84 = 79.6667
    # se^2 = (2/3)^2 * 8350/56 + (1/3)^2 * 96 = 66.2698 + 10.6667 = 76.9365
    assert [(g.group, round(g.weight, 9)) for g in u1.groups_used] == [
        (case.a.code, round(2 / 3, 9)),
        (case.b.code, round(1 / 3, 9)),
    ]
    assert [(g.group, g.n_valid, g.reason) for g in u1.groups_dropped] == [
        (case.d.code, 3, "below_min_n")
    ]
    assert u1.score == pytest.approx(2 / 3 * 77.5 + 84 / 3)
    part_a, part_b = (2 / 3) ** 2 * 8350 / 56, (1 / 3) ** 2 * 96
    assert u1.se == pytest.approx(math.sqrt(part_a + part_b))
    # Welch-Satterthwaite: nu = (a + b)^2 / (a^2/7 + b^2/4) = 9.03
    nu = (part_a + part_b) ** 2 / (part_a**2 / 7 + part_b**2 / 4)
    half = stats.t.ppf(0.975, nu) * math.sqrt(part_a + part_b)
    assert u1.ci_low == pytest.approx(u1.score - half)
    assert u1.ci_high == pytest.approx(u1.score + half)

    u2 = units[case.u2.code]
    # U2: 2/3 * 92 + 1/3 * 0 = 61.33: U1 ranks first.
    assert u2.score == pytest.approx(2 / 3 * 92)
    assert (u1.rank, u2.rank) == (1, 2)
    assert u1.rank_interval is not None and u1.rank_interval[0] == 1
    assert u1.tied_with_next is False and u2.tied_with_next is None
    assert results.categories[0].units_ranked == 2


def test_ranks_are_reproducible_and_follow_the_policy_seed(session: Session) -> None:
    # Both calls draw afresh, as two processes would: a second call served from the kept
    # draws would pass whatever the seed.
    case = Case(session)
    assert case.evaluation.id is not None
    rank_draws.clear()
    first = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    rank_draws.clear()
    again = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    assert [u.model_dump() for u in first.units] == [u.model_dump() for u in again.units]


def _rank_view(results: SatisfactionResults) -> list[tuple[object, ...]]:
    return [
        (u.unit, u.rank, u.rank_interval, u.p_beats_next, u.tied_with_next) for u in results.units
    ]


def test_kept_draws_never_change_a_result(session: Session) -> None:
    # Ranks from draws kept in memory equal ranks drawn afresh (as in another process),
    # before and after a new answer; the new answer redraws the cells of its group only.
    case = Case(session)
    assert case.evaluation.id is not None
    evaluation_id = case.evaluation.id
    rank_draws.clear()
    fresh = satisfaction_results(session, evaluation_id, viewer=OFFICE)
    cells_drawn = len(rank_draws.CELL_DRAWS)
    assert cells_drawn == 4  # U1 and U2 x groups A and B (no unit has enough D answers)
    kept = satisfaction_results(session, evaluation_id, viewer=OFFICE)
    assert _rank_view(kept) == _rank_view(fresh)
    assert len(rank_draws.RANK_CACHE) == 1  # the second call found the category kept

    add_response(session, case.evaluation, case.a, [(case.u2, "overall", "satisfied")])
    rank_draws.RANK_CACHE.clear()  # only the cells' draws are kept
    before = rank_draws.CELL_DRAWS.keys()
    after_answer = satisfaction_results(session, evaluation_id, viewer=OFFICE)
    redrawn = rank_draws.CELL_DRAWS.keys() - before
    assert len(redrawn) == 1  # the U2 x A cell, under its new counts
    rank_draws.clear()
    assert _rank_view(satisfaction_results(session, evaluation_id, viewer=OFFICE)) == _rank_view(
        after_answer
    )
    assert _rank_view(after_answer) != _rank_view(fresh)


def test_a_category_too_large_to_hold_is_ranked_in_blocks(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the bound on draws held at once, a category is resampled by scoring in blocks:
    # still reproducible, nothing kept per cell, and the same statistics.
    case = Case(session)
    assert case.evaluation.id is not None
    rank_draws.clear()
    kept = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    monkeypatch.setattr(rank_draws, "BATCH_ELEMENTS", 10)
    rank_draws.clear()
    blocks = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    assert len(rank_draws.CELL_DRAWS) == 0
    rank_draws.clear()
    assert _rank_view(satisfaction_results(session, case.evaluation.id, viewer=OFFICE)) == (
        _rank_view(blocks)
    )
    for a, b in zip(kept.units, blocks.units, strict=True):
        assert (a.unit, a.rank, a.rank_interval) == (b.unit, b.rank, b.rank_interval)
        assert a.p_beats_next == pytest.approx(b.p_beats_next, abs=0.05)


def test_min_n_and_questions_come_from_the_stored_policy(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    add_response(session, case.evaluation, case.a, [(case.u1, "service", "dissatisfied")])
    policy_service.set_policy(
        session,
        case.evaluation.id,
        SatisfactionPolicyPut(min_n=3, questions=["overall"], trim_k=0),
        ACTOR,
    )
    results = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    assert results.policy.version == 1
    u1 = next(u for u in results.units if u.unit == case.u1.code)
    # D now counts (3 >= 3): 0.6 * 77.5 + 0.3 * 84 + 0.1 * 100 = 81.7
    assert u1.score == pytest.approx(0.6 * 77.5 + 0.3 * 84 + 0.1 * 100)
    assert u1.groups_dropped == []
    a1 = next(c for c in results.cells if (c.unit, c.group) == (case.u1.code, case.a.code))
    assert a1.trimmed_mean == pytest.approx(77.5)  # trim_k = 0: the plain mean
    # The "service" answer is outside the policy's questions, unless asked for by name.
    service_only = satisfaction_results(
        session, case.evaluation.id, question="service", viewer=OFFICE
    )
    assert [(c.unit, c.n_valid) for c in service_only.cells] == [(case.u1.code, 1)]


def test_the_public_sees_published_results_with_small_cells_suppressed(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    with pytest.raises(NotAuthenticated):
        satisfaction_results(session, case.evaluation.id, viewer=None)
    case.evaluation.status = "published"
    session.add(case.evaluation)
    session.commit()
    public = satisfaction_results(session, case.evaluation.id, viewer=None)
    assert public.audience == "public"
    cells = {(c.unit, c.group): c for c in public.cells}
    small = cells[(case.u1.code, case.d.code)]
    assert small.suppressed and small.mean is None and small.satisfied_rate is None
    assert small.trimmed_mean is None and small.ci_low is None
    assert not cells[(case.u1.code, case.b.code)].suppressed  # n = 5 is enough
    office = satisfaction_results(session, case.evaluation.id, viewer=OFFICE)
    assert not any(c.suppressed for c in office.cells)


def test_a_unit_sees_only_itself(session: Session) -> None:
    case = Case(session)
    assert case.evaluation.id is not None
    unit_viewer = Principal(name="u1", role=Role.unit, unit_id=case.u1.id)
    own = satisfaction_results(session, case.evaluation.id, viewer=unit_viewer)
    assert own.audience == "unit"
    assert [u.unit for u in own.units] == [case.u1.code]
    assert {c.unit for c in own.cells} == {case.u1.code}
    assert own.units[0].rank == 1  # ranked against the whole category
    assert next(c for c in own.cells if c.group == case.d.code).suppressed
    with pytest.raises(NotFound):
        satisfaction_results(session, case.evaluation.id, unit=case.u2.code, viewer=unit_viewer)
    with pytest.raises(NotPermitted):
        satisfaction_results(
            session, case.evaluation.id, viewer=Principal(name="x", role=Role.unit)
        )


def test_raking_weights_public_groups_to_the_margins(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    unit = make_unit(session, category)
    citizens = make_group(session)
    set_weight(session, evaluation, category, citizens, 1.0)
    # Sample: 8 young (all 满意), 2 old (all 不满意); population: half young, half old.
    add_many(session, evaluation, citizens, unit, {"satisfied": 8}, cell_key="age=young")
    add_many(session, evaluation, citizens, unit, {"dissatisfied": 2}, cell_key="age=old")
    # One respondent without a cell keeps weight 1 (the mean weight).
    add_many(session, evaluation, citizens, unit, {"satisfied": 1})
    assert evaluation.id is not None
    unweighted = satisfaction_results(session, evaluation.id, viewer=OFFICE)
    assert unweighted.units[0].score == pytest.approx(900 / 11)

    policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(margins={"age": {"young": 500, "old": 500}}),
        ACTOR,
    )
    raked = satisfaction_results(session, evaluation.id, viewer=OFFICE)
    # Raw weights: young 500/8 = 62.5, old 500/2 = 250; mean over the 10 raked is 100, so
    # relative weights are young 0.625, old 2.5, and 1 for the one without a cell.
    # mean = (8*0.625*100 + 2*2.5*0 + 1*100) / (5 + 5 + 1) = 600 / 11
    cell = raked.cells[0]
    assert cell.weighted and cell.mean == pytest.approx(600 / 11)
    # Kish: (sum w)^2 / sum w^2 = 11^2 / (8*0.625^2 + 2*2.5^2 + 1) = 121 / 16.625
    assert cell.n_eff == pytest.approx(121 / 16.625)
    [report] = raked.raking
    assert (report.group, report.respondents, report.respondents_unweighted) == (
        citizens.code,
        11,
        1,
    )
    assert report.converged and report.problem is None
    assert report.n_eff == pytest.approx(121 / 16.625)
    assert raked.units[0].score == pytest.approx(600 / 11)

    policy_service.set_policy(
        session,
        evaluation.id,
        SatisfactionPolicyPut(margins={"age": {"young": 500, "middle": 300, "old": 200}}),
        ACTOR,
    )
    impossible = satisfaction_results(session, evaluation.id, viewer=OFFICE)
    assert impossible.raking[0].problem and "middle" in impossible.raking[0].problem
    assert impossible.units[0].score == pytest.approx(900 / 11)  # left unweighted, and said so
