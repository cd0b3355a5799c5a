"""The demo city's composite results: complete, consistent and traceable."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from sqlmodel import Session, select

from scoring import evaluate_scheme, recompute
from survey import demo
from survey.composite import explain, service
from survey.models import Evaluation
from tests.factories import ACTOR


def _ids(session: Session) -> tuple[int, int]:
    years = {e.year: e.id for e in session.exec(select(Evaluation))}
    assert years[2025] is not None and years[2026] is not None
    return years[2025], years[2026]


def test_the_demo_results(session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    assert info.composite_schemes == 16 and info.indicator_values > 600
    published, current = _ids(session)

    for evaluation_id, frozen in ((published, True), (current, False)):
        results = service.composite_results(session, evaluation_id, viewer=ACTOR)
        assert results.frozen is frozen
        assert len(results.units) == 48 and len(results.categories) == 8
        by_category = defaultdict(list)
        for unit in results.units:
            assert unit.total is not None and math.isfinite(unit.total), unit
            by_category[unit.category].append(unit)
        for category in results.categories:
            members = by_category[category.category]
            assert sorted(u.rank for u in members) == list(range(1, len(members) + 1))
            for grade, cap in category.grade_caps.items():
                count = sum(1 for u in members if u.grade == grade)
                assert count == category.grade_counts[grade]
                assert cap is None or count <= cap
        # The Bureau of Justice graded the urban districts too kindly and pays for it.
        broken = [r for r in results.differentiation if not r.passed]
        assert [(r.lead, r.category, r.item) for r in broken] == [
            ("BM21", "district-urban", "rule_of_law")
        ]
        assert broken[0].penalty_applied and broken[0].penalty == 0.2
        assert all(r.passed for r in results.differentiation if r.lead != "BM21")

    results = service.composite_results(session, current, viewer=ACTOR)
    assert any(u.flags.interview for u in results.units)
    assert any(u.flags.interview_bottom for u in results.units)
    assert any(u.flags.warnings for u in results.units)
    assert {w.indicator for u in results.units for w in u.flags.warnings} >= {
        "investment",
        "gdp_growth",
        "fdi",
    }
    assert any(u.flags.progress_award for u in results.units)
    assert any(u.rank_change for u in results.units)
    assert all(u.rank_change_status == "" for u in results.units)
    assert results.scheme_versions == {c.category: 1 for c in results.categories}

    # Every total recomputes from its explanation alone, frozen or not.
    for evaluation_id in (current, published):
        for unit in service.composite_results(session, evaluation_id, viewer=ACTOR).units:
            explanation = service.explain_unit(session, evaluation_id, unit.unit, viewer=ACTOR)
            assert recompute(explanation["tree"]) == pytest.approx(unit.total, abs=1e-9)
    # Sensitivity on published results runs on the tree rebuilt from the stored explanations:
    # it gives the stored totals back exactly.
    frozen = service.composite_results(session, published, viewer=ACTOR)
    for category in frozen.categories:
        members = [u for u in frozen.units if u.category == category.category]
        trees = [
            service.explain_unit(session, published, u.unit, viewer=ACTOR)["tree"] for u in members
        ]
        rebuilt = evaluate_scheme(
            explain.tree_from_explanations(trees),
            units=[u.unit for u in members],
            missing=trees[0]["missing_rule"],
        )
        assert list(rebuilt.total) == [u.total for u in members], category.category
    bm21 = service.explain_unit(session, current, "BM21", viewer=ACTOR)
    penalty = next(c for c in bm21["tree"]["children"] if c["name"] == "penalty")
    assert penalty["points"] == pytest.approx(-0.2)
    assert penalty["source"]["checks"][0]["category"] == "district-urban"
    excellence = bm21["tree"]["children"][0]["children"][1]
    assert excellence["node"] == "block" and excellence["coefficient"] is not None
    assert excellence["source"]["goals"]


def test_demo_sensitivity_is_seeded_and_uses_the_satisfaction_error(session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    _, current = _ids(session)
    request = service.SensitivityRequest(draws=300, seed=11)
    first = service.composite_results(
        session, current, viewer=ACTOR, category="dept-social", sensitivity=request
    )
    second = service.composite_results(
        session, current, viewer=ACTOR, category="dept-social", sensitivity=request
    )
    assert [u.sensitivity for u in first.units] == [u.sensitivity for u in second.units]
    assert first.sensitivity_method and "se * N(0, 1)" in first.sensitivity_method
    for unit in first.units:
        s = unit.sensitivity
        assert s is not None
        assert math.isclose(sum(s.grade_probabilities.values()), 1.0)
        assert s.robust == (s.p_point_grade is not None and s.p_point_grade >= 0.8)
    # Eight departments within a few points of each other: some ranks are uncertain.
    assert any(u.sensitivity and u.sensitivity.rank_high != u.sensitivity.rank_low
               for u in first.units)  # fmt: skip
    explanation = service.explain_unit(session, current, first.units[0].unit, viewer=ACTOR)
    satisfaction = explanation["tree"]["children"][2]["children"][0]
    assert satisfaction["se"] > 0
