"""Satisfaction results of a weighted, stratified sample: each unit is a domain of its group's
sample, its standard error the linearised one that samplics gives; scores and composite
inputs agree; a group without a design keeps the model-based error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sqlmodel import Session

from survey.accounts import Principal
from survey.models import Role, UnitCategory
from survey.satisfaction.importer import import_responses
from survey.satisfaction.policy import set_policy
from survey.satisfaction.schemas import SatisfactionPolicyPut
from survey.satisfaction.scores import unit_scores
from survey.satisfaction.service import satisfaction_results
from survey.schemas import WeightEntry
from tests.factories import ACTOR, make_category, make_unit
from tests.survey.test_satisfaction_import import Setup, _csv

LEVELS = {"satisfied": 100.0, "fairly_satisfied": 80.0, "basically_satisfied": 60.0}
LEVELS["dissatisfied"] = 0.0


def _sample(setup: Setup, other: str) -> tuple[list[list[str]], dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    n = 60
    unit = rng.integers(0, 3, n)
    stratum = rng.integers(0, 3, n)
    weight = np.round(rng.uniform(1.0, 9.0, n), 3)
    level = rng.choice(list(LEVELS), n)
    units = [setup.u1.code, setup.u2.code, other]
    rows = [["respondent_id", "group", "unit", "question", "answer", "weight", "stratum"]]
    for i in range(n):
        rows.append(
            [
                f"r{i}",
                setup.citizens.code,
                units[unit[i]],
                "overall",
                str(level[i]),
                f"{weight[i]:g}",
                f"h{stratum[i]}",
            ]
        )
    # Deputies without a design: the model-based error stays.
    for i in range(8):
        rows.append(
            [
                f"d{i}",
                setup.deputies.code,
                setup.u1.code,
                "overall",
                ["satisfied", "dissatisfied"][i % 2],
                "",
                "",
            ]
        )
    data = {
        "unit": unit,
        "stratum": stratum,
        "weight": weight,
        "y": np.array([LEVELS[str(v)] for v in level]),
    }
    return rows, data


@pytest.mark.parametrize("population", [None, 400.0])
def test_unit_errors_are_the_domain_linearisation(
    session: Session, population: float | None
) -> None:
    setup = Setup(session)
    category = session.get(UnitCategory, setup.u1.category_id)
    assert category is not None
    strata_pop = {"h0": 150.0, "h1": 120.0, "h2": 130.0} if population else None
    set_policy(
        session,
        setup.evaluation_id,
        SatisfactionPolicyPut(
            trim_k=0,
            finite_population={setup.citizens.code: strata_pop} if strata_pop else {},
            weights=[
                WeightEntry(category=category.code, group=g.code, weight=w)
                for g, w in ((setup.citizens, 0.7), (setup.deputies, 0.3))
            ],
        ),
        ACTOR,
    )
    # A unit of another category: its answers are part of the citizens' sample, so its
    # category's absence from a call changes no error of the others.
    elsewhere = make_unit(session, make_category(session))
    rows, data = _sample(setup, elsewhere.code)
    import_responses(session, setup.evaluation_id, _csv(rows), "s.csv", actor=ACTOR)
    office = Principal(name="o", role=Role.office)
    results = satisfaction_results(session, setup.evaluation_id, viewer=office)
    cells = {(c.unit, c.group): c for c in results.cells}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        estimator = TaylorEstimator(PopParam.mean)
        fpc = None
        if strata_pop:
            n_h = np.bincount(data["stratum"], minlength=3)
            fpc = {f"h{k}": 1 - n_h[k] / strata_pop[f"h{k}"] for k in range(3)}
        estimator.estimate(
            y=data["y"],
            samp_weight=data["weight"],
            stratum=np.array([f"h{k}" for k in data["stratum"]]),
            domain=data["unit"],
            remove_nan=True,
            **({"fpc": fpc} if fpc else {}),
        )
    for k, unit in enumerate((setup.u1.code, setup.u2.code)):
        cell = cells[(unit, setup.citizens.code)]
        assert cell.estimator == "design"
        assert cell.mean == pytest.approx(estimator.point_est[k], rel=1e-12)
        assert cell.se == pytest.approx(estimator.stderror[k], rel=1e-9)
        assert cell.weighted and cell.design_effect is not None
    deputies = cells[(setup.u1.code, setup.deputies.code)]
    assert deputies.estimator == "model" and deputies.design_effect is None
    # An unweighted group keeps sd/sqrt(n): four 100s and four 0s.
    assert deputies.se == pytest.approx(np.std([100.0] * 4 + [0.0] * 4, ddof=1) / np.sqrt(8))
    assert [d.group for d in results.design] == [setup.citizens.code]
    one_category = satisfaction_results(
        session, setup.evaluation_id, viewer=office, category=category.code
    )
    for cell in one_category.cells:
        assert cell.se == cells[(cell.unit, cell.group)].se

    # The composite's inputs are the same numbers.
    scores = unit_scores(session, setup.evaluation_id)
    scored = [u for u in results.units if u.se is not None]
    assert len(scored) == 2  # the other category has no group weights
    for unit in scored:
        assert scores.by_unit[unit.unit].se == pytest.approx(unit.se, rel=1e-12)
    first = results.units[0]
    assert first.design_effect is not None and first.n_eff is not None
