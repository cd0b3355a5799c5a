"""Properties that must hold for any input: bounds, ranks, quotas, period weights."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import (
    GradeRule,
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    ScoringWarning,
    aggregate_periods,
    assign_grades,
    bound_adjustments,
    evaluate_scheme,
    rank_units,
    recompute,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MISSING_RULES = ("propagate", "zero", "renormalise")


def _normalised(draw: Any, k: int) -> list[float]:
    raw = draw(st.lists(st.integers(1, 20), min_size=k, max_size=k))
    total = sum(raw)
    return [r / total for r in raw]


def _leaf(draw: Any, name: str, n: int, weight: float | None) -> SchemeLeaf:
    top = draw(st.sampled_from([5.0, 10.0, 20.0, 30.0]))
    value = st.one_of(st.floats(0, top), st.just(math.nan))
    scores = draw(st.lists(value, min_size=n, max_size=n))
    return SchemeLeaf(name, scores, max_points=top, weight=weight)


def _block(draw: Any, name: str, n: int, depth: int, weight: float | None) -> SchemeBlock:
    k = draw(st.integers(1, 3))
    weighted = draw(st.booleans())
    weights: list[float | None] = list(_normalised(draw, k)) if weighted else [None] * k
    children: list[SchemeLeaf | SchemeBlock | SchemeAdjustment] = []
    for i, w in enumerate(weights):
        if depth > 0 and draw(st.booleans()):
            children.append(_block(draw, f"b{i}", n, depth - 1, w))
        else:
            children.append(_leaf(draw, f"l{i}", n, w))
    if draw(st.booleans()):
        lo = -draw(st.floats(0, 6))
        hi = draw(st.floats(0, 8))
        pts = draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n))
        children.append(SchemeAdjustment("adj", pts, bounds=(lo, hi)))
    coefficient = None
    if draw(st.booleans()):
        coefficient = draw(st.lists(st.floats(0.9, 1.2), min_size=n, max_size=n))
    cap = (0.0, draw(st.floats(1, 200))) if draw(st.booleans()) else None
    return SchemeBlock(
        name,
        children,
        weight=weight,
        max_points=draw(st.sampled_from([None, 40.0, 100.0])),
        coefficient=coefficient,
        coefficient_bounds=(0.9, 1.2) if coefficient is not None else None,
        cap=cap,
        missing=draw(st.sampled_from([None, *MISSING_RULES])),
    )


@st.composite
def schemes(draw: Any) -> tuple[SchemeBlock, str]:
    n = draw(st.integers(1, 5))
    return _block(draw, "root", n, depth=2, weight=None), draw(st.sampled_from(MISSING_RULES))


@SETTINGS
@given(schemes())
def test_totals_stay_within_the_scheme_bounds_and_recompute(case: tuple[SchemeBlock, str]) -> None:
    root, missing = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScoringWarning)
        res = evaluate_scheme(root, missing=missing)  # type: ignore[arg-type]
    lo, hi = res.bounds
    finite = ~np.isnan(res.total)
    assert ((res.total[finite] >= lo) & (res.total[finite] <= hi)).all()
    for path, values in res.subtotals.items():
        b_lo, b_hi = res.block_bounds[path]
        ok = ~np.isnan(values)
        assert ((values[ok] >= b_lo) & (values[ok] <= b_hi)).all(), path
    for i in range(res.total.size):
        again = recompute(res.explain(i))
        if math.isnan(res.total[i]):
            assert math.isnan(again)
        else:
            assert abs(again - res.total[i]) <= 1e-9 * max(1.0, abs(res.total[i]))


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABC"), st.one_of(st.integers(0, 6).map(float), st.just(math.nan))
        ),
        min_size=1,
        max_size=30,
    )
)
def test_ranks_are_competition_ranks_within_each_category(rows: list[tuple[str, float]]) -> None:
    # Within a category of n scored units, the ranks form the multiset
    # {p + 1 repeated t times : a block of t equal scores starts at sorted position p};
    # without ties that is a permutation of 1..n. Every unit's rank is 1 + the number of
    # units strictly ahead, and its tie size the number of units with its score.
    for cat in "ABC":
        scores = np.array([s for c, s in rows if c == cat])
        if scores.size == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScoringWarning)
            res = rank_units(scores)
        ok = ~np.isnan(scores)
        assert np.isnan(res.rank[~ok]).all()
        finite = scores[ok]
        ranks = res.rank[ok]
        for s, r, t in zip(finite, ranks, res.tie_size[ok], strict=True):
            assert r == 1 + np.sum(finite > s)
            assert t == np.sum(finite == s)
        sorted_scores = np.sort(finite)[::-1]
        expected = [1 + int(np.argmax(sorted_scores == s)) for s in sorted_scores]
        assert sorted(ranks.tolist()) == expected
        if np.unique(finite).size == finite.size:
            assert sorted(ranks.tolist()) == list(range(1, finite.size + 1))
        assert res.n_ranked == finite.size


@st.composite
def grade_rules(draw: Any) -> GradeRule:
    thresholds = sorted(draw(st.lists(st.integers(50, 100), min_size=3, max_size=3)), reverse=True)
    use_thr = draw(st.booleans())
    shares = draw(
        st.lists(
            st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.15, 0.2, 0.3, 0.5])),
            min_size=3,
            max_size=3,
        )
    )
    return GradeRule(
        thresholds=tuple(float(t) for t in thresholds) if use_thr else None,
        max_shares=tuple(shares),
    )


@SETTINGS
@given(st.lists(st.integers(40, 100).map(float), min_size=1, max_size=40), grade_rules())
def test_grade_quotas_are_never_exceeded(scores: list[float], rule: GradeRule) -> None:
    res = assign_grades(scores, rule)
    s = np.asarray(scores)
    for name, cap in res.caps.items():
        if cap is not None:
            assert res.counts[name] <= cap
    assert sum(res.counts.values()) == s.size
    # A better score never gets a worse grade; equal scores get equal grades.
    for i in range(s.size):
        for j in range(s.size):
            if s[i] > s[j]:
                assert res.grade_index[i] <= res.grade_index[j]
            if s[i] == s[j]:
                assert res.grade_index[i] == res.grade_index[j]


@SETTINGS
@given(st.data())
def test_period_weights_used_sum_to_one(data: st.DataObject) -> None:
    p = data.draw(st.integers(1, 6))
    weights = _normalised(data.draw, p)
    value = st.one_of(st.floats(0, 100), st.just(math.nan))
    scores = np.array(
        data.draw(st.lists(st.lists(value, min_size=p, max_size=p), min_size=1, max_size=5))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScoringWarning)
        ren = aggregate_periods(scores, weights)
    zero = aggregate_periods(scores, weights, missing="zero")
    assert abs(math.fsum(weights) - 1.0) < 1e-12
    for i in range(scores.shape[0]):
        present = ~np.isnan(scores[i])
        assert abs(math.fsum(zero.weights_used[i]) - 1.0) < 1e-12
        if present.any():
            assert abs(math.fsum(ren.weights_used[i]) - 1.0) < 1e-12
            assert (ren.weights_used[i][~present] == 0).all()
            lo, hi = scores[i][present].min(), scores[i][present].max()
            assert lo - 1e-9 <= ren.total[i] <= hi + 1e-9
        else:
            assert math.isnan(ren.total[i])


@SETTINGS
@given(st.data())
def test_adjustments_stay_within_their_bounds(data: st.DataObject) -> None:
    k = data.draw(st.integers(1, 4))
    signs = data.draw(st.lists(st.booleans(), min_size=k, max_size=k))
    low = [1.0 if s else -6.0 for s in signs]
    high = [8.0 if s else -1.0 for s in signs]
    rows = data.draw(st.integers(1, 5))
    values = np.array(
        [
            [data.draw(st.sampled_from([0.0, 0.5, 3.0, 12.0])) * (1 if s else -1) for s in signs]
            for _ in range(rows)
        ]
    )
    res = bound_adjustments(
        values,
        item_low=low,
        item_high=high,
        bonus_total_max=data.draw(st.one_of(st.none(), st.floats(0, 10))),
        deduction_total_min=data.draw(st.one_of(st.none(), st.floats(-10, 0))),
    )
    lo, hi = res.bounds
    assert ((res.net >= lo) & (res.net <= hi)).all()
    nonzero = values != 0
    assert (res.applied[nonzero] >= np.array(low)[None, :].repeat(rows, 0)[nonzero]).all()
    assert (res.applied[~nonzero] == 0).all()
