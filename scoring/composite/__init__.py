"""Pure composite-scoring library: hard indicators and satisfaction merged into one score.

Indicator methods turn the values of the units of one category into points
(:func:`target_completion`, :func:`efficacy_coefficient`, :func:`min_max_score`,
:func:`z_score`, :func:`rank_points`, :func:`benchmark_score`, :func:`scale_speed_quality`,
any of them over :func:`growth_rate`; many rows of values at once by :func:`score_rows`).
Periods are combined by :func:`aggregate_periods` (many rows: :func:`aggregate_rows`),
bonus and deduction points bounded by :func:`bound_adjustments`, coefficient tiers chosen by
:func:`tier_coefficients`. A category's scheme is a tree of :class:`SchemeBlock`,
:class:`SchemeLeaf` and :class:`SchemeAdjustment` evaluated by :func:`evaluate_scheme`, whose
explanation :func:`recompute` redoes. Results: :func:`rank_units`, :func:`assign_grades`,
:func:`rank_changes`, :func:`interview_list`, :func:`progress_awards`, :func:`early_warnings`,
:func:`differentiation_check`; robustness: :func:`composite_sensitivity`.

Every function works on the units of one category; arrays run over units in input order.
Points are on the scale each function states; growth rates and shares are fractions.
"""

from scoring.composite._adjust import (
    LANZHOU_TIERS,
    Adjustments,
    Coefficients,
    bound_adjustments,
    tier_coefficients,
)
from scoring.composite._batch import RowAggregates, RowScores, aggregate_rows, score_rows
from scoring.composite._differentiation import DifferentiationCheck, differentiation_check
from scoring.composite._methods import (
    GrowthRate,
    IndicatorScore,
    benchmark_score,
    efficacy_coefficient,
    growth_rate,
    min_max_score,
    rank_points,
    scale_speed_quality,
    target_completion,
    z_score,
)
from scoring.composite._periods import (
    QINGDAO_CUMULATIVE_PERIODS,
    QINGDAO_CUMULATIVE_WEIGHTS,
    PeriodAggregate,
    QuarterlyValues,
    aggregate_periods,
    monthly_to_quarterly,
)
from scoring.composite._results import (
    EarlyWarnings,
    GradeRule,
    Grades,
    InterviewList,
    ProgressAwards,
    RankChange,
    Ranking,
    assign_grades,
    early_warnings,
    interview_list,
    progress_awards,
    rank_changes,
    rank_units,
)
from scoring.composite._sensitivity import CompositeSensitivity, composite_sensitivity
from scoring.composite._tree import (
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    SchemeResult,
    evaluate_scheme,
    recompute,
)

__all__ = [
    "LANZHOU_TIERS",
    "QINGDAO_CUMULATIVE_PERIODS",
    "QINGDAO_CUMULATIVE_WEIGHTS",
    "Adjustments",
    "Coefficients",
    "CompositeSensitivity",
    "DifferentiationCheck",
    "EarlyWarnings",
    "GradeRule",
    "Grades",
    "GrowthRate",
    "IndicatorScore",
    "InterviewList",
    "PeriodAggregate",
    "ProgressAwards",
    "QuarterlyValues",
    "RankChange",
    "Ranking",
    "RowAggregates",
    "RowScores",
    "SchemeAdjustment",
    "SchemeBlock",
    "SchemeLeaf",
    "SchemeResult",
    "aggregate_periods",
    "aggregate_rows",
    "assign_grades",
    "benchmark_score",
    "bound_adjustments",
    "composite_sensitivity",
    "differentiation_check",
    "early_warnings",
    "efficacy_coefficient",
    "evaluate_scheme",
    "growth_rate",
    "interview_list",
    "min_max_score",
    "monthly_to_quarterly",
    "progress_awards",
    "rank_changes",
    "rank_points",
    "rank_units",
    "recompute",
    "scale_speed_quality",
    "score_rows",
    "target_completion",
    "tier_coefficients",
    "z_score",
]
