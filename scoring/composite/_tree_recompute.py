"""One unit's total recomputed from a scheme explanation, node by node."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from scoring.composite._adjust import (
    recompute_adjustments,
    recompute_coefficient,
)
from scoring.composite._method_recompute import recompute_growth, recompute_indicator
from scoring.composite._periods import recompute_periods

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
