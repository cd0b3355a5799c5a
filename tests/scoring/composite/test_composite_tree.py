"""The scheme tree: blocks, weights, points, adjustments, coefficients, caps, explanations."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scoring import (
    QINGDAO_CUMULATIVE_WEIGHTS,
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    ScoringWarning,
    aggregate_periods,
    bound_adjustments,
    efficacy_coefficient,
    evaluate_scheme,
    growth_rate,
    min_max_score,
    rank_points,
    recompute,
    scale_speed_quality,
    target_completion,
    tier_coefficients,
    z_score,
)
from scoring.composite._tree_recompute import explanation_is_plain

NAN = math.nan


def _two_block_scheme(coefficient: list[float] | None = None) -> SchemeBlock:
    development = SchemeBlock(
        "发展",
        [
            SchemeLeaf("A", [8, 10], max_points=10, weight=0.5),
            SchemeLeaf("B", [10, 20], max_points=20, weight=0.5),
        ],
        max_points=60,
        coefficient=coefficient,
        coefficient_bounds=None if coefficient is None else (1.0, 1.18),
    )
    appraisal = SchemeBlock(
        "评价",
        [SchemeLeaf("C", [24, 30], max_points=30), SchemeLeaf("D", [5, 10], max_points=10)],
    )
    bonus = SchemeAdjustment("加减分", [3, 8], bounds=(-6, 8))
    return SchemeBlock("root", [development, appraisal, bonus], cap=(0, 100))


def test_points_and_weights_modes_with_bonus_and_cap() -> None:
    # 发展 (weights mode, 60 points): u0 60 * (0.5 * 8/10 + 0.5 * 10/20) = 60 * 0.65 = 39;
    #                                  u1 60 * (0.5 * 1 + 0.5 * 1) = 60.
    # 评价 (points mode, 30 + 10 = 40 points): u0 24 + 5 = 29; u1 30 + 10 = 40.
    # root (points mode): u0 39 + 29 + 3 = 71; u1 60 + 40 + 8 = 108 -> cap 100.
    res = evaluate_scheme(_two_block_scheme(), units=["u0", "u1"])
    assert_allclose(res.subtotals["root/发展"], [39, 60])
    assert_allclose(res.subtotals["root/评价"], [29, 40])
    assert_allclose(res.total, [71, 100])
    assert list(res.clipped["root"]) == ["", "upper"]
    # root bounds: [0 + 0 - 6, 60 + 40 + 8] = [-6, 108], intersected with the cap (0, 100).
    assert res.bounds == (0.0, 100.0)
    assert res.block_bounds["root/评价"] == (0.0, 40.0)


def test_coefficient_applies_to_the_block_named() -> None:
    # 发展 x coefficient: u0 39 * 1.10 = 42.9; root 42.9 + 29 + 3 = 74.9.
    # 发展 bounds: [0, 60 * 1.18] = [0, 70.8].
    res = evaluate_scheme(_two_block_scheme(coefficient=[1.10, 1.00]))
    assert res.subtotals["root/发展"][0] == pytest.approx(42.9)
    assert res.total[0] == pytest.approx(74.9)
    assert res.block_bounds["root/发展"] == pytest.approx((0.0, 70.8))


def _missing_scheme(rule: str) -> SchemeBlock:
    return SchemeBlock(
        "root",
        [
            SchemeLeaf("A", [8.0], max_points=10, weight=0.5),
            SchemeLeaf("B", [NAN], max_points=20, weight=0.3),
            SchemeLeaf("C", [5.0], max_points=10, weight=0.2),
        ],
        missing=rule,  # type: ignore[arg-type]
    )


def test_missing_rules() -> None:
    # A = 8/10, B missing, C = 5/10; weights 0.5 / 0.3 / 0.2; block 100 points.
    # zero:        100 * (0.5 * 0.8 + 0.3 * 0 + 0.2 * 0.5) = 100 * 0.5 = 50
    # renormalise: 100 * (0.5 * 0.8 + 0.2 * 0.5) / (0.5 + 0.2) = 50 / 0.7 = 71.428571...
    assert evaluate_scheme(_missing_scheme("zero")).total[0] == pytest.approx(50.0)
    assert evaluate_scheme(_missing_scheme("renormalise")).total[0] == pytest.approx(50 / 0.7)
    with pytest.warns(ScoringWarning, match="no_total"):
        res = evaluate_scheme(_missing_scheme("propagate"))
    assert math.isnan(res.total[0])
    assert res.reason[0] == "score_missing" and res.reason_node[0] == "root/B"


def test_missing_rule_default_and_all_missing() -> None:
    scheme = SchemeBlock("root", [SchemeLeaf("A", [NAN, 4.0], max_points=10)])
    with pytest.warns(ScoringWarning, match="every_child_missing"):
        res = evaluate_scheme(scheme, missing="renormalise")
    assert math.isnan(res.total[0]) and res.total[1] == 4.0


def test_points_block_rescaled_to_stated_max() -> None:
    # Two leaves of 50 points rescaled to a 20-point block: (30 + 40) * 20 / 100 = 14.
    scheme = SchemeBlock(
        "root",
        [SchemeLeaf("a", [30.0], max_points=50), SchemeLeaf("b", [40.0], max_points=50)],
        max_points=20,
    )
    assert evaluate_scheme(scheme).total[0] == pytest.approx(14.0)


def test_difficulty_coefficient_for_excellence_goals() -> None:
    # Excellence goal (创优目标) appraised on four dimensions, 25 points each, times an expert
    # difficulty coefficient in 0.9..1.2: u0 (20 + 18 + 22 + 20) * 1.2 = 80 * 1.2 = 96;
    # u1 (25 + 25 + 25 + 25) * 1.0 = 100; block bounds [0, 100 * 1.2] = [0, 120].
    dims = ["创优性", "攻坚性", "创新性", "效益性"]
    scores = [[20, 25], [18, 25], [22, 25], [20, 25]]
    goal = SchemeBlock(
        "创优目标",
        [SchemeLeaf(d, s, max_points=25) for d, s in zip(dims, scores, strict=True)],
        coefficient=[1.2, 1.0],
        coefficient_bounds=(0.9, 1.2),
    )
    res = evaluate_scheme(SchemeBlock("root", [goal]))
    assert_allclose(res.total, [96, 100])
    assert res.bounds == pytest.approx((0.0, 120.0))


def test_scheme_validation() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        evaluate_scheme(
            SchemeBlock(
                "r",
                [
                    SchemeLeaf("a", [1.0], max_points=10, weight=0.5),
                    SchemeLeaf("b", [1.0], max_points=10, weight=0.4),
                ],
            )
        )
    with pytest.raises(ValueError, match="either every indicator child"):
        evaluate_scheme(
            SchemeBlock(
                "r",
                [SchemeLeaf("a", [1.0], max_points=10, weight=1.0), SchemeLeaf("b", [1.0], 10)],
            )
        )
    with pytest.raises(ValueError, match="outside"):
        evaluate_scheme(SchemeBlock("r", [SchemeLeaf("a", [11.0], max_points=10)]))
    with pytest.raises(ValueError, match="unique"):
        SchemeBlock("r", [SchemeLeaf("a", [1.0], 10), SchemeLeaf("a", [1.0], 10)])
    with pytest.raises(ValueError, match="max_points is required"):
        SchemeLeaf("a", [1.0])
    with pytest.raises(ValueError, match="bounds are required"):
        SchemeAdjustment("bonus", [1.0])
    with pytest.raises(ValueError, match="outside its bounds"):
        evaluate_scheme(
            SchemeBlock("r", [SchemeLeaf("a", [1.0], 10), SchemeAdjustment("x", [9.0], (0, 8))])
        )
    with pytest.raises(ValueError, match="entries, expected 2"):
        evaluate_scheme(
            SchemeBlock("r", [SchemeLeaf("a", [1.0, 2.0], 10), SchemeLeaf("b", [1.0], 10)])
        )
    with pytest.raises(ValueError, match="'/'"):
        SchemeLeaf("a/b", [1.0], 10)
    with pytest.raises(ValueError, match="at least one leaf"):
        SchemeBlock("r", [SchemeAdjustment("x", [1.0], (0, 1))])
    with pytest.raises(ValueError, match="differs"):
        SchemeLeaf("a", min_max_score([1.0, 2.0], full_points=10), max_points=20)


# --------------------------------------------------------------------------- explanation


def _rich_scheme() -> tuple[SchemeBlock, list[str]]:
    """A scheme with every kind of detail: methods, growth, periods, bonus, coefficient."""
    units = ["甲", "乙", "丙", "丁", "戊"]
    gdp = np.array([520.0, 310.0, 450.0, 280.0, 390.0])
    gdp_prev = np.array([480.0, 300.0, 400.0, 290.0, 350.0])
    tax_share = np.array([0.72, 0.65, 0.81, 0.58, 0.70])
    ssq = scale_speed_quality(
        rank_points(gdp, full_points=10, ties="average"),
        efficacy_coefficient(growth_rate(gdp, gdp_prev), full_points=10),
        target_completion(tax_share, 0.75, full_points=10, cap=1.1),
        weights=[0.3, 0.4, 0.3],
        full_points=20,
    )
    investment = aggregate_periods(
        [
            min_max_score(
                [q * 1.0, q * 0.9, q * 1.1, q * 0.7, q * 0.95], full_points=15, low=0, high=120
            )
            for q in (30.0, 55.0, 80.0, 100.0)
        ],
        QINGDAO_CUMULATIVE_WEIGHTS,
    )
    satisfaction = z_score([88.0, 92.5, 79.0, 85.0, 90.0], full_points=25, ddof=1)
    coef = tier_coefficients(gdp - gdp_prev, thresholds=[0, 10, 20, 30, 40], rule="value")
    bonus = bound_adjustments(
        [[3, 0], [10, -2], [0, 0], [0, -9], [1, 0]],
        item_low=[2, -6],
        item_high=[8, -1],
        bonus_total_max=8,
    )
    hard = SchemeBlock(
        "高质量发展",
        [
            SchemeLeaf("GDP", ssq, weight=0.6),
            SchemeLeaf("投资", investment, weight=0.4),
        ],
        weight=0.7,
        max_points=80,
        coefficient=coef,
    )
    soft = SchemeBlock("综合评价", [SchemeLeaf("满意度", satisfaction, weight=1.0)], weight=0.3)
    root = SchemeBlock(
        "root",
        [
            SchemeBlock("主表", [hard, soft], max_points=100),
            SchemeAdjustment("加减分", bonus),
        ],
        cap=(0, 110),
    )
    return root, units


def test_explanation_recomputes_every_total() -> None:
    root, units = _rich_scheme()
    res = evaluate_scheme(root, units=units)
    for unit in units:
        e = res.explain(unit)
        assert explanation_is_plain(e)
        json.dumps(e, ensure_ascii=False)  # plain data all the way down
        assert recompute(e) == pytest.approx(res.total[units.index(unit)], abs=1e-9)
        assert e["unit"] == unit


def test_recompute_reads_inputs_not_stored_results() -> None:
    root, units = _rich_scheme()
    res = evaluate_scheme(root, units=units)
    e = res.explain(0)
    total = recompute(e)
    # Overwriting every stored intermediate and final value changes nothing...
    wiped = copy.deepcopy(e)
    wiped["value"] = wiped["base"] = wiped["after_coefficient"] = -1.0
    wiped["children"][0]["value"] = 0.0
    assert recompute(wiped) == pytest.approx(total, abs=1e-12)
    # ...but changing an input does: the satisfaction value of unit 0 up by 5 points.
    tampered = copy.deepcopy(e)
    sat_leaf = tampered["children"][0]["children"][1]["children"][0]
    assert sat_leaf["name"] == "满意度"
    sat_leaf["detail"]["inputs"]["value"] += 5.0
    assert recompute(tampered) > total + 0.1


def test_explanation_shows_method_parameters_and_intermediates() -> None:
    root, units = _rich_scheme()
    e = evaluate_scheme(root, units=units).explain("乙")
    main = e["children"][0]
    hard = main["children"][0]
    assert hard["mode"] == "weights"
    assert hard["coefficient_detail"]["method"] == "tier_coefficient"
    gdp = hard["children"][0]
    assert gdp["detail"]["method"] == "scale_speed_quality"
    speed = gdp["detail"]["parts"][1]["detail"]
    assert speed["method"] == "efficacy_coefficient"
    assert speed["growth"]["inputs"] == {"current": 310.0, "previous": 300.0}
    assert "satisfactory" in speed["parameters"]
    invest = hard["children"][1]
    assert invest["detail"]["method"] == "period_weights"
    assert invest["detail"]["parameters"]["weights"] == [0.1, 0.2, 0.3, 0.4]
    bonus = e["children"][1]
    assert bonus["detail"]["items"][0]["clip"] == "item_high"  # 10 -> 8
    for key in ("base", "adjustments", "before_coefficient", "after_coefficient", "bounds"):
        assert key in hard


def test_subtotals_and_bounds_of_rich_scheme() -> None:
    root, units = _rich_scheme()
    res = evaluate_scheme(root, units=units)
    for path, values in res.subtotals.items():
        lo, hi = res.block_bounds[path]
        assert ((values >= lo) & (values <= hi)).all(), path
    assert res.bounds[1] == 110.0
