"""Points by competition rank within the category ("1224"), linear or from a table."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray
from scoring.composite._base import Direction, Param, competition_ranks
from scoring.composite._indicator import (
    Category,
    GrowthRate,
    IndicatorScore,
    MethodParts,
    MethodSetup,
    Reference,
    no_reasons,
    score_category,
)
from scoring.composite._params import RankPointsParams, RankTies, params_dict


def _position_points(pos: FloatArray, n: FloatArray, p: RankPointsParams) -> FloatArray:
    if p.table is None:
        full, low = p.full_points, p.min_points
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(n > 1, (full - low) / (n - 1), 0.0)
        return np.asarray(full - step * (pos - 1), dtype=np.float64)
    t = np.asarray(p.table, dtype=np.float64)
    idx = np.nan_to_num(pos, nan=1.0).astype(np.intp) - 1
    inside = idx < t.size
    out = np.where(inside, t[np.clip(idx, 0, t.size - 1)], p.beyond_table)
    return np.asarray(np.where(np.isnan(pos), np.nan, out), dtype=np.float64)


def _k_rank(
    inp: Mapping[str, FloatArray], p: RankPointsParams, cat: Category
) -> tuple[FloatArray, FloatArray]:
    r, size, n = inp["rank"], inp["tie_size"], inp["n_ranked"]
    if p.ties == "min" or not np.any(size > 1):
        pts = _position_points(r, n, p)
    elif p.table is None:
        # Linear points: the mean over positions r..r+size-1 is the points of the middle one.
        pts = _position_points(r + (size - 1) / 2.0, n, p)
    else:
        last = np.nan_to_num(r + size - 1, nan=1.0)
        top = int(last.max())
        positions = np.arange(1.0, top + 1)
        cum = np.concatenate(([0.0], np.cumsum(_position_points(positions, positions, p))))
        rr = np.nan_to_num(r, nan=1.0).astype(np.intp)
        ll = last.astype(np.intp)
        with np.errstate(invalid="ignore", divide="ignore"):
            pts = (cum[ll] - cum[rr - 1]) / size
        pts = np.where(np.isnan(r), np.nan, pts)
    return np.asarray(r, dtype=np.float64), np.asarray(pts, dtype=np.float64)


def rank_points(
    values: ArrayLike | GrowthRate,
    *,
    full_points: float = 100.0,
    direction: Direction = "higher",
    table: tuple[float, ...] | list[float] | None = None,
    min_points: float = 0.0,
    beyond_table: float = 0.0,
    ties: RankTies = "min",
    warn: bool = True,
) -> IndicatorScore:
    """Points by rank in the category (competition ranking "1224", 1 = best).

    Parameters
    ----------
    values : array_like, shape (U,), or GrowthRate
        Indicator values; NaN units are not ranked and get NaN points.
    full_points : float
        Points of rank 1 in the linear rule, and the top of the scale.
    direction : {"higher", "lower"}
        Which values are better.
    table : sequence of float, optional
        Points for ranks 1, 2, ... (non-increasing, within ``[0, full_points]``); ranks past
        the end get ``beyond_table``. Without a table, points fall linearly from
        ``full_points`` (rank 1) to ``min_points`` (rank n): ``full - (full - min) (r - 1) /
        (n - 1)``, n = number of ranked units (one unit: full points).
    min_points : float
        Points of the last rank in the linear rule.
    beyond_table : float
        Points of ranks past the end of ``table`` (default 0).
    ties : {"min", "average"}
        Units with equal values share a rank. ``"min"`` (default): they all get the points of
        their shared (best) rank, e.g. two units tied for 2nd both get the points of rank 2.
        ``"average"``: they get the mean of the points of the positions they occupy (2nd and
        3rd).
    warn : bool
        Raise a :class:`ScoringWarning` per reason for NaN points (default); False leaves
        them on the result's ``reasons`` only.

    Returns
    -------
    IndicatorScore
        ``raw`` is the competition rank; ``inputs`` hold ``rank``, ``tie_size`` and
        ``n_ranked`` per unit.
    """
    params = RankPointsParams(
        full_points=full_points,
        direction=direction,
        table=None if table is None else tuple(table),
        min_points=min_points,
        beyond_table=beyond_table,
        ties=ties,
    )
    return score_category(RANK, values, None, params, warn=warn)


def _rank_setup(p: RankPointsParams) -> MethodSetup[RankPointsParams]:
    rule = (
        f"table {list(p.table)} by rank, {p.beyond_table:g} past its end"
        if p.table is not None
        else "full - (full - min) * (rank - 1) / (n - 1)"
    )
    tie_text = (
        "tied units share the best rank's points"
        if p.ties == "min"
        else ("tied units get the mean points of the positions they occupy")
    )
    formula = f"competition rank (1224), 1 = best; points = {rule}; {tie_text}"
    return MethodSetup("rank_points", p.direction, "rank", p.full_points, formula, p)


def _rank_parameters(
    setup: MethodSetup[RankPointsParams], v: FloatArray, ref: Reference
) -> dict[str, Param]:
    return params_dict(setup.params)


def _rank_inputs(
    setup: MethodSetup[RankPointsParams], v: FloatArray, ref: Reference
) -> dict[str, FloatArray]:
    """Ranks within each row of ``v`` (one row: one category's values)."""
    rows = v if v.ndim == 2 else v[None, :]
    key = rows if setup.direction == "higher" else -rows
    rank, size = competition_ranks(key)
    n = np.count_nonzero(~np.isnan(rows), axis=1).astype(np.float64)
    inputs = {
        "rank": rank,
        "tie_size": size.astype(np.float64),
        "n_ranked": np.repeat(n[:, None], rows.shape[1], axis=1),
    }
    return inputs if v.ndim == 2 else {k: a[0] for k, a in inputs.items()}


RANK: MethodParts[RankPointsParams] = MethodParts(
    params_type=RankPointsParams,
    setup=_rank_setup,
    parameters=_rank_parameters,
    inputs=_rank_inputs,
    kernel=_k_rank,
    extra_reasons=no_reasons,
    reference=None,
    # With a table and averaged ties, a row without ties takes the table's points directly,
    # a row with ties sums of them: rows go one at a time.
    whole=lambda p: p.ties == "min" or p.table is None,
)
