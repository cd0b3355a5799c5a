"""How certain is a league table? Rank distributions by parametric resampling."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from scoring._common import (
    BoolArray,
    FloatArray,
    ScoringWarning,
    as_count_array,
    as_float_array,
    check_int,
    frozen_array,
    labels_tuple,
)
from scoring._reasons import Reason
from scoring.satisfaction._combine import combine_means, used_groups
from scoring.satisfaction._policy import DEFAULT_POLICY, SatisfactionPolicy
from scoring.satisfaction._resample import multinomial_cell_means

ResampleMethod = Literal["multinomial", "dirichlet"]

# Bound on the elements of one block of draws ((draws, units, groups) for the multinomial
# means, (draws, units, groups, levels) for the Dirichlet shares), to keep memory flat when
# thousands of draws meet hundreds of units. A block rebuilds the multinomial tables, so it
# is large enough that a category of up to ~280 unit x group cells takes one block.
_BLOCK_ELEMENTS = 4_000_000

# Categories up to this many units are ranked by pairwise comparison in every draw.
_PAIRWISE_UNITS = 32

# Reason code of a unit left out of the ranking: no group with weight > 0 and
# n_valid >= min_n, the same code as the combined score's.
NOT_RANKED = "no_usable_group"


@dataclass(frozen=True)
class AdjacentPair:
    """Two units next to each other in the point ranking.

    Attributes
    ----------
    higher, lower : str
        The unit ranked above and the unit ranked below.
    p_higher_beats_lower : float
        Share of draws in which ``higher`` scores above ``lower`` (ties count one half).
    tied : bool
        ``tie_alpha < p_higher_beats_lower < 1 - tie_alpha``: the order is not supported by
        the data at that level.
    """

    higher: str
    lower: str
    p_higher_beats_lower: float
    tied: bool


@dataclass(frozen=True, eq=False)
class RankUncertainty:
    """Rank distribution of the units of one category.

    Attributes
    ----------
    units : tuple[str, ...]
        Unit labels, input order; all arrays below follow it.
    score : ndarray of float, shape (U,)
        Point combined score, points (0-100); NaN for units that cannot be scored.
    point_rank : ndarray of float, shape (U,)
        Competition rank (1 = best, ties share the best rank, "1224") of ``score``; NaN for
        units not ranked.
    rank_probabilities : ndarray of float, shape (U, R)
        ``[i, r - 1]`` = share of draws in which unit ``i`` had rank ``r``; ``R`` is the
        number of ranked units. Rows of units not ranked are NaN.
    median_rank, rank_low, rank_high : ndarray of float, shape (U,)
        Median and the ``interval_level`` interval of the rank over the draws (lower
        quantiles, so they are ranks that occurred); NaN for units not ranked.
    adjacent_pairs : tuple[AdjacentPair, ...]
        Consecutive pairs of the point ranking, best first.
    not_ranked : tuple[tuple[str, str], ...]
        ``(unit, reason code)`` for units left out of the ranking (``no_usable_group``).
    n_draws : int
    method : str
        Resampling scheme.
    interval_level : float
        Coverage of ``rank_low``-``rank_high`` (0.90: 5th to 95th percentile).
    tie_rule : str
        The rule behind ``AdjacentPair.tied``.
    reasons : tuple[Reason, ...]
        ``Reason("units_not_ranked", units=k, min_n=...)`` when ``k`` units are left out.
    """

    units: tuple[str, ...]
    score: FloatArray
    point_rank: FloatArray
    rank_probabilities: FloatArray
    median_rank: FloatArray
    rank_low: FloatArray
    rank_high: FloatArray
    adjacent_pairs: tuple[AdjacentPair, ...]
    not_ranked: tuple[tuple[str, str], ...]
    n_draws: int
    method: str
    interval_level: float
    tie_rule: str
    reasons: tuple[Reason, ...] = ()


def _competition_ranks(scores: FloatArray) -> NDArray[np.intp]:
    """Rank of each unit in each draw (row), 1 = highest, ties sharing the best rank."""
    if scores.shape[1] <= _PAIRWISE_UNITS:
        # 1 + the number of units above: a few vector passes for the usual category sizes,
        # where scipy's rankdata sorts every row.
        return np.asarray(1 + (scores[:, None, :] > scores[:, :, None]).sum(axis=2), np.intp)
    # scipy's rankdata(-scores, method="min", axis=1), without its generic checks and passes:
    # sort each draw, mark where a run of equal scores starts, give the run its first place.
    negated = -scores
    order = np.argsort(negated, axis=1)
    ordered = np.take_along_axis(negated, order, axis=1)
    starts = np.empty(ordered.shape, dtype=np.bool_)
    starts[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=starts[:, 1:])
    place = np.where(starts, np.arange(1, scores.shape[1] + 1, dtype=np.intp), 0)
    np.maximum.accumulate(place, axis=1, out=place)
    ranks = np.empty_like(place)
    np.put_along_axis(ranks, order, place, axis=1)
    return ranks


def _rank_quantiles(
    tally: NDArray[np.intp], n_draws: int, levels: tuple[float, ...]
) -> tuple[FloatArray, ...]:
    """Lower (``inverted_cdf``) quantiles of each unit's rank from its rank counts.

    ``tally[i, r - 1]`` counts the draws in which unit ``i`` had rank ``r``. The ``q``
    quantile of ``n`` sorted draws by ``inverted_cdf`` is the ``ceil(q n)``-th of them, so
    it is the smallest rank whose cumulative count reaches ``q n``: the same numbers as
    ``np.quantile(ranks, q, axis=0, method="inverted_cdf")``, without sorting every unit's
    draws again.
    """
    cumulative = np.cumsum(tally, axis=1)
    return tuple(
        np.argmax(cumulative >= q * n_draws, axis=1).astype(np.float64) + 1.0 for q in levels
    )


def _combine_draws(means: FloatArray, used: BoolArray, group_weights: FloatArray) -> FloatArray:
    """Combined scores ``(draws, U)`` of cell mean draws ``(U, G, draws)``, unused cells 0."""
    w = np.where(used, group_weights, 0.0)
    # (U, G, draws) summed over groups as in combine_means, draws last for speed.
    return np.asarray(np.einsum("ugd,ug->du", means, w) / w.sum(axis=1), dtype=np.float64)


def _draw_scores(
    rng: np.random.Generator,
    counts: FloatArray,
    scores: FloatArray,
    used: BoolArray,
    group_weights: FloatArray,
    draws: int,
    method: ResampleMethod,
) -> FloatArray:
    """Combined scores of ``draws`` replicates, shape ``(draws, U)``."""
    if method == "multinomial":
        # Only the cells that enter a score are redrawn; the others weigh 0.
        means = np.zeros((*used.shape, draws))
        means[used] = multinomial_cell_means(rng, counts[used], scores, draws)
        return _combine_draws(means, used, group_weights)
    # Dirichlet(counts) through normalised gammas: Generator.dirichlet takes one alpha only.
    gam = rng.standard_gamma(np.broadcast_to(counts, (draws, *counts.shape)))
    with np.errstate(invalid="ignore", divide="ignore"):
        group_means = gam @ scores / gam.sum(axis=-1)
    return combine_means(group_means, used, group_weights)


def rank_uncertainty(
    counts: ArrayLike,
    group_weights: ArrayLike,
    policy: SatisfactionPolicy = DEFAULT_POLICY,
    *,
    unit_labels: ArrayLike | None = None,
    n_draws: int = 2000,
    seed: int | np.random.Generator | None = None,
    method: ResampleMethod = "multinomial",
    tie_alpha: float = 0.05,
    cell_draws: ArrayLike | None = None,
    warn: bool = True,
) -> RankUncertainty:
    """Rank distribution of units from their answer counts, by parametric resampling.

    Parameters
    ----------
    counts : array_like, shape (U, G, L)
        Respondents per unit, respondent group and level (level axis as ``policy.levels``);
        all units belong to one category and share ``group_weights``.
    group_weights : array_like, shape (G,)
        Group weights ``W_h`` (>= 0).
    policy : SatisfactionPolicy
        Level scores and ``min_n``; the groups used by each unit are those of its point
        score and stay fixed across draws.
    unit_labels : array_like, shape (U,), optional
        Names of the units; default ``"0"``, ``"1"``, ...
    n_draws : int
        Replicates (default 2000).
    seed : int, numpy.random.Generator or None
        Seed or generator; pass one for reproducible output.
    method : {"multinomial", "dirichlet"}
        ``"multinomial"`` (default): parametric bootstrap, each unit x group table is redrawn
        as ``Multinomial(n, observed shares)``. ``"dirichlet"``: Bayesian bootstrap, level
        shares drawn from ``Dirichlet(counts)``. Levels never chosen stay at zero in both.
    tie_alpha : float
        Adjacent units are flagged as tied when
        ``tie_alpha < P(higher beats lower) < 1 - tie_alpha`` (default 0.05).
    cell_draws : array_like, shape (U, G, n_draws), optional
        Multinomial redraws of each unit x group mean score made by the caller, for example
        by :func:`cell_mean_draws` with a random stream per cell, so that the draws of cells
        whose counts did not change can be kept between calls. Only the cells a unit's score
        uses are read. ``seed`` is then not used, and ``method`` must be ``"multinomial"``.
    warn : bool
        Issue a :class:`ScoringWarning` when units are left out (default); services pass
        False and read ``reasons``.

    Returns
    -------
    RankUncertainty

    Notes
    -----
    Don't-know answers are ignored. Each draw recomputes every unit's combined score
    ``sum_h W'_h mean_h`` and ranks the units (1 = highest score, competition ranking for
    ties). Units with no usable group are not ranked, with a reason (and a
    :class:`ScoringWarning`).
    The multinomial redraw of a group mean is drawn from its exact distribution, tabulated
    once per unit x group by FFT when the level scores are decimals (otherwise by numpy's
    multinomial); see ``scoring.satisfaction._resample``.
    """
    if not isinstance(policy, SatisfactionPolicy):
        raise ValueError("policy must be a SatisfactionPolicy")
    c = as_count_array(counts, "counts", integer=True)
    n_levels = len(policy.levels)
    if c.ndim != 3 or c.shape[-1] != n_levels:
        raise ValueError(
            f"counts must have shape (units, groups, {n_levels}) with levels {policy.levels}, "
            f"got {c.shape}"
        )
    n_units, n_groups, _ = c.shape
    if n_units == 0 or n_groups == 0:
        raise ValueError("counts must hold at least one unit and one group")
    w = as_float_array(group_weights, "group_weights")
    if w.shape != (n_groups,) or (w < 0).any():
        raise ValueError(f"group_weights must be non-negative with shape ({n_groups},)")
    labels = labels_tuple(unit_labels, n_units, "unit_labels")
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    if method not in get_args(ResampleMethod):
        raise ValueError(f"method must be one of {get_args(ResampleMethod)}, got {method!r}")
    if not 0.0 < tie_alpha < 0.5:
        raise ValueError(f"tie_alpha must lie in (0, 0.5), got {tie_alpha!r}")
    given: FloatArray | None = None
    if cell_draws is not None:
        given = np.asarray(cell_draws, dtype=np.float64)
        if method != "multinomial":
            raise ValueError("cell_draws are multinomial redraws: method must be 'multinomial'")
        if given.shape != (n_units, n_groups, n_draws):
            raise ValueError(
                f"cell_draws must have shape ({n_units}, {n_groups}, {n_draws}), got {given.shape}"
            )
    # With the caller's draws nothing is drawn here (and no OS entropy is read for seed None).
    rng = np.random.default_rng(seed) if given is None else None

    scores = policy.scores
    valid = ~np.isnan(scores)
    cv = c[..., valid]
    x = scores[valid]
    n_valid = cv.sum(axis=-1)
    used = used_groups(n_valid, w, policy.min_n)
    with np.errstate(invalid="ignore", divide="ignore"):
        point_means = cv @ x / n_valid
    point = combine_means(point_means, used, w)
    ranked = ~np.isnan(point)
    idx = np.flatnonzero(ranked)
    not_ranked = tuple((labels[i], NOT_RANKED) for i in np.flatnonzero(~ranked))
    reasons: tuple[Reason, ...] = ()
    if not_ranked:
        reasons = (Reason("units_not_ranked", units=len(not_ranked), min_n=policy.min_n),)
        if warn:
            warnings.warn(
                f"{len(not_ranked)} unit(s) cannot be scored and are left out of the ranking: "
                + ", ".join(u for u, _ in not_ranked[:10])
                + f" [{reasons[0]}]",
                ScoringWarning,
                stacklevel=2,
            )
    n_ranked = idx.size
    point_rank = np.full(n_units, np.nan)
    probs = np.full((n_units, n_ranked), np.nan)
    median = np.full(n_units, np.nan)
    low = np.full(n_units, np.nan)
    high = np.full(n_units, np.nan)
    pairs: list[AdjacentPair] = []
    method_text = (
        "parametric bootstrap: Multinomial(n, observed shares) per unit x group"
        if method == "multinomial"
        else "Bayesian bootstrap: Dirichlet(counts) level shares per unit x group"
    )
    tie_rule = (
        f"adjacent units tied when {tie_alpha:g} < P(higher beats lower) < {1 - tie_alpha:g}, "
        "ties in a draw counting one half"
    )
    if n_ranked:
        point_rank[idx] = stats.rankdata(-point[idx], method="min")
        order = idx[np.argsort(-point[idx], kind="stable")]
        cv_r, used_r = cv[idx], used[idx]
        ranks = np.empty((n_draws, n_ranked), dtype=np.intp)
        beats = np.zeros(max(n_ranked - 1, 0))
        pos_in_r = {u: k for k, u in enumerate(idx.tolist())}
        upper = np.array([pos_in_r[u] for u in order[:-1].tolist()], dtype=np.intp)
        lower = np.array([pos_in_r[u] for u in order[1:].tolist()], dtype=np.intp)
        if given is not None and n_ranked < n_units:
            given = given[idx]
        per_draw = used_r.size if method == "multinomial" else cv_r.size
        block = max(1, _BLOCK_ELEMENTS // max(1, per_draw))
        for start in range(0, n_draws, block):
            size = min(block, n_draws - start)
            if given is None:
                assert rng is not None
                draw_scores = _draw_scores(rng, cv_r, x, used_r, w, size, method)
            else:
                means = given[..., start : start + size]
                if not used_r.all():
                    means = np.where(used_r[..., None], means, 0.0)
                draw_scores = _combine_draws(means, used_r, w)
                # Unused cells weigh 0 and were zeroed, so only a used cell can make this fail.
                if not np.isfinite(draw_scores).all():
                    raise ValueError("cell_draws must be finite in every cell a score uses")
            ranks[start : start + size] = _competition_ranks(draw_scores)
            a, b = draw_scores[:, upper], draw_scores[:, lower]
            beats += (a > b).sum(axis=0) + 0.5 * (a == b).sum(axis=0)
        flat = (np.arange(n_ranked) * n_ranked + (ranks - 1)).ravel()
        tally = np.bincount(flat, minlength=n_ranked * n_ranked).reshape(n_ranked, n_ranked)
        probs[idx] = tally / n_draws
        low[idx], median[idx], high[idx] = _rank_quantiles(tally, n_draws, (0.05, 0.5, 0.95))
        p_beat = beats / n_draws
        pairs = [
            AdjacentPair(
                higher=labels[int(idx[u])],
                lower=labels[int(idx[v])],
                p_higher_beats_lower=float(p),
                tied=bool(tie_alpha < p < 1.0 - tie_alpha),
            )
            for u, v, p in zip(upper, lower, p_beat, strict=True)
        ]
    return RankUncertainty(
        units=labels,
        score=frozen_array(point),
        point_rank=frozen_array(point_rank),
        rank_probabilities=frozen_array(probs),
        median_rank=frozen_array(median),
        rank_low=frozen_array(low),
        rank_high=frozen_array(high),
        adjacent_pairs=tuple(pairs),
        not_ranked=not_ranked,
        n_draws=n_draws,
        method=method_text,
        interval_level=0.90,
        tie_rule=tie_rule,
        reasons=reasons,
    )
