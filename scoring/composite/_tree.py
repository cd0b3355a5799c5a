"""The scheme tree (blocks -> indicators) of one category and its evaluation.

A scheme is a tree of :class:`SchemeBlock` nodes whose leaves are :class:`SchemeLeaf`
(an indicator's points, already computed) and :class:`SchemeAdjustment` (bonus and
deduction points). A block combines its indicator children in one of two modes:

* points mode (no child has a weight): the children's points add up, and the block's full
  points are the sum of the children's (or a stated ``max_points`` they are rescaled to);
* weights mode (every indicator child has a weight, summing to 1): the block scores
  ``max_points * sum_i w_i * value_i / max_i``.

Both are ``base = max_points / sum_i w_i * sum_i (w_i / max_i) * value_i`` with
``w_i = max_i`` in points mode. Then the block adds its adjustment children, multiplies by its
coefficient (if any), and clips to its bounds. Bounds are derived from the structure: a
leaf lies in ``[0, max]``, an adjustment in its stated bounds, a coefficient in its stated
range, and a block's ``cap`` intersects the result. No total leaves its bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import BoolArray, FloatArray, StrArray, frozen_array
from scoring._reasons import Reason, emit
from scoring.composite._adjust import (
    Adjustments,
    Coefficients,
    recompute_adjustments,
    recompute_coefficient,
)
from scoring.composite._base import (
    SUM_TOLERANCE,
    Explainable,
    Explanation,
    check_choice,
    check_name,
    check_number,
    labels,
    unit_index,
    vector,
)
from scoring.composite._indicator import IndicatorScore
from scoring.composite._method_recompute import recompute_growth, recompute_indicator
from scoring.composite._periods import PeriodAggregate, recompute_periods

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


def _compile(node: SchemeBlock, path: str, size: int, default_missing: str) -> _Block:
    children: list[_Leaf | _Adj | _Block] = []
    for c in node.children:
        cpath = f"{path}/{c.name}"
        if isinstance(c, SchemeBlock):
            children.append(_compile(c, cpath, size, default_missing))
        elif isinstance(c, SchemeLeaf):
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
            children.append(
                _Leaf(
                    path=cpath,
                    name=c.name,
                    score=frozen_array(score),
                    max_points=c.max_points,
                    weight=None if c.weight is None else float(c.weight),
                    se=None if se is None else frozen_array(se),
                    detail=detail,
                    reason=frozen_array(
                        np.where(np.isnan(score), reason, "").astype(str), dtype=np.str_
                    ),
                )
            )
        else:
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
            children.append(
                _Adj(
                    path=cpath,
                    name=c.name,
                    points=frozen_array(np.clip(pts, lo, hi)),
                    low=lo,
                    high=hi,
                    detail=adj_detail,
                )
            )
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
    coef: FloatArray | None = None
    coef_bounds: tuple[float, float] | None = None
    coef_detail: Coefficients | None = None
    if node.coefficient is not None:
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
    elif node.coefficient_bounds is not None:
        raise ValueError(f"block {path!r}: coefficient_bounds given without a coefficient")
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


# --------------------------------------------------------------------------- evaluation


@dataclass
class _Context:
    """What varies between a point evaluation and a Monte Carlo one."""

    leaf: Callable[[_Leaf], FloatArray]
    weights: Callable[[_Block], FloatArray]
    record: dict[str, dict[str, FloatArray]] | None = None


def _point_context(record: dict[str, dict[str, FloatArray]] | None) -> _Context:
    return _Context(
        leaf=lambda lf: np.asarray(lf.score, dtype=np.float64)[None, :],
        weights=lambda b: np.asarray(b.weights, dtype=np.float64)[None, :],
        record=record,
    )


def _evaluate(block: _Block, ctx: _Context) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Value (S, U) and bounds (S,), (S,) of a block; S is 1 or the number of draws."""
    w = ctx.weights(block)
    scale = w / block.child_max
    wsum = w.sum(axis=1)
    factor = block.max_points / wsum
    acc: Any = 0.0
    w_avail: Any = 0.0
    lo_acc: Any = 0.0
    hi_acc: Any = 0.0
    for i, child in enumerate(block.regular):
        if isinstance(child, _Leaf):
            x = ctx.leaf(child)
            lo_c: Any = 0.0
            hi_c: Any = child.max_points
        else:
            x, lo_c, hi_c = _evaluate(child, ctx)
        s_i = scale[:, i]
        lo_acc = lo_acc + s_i * lo_c
        hi_acc = hi_acc + s_i * hi_c
        if block.missing == "propagate":
            acc = acc + s_i[:, None] * x
        else:
            avail = ~np.isnan(x)
            acc = acc + np.where(avail, s_i[:, None] * x, 0.0)
            if block.missing == "renormalise":
                w_avail = w_avail + np.where(avail, w[:, i : i + 1], 0.0)
    if block.missing == "renormalise":
        with np.errstate(invalid="ignore", divide="ignore"):
            base = np.where(w_avail > 0, (block.max_points / w_avail) * acc, np.nan)
    else:
        base = factor[:, None] * acc
    lo = factor * lo_acc
    hi = factor * hi_acc
    adj: Any = 0.0
    for a in block.adjustments:
        adj = adj + np.asarray(a.points, dtype=np.float64)[None, :]
        lo = lo + a.low
        hi = hi + a.high
    pre = base + adj
    value = pre
    if block.coefficient is not None and block.coefficient_bounds is not None:
        value = np.asarray(block.coefficient, dtype=np.float64)[None, :] * pre
        c_lo, c_hi = block.coefficient_bounds
        lo, hi = np.minimum(lo * c_lo, lo * c_hi), np.maximum(hi * c_lo, hi * c_hi)
    if block.cap is not None:
        if ctx.record is not None and (
            block.cap[0] > float(np.max(hi)) or block.cap[1] < float(np.min(lo))
        ):
            raise ValueError(
                f"block {block.path!r}: cap {block.cap} does not overlap its range "
                f"{float(np.min(lo)):g}..{float(np.max(hi)):g}"
            )
        lo = np.maximum(lo, block.cap[0])
        hi = np.minimum(hi, block.cap[1])
        hi = np.maximum(hi, lo)
    lo_arr = np.asarray(np.broadcast_to(lo, wsum.shape), dtype=np.float64)
    hi_arr = np.asarray(np.broadcast_to(hi, wsum.shape), dtype=np.float64)
    out = np.clip(value, lo_arr[:, None], hi_arr[:, None])
    if ctx.record is not None:
        ctx.record[block.path] = {
            "base": np.broadcast_to(base, out.shape)[0],
            "adjustments": np.broadcast_to(adj, out.shape)[0],
            "before_coefficient": np.broadcast_to(pre, out.shape)[0],
            "after_coefficient": np.broadcast_to(value, out.shape)[0],
            "value": out[0],
            "bounds": np.array([lo_arr[0], hi_arr[0]]),
        }
    return np.asarray(out, dtype=np.float64), lo_arr, hi_arr


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


def _reasons(block: _Block, values: Mapping[str, FloatArray]) -> tuple[StrArray, StrArray]:
    """The reason code of each unit's NaN value of ``block`` and the path of the node it
    arose at (both empty where the value is defined)."""
    size = values[block.path].size
    found: list[tuple[StrArray, StrArray, BoolArray]] = []
    for c in block.regular:
        if isinstance(c, _Leaf):
            found.append((c.reason.astype(str), np.full(size, c.path), np.isnan(c.score)))
        else:
            code, node = _reasons(c, values)
            found.append((code, node, np.isnan(values[c.path])))
    code_out = np.full(size, "", dtype=object)
    node_out = np.full(size, "", dtype=object)
    for code, node, bad in reversed(found):
        code_out = np.where(bad, code, code_out)
        node_out = np.where(bad, node, node_out)
    if block.missing == "renormalise":
        # NaN under renormalise means no child was left: that is the reason, at this block.
        hit = code_out != ""
        code_out = np.where(hit, "every_child_missing", code_out)
        node_out = np.where(hit, block.path, node_out)
    if block.coefficient is not None:
        no_coefficient = np.isnan(block.coefficient)
        code_out = np.where(no_coefficient, "coefficient_missing", code_out)
        node_out = np.where(no_coefficient, block.path, node_out)
    bad = np.isnan(values[block.path])
    return (
        np.where(bad, code_out, "").astype(np.str_),
        np.where(bad, node_out, "").astype(np.str_),
    )


def _leaf_reasons(block: _Block) -> list[Reason]:
    """The reasons of the leaves' own results (indicator scores and period combinations),
    each with the leaf's path as ``indicator``."""
    out: list[Reason] = []
    for leaf in _leaves(block):
        detail = leaf.detail
        nested: list[tuple[Reason, ...]] = []
        if isinstance(detail, PeriodAggregate):
            nested = [d.reasons for d in detail.details] + [detail.reasons]
        elif isinstance(detail, IndicatorScore):
            nested = [detail.reasons]
        out.extend(
            Reason(r.code, indicator=leaf.path, **dict(r.params)) for rs in nested for r in rs
        )
    return out


def _total_reasons(
    unit_labels: tuple[str, ...], code: StrArray, node: StrArray, bad: BoolArray
) -> list[Reason]:
    """One reason per unit without a total: its cause (a reason code) and where it arose."""
    return [
        Reason("no_total", unit=unit_labels[j], cause=str(code[j]), node=str(node[j]))
        for j in np.flatnonzero(bad)
    ]


@dataclass(frozen=True, eq=False)
class SchemeResult:
    """Totals of the units of one category under a scheme, with subtotals and explanation.

    Attributes
    ----------
    units : tuple[str, ...]
        Unit labels; arrays follow this order.
    total : ndarray of float, shape (U,)
        Root block's value, points within ``bounds``; NaN where a missing input propagates
        (see ``reason``).
    bounds : tuple[float, float]
        Lowest and highest total the scheme allows (derived from the structure and caps).
    subtotals : Mapping[str, ndarray]
        Value of every block by path (``"root"``, ``"root/高质量发展"``, ...), shape (U,).
    block_bounds : Mapping[str, tuple[float, float]]
    clipped : Mapping[str, ndarray of str]
        Per block, ``"upper"`` / ``"lower"`` where the bounds changed the value by more than
        rounding, else ``""``.
    reason : ndarray of str, shape (U,)
        Reason code of a NaN total (the leaf's code such as ``value_missing``, or
        ``score_missing``, ``every_child_missing``, ``coefficient_missing``); empty where the
        total exists.
    reason_node : ndarray of str, shape (U,)
        Path of the node where that reason arose (a leaf or a block).
    missing_rule : str
        Default missing-child rule of the evaluation.
    root : SchemeBlock
        The scheme as given.
    tree, records
        Internal: the validated tree and the recorded intermediate values, used by
        :meth:`explain` and :func:`composite_sensitivity`.
    reasons : tuple of Reason
        The reasons of the leaves' results (each with ``indicator`` = the leaf's path), then
        one ``no_total`` reason per unit without a total.
    """

    units: tuple[str, ...]
    total: FloatArray
    bounds: tuple[float, float]
    subtotals: Mapping[str, FloatArray]
    block_bounds: Mapping[str, tuple[float, float]]
    clipped: Mapping[str, StrArray]
    reason: StrArray
    missing_rule: MissingRule
    root: SchemeBlock
    tree: _Block = field(repr=False)
    records: Mapping[str, Mapping[str, FloatArray]] = field(repr=False)
    reason_node: StrArray = field(default_factory=lambda: np.full(0, "", dtype=np.str_))
    reasons: tuple[Reason, ...] = ()

    def explain(self, unit: int | str) -> Explanation:
        """Nested plain-data explanation of one unit's total; :func:`recompute` redoes it.

        Every node lists its inputs and parameters (scores, full points, weights, missing
        rule, adjustments with their bounds, coefficient with its tier rule, cap) and its
        intermediate values (base, adjustments, before and after the coefficient, bounds,
        value, clip). Leaves built from :class:`IndicatorScore`, :class:`PeriodAggregate`
        or :class:`Adjustments` carry their own explanation under ``"detail"``.
        """
        i = unit_index(unit, self.units)
        out = _explain_block(self.tree, i, self.records, self.clipped)
        out["unit"] = self.units[i]
        return out


def _explain_block(
    b: _Block, i: int, rec: Mapping[str, Mapping[str, FloatArray]], clipped: Mapping[str, StrArray]
) -> Explanation:
    r = rec[b.path]
    children: list[Explanation] = []
    for c in b.children:
        if isinstance(c, _Block):
            e = _explain_block(c, i, rec, clipped)
        elif isinstance(c, _Leaf):
            e = {
                "node": "leaf",
                "name": c.name,
                "path": c.path,
                "score": float(c.score[i]),
                "max_points": c.max_points,
                "weight": c.weight,
                "missing": bool(np.isnan(c.score[i])),
            }
            if c.se is not None:
                e["se"] = float(c.se[i])
            if c.detail is not None:
                e["detail"] = c.detail.explain(i)
        else:
            e = {
                "node": "adjustment",
                "name": c.name,
                "path": c.path,
                "points": float(c.points[i]),
                "bounds": [c.low, c.high],
            }
            if c.detail is not None:
                e["detail"] = c.detail.explain(i)
        children.append(e)
    out: Explanation = {
        "node": "block",
        "name": b.name,
        "path": b.path,
        "mode": b.mode,
        "max_points": b.max_points,
        "weight": b.weight,
        "missing_rule": b.missing,
        "formula": (
            "base = max_points / sum(w) * sum((w_i / max_i) * value_i) "
            f"(w_i = {'max_i' if b.mode == 'points' else 'weight_i'}; missing: {b.missing}); "
            "value = clip(coefficient * (base + adjustments), bounds)"
        ),
        "children": children,
        "base": float(r["base"][i]),
        "adjustments": float(r["adjustments"][i]),
        "before_coefficient": float(r["before_coefficient"][i]),
        "coefficient": None if b.coefficient is None else float(b.coefficient[i]),
        "coefficient_bounds": None if b.coefficient_bounds is None else list(b.coefficient_bounds),
        "after_coefficient": float(r["after_coefficient"][i]),
        "cap": None if b.cap is None else list(b.cap),
        "bounds": [float(x) for x in r["bounds"]],
        "value": float(r["value"][i]),
        "clipped": str(clipped[b.path][i]),
    }
    if b.coefficient_detail is not None:
        out["coefficient_detail"] = b.coefficient_detail.explain(i)
    return out


def evaluate_scheme(
    root: SchemeBlock,
    *,
    units: ArrayLike | None = None,
    missing: MissingRule = "propagate",
    warn: bool = True,
) -> SchemeResult:
    """Evaluate a category's scheme: every block's value and the total of each unit.

    Parameters
    ----------
    root : SchemeBlock
        The scheme; all leaf, adjustment and coefficient arrays must have one entry per unit.
    units : array_like, shape (U,), optional
        Unit labels (unique); default ``"0"``, ``"1"``, ...
    missing : {"propagate", "zero", "renormalise"}
        Default rule for a missing (NaN) child score, overridable per block.
        ``"propagate"`` (default): the block and the total are NaN, with a
        :class:`ScoringWarning` naming the missing input. ``"zero"``: the child counts as 0
        points. ``"renormalise"``: the child is dropped and the weights of the children
        present are rescaled to the block's full points (NaN only if every child is
        missing).
    warn : bool
        Raise a :class:`ScoringWarning` for each unit without a total (default). False
        raises none: the result's ``reasons`` carry them, with the reasons of the leaves'
        results (which their own functions raised, unless called with ``warn=False``).

    Returns
    -------
    SchemeResult

    Notes
    -----
    A block's value is ``clip(coefficient * (base + adjustments), low, high)`` with
    ``base = max_points / sum_i w_i * sum_i (w_i / max_i) value_i`` over its indicator
    children, ``w_i`` the child's weight (weights mode) or full points (points mode).
    Bounds: ``low = max_points / sum w * sum (w_i / max_i) low_i + sum adjustment lows``,
    likewise ``high``; times the coefficient range; intersected with ``cap``. Leaves lie in
    ``[0, max]``. Clipping only bites through a cap, a renormalised missing child or
    rounding; ``clipped`` records where it changed a value by more than rounding.
    """
    if not isinstance(root, SchemeBlock):
        raise ValueError("root must be a SchemeBlock")
    check_choice(missing, MissingRule, "missing")
    size = _unit_count(root)
    unit_labels = labels(units, size, "units")
    tree = _compile(root, root.name, size, missing)
    record: dict[str, dict[str, FloatArray]] = {}
    total, lo, hi = _evaluate(tree, _point_context(record))
    subtotals = {path: frozen_array(r["value"]) for path, r in record.items()}
    clipped: dict[str, StrArray] = {}
    block_bounds: dict[str, tuple[float, float]] = {}
    for path, r in record.items():
        b_lo, b_hi = float(r["bounds"][0]), float(r["bounds"][1])
        block_bounds[path] = (b_lo, b_hi)
        raw = r["after_coefficient"]
        tol = _TOL * max(1.0, abs(b_lo), abs(b_hi))
        clip = np.where(raw > b_hi + tol, "upper", np.where(raw < b_lo - tol, "lower", ""))
        clipped[path] = frozen_array(clip, dtype=np.str_)
    reason, node = _reasons(tree, subtotals)
    own = _total_reasons(unit_labels, reason, node, np.isnan(total[0]))
    emit(own, warn=warn)
    frozen_records = MappingProxyType(
        {p: MappingProxyType({k: frozen_array(v) for k, v in r.items()}) for p, r in record.items()}
    )
    return SchemeResult(
        units=unit_labels,
        total=frozen_array(total[0]),
        bounds=(float(lo[0]), float(hi[0])),
        subtotals=MappingProxyType(subtotals),
        block_bounds=MappingProxyType(block_bounds),
        clipped=MappingProxyType(clipped),
        reason=frozen_array(reason, dtype=np.str_),
        reason_node=frozen_array(node, dtype=np.str_),
        reasons=(*_leaf_reasons(tree), *own),
        missing_rule="zero"
        if missing == "zero"
        else ("renormalise" if missing == "renormalise" else "propagate"),
        root=root,
        tree=tree,
        records=frozen_records,
    )


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


# --------------------------------------------------------------------------- recompute


def _rc_node(e: Mapping[str, Any]) -> tuple[float, float, float]:
    """Scalar re-evaluation of one explanation node: value, low bound, high bound."""
    kind = e["node"]
    if kind == "leaf":
        s = recompute(e["detail"]) if "detail" in e else float(e["score"])
        return s, 0.0, float(e["max_points"])
    if kind == "adjustment":
        p = recompute(e["detail"]) if "detail" in e else float(e["points"])
        return p, float(e["bounds"][0]), float(e["bounds"][1])
    if kind != "block":
        raise ValueError(f"unknown node kind {kind!r}")
    top = float(e["max_points"])
    rule = e["missing_rule"]
    points_mode = e["mode"] == "points"
    regs = [c for c in e["children"] if c["node"] != "adjustment"]
    weights = [float(c["max_points"] if points_mode else c["weight"]) for c in regs]
    wsum = math.fsum(weights)
    acc = lo_acc = hi_acc = w_avail = 0.0
    any_missing = False
    for c, w in zip(regs, weights, strict=True):
        v, lo_c, hi_c = _rc_node(c)
        sc = w / float(c["max_points"])
        lo_acc += sc * lo_c
        hi_acc += sc * hi_c
        if math.isnan(v):
            any_missing = True
            continue
        acc += sc * v
        w_avail += w
    if rule == "renormalise":
        base = (top / w_avail) * acc if w_avail > 0 else math.nan
    elif rule == "propagate" and any_missing:
        base = math.nan
    else:
        base = (top / wsum) * acc
    lo = (top / wsum) * lo_acc
    hi = (top / wsum) * hi_acc
    adj = 0.0
    for c in e["children"]:
        if c["node"] == "adjustment":
            p, a_lo, a_hi = _rc_node(c)
            adj += p
            lo += a_lo
            hi += a_hi
    value = base + adj
    if e["coefficient"] is not None:
        coef = (
            recompute(e["coefficient_detail"])
            if "coefficient_detail" in e
            else float(e["coefficient"])
        )
        c_lo, c_hi = (float(x) for x in e["coefficient_bounds"])
        value = coef * value
        lo, hi = min(lo * c_lo, lo * c_hi), max(hi * c_lo, hi * c_hi)
    if e["cap"] is not None:
        lo = max(lo, float(e["cap"][0]))
        hi = max(min(hi, float(e["cap"][1])), lo)
    if not math.isnan(value):
        value = min(max(value, lo), hi)
    return value, lo, hi


_DETAILS: dict[str, Callable[[Mapping[str, Any]], float]] = {
    "growth_rate": recompute_growth,
    "period_weights": recompute_periods,
    "bonus_deduction": recompute_adjustments,
    "tier_coefficient": recompute_coefficient,
}


def recompute(explanation: Mapping[str, Any]) -> float:
    """Recompute a number from its plain-data explanation alone.

    Parameters
    ----------
    explanation : dict
        :meth:`SchemeResult.explain` (gives the unit's total), or the explanation of an
        :class:`IndicatorScore` (points), :class:`GrowthRate` (rate),
        :class:`PeriodAggregate` (total), :class:`Adjustments` (net) or
        :class:`Coefficients` (coefficient) for one unit.

    Returns
    -------
    float

    Notes
    -----
    Only inputs and parameters are read; the intermediate and final values stored in the
    explanation are ignored, so the result checks them. Tree arithmetic is redone in plain
    scalar Python, independently of the vectorised evaluator; indicator formulas reuse the
    library's pointwise formulas on the recorded inputs and category-level parameters.
    """
    if not isinstance(explanation, Mapping):
        raise ValueError("explanation must be a dict")
    if "node" in explanation:
        return _rc_node(explanation)[0]
    method = explanation.get("method")
    if method in _DETAILS:
        return _DETAILS[str(method)](explanation)
    return recompute_indicator(explanation)


def explanation_is_plain(e: Any) -> bool:
    """True when ``e`` holds only dicts, lists, strings, numbers, bools and None."""
    if isinstance(e, dict):
        return all(isinstance(k, str) and explanation_is_plain(v) for k, v in e.items())
    if isinstance(e, list):
        return all(explanation_is_plain(v) for v in e)
    return e is None or isinstance(e, (str, int, float, bool))
