"""The reason codes of the composite library and the parameters each :class:`Reason` carries.

Per-unit reason arrays (``IndicatorScore.reason``, ``GrowthRate.reason``,
``PeriodAggregate.reason``, ``QuarterlyValues.reason``, ``Coefficients.reason``,
``SchemeResult.reason``) hold one of these codes, or ``""`` where the number exists. A result's
``reasons`` tuple holds one :class:`Reason` per code with its parameters:

* a per-unit code as ``Reason(code, function=..., count=...)``: the scoring function that
  gave NaN and for how many units; :func:`evaluate_scheme` adds ``indicator`` (the leaf's
  path) when it collects its leaves' reasons;
* ``no_total``, ``not_ranked`` and ``not_graded`` once per unit, with the unit's label, the
  code that caused it (``cause``) and, for ``no_total``, the scheme node it arose at.

The web layer translates each code through its catalogue; ``str(Reason)`` is for logs and
for the :class:`ScoringWarning` text.
"""

from __future__ import annotations

_COUNTED = ("function", "count")

COMPOSITE_REASON_CODES: dict[str, tuple[str, ...]] = {
    # indicator methods (IndicatorScore.reason)
    "value_missing": _COUNTED,
    "target_missing": _COUNTED,
    "target_not_positive": _COUNTED,
    "benchmark_missing": _COUNTED,
    "benchmark_not_positive": _COUNTED,
    "no_range": _COUNTED,
    "no_spread": _COUNTED,
    "undefined": _COUNTED,
    "scale_missing": (),
    "speed_missing": (),
    "quality_missing": (),
    # growth rates (GrowthRate.reason)
    "current_or_previous_missing": _COUNTED,
    "previous_zero": _COUNTED,
    "previous_negative": _COUNTED,
    # periods and months (PeriodAggregate.reason, QuarterlyValues.reason)
    "every_period_missing": _COUNTED,
    "no_month_present": _COUNTED,
    "month_missing": _COUNTED,
    # coefficients (Coefficients.reason; value_missing as above)
    "category_total_not_positive": _COUNTED,
    # scheme tree (SchemeResult.reason, with SchemeResult.reason_node)
    "score_missing": (),
    "every_child_missing": (),
    "coefficient_missing": (),
    # one per unit on SchemeResult.reasons, Ranking.reasons and Grades.reasons
    "no_total": ("unit", "cause", "node"),
    "not_ranked": ("unit", "cause"),
    "not_graded": ("unit", "cause"),
    # interview list (InterviewList.reason; one Reason per listed unit and cause)
    "interview_bottom": ("unit", "rank", "n_ranked", "bottom_k"),
    "interview_fell": ("unit", "places", "fall_places"),
    # early warnings (EarlyWarnings.reasons, one per warning or note)
    "indicator_worsened": ("unit", "indicator", "direction", "change", "limit"),
    "beyond_warning_level": ("unit", "indicator", "direction", "value", "level"),
    "drop_rule_not_checked": ("unit", "indicator", "cause"),
    "threshold_rule_not_checked": ("unit", "indicator", "cause"),
}
