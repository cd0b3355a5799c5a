"""The scheme's nodes as given (blocks, leaves, adjustments) and compiled into checked arrays."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import FloatArray, StrArray, frozen_array
from scoring.composite._adjust import (
    Adjustments,
    Coefficients,
)
from scoring.composite._base import (
    SUM_TOLERANCE,
    Explainable,
    check_choice,
    check_name,
    check_number,
    vector,
)
from scoring.composite._indicator import IndicatorScore
from scoring.composite._periods import PeriodAggregate

MissingRule = Literal["propagate", "zero", "renormalise"]

# Values this close outside a bound (relative to the bound's scale) are rounding, not errors.
_TOL = 1e-9


# --------------------------------------------------------------------------- public nodes


@dataclass(frozen=True, eq=False)
class SchemeLeaf:
    """An indicator of the scheme with its points already computed.

    Parameters
    ----------
    name : str
        Unique among its siblings; no ``/``.
    score : array_like of shape (U,), IndicatorScore or PeriodAggregate
        Points of each unit in ``[0, max_points]``; NaN = missing (handled by the block's
        missing rule). An :class:`IndicatorScore` or :class:`PeriodAggregate` brings its
        explanation along.
    max_points : float, optional
        Full points of the indicator; taken from an :class:`IndicatorScore` (or a
        :class:`PeriodAggregate` of them) when omitted, required for plain arrays.
    weight : float, optional
        Weight within the parent block (weights mode); omit in points mode.
    se : array_like, shape (U,), optional
        Standard error of the score in the leaf's points (satisfaction sampling error), used
        by :func:`composite_sensitivity`.
    """

    name: str
    score: ArrayLike | IndicatorScore | PeriodAggregate
    max_points: float | None = None
    weight: float | None = None
    se: ArrayLike | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "leaf")
        given = self.max_points
        own: float | None = None
        if isinstance(self.score, (IndicatorScore, PeriodAggregate)):
            own = self.score.max_points
        if given is None:
            if own is None:
                raise ValueError(f"leaf {self.name!r}: max_points is required for plain scores")
            object.__setattr__(self, "max_points", float(own))
        else:
            mp = check_number(given, f"leaf {self.name!r} max_points", minimum=0.0, strict_min=True)
            if own is not None and not math.isclose(mp, own, rel_tol=1e-12):
                raise ValueError(
                    f"leaf {self.name!r}: max_points {mp:g} differs from its scores' scale {own:g}"
                )
            object.__setattr__(self, "max_points", mp)
        if self.weight is not None:
            check_number(self.weight, f"leaf {self.name!r} weight", minimum=0.0)


@dataclass(frozen=True, eq=False)
class SchemeAdjustment:
    """Bonus and deduction points added to the parent block (outside its weights).

    Parameters
    ----------
    name : str
    points : array_like of shape (U,) or Adjustments
        Net points per unit (finite; 0 = none).
    bounds : (float, float), optional
        Lowest and highest net points; taken from :class:`Adjustments`, required for arrays.
    """

    name: str
    points: ArrayLike | Adjustments
    bounds: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "adjustment")
        if isinstance(self.points, Adjustments):
            if self.bounds is not None and tuple(self.bounds) != self.points.bounds:
                raise ValueError(f"adjustment {self.name!r}: bounds come from its Adjustments")
            object.__setattr__(self, "bounds", self.points.bounds)
        elif self.bounds is None:
            raise ValueError(f"adjustment {self.name!r}: bounds are required for plain points")
        assert self.bounds is not None
        lo = check_number(self.bounds[0], f"adjustment {self.name!r} bounds[0]")
        hi = check_number(self.bounds[1], f"adjustment {self.name!r} bounds[1]")
        if lo > hi:
            raise ValueError(f"adjustment {self.name!r}: bounds must be (low, high), low <= high")
        object.__setattr__(self, "bounds", (lo, hi))


@dataclass(frozen=True, eq=False)
class SchemeBlock:
    """A block (板块) or any inner node of the scheme.

    Parameters
    ----------
    name : str
    children : sequence of SchemeLeaf, SchemeBlock or SchemeAdjustment
        At least one leaf or block; names unique.
    weight : float, optional
        Weight of this block within its parent (weights mode).
    max_points : float, optional
        Full points of the block. Points mode: default the sum of the children's full points
        (a different value rescales them). Weights mode: default 100.
    coefficient : array_like of shape (U,) or Coefficients, optional
        Multiplier applied to this block after its adjustments (> 0), e.g. the tier
        coefficient or an expert difficulty coefficient (难度系数).
    coefficient_bounds : (float, float), optional
        Range of the coefficient used for the block's bounds; taken from
        :class:`Coefficients`, default the min and max of a plain array.
    cap : (float, float), optional
        Bounds on the block's value, intersected with the derived bounds (e.g. ``(0, 100)``
        for a total that must stay within 100 whatever the bonus and coefficient).
    missing : {"propagate", "zero", "renormalise"}, optional
        Missing-child rule for this block; default the one given to
        :func:`evaluate_scheme`.
    """

    name: str
    children: Sequence[SchemeLeaf | SchemeBlock | SchemeAdjustment]
    weight: float | None = None
    max_points: float | None = None
    coefficient: ArrayLike | Coefficients | None = None
    coefficient_bounds: tuple[float, float] | None = None
    cap: tuple[float, float] | None = None
    missing: MissingRule | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "block")
        kids = tuple(self.children)
        object.__setattr__(self, "children", kids)
        for c in kids:
            if not isinstance(c, (SchemeLeaf, SchemeBlock, SchemeAdjustment)):
                raise ValueError(
                    f"block {self.name!r}: children must be scheme nodes, got {c!r:.60}"
                )
        names = [c.name for c in kids]
        if len(set(names)) != len(names):
            raise ValueError(f"block {self.name!r}: child names must be unique, got {names}")
        if not any(isinstance(c, (SchemeLeaf, SchemeBlock)) for c in kids):
            raise ValueError(f"block {self.name!r} needs at least one leaf or block child")
        if self.weight is not None:
            check_number(self.weight, f"block {self.name!r} weight", minimum=0.0)
        if self.max_points is not None:
            check_number(
                self.max_points, f"block {self.name!r} max_points", minimum=0.0, strict_min=True
            )
        if self.missing is not None:
            check_choice(self.missing, MissingRule, f"block {self.name!r} missing")
        if self.cap is not None:
            lo = check_number(self.cap[0], f"block {self.name!r} cap[0]")
            hi = check_number(self.cap[1], f"block {self.name!r} cap[1]")
            if lo > hi:
                raise ValueError(f"block {self.name!r}: cap must be (low, high), low <= high")
            object.__setattr__(self, "cap", (lo, hi))


# --------------------------------------------------------------------------- compiled tree


@dataclass(frozen=True, eq=False)
class _Leaf:
    path: str
    name: str
    score: FloatArray
    max_points: float
    weight: float | None
    se: FloatArray | None
    detail: Explainable | None
    reason: StrArray


@dataclass(frozen=True, eq=False)
class _Adj:
    path: str
    name: str
    points: FloatArray
    low: float
    high: float
    detail: Explainable | None


@dataclass(frozen=True, eq=False)
class _Block:
    path: str
    name: str
    children: tuple[_Leaf | _Adj | _Block, ...]
    regular: tuple[_Leaf | _Block, ...]
    adjustments: tuple[_Adj, ...]
    mode: str
    weights: FloatArray
    child_max: FloatArray
    max_points: float
    weight: float | None
    coefficient: FloatArray | None
    coefficient_bounds: tuple[float, float] | None
    coefficient_detail: Coefficients | None
    cap: tuple[float, float] | None
    missing: str


def _leaf_array(values: ArrayLike, name: str, size: int, max_points: float) -> FloatArray:
    arr = vector(values, f"leaf {name!r} score", size=size)
    tol = _TOL * max(1.0, max_points)
    bad = (arr < -tol) | (arr > max_points + tol)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"leaf {name!r}: score {arr[i]:g} of unit {i} lies outside [0, {max_points:g}]"
        )
    return np.clip(arr, 0.0, max_points)


def _compile_leaf(c: SchemeLeaf, cpath: str, size: int) -> _Leaf:
    assert c.max_points is not None
    detail: Explainable | None = None
    reason = np.full(size, "", dtype=object)
    if isinstance(c.score, IndicatorScore):
        raw: ArrayLike = c.score.points
        detail, reason = c.score, c.score.reason.astype(object)
    elif isinstance(c.score, PeriodAggregate):
        raw = c.score.total
        detail, reason = c.score, c.score.reason.astype(object)
    else:
        raw = c.score
    score = _leaf_array(raw, c.name, size, c.max_points)
    reason = np.where(np.isnan(score) & (reason == ""), "score_missing", reason)
    se = None
    if c.se is not None:
        se = vector(c.se, f"leaf {c.name!r} se", size=size)
        if (se < 0).any() or (np.isnan(se) & ~np.isnan(score)).any():
            raise ValueError(f"leaf {c.name!r}: se must be >= 0 wherever the score exists")
        se = np.nan_to_num(se)
    return _Leaf(
        path=cpath,
        name=c.name,
        score=frozen_array(score),
        max_points=c.max_points,
        weight=None if c.weight is None else float(c.weight),
        se=None if se is None else frozen_array(se),
        detail=detail,
        reason=frozen_array(np.where(np.isnan(score), reason, "").astype(str), dtype=np.str_),
    )


def _compile_adjustment(c: SchemeAdjustment, cpath: str, size: int) -> _Adj:
    assert c.bounds is not None
    adj_detail: Explainable | None = None
    if isinstance(c.points, Adjustments):
        raw_pts: ArrayLike = c.points.net
        adj_detail = c.points
    else:
        raw_pts = c.points
    pts = vector(raw_pts, f"adjustment {c.name!r} points", allow_nan=False, size=size)
    lo, hi = c.bounds
    tol = _TOL * max(1.0, abs(lo), abs(hi))
    if ((pts < lo - tol) | (pts > hi + tol)).any():
        raise ValueError(f"adjustment {c.name!r}: points outside its bounds {lo:g}..{hi:g}")
    return _Adj(
        path=cpath,
        name=c.name,
        points=frozen_array(np.clip(pts, lo, hi)),
        low=lo,
        high=hi,
        detail=adj_detail,
    )


def _compile_coefficient(
    node: SchemeBlock, path: str, size: int
) -> tuple[FloatArray | None, tuple[float, float] | None, Coefficients | None]:
    """A block's coefficient per unit, its bounds and the Coefficients it came from."""
    if node.coefficient is None:
        if node.coefficient_bounds is not None:
            raise ValueError(f"block {path!r}: coefficient_bounds given without a coefficient")
        return None, None, None
    coef_detail: Coefficients | None = None
    if isinstance(node.coefficient, Coefficients):
        coef_detail = node.coefficient
        coef = vector(node.coefficient.coefficient, f"block {path!r} coefficient", size=size)
        if node.coefficient_bounds is not None:
            raise ValueError(f"block {path!r}: coefficient bounds come from its Coefficients")
        coef_bounds = node.coefficient.bounds
    else:
        coef = vector(node.coefficient, f"block {path!r} coefficient", size=size)
        finite = coef[~np.isnan(coef)]
        if node.coefficient_bounds is not None:
            coef_bounds = (
                check_number(node.coefficient_bounds[0], "coefficient_bounds[0]"),
                check_number(node.coefficient_bounds[1], "coefficient_bounds[1]"),
            )
        elif finite.size:
            coef_bounds = (float(finite.min()), float(finite.max()))
        else:
            coef_bounds = (1.0, 1.0)
    if (coef <= 0).any() or coef_bounds[0] <= 0 or coef_bounds[0] > coef_bounds[1]:
        raise ValueError(f"block {path!r}: coefficients and their bounds must be positive")
    if ((coef < coef_bounds[0] * (1 - _TOL)) | (coef > coef_bounds[1] * (1 + _TOL))).any():
        raise ValueError(f"block {path!r}: a coefficient lies outside {coef_bounds}")
    return coef, coef_bounds, coef_detail


def _compile(node: SchemeBlock, path: str, size: int, default_missing: str) -> _Block:
    children: list[_Leaf | _Adj | _Block] = []
    for c in node.children:
        cpath = f"{path}/{c.name}"
        if isinstance(c, SchemeBlock):
            children.append(_compile(c, cpath, size, default_missing))
        elif isinstance(c, SchemeLeaf):
            children.append(_compile_leaf(c, cpath, size))
        else:
            children.append(_compile_adjustment(c, cpath, size))
    regular = tuple(c for c in children if not isinstance(c, _Adj))
    adjustments = tuple(c for c in children if isinstance(c, _Adj))
    weights_given = [c.weight is not None for c in regular]
    child_max = np.array([c.max_points for c in regular], dtype=np.float64)
    if all(weights_given):
        mode = "weights"
        w = np.array([c.weight for c in regular], dtype=np.float64)
        if abs(float(w.sum()) - 1.0) > SUM_TOLERANCE:
            raise ValueError(f"block {path!r}: child weights must sum to 1, got {float(w.sum())!r}")
        max_points = float(node.max_points) if node.max_points is not None else 100.0
    elif not any(weights_given):
        mode = "points"
        w = child_max.copy()
        max_points = float(node.max_points) if node.max_points is not None else float(w.sum())
    else:
        raise ValueError(
            f"block {path!r}: either every indicator child has a weight (weights mode) or none "
            "(points mode)"
        )
    coef, coef_bounds, coef_detail = _compile_coefficient(node, path, size)
    return _Block(
        path=path,
        name=node.name,
        children=tuple(children),
        regular=regular,
        adjustments=adjustments,
        mode=mode,
        weights=frozen_array(w),
        child_max=frozen_array(child_max),
        max_points=max_points,
        weight=None if node.weight is None else float(node.weight),
        coefficient=None if coef is None else frozen_array(coef),
        coefficient_bounds=coef_bounds,
        coefficient_detail=coef_detail,
        cap=node.cap,
        missing=node.missing or default_missing,
    )


def _walk(block: _Block) -> list[_Block]:
    out = [block]
    for c in block.regular:
        if isinstance(c, _Block):
            out.extend(_walk(c))
    return out


def _leaves(block: _Block) -> list[_Leaf]:
    out: list[_Leaf] = []
    for c in block.regular:
        out.extend([c] if isinstance(c, _Leaf) else _leaves(c))
    return out


def _unit_count(root: SchemeBlock) -> int:
    """Number of units, from the first array found in the scheme."""
    stack: list[Any] = [root]
    while stack:
        node = stack.pop(0)
        if isinstance(node, SchemeBlock):
            if node.coefficient is not None:
                arr = (
                    node.coefficient.coefficient
                    if isinstance(node.coefficient, Coefficients)
                    else node.coefficient
                )
                return int(np.asarray(arr).size)
            stack.extend(node.children)
        elif isinstance(node, SchemeLeaf):
            if isinstance(node.score, IndicatorScore):
                return node.score.n_units
            if isinstance(node.score, PeriodAggregate):
                return int(node.score.total.size)
            return int(np.asarray(node.score).size)
    raise ValueError("the scheme holds no leaf")  # pragma: no cover - blocks need a leaf
