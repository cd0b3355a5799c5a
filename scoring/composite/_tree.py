"""A category's scheme evaluated: each block's value, each unit's total, reasons, explanation.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import BoolArray, FloatArray, StrArray, frozen_array
from scoring._reasons import Reason, emit
from scoring.composite._base import (
    Explanation,
    check_choice,
    labels,
    unit_index,
)
from scoring.composite._indicator import IndicatorScore
from scoring.composite._periods import PeriodAggregate
from scoring.composite._tree_nodes import (
    _TOL,
    MissingRule,
    SchemeBlock,
    _Block,
    _compile,
    _Leaf,
    _leaves,
    _unit_count,
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


def _reasons(block: _Block, values: Mapping[str, FloatArray]) -> tuple[StrArray, StrArray]:
    """The reason code of each unit's NaN value of ``block`` and the path of the node it
    arose at (both empty where the value is defined)."""
    size = values[block.path].size
    bad = np.isnan(values[block.path])
    if not bad.any():
        # The usual case: every unit has a value, and nothing below needs looking at.
        empty = np.full(size, "", dtype=np.str_)
        return empty, empty
    found: list[tuple[StrArray, StrArray, BoolArray]] = []
    for c in block.regular:
        if isinstance(c, _Leaf):
            found.append((c.reason.astype(str), np.full(size, c.path), np.isnan(c.score)))
        else:
            code, node = _reasons(c, values)
            found.append((code, node, np.isnan(values[c.path])))
    code_out = np.full(size, "", dtype=object)
    node_out = np.full(size, "", dtype=object)
    for code, node, child_nan in reversed(found):
        code_out = np.where(child_nan, code, code_out)
        node_out = np.where(child_nan, node, node_out)
    if block.missing == "renormalise":
        # NaN under renormalise means no child was left: that is the reason, at this block.
        hit = code_out != ""
        code_out = np.where(hit, "every_child_missing", code_out)
        node_out = np.where(hit, block.path, node_out)
    if block.coefficient is not None:
        no_coefficient = np.isnan(block.coefficient)
        code_out = np.where(no_coefficient, "coefficient_missing", code_out)
        node_out = np.where(no_coefficient, block.path, node_out)
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
