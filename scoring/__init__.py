"""Pure satisfaction-scoring library for Pingyi (numpy and scipy only).

Scores are points on the policy's scale (0-100 by default), rates are shares in [0, 1].
Counts arrays carry the answer levels on their last axis, in the order of
``SatisfactionPolicy.levels``.
"""

from scoring._combine import CombinedScore, DroppedGroup, combine_groups, unit_score
from scoring._common import ScoringWarning
from scoring._design import DesignEstimate, design_mean, design_total
from scoring._intervals import proportion_interval
from scoring._policy import DEFAULT_POLICY, SatisfactionPolicy
from scoring._raking import CellRakingResult, RakingResult, rake, rake_cells
from scoring._ranks import AdjacentPair, RankUncertainty, rank_uncertainty
from scoring._satisfaction import CellStatistics, cell_statistics
from scoring._suppression import suppression_mask

__all__ = [
    "DEFAULT_POLICY",
    "AdjacentPair",
    "CellRakingResult",
    "CellStatistics",
    "CombinedScore",
    "DesignEstimate",
    "DroppedGroup",
    "RakingResult",
    "RankUncertainty",
    "SatisfactionPolicy",
    "ScoringWarning",
    "cell_statistics",
    "combine_groups",
    "design_mean",
    "design_total",
    "proportion_interval",
    "rake",
    "rake_cells",
    "rank_uncertainty",
    "suppression_mask",
    "unit_score",
]
