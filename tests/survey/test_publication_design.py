"""Publishing an evaluation whose sample has a design: the frozen inputs keep the design, so
the published figures (design weights, strata, PSUs, finite populations, raking from the
design weights) are the ones the office read before publishing; a version frozen before
designs were kept still computes, as it was published."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sqlmodel import Session, select

from survey.accounts import Principal
from survey.models import Period, PublicationVersion, Role, UnitCategory
from survey.organisation import lifecycle
from survey.publication import canonical, service
from survey.satisfaction.importer import import_responses
from survey.satisfaction.policy import set_policy
from survey.satisfaction.schemas import SatisfactionPolicyPut, SatisfactionResults
from survey.satisfaction.service import satisfaction_results
from survey.schemas import WeightEntry
from tests.factories import ACTOR, make_category, make_unit
from tests.survey.satisfaction_data import add_many
from tests.survey.test_satisfaction_import import Setup, _csv

LEVELS = {"satisfied": 100.0, "fairly_satisfied": 80.0, "basically_satisfied": 60.0}
LEVELS["dissatisfied"] = 0.0
OFFICE = Principal(name="o", role=Role.office)
CELL_FIELDS = ("n_valid", "mean", "se", "ci_low", "ci_high", "design_effect", "n_eff")
UNIT_FIELDS = ("n_valid", "score", "se", "ci_low", "ci_high", "n_eff", "design_effect")
UNIT_FIELDS += ("satisfied_rate", "rate_se", "rank")


class Designed:
    """Citizens sampled by stratum and PSU with design weights over two quarters, raked to
    age margins when ``rake``; deputies without a design, from an import and from QR codes."""

    def __init__(self, session: Session, *, rake: bool) -> None:
        setup = Setup(session)
        self.setup = setup
        category = session.get(UnitCategory, setup.u1.category_id)
        assert category is not None
        set_policy(
            session,
            setup.evaluation_id,
            SatisfactionPolicyPut(
                trim_k=0,
                finite_population={setup.citizens.code: {"h0": 30.0, "h1": 40.0, "h2": 50.0}},
                margins={"age": {"young": 600.0, "old": 400.0}} if rake else {},
                raked_groups=[setup.citizens.code] if rake else [],
                weights=[
                    WeightEntry(category=category.code, group=g.code, weight=w)
                    for g, w in ((setup.citizens, 0.7), (setup.deputies, 0.3))
                ],
            ),
            ACTOR,
        )
        # A unit of another category: part of the citizens' sample, never scored.
        elsewhere = make_unit(session, make_category(session))
        units = [setup.u1.code, setup.u2.code, elsewhere.code]
        rng = np.random.default_rng(11)
        # (period, unit, question, level) of every citizen's answer, for the plain means.
        self.answers: list[tuple[str, str, str, str]] = []
        header = ["respondent_id", "group", "unit", "question", "answer", "weight", "stratum"]
        header += ["psu", "age"]
        for period in ("Q1", "Q2"):
            rows = [header]
            for i in range(70):
                stratum = int(rng.integers(0, 3))
                weight = f"{rng.uniform(1.0, 9.0):.4f}"
                age = str(rng.choice(["young", "old"]))
                for unit in rng.choice(units, size=int(rng.integers(1, 3)), replace=False):
                    for question in ("overall", "speed"):
                        level = str(rng.choice(list(LEVELS)))
                        self.answers.append((period, str(unit), question, level))
                        rows.append(
                            [
                                f"{period}r{i}",
                                setup.citizens.code,
                                str(unit),
                                question,
                                level,
                                weight,
                                f"h{stratum}",
                                # Some respondents of a stratum in clusters, the others not.
                                f"c{stratum}{i % 4}" if i % 3 else "",
                                age,
                            ]
                        )
            for i in range(6):
                level = ["satisfied", "dissatisfied"][i % 2]
                deputy = [f"{period}d{i}", setup.deputies.code, setup.u2.code, "overall", level]
                rows.append([*deputy, "", "", "", ""])
            import_responses(
                session,
                setup.evaluation_id,
                _csv(rows),
                f"{period}.csv",
                actor=ACTOR,
                period=period,
            )
        q1 = session.exec(
            select(Period).where(Period.evaluation_id == setup.evaluation_id, Period.code == "Q1")
        ).one()
        add_many(
            session,
            setup.evaluation,
            setup.deputies,
            setup.u1,
            {"satisfied": 5, "basically_satisfied": 3, "dissatisfied": 2},
            period_id=q1.id,
        )

    def results(self, session: Session, **filters: Any) -> SatisfactionResults:
        return satisfaction_results(
            session, self.setup.evaluation_id, viewer=OFFICE, rank_intervals=False, **filters
        )

    def publish(self, session: Session) -> PublicationVersion:
        lifecycle.take_step(session, self.setup.evaluation_id, lifecycle.Step.close, ACTOR)
        return service.publish(session, self.setup.evaluation_id, ACTOR)


# The same office calls before and after publishing: every period, one period, one channel,
# one question, and per question.
CALLS: list[dict[str, Any]] = [{}, {"period": "Q1"}, {"channel": "import"}, {"question": "speed"}]
CALLS += [{"by_question": True}]


def _assert_same(before: SatisfactionResults, after: SatisfactionResults) -> None:
    assert [(c.unit, c.group) for c in after.cells] == [(c.unit, c.group) for c in before.cells]
    for b, a in zip(before.cells, after.cells, strict=True):
        assert (a.estimator, a.weighted) == (b.estimator, b.weighted), (b.unit, b.group)
        for name in CELL_FIELDS:
            assert getattr(a, name) == _approx(getattr(b, name)), (b.unit, b.group, name)
    assert [u.unit for u in after.units] == [u.unit for u in before.units]
    for b, a in zip(before.units, after.units, strict=True):
        for name in UNIT_FIELDS:
            assert getattr(a, name) == _approx(getattr(b, name)), (b.unit, name)
    for b, a in zip(before.question_cells, after.question_cells, strict=True):
        assert (a.unit, a.group, a.question) == (b.unit, b.group, b.question)
        assert (a.mean, a.se) == (_approx(b.mean), _approx(b.se))
    assert len(after.question_cells) == len(before.question_cells)
    assert after.design == before.design


def _approx(value: Any) -> Any:
    # Sums of weights are stored as canonical JSON (ten decimals) and added per period and
    # channel: equal up to the last bits, not bit for bit.
    return pytest.approx(value, rel=1e-12, abs=1e-12) if isinstance(value, float) else value


def _store_as(
    session: Session, version: PublicationVersion, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Make ``version`` one frozen with ``inputs``: its results computed from them, digests
    and all, as publishing stores them. Returns the results."""
    inputs_json = canonical.canonical_json(inputs)
    results_json, results = service._results_from(inputs_json, version.evaluation_id, None)
    version.inputs_json, version.results_json = inputs_json, results_json
    version.inputs_digest = canonical.digest(inputs_json)
    version.results_digest = canonical.digest(results_json)
    version.part_digests = service._all_digests(inputs, results)
    session.add(version)
    session.commit()
    return results


@pytest.mark.parametrize("rake", [False, True], ids=["design", "raked"])
def test_published_design_results_are_the_ones_read_before_publishing(
    session: Session, rake: bool
) -> None:
    case = Designed(session, rake=rake)
    before = {i: case.results(session, **call) for i, call in enumerate(CALLS)}
    citizens = case.setup.citizens.code
    estimators = {c.estimator for c in before[0].cells if c.group == citizens and c.se}
    assert estimators == {"design_calibrated" if rake else "design"}
    version = case.publish(session)

    for i, call in enumerate(CALLS):
        _assert_same(before[i], case.results(session, **call))
    stored = json.loads(version.inputs_json)
    assert set(stored["counts"]["design"]) == {"answers", "respondents"}
    # The public's numbers are the office's before publishing.
    public = service.results_of(version)["satisfaction"]
    for b, p in zip(before[0].cells, public["cells"], strict=True):
        assert (p["unit"], p["group"], p["estimator"]) == (b.unit, b.group, b.estimator)
        assert (p["mean"], p["se"]) == (
            pytest.approx(b.mean, abs=1e-9),
            pytest.approx(b.se, abs=1e-9),
        )
    assert service.verify(session, case.setup.evaluation_id).ok


def test_a_version_frozen_without_the_design_still_computes_as_it_was_published(
    session: Session,
) -> None:
    case = Designed(session, rake=False)
    evaluation_id = case.setup.evaluation_id
    version = case.publish(session)
    # A version of the older shape: the same inputs without the design.
    older = json.loads(version.inputs_json)
    older["counts"].pop("design", None)
    results = _store_as(session, version, older)

    # Computed as before designs were frozen: model-based, unweighted means.
    after = case.results(session)
    assert after.design == [] and {c.estimator for c in after.cells} == {"model"}
    plain: dict[str, list[float]] = {}
    for _, unit, _, level in case.answers:
        plain.setdefault(unit, []).append(LEVELS[level])
    for cell in after.cells:
        if cell.group == case.setup.citizens.code and cell.n_valid:
            assert cell.mean == pytest.approx(np.mean(plain[cell.unit]), rel=1e-12)
    for p, a in zip(results["satisfaction"]["cells"], after.cells, strict=True):
        assert (p["mean"], p["se"]) == (
            pytest.approx(a.mean, abs=1e-9),
            pytest.approx(a.se, abs=1e-9),
        )
    # Keeping the design in the live inputs now is no change behind the version's back.
    assert service.verify(session, evaluation_id).ok


def test_verify_takes_the_last_bits_of_a_weight_sum_for_no_change(session: Session) -> None:
    case = Designed(session, rake=False)
    evaluation_id = case.setup.evaluation_id
    version = case.publish(session)
    frozen = json.loads(version.inputs_json)
    # The stored sum one rounding step (1e-10) off the live one, as another summation order
    # can leave it (PostgreSQL's parallel aggregates): the same data.
    frozen["counts"]["design"]["answers"][0][-2] += 1e-10
    _store_as(session, version, frozen)
    assert service.verify(session, evaluation_id).ok
    # A weight that changed is a change.
    frozen["counts"]["design"]["answers"][0][-2] *= 1.01
    _store_as(session, version, frozen)
    report = service.verify(session, evaluation_id)
    assert [(d.version, d.part) for d in report.differences] == [(None, "inputs.counts")]
