"""The rectification rate as a composite indicator source, worked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from survey.comments import rectification, unit_view
from survey.comments.rectification import UnitAnswer
from survey.composite import scheme as schemes
from survey.composite import service
from survey.models import UnitCategory
from tests.factories import ACTOR
from tests.survey.comments.world import OFFICE, add_comment, make_world


def test_rectification_rate_in_a_composite_score(session: Session) -> None:
    world = make_world(session, units=3)
    for text in ("一", "二", "三", "四"):
        add_comment(session, world, text, unit=0)
    for text in ("甲", "乙"):
        add_comment(session, world, text, unit=1)
    unit0, unit1 = world.unit_principal(0), world.unit_principal(1)
    items0 = {i.text: i for i in unit_view.unit_comments(session, unit0, today=date(2026, 12, 4))}
    # Unit 0: two rectified (one on time, one late), one appeal upheld, one untouched.
    rectification.answer(
        session,
        unit0,
        items0["一"].key,
        UnitAnswer("rectified", "措施", "科室"),
        today=date(2026, 12, 10),
    )
    rectification.answer(
        session,
        unit0,
        items0["二"].key,
        UnitAnswer("rectified", "措施", "科室"),
        today=date(2027, 1, 15),
    )
    rectification.answer(
        session, unit0, items0["三"].key, UnitAnswer("appealed", appeal_reason="不属实")
    )
    rectification.decide_appeal(session, world.evaluation_id, world.keys[2], True, "属实", OFFICE)
    # Unit 1: one of two rectified on time.
    items1 = {i.text: i for i in unit_view.unit_comments(session, unit1, today=date(2026, 12, 4))}
    rectification.answer(
        session,
        unit1,
        items1["甲"].key,
        UnitAnswer("rectified", "措施", "科室"),
        today=date(2026, 12, 8),
    )
    code = session.get(UnitCategory, world.units[0].category_id).code  # type: ignore[union-attr]
    text = f"""\
category: {code}
indicators:
  - code: rectified
    name: 整改率
    points: 10
    source: {{type: rectification_rate}}
  - code: on_time
    name: 按期整改率
    points: 10
    source: {{type: rectification_rate, measure: on_time}}
"""
    schemes.import_text(session, world.evaluation_id, text, ACTOR)
    results = service.composite_results(session, world.evaluation_id, viewer=ACTOR)
    totals = {u.unit: u.total for u in results.units}
    # Unit 0: base 4 - 1 upheld = 3; rectified 2 -> 10 * 2/3; on time 1 -> 10 * 1/3. Sum 10.
    # Unit 1: base 2; rectified 1 -> 5, on time 1 -> 5. Sum 10 as well; unit 2 has no
    # comments: no rate (missing, not zero).
    assert totals[world.units[0].code] == pytest.approx(10 * 2 / 3 + 10 * 1 / 3)
    assert totals[world.units[1].code] == pytest.approx(10.0)
    explained = service.explain_unit(
        session, world.evaluation_id, world.units[0].code, viewer=ACTOR
    )
    first = explained["tree"]["children"][0]["source"]
    assert first["type"] == "rectification_rate"
    assert (first["routed"], first["upheld"], first["rectified"], first["on_time"]) == (4, 1, 2, 1)
    assert first["rate"] == pytest.approx(200 / 3)
