"""Pingyi's pure scoring library (numpy and scipy only); this module is its one public API.

``scoring.satisfaction`` holds the statistics of the public's answers: cell statistics,
intervals, design estimates, raking, combining respondent groups, rank uncertainty and
small-cell suppression. Scores are points on the policy's scale (0-100 by default), rates are
shares in [0, 1]; counts arrays carry the answer levels on their last axis, in the order of
``SatisfactionPolicy.levels``.

``scoring.composite`` merges hard indicators and satisfaction into one score per unit:
indicator methods, periods, bonuses and deductions, coefficients, the scheme tree, ranks,
grades, interview lists, awards, early warnings and sensitivity.

Import from ``scoring`` only; the modules behind it are private.
"""

from scoring._common import ScoringWarning
from scoring._reasons import Reason
from scoring.composite._adjust import (
    LANZHOU_TIERS,
    Adjustments,
    Coefficients,
    bound_adjustments,
    tier_coefficients,
)
from scoring.composite._batch import RowAggregates, RowScores, aggregate_rows, score_rows
from scoring.composite._differentiation import DifferentiationCheck, differentiation_check
from scoring.composite._early_warnings import EarlyWarnings, early_warnings
from scoring.composite._excellence import ExcellenceScore, excellence_score
from scoring.composite._improvement import Lever, LeverEffect, lever_effect
from scoring.composite._indicator import GrowthRate, IndicatorScore, growth_rate
from scoring.composite._mcda import (
    CONSISTENCY_LIMIT,
    RECIPROCAL_TOLERANCE,
    SAATY_RANDOM_INDEX,
    AhpWeights,
    EntropyWeights,
    TopsisResult,
    ahp_weights,
    check_comparison_matrix,
    entropy_weights,
    topsis,
)
from scoring.composite._method_range import efficacy_coefficient, min_max_score, z_score
from scoring.composite._method_rank import rank_points
from scoring.composite._method_recompute import scale_speed_quality, score_indicator
from scoring.composite._method_reference import benchmark_score, target_completion
from scoring.composite._params import (
    BenchmarkParams,
    EfficacyParams,
    MethodParams,
    MinMaxParams,
    RankPointsParams,
    TargetCompletionParams,
    ZScoreParams,
)
from scoring.composite._periods import (
    QINGDAO_CUMULATIVE_PERIODS,
    QINGDAO_CUMULATIVE_WEIGHTS,
    PeriodAggregate,
    QuarterlyValues,
    aggregate_periods,
    monthly_to_quarterly,
)
from scoring.composite._rank_change import (
    InterviewList,
    ProgressAwards,
    RankChange,
    interview_list,
    progress_awards,
    rank_changes,
)
from scoring.composite._rank_noise import RankChangeNoise, rank_change_noise
from scoring.composite._reason_codes import COMPOSITE_REASON_CODES
from scoring.composite._results import GradeRule, Grades, Ranking, assign_grades, rank_units
from scoring.composite._sensitivity import CompositeSensitivity, composite_sensitivity
from scoring.composite._tree import SchemeResult, evaluate_scheme
from scoring.composite._tree_nodes import SchemeAdjustment, SchemeBlock, SchemeLeaf
from scoring.composite._tree_recompute import recompute
from scoring.satisfaction._cells import CellStatistics, cell_statistics
from scoring.satisfaction._combine import (
    CombinedScore,
    CombinedScores,
    DroppedGroup,
    combine_groups,
    combine_groups_many,
    unit_score,
)
from scoring.satisfaction._combine_rates import CombinedRates, combine_rates
from scoring.satisfaction._compare import (
    ADJUST_NAMES,
    DEFAULT_ALPHA,
    DEFAULT_CV_CAUTION,
    DEFAULT_CV_UNRELIABLE,
    DEFAULT_DEFF_FLAG,
    TEST_FORMULA,
    Comparison,
    PAdjustMethod,
    adjust_p_values,
    coefficient_of_variation,
    compare_estimates,
    compare_group_pairs,
    compare_with_rest,
    group_pairs,
    kish_design_effect,
    reliability,
)
from scoring.satisfaction._design import (
    Calibration,
    DesignEstimate,
    DomainDesignEstimates,
    design_mean,
    design_total,
    domain_design_means,
    with_design_errors,
)
from scoring.satisfaction._drivers import (
    DRIVER_DRAWS,
    CrossProducts,
    DriverImportance,
    Quadrant,
    driver_importance,
    ipa_quadrants,
    shapley_r_squared,
)
from scoring.satisfaction._intervals import proportion_interval
from scoring.satisfaction._numeric import NumericScale, numeric_value, with_numeric_levels
from scoring.satisfaction._policy import DEFAULT_POLICY, SatisfactionPolicy
from scoring.satisfaction._raking import (
    CellRakingResult,
    GroupRaking,
    RakingError,
    RakingResult,
    rake,
    rake_cells,
    rake_group,
)
from scoring.satisfaction._ranks import AdjacentPair, RankUncertainty, rank_uncertainty
from scoring.satisfaction._resample import cell_mean_draws
from scoring.satisfaction._suppression import suppression_mask
from scoring.satisfaction._weights import GroupWeightMatrix, group_weight_matrix

__all__ = [
    "ADJUST_NAMES",
    "COMPOSITE_REASON_CODES",
    "CONSISTENCY_LIMIT",
    "DEFAULT_ALPHA",
    "DEFAULT_CV_CAUTION",
    "DEFAULT_CV_UNRELIABLE",
    "DEFAULT_DEFF_FLAG",
    "DEFAULT_POLICY",
    "DRIVER_DRAWS",
    "LANZHOU_TIERS",
    "QINGDAO_CUMULATIVE_PERIODS",
    "QINGDAO_CUMULATIVE_WEIGHTS",
    "RECIPROCAL_TOLERANCE",
    "SAATY_RANDOM_INDEX",
    "TEST_FORMULA",
    "AdjacentPair",
    "Adjustments",
    "AhpWeights",
    "BenchmarkParams",
    "Calibration",
    "CellRakingResult",
    "CellStatistics",
    "Coefficients",
    "CombinedRates",
    "CombinedScore",
    "CombinedScores",
    "Comparison",
    "CompositeSensitivity",
    "CrossProducts",
    "DesignEstimate",
    "DifferentiationCheck",
    "DomainDesignEstimates",
    "DriverImportance",
    "DroppedGroup",
    "EarlyWarnings",
    "EfficacyParams",
    "EntropyWeights",
    "ExcellenceScore",
    "GradeRule",
    "Grades",
    "GroupRaking",
    "GroupWeightMatrix",
    "GrowthRate",
    "IndicatorScore",
    "InterviewList",
    "Lever",
    "LeverEffect",
    "MethodParams",
    "MinMaxParams",
    "NumericScale",
    "PAdjustMethod",
    "PeriodAggregate",
    "ProgressAwards",
    "Quadrant",
    "QuarterlyValues",
    "RakingError",
    "RakingResult",
    "RankChange",
    "RankChangeNoise",
    "RankPointsParams",
    "RankUncertainty",
    "Ranking",
    "Reason",
    "RowAggregates",
    "RowScores",
    "SatisfactionPolicy",
    "SchemeAdjustment",
    "SchemeBlock",
    "SchemeLeaf",
    "SchemeResult",
    "ScoringWarning",
    "TargetCompletionParams",
    "TopsisResult",
    "ZScoreParams",
    "adjust_p_values",
    "aggregate_periods",
    "aggregate_rows",
    "ahp_weights",
    "assign_grades",
    "benchmark_score",
    "bound_adjustments",
    "cell_mean_draws",
    "cell_statistics",
    "check_comparison_matrix",
    "coefficient_of_variation",
    "combine_groups",
    "combine_groups_many",
    "combine_rates",
    "compare_estimates",
    "compare_group_pairs",
    "compare_with_rest",
    "composite_sensitivity",
    "design_mean",
    "design_total",
    "differentiation_check",
    "domain_design_means",
    "driver_importance",
    "early_warnings",
    "efficacy_coefficient",
    "entropy_weights",
    "evaluate_scheme",
    "excellence_score",
    "group_pairs",
    "group_weight_matrix",
    "growth_rate",
    "interview_list",
    "ipa_quadrants",
    "kish_design_effect",
    "lever_effect",
    "min_max_score",
    "monthly_to_quarterly",
    "numeric_value",
    "progress_awards",
    "proportion_interval",
    "rake",
    "rake_cells",
    "rake_group",
    "rank_change_noise",
    "rank_changes",
    "rank_points",
    "rank_uncertainty",
    "rank_units",
    "recompute",
    "reliability",
    "scale_speed_quality",
    "score_indicator",
    "score_rows",
    "shapley_r_squared",
    "suppression_mask",
    "target_completion",
    "tier_coefficients",
    "topsis",
    "unit_score",
    "with_design_errors",
    "with_numeric_levels",
    "z_score",
]
