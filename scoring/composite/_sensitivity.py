"""How robust are ranks and grades? Monte Carlo over weights and satisfaction sampling error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring._common import BoolArray, FloatArray, StrArray, frozen_array
from scoring.composite._base import check_count, check_number, competition_ranks, labels
from scoring.composite._results import GradeRule, grade_kernel
from scoring.composite._tree import SchemeResult, _Context, _evaluate
from scoring.composite._tree_nodes import _Block, _Leaf, _leaves, _walk

_INTERVAL = (0.05, 0.95)


@dataclass(frozen=True, eq=False)
class CompositeSensitivity:
    """Rank and grade distributions of units under perturbed weights and sampling error.

    All arrays run over every unit of every category, categories in input order.

    Attributes
    ----------
    category : tuple[str, ...]
        Category of each unit.
    units : tuple[str, ...]
        Unit labels (from each :class:`SchemeResult`).
    total : ndarray of float, shape (U,)
        Point totals (unperturbed).
    point_rank : ndarray of float, shape (U,)
        Competition rank of ``total`` within the category; NaN for units without a total.
    median_rank, rank_low, rank_high : ndarray of float, shape (U,)
        Median and 5th / 95th percentiles of the rank over the draws (lower quantiles, so
        ranks that occurred).
    grades : tuple[str, ...]
    point_grade : ndarray of str, shape (U,)
        Grade of ``total`` under ``grade_rule`` ("" when not graded).
    grade_probabilities : ndarray of float, shape (U, G)
        Share of draws giving each grade (rows of ungraded units are NaN).
    p_point_grade : ndarray of float, shape (U,)
        Share of draws giving the point grade.
    robust : ndarray of bool, shape (U,)
        ``p_point_grade >= robust_level``.
    robust_level, weight_band : float
    sampling_error : bool
    n_draws : int
    method : str
    """

    category: tuple[str, ...]
    units: tuple[str, ...]
    total: FloatArray
    point_rank: FloatArray
    median_rank: FloatArray
    rank_low: FloatArray
    rank_high: FloatArray
    grades: tuple[str, ...]
    point_grade: StrArray
    grade_probabilities: FloatArray
    p_point_grade: FloatArray
    robust: BoolArray
    robust_level: float
    weight_band: float
    sampling_error: bool
    n_draws: int
    method: str


def _draw_context(
    tree: _Block, rng: np.random.Generator, draws: int, band: float, sampling: bool
) -> _Context:
    """Perturbed weights for every block, then noisy scores for every leaf with an se."""
    factors: dict[str, FloatArray] = {}
    for block in _walk(tree):
        n_children = block.weights.size
        if band > 0:
            factors[block.path] = 1.0 + rng.uniform(-band, band, size=(draws, n_children))
    noisy: dict[str, FloatArray] = {}
    if sampling:
        for leaf in _leaves(tree):
            if leaf.se is None or not (leaf.se > 0).any():
                continue
            z = rng.standard_normal((draws, leaf.score.size))
            noisy[leaf.path] = np.clip(leaf.score + leaf.se * z, 0.0, leaf.max_points)

    def leaf_value(lf: _Leaf) -> FloatArray:
        got = noisy.get(lf.path)
        return got if got is not None else np.asarray(lf.score, dtype=np.float64)[None, :]

    def weights(b: _Block) -> FloatArray:
        w = np.asarray(b.weights, dtype=np.float64)[None, :]
        f = factors.get(b.path)
        return w if f is None else w * f

    return _Context(leaf=leaf_value, weights=weights)


def composite_sensitivity(
    results: SchemeResult | Sequence[SchemeResult],
    *,
    categories: Sequence[str] | None = None,
    n_draws: int = 1000,
    weight_band: float = 0.1,
    sampling_error: bool = True,
    grade_rule: GradeRule | None = None,
    robust_level: float = 0.8,
    seed: int | np.random.Generator | None = None,
) -> CompositeSensitivity:
    """Monte Carlo robustness of ranks and grades, category by category.

    Parameters
    ----------
    results : SchemeResult or sequence of them
        One evaluated scheme per category (:func:`evaluate_scheme`).
    categories : sequence of str, optional
        Category names; default ``"0"``, ``"1"``, ...
    n_draws : int
        Draws (default 1000).
    weight_band : float
        Every weight of every block is multiplied by ``1 + u``, ``u ~ Uniform(-band, band)``
        drawn independently per weight and draw (0 <= band < 1, default 0.1 = +-10 %), and
        the block renormalises within itself, so its full points are unchanged. In points
        mode the children's full points play the part of the weights. 0 switches it off.
    sampling_error : bool
        Whether leaves with an ``se`` get ``score + se * N(0, 1)`` per draw, clipped to
        ``[0, max_points]`` (default True).
    grade_rule : GradeRule, optional
        Default :class:`GradeRule` ``()``.
    robust_level : float
        A unit's grade is robust when its point grade comes out in at least this share of
        draws (default 0.8).
    seed : int, numpy.random.Generator or None
        Pass one for reproducible output.

    Returns
    -------
    CompositeSensitivity

    Notes
    -----
    Each draw re-evaluates the whole scheme (missing rules, adjustments, coefficients and
    caps as in the point evaluation; bounds follow the perturbed weights), ranks the units
    of each category by competition ranking and grades them with ``grade_rule``. Tie-break
    keys are not used. Units without a point total are not ranked or graded (NaN).
    Draws are vectorised: memory is about ``n_draws * units * 8`` bytes per live node.
    """
    items = [results] if isinstance(results, SchemeResult) else list(results)
    if not items or not all(isinstance(r, SchemeResult) for r in items):
        raise ValueError("results must be one or more SchemeResult")
    cats = labels(categories, len(items), "categories")
    draws = check_count(n_draws, "n_draws", minimum=1)
    band = check_number(weight_band, "weight_band", minimum=0.0, maximum=1.0, strict_max=True)
    if not isinstance(sampling_error, bool):
        raise ValueError("sampling_error must be True or False")
    rule = GradeRule() if grade_rule is None else grade_rule
    if not isinstance(rule, GradeRule):
        raise ValueError("grade_rule must be a GradeRule")
    level = check_number(robust_level, "robust_level", minimum=0.0, maximum=1.0, strict_min=True)
    rng = np.random.default_rng(seed)
    n_grades = len(rule.grades)

    out_cat: list[str] = []
    out_units: list[str] = []
    cols: dict[str, list[FloatArray]] = {
        k: [] for k in ("total", "point_rank", "median", "low", "high", "p_point")
    }
    probs: list[FloatArray] = []
    point_grades: list[StrArray] = []
    grade_names = np.array(("", *rule.grades), dtype=object)
    for cat, res in zip(cats, items, strict=True):
        ctx = _draw_context(res.tree, rng, draws, band, sampling_error)
        sim, _, _ = _evaluate(res.tree, ctx)
        point = np.asarray(res.total, dtype=np.float64)
        sim = np.broadcast_to(sim, (draws, point.size))
        sim = np.where(np.isnan(point)[None, :], np.nan, sim)
        ranks, _ = competition_ranks(sim)
        ranked = ~np.isnan(point)
        q = np.full((3, point.size), np.nan)
        if ranked.any():
            q[:, ranked] = np.quantile(
                ranks[:, ranked], [_INTERVAL[0], 0.5, _INTERVAL[1]], axis=0, method="inverted_cdf"
            )
        g_sim, _ = grade_kernel(sim, rule)
        g_point, _ = grade_kernel(point[None, :], rule)
        p = np.stack([(g_sim == g).mean(axis=0) for g in range(n_grades)], axis=1)
        p[~ranked] = np.nan
        idx = g_point[0]
        p_point = np.where(idx >= 0, p[np.arange(point.size), np.clip(idx, 0, None)], np.nan)
        out_cat.extend([cat] * point.size)
        out_units.extend(res.units)
        cols["total"].append(point)
        cols["point_rank"].append(competition_ranks(point[None, :])[0][0])
        cols["median"].append(q[1])
        cols["low"].append(q[0])
        cols["high"].append(q[2])
        cols["p_point"].append(p_point)
        probs.append(p)
        point_grades.append(grade_names[idx + 1].astype(str))
    p_point_all = np.concatenate(cols["p_point"])
    return CompositeSensitivity(
        category=tuple(out_cat),
        units=tuple(out_units),
        total=frozen_array(np.concatenate(cols["total"])),
        point_rank=frozen_array(np.concatenate(cols["point_rank"])),
        median_rank=frozen_array(np.concatenate(cols["median"])),
        rank_low=frozen_array(np.concatenate(cols["low"])),
        rank_high=frozen_array(np.concatenate(cols["high"])),
        grades=rule.grades,
        point_grade=frozen_array(np.concatenate(point_grades), dtype=np.str_),
        grade_probabilities=frozen_array(np.concatenate(probs, axis=0)),
        p_point_grade=frozen_array(p_point_all),
        robust=frozen_array(np.nan_to_num(p_point_all, nan=0.0) >= level, dtype=np.bool_),
        robust_level=level,
        weight_band=band,
        sampling_error=sampling_error,
        n_draws=draws,
        method=(
            f"{draws} draws: each weight x (1 + U(-{band:g}, {band:g})) renormalised within its "
            "block"
            + ("; leaf scores + se * N(0, 1) clipped to [0, max]" if sampling_error else "")
            + f"; competition ranks per category; grades by {rule.description}; rank band "
            "5th-95th percentile (lower quantiles)"
        ),
    )
