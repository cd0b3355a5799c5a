"""The improvement simulator through the service, on a scheme worked by hand.

Category of three units A, B, C; hard indicator ``x`` by min-max over the category (60
points) and ``q`` by min-max on the fixed range 0-100 (40 points: 0.4 q).
x = (10, 20, 30), q = (80, 70, 90):
    A: 0 + 32 = 32 (合格), B: 30 + 28 = 58 (良好), C: 60 + 36 = 96 (优秀)
with 优秀 >= 90 and 良好 >= 35 (no quota).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from survey.composite import improvement, indicators, service
from survey.composite import scheme as schemes
from survey.composite.schemas import IndicatorValueIn
from survey.errors import NotFound
from tests.factories import ACTOR, make_category, make_evaluation, make_unit


def world(session: Session) -> int:
    category = make_category(session)
    for code in ("A", "B", "C"):
        make_unit(session, category, code=f"IM{code}")
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    indicators.push_indicators(
        session,
        evaluation.id,
        [
            IndicatorValueIn(unit=f"IM{code}", indicator=name, period="year", value=value)
            for name, values in (("x", (10, 20, 30)), ("q", (80, 70, 90)))
            for code, value in zip("ABC", values, strict=True)
        ],
        ACTOR,
    )
    text = f"""\
category: {category.code}
indicators:
  - code: x
    name: 指标
    points: 60
    method: min_max
    source: {{type: hard, indicator: x, period: year}}
  - code: q
    name: 评价
    points: 40
    method: min_max
    params: {{low: 0, high: 100}}
    source: {{type: hard, indicator: q, period: year}}
grades: {{names: [优秀, 良好, 合格], thresholds: [90, 35], max_shares: [null, null]}}
interview: null
"""
    schemes.import_text(session, evaluation.id, text, ACTOR)
    return evaluation.id


def test_levers_of_a_unit_worked_by_hand(session: Session) -> None:
    evaluation_id = world(session)
    found = improvement.simulate_unit(session, evaluation_id, "IMA")
    assert (found.total, found.grade, found.target_grade) == (32.0, "合格", "良好")
    levers = {lever.code: lever for lever in found.levers}
    # x: A is the category minimum, so +1 moves the minimum along and buys nothing; 3 points
    # need x >= 20.5 (then B is the minimum: 6 (x - 20) >= 3), a change of 10.5.
    assert levers["x"].points_per_step == pytest.approx(0.0, abs=1e-9)
    assert levers["x"].change == pytest.approx(10.5)
    # q: linear, 0.4 points per point. The scheme grades totals rounded to 2 decimals, so
    # 34.995 already counts as 35: 0.4 d >= 2.995, d >= 7.4875, shown rounded up to 7.488.
    assert levers["q"].points_per_step == pytest.approx(0.4)
    assert levers["q"].change == pytest.approx(7.488)
    assert levers["q"].new_grade == "良好"
    # Re-run the composite with the changed input: the grade moves (and not with 0.01 less).
    for value, grade in ((80 + 7.478, "合格"), (80 + 7.488, "良好")):
        indicators.push_indicators(
            session,
            evaluation_id,
            [IndicatorValueIn(unit="IMA", indicator="q", period="year", value=value)],
            ACTOR,
        )
        results = service.composite_results(session, evaluation_id, viewer=ACTOR)
        assert {u.unit: u.grade for u in results.units}["IMA"] == grade


def test_top_unit_and_unknown_unit(session: Session) -> None:
    evaluation_id = world(session)
    top = improvement.simulate_unit(session, evaluation_id, "IMC")
    assert top.target_grade is None
    assert all(lever.reasons == ["top_grade"] for lever in top.levers)
    with pytest.raises(NotFound):
        improvement.simulate_unit(session, evaluation_id, "NOPE")
