"""Shapes of the satisfaction policy and of satisfaction results, for the API, CLI and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypedDict

from survey.inputs import Input
from survey.schemas import CODE_PATTERN, WeightEntry, WeightPublic

RateCIMethod = Literal["wilson", "clopper-pearson"]
CombineCIMethod = Literal["satterthwaite", "normal"]
Audience = Literal["office", "unit", "public"]
DropReason = Literal["below_min_n", "zero_weight"]
PAdjust = Literal["holm", "bonferroni", "fdr_bh", "none"]
ReliabilityFlag = Literal["reliable", "caution", "not_reliable"]

DEFAULT_RANK_SEED = 20261121
DEFAULT_RANK_DRAWS = 2000


class _In(Input):
    """Input of this area: no unstorable text or number (see ``survey.inputs``)."""


class LevelScore(_In):
    code: str = Field(pattern=CODE_PATTERN, examples=["satisfied"])
    score: float = Field(ge=-1000, le=1000, examples=[100])


# Numbers beyond this are no answer any scale gives (the importer refuses them too).
LARGEST_NUMBER = 1_000_000
# The lowest satisfied level of the default scale, 基本满意, is worth 60 points; a numeric
# scale without its own threshold counts the answers worth as much as satisfied.
DEFAULT_SATISFIED_POINTS = 60.0


class NumericScaleSettings(_In):
    """Numeric answers scored directly: ``low`` is 0 points, ``high`` 100, linear between."""

    low: float = Field(ge=-LARGEST_NUMBER, le=LARGEST_NUMBER, examples=[0])
    high: float = Field(ge=-LARGEST_NUMBER, le=LARGEST_NUMBER, examples=[10])
    satisfied_from: float | None = Field(
        default=None,
        ge=-LARGEST_NUMBER,
        le=LARGEST_NUMBER,
        examples=[6],
        description="Answers at or above this count as satisfied; default the answer worth "
        "60 points",
    )

    def threshold(self) -> float:
        """``satisfied_from``, or the answer worth 60 points when the policy names none."""
        if self.satisfied_from is not None:
            return self.satisfied_from
        return self.low + (self.high - self.low) * DEFAULT_SATISFIED_POINTS / 100.0


class SignificanceSettings(_In):
    """How comparisons are tested and estimates flagged (defaults: Holm at 5%, CV 0.15/0.3)."""

    alpha: float = Field(
        default=0.05, ge=0.001, le=0.2, description="Significance level of the adjusted p"
    )
    p_adjust: PAdjust = Field(
        default="holm",
        description="Adjustment for the number of comparisons in a family: holm (default), "
        "bonferroni, fdr_bh (Benjamini-Hochberg) or none",
    )
    cv_caution: float = Field(
        default=0.15, ge=0, le=10, description="CV (se/score) above this: use with caution"
    )
    cv_unreliable: float = Field(
        default=0.3, ge=0, le=10, description="CV (se/score) above this: not reliable"
    )
    design_effect_flag: float = Field(
        default=2.0, ge=1, le=1000, description="Kish design effect above this is flagged"
    )

    @model_validator(mode="after")
    def _bands_in_order(self) -> SignificanceSettings:
        if self.cv_caution > self.cv_unreliable:
            raise ValueError("cv_caution must not exceed cv_unreliable")
        return self


def _default_levels() -> list[LevelScore]:
    return [
        LevelScore(code="satisfied", score=100),
        LevelScore(code="fairly_satisfied", score=80),
        LevelScore(code="basically_satisfied", score=60),
        LevelScore(code="dissatisfied", score=0),
    ]


def _default_satisfied() -> list[str]:
    return ["satisfied", "fairly_satisfied", "basically_satisfied"]


class PolicySettings(_In):
    """The rules themselves; a PUT replaces them all, so an omitted field takes its default."""

    level_scores: list[LevelScore] = Field(
        default_factory=_default_levels,
        min_length=2,
        max_length=30,
        description="Level code and its score (points), in the order of the scale",
    )
    satisfied_levels: list[str] = Field(
        default_factory=_default_satisfied,
        max_length=30,
        description="Levels that count as satisfied in the satisfaction rate",
    )
    dont_know_code: str | None = Field(
        default="dont_know",
        pattern=CODE_PATTERN,
        description="The 不了解 level: counted, excluded from every score and rate",
    )
    trim_k: int = Field(default=1, ge=0, le=100, description="Ratings dropped at each end")
    min_n: int = Field(
        default=5, ge=1, le=100000, description="Fewest valid answers for a group to count"
    )
    confidence: float = Field(default=0.95, ge=0.5, le=0.999)
    rate_ci_method: RateCIMethod = "wilson"
    combine_ci_method: CombineCIMethod = "satterthwaite"
    suppression_threshold: int = Field(
        default=5, ge=0, le=1000, description="Cells with fewer respondents are not shown"
    )
    comment_threshold: int = Field(
        default=10,
        ge=0,
        le=1000,
        description="Comments shown to a unit name a respondent group only when at least this "
        "many of its comments come from that group",
    )
    questions: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Question codes that make up the score; empty for every question",
    )
    margins: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Population totals for raking: {variable: {category: total}}",
        examples=[{"age": {"18-34": 340000, "35-59": 450000, "60plus": 210000}}],
    )
    raked_groups: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Groups whose responses are raked; empty for every public group",
    )
    finite_population: dict[str, float | dict[str, float]] = Field(
        default_factory=dict,
        max_length=100,
        description="Finite population correction of a group's sample design: the group's "
        "population (or, for a one-stage cluster sample, its number of PSUs), or that number "
        "per stratum; for delegates, the number invited",
        examples=[{"npc": 420, "citizen": {"east": 120000, "west": 80000}}],
    )
    rank_draws: int = Field(default=DEFAULT_RANK_DRAWS, ge=100, le=20000)
    rank_seed: int = Field(default=DEFAULT_RANK_SEED, ge=0, le=2**31 - 1)
    numeric_scale: NumericScaleSettings | None = Field(
        default=None,
        description="Numeric answers (0-10, 1-100, any number in low..high) scored by a "
        "linear map to 0-100, with no level list; null: numbers are scored only when listed "
        "as levels",
        examples=[{"low": 0, "high": 10, "satisfied_from": 6}],
    )
    significance: SignificanceSettings = Field(
        default_factory=SignificanceSettings,
        description="Tests of comparisons (unit vs category, vs last year, group vs group), "
        "their multiplicity adjustment and the reliability flags",
    )


class SatisfactionPolicyPut(PolicySettings):
    weights: list[WeightEntry] | None = Field(
        default=None,
        description="When given, replaces the group weights of the categories it names",
    )
    note: str = Field(default="", max_length=500, description="Why the policy changed")


class SatisfactionPolicyPublic(PolicySettings):
    model_config = ConfigDict(extra="ignore")

    evaluation_id: int
    version: int = Field(description="0: the defaults, never saved")
    created_at: datetime | None
    created_by: str
    note: str
    weights: list[WeightPublic]


class PolicyVersionSummary(BaseModel):
    version: int
    created_at: datetime
    created_by: str
    note: str
    weights: list[WeightPublic] | None = Field(
        description="The group weights from this version on; null for versions saved before "
        "the weights were kept with the policy"
    )


class CellResult(BaseModel):
    """Statistics of one unit x group (x question) cell; null where undefined or suppressed."""

    unit: str
    group: str
    question: str | None = Field(description="null: pooled over the policy's questions")
    n_valid: int
    n_dont_know: int
    n_eff: float | None = Field(description="Kish effective n (raked groups)")
    mean: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    satisfied_rate: float | None
    rate_ci_low: float | None
    rate_ci_high: float | None
    rate_se: float | None = Field(
        default=None,
        description="Standard error of the rate: sqrt(p(1-p)/(n_eff-1)), the sample variance "
        "of the satisfied indicator over the effective sample size",
    )
    trimmed_mean: float | None
    design_effect: float | None = Field(
        default=None,
        description="Design effect of the mean: its design-based variance over sd^2/n_valid "
        "(groups with a sample design only)",
    )
    estimator: Literal["model", "design", "design_calibrated"] = Field(
        default="model",
        description="How se was obtained: model (sd/sqrt(n_eff)), design (Taylor "
        "linearisation over the group's strata, PSUs and finite population) or "
        "design_calibrated (the same with calibration residuals after raking)",
    )
    weighted: bool
    suppressed: bool


class Significance(TypedDict):
    """A test of a difference, the p-value adjusted within its family (see
    ``significance_method`` in the results). Comparisons are plain dicts, not models: a
    results call builds thousands of them."""

    difference: Annotated[float, Field(description="This minus the reference, points")]
    se: float
    p_value: Annotated[float, Field(description="Two-sided, unadjusted")]
    p_adjusted: float
    significant: Annotated[bool, Field(description="p_adjusted below alpha")]
    family_size: Annotated[int, Field(description="Tests the adjustment counted")]


class CategoryComparison(Significance):
    reference: Annotated[float, Field(description="Mean score of the other units in the category")]


class PreviousComparison(Significance):
    evaluation_id: int
    period: str | None
    previous_score: float
    previous_se: float


class GroupComparison(Significance):
    """Two of a unit's groups, ``difference = group - other`` (mean points)."""

    group: str
    other: str


class GroupUsed(BaseModel):
    group: str
    weight: float = Field(description="Renormalised over the groups used")
    n_valid: int


class GroupDropped(BaseModel):
    group: str
    n_valid: int
    reason: DropReason


class UnitResult(BaseModel):
    unit: str
    unit_name: str
    unit_name_en: str
    category: str
    n_valid: int
    score: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    satisfied_rate: float | None = Field(
        default=None,
        description="Combined satisfaction rate (share): the used groups' rates with the "
        "weights of the score",
    )
    rate_se: float | None = Field(
        default=None, description="Standard error of the combined rate (share)"
    )
    rate_n_eff: float | None = Field(
        default=None,
        description="Effective sample size of the combined rate, p(1-p)/se^2, the n of its "
        "interval",
    )
    rate_ci_low: float | None = Field(
        default=None,
        description="Interval of the combined rate on rate_n_eff: Wilson, or Korn-Graubard "
        "when the policy's rate interval is Clopper-Pearson",
    )
    rate_ci_high: float | None = None
    n_eff: float | None = Field(
        default=None,
        description="Effective sample size of the score: the used groups' valid answers over "
        "design_effect",
    )
    design_effect: float | None = Field(
        default=None,
        description="The score's variance over the variance of simple random samples of the "
        "used groups' sizes, sum w_g^2 sd_g^2 / n_g (1 for unweighted groups without a "
        "design; without a standard error, the largest Kish effect of the weighted groups)",
    )
    groups_used: list[GroupUsed]
    groups_dropped: list[GroupDropped]
    rank: int | None = Field(description="1 = best, inside the category")
    rank_interval: tuple[int, int] | None = Field(description="90% interval of the rank")
    tied_with_next: bool | None = Field(
        description="The order against the next-ranked unit is not supported by the data"
    )
    p_beats_next: float | None
    not_scored: Literal["no_group", "no_weights"] | None
    suppressed: bool
    df: float | None = Field(
        default=None,
        description="Welch-Satterthwaite degrees of freedom of the score's standard error; "
        "null when infinite (normal interval) or undefined",
    )
    cv: float | None = Field(default=None, description="Coefficient of variation, se/score")
    reliability: ReliabilityFlag | None = Field(
        default=None,
        description="From the CV and the policy's bands: reliable, caution, not_reliable",
    )
    design_effect_high: bool | None = Field(
        default=None, description="design_effect above the policy's design_effect_flag"
    )
    vs_category: CategoryComparison | None = Field(
        default=None, description="The score against the mean of the rest of the category"
    )
    vs_previous: PreviousComparison | None = Field(
        default=None,
        description="The score against the same unit code in the previous evaluation",
    )
    group_pairs_tested: int | None = Field(
        default=None,
        description="Pairs of the unit's groups tested (groups with at least min_n valid "
        "answers): the family of the adjustment",
    )
    group_disagreements: list[GroupComparison] = Field(
        default_factory=list,
        description="The pairs of groups that differ significantly (adjusted p below alpha); "
        "only these are listed, so that thousands of units stay cheap",
    )
    groups_disagree: bool | None = Field(
        default=None,
        description="Some pair of groups differs significantly (adjusted p below alpha); "
        "null when fewer than two groups can be compared",
    )


class CategoryResult(BaseModel):
    category: str
    name: str
    name_en: str
    units_ranked: int


class ReasonPublic(BaseModel):
    """A reason code from the statistics with its parameters, and its English text."""

    code: str = Field(examples=["margin_category_empty"])
    params: dict[str, str | int | float] = Field(
        default_factory=dict, examples=[{"margin": "age", "categories": "60plus"}]
    )
    text: str = Field(description="English; pages show the code in the reader's language")


class RakingReport(BaseModel):
    group: str
    respondents: int
    respondents_unweighted: int = Field(
        description="Respondents whose cell the margins do not cover: weight 1 (the mean)"
    )
    cells: int
    converged: bool
    iterations: int
    n_eff: float | None
    design_effect: float | None
    problem: str | None = Field(description="Why the group was left unweighted, if it was")
    reasons: list[ReasonPublic] = Field(
        default_factory=list,
        description="Why the group was left unweighted or the raking did not converge, as codes",
    )


class GroupDesign(BaseModel):
    """The estimator of a respondent group's standard errors when the group has a design."""

    group: str
    estimator: Literal["design", "design_calibrated"]
    psu: int = Field(description="PSUs of the group's sample (answers where none is given)")
    strata: int
    df: int = Field(description="Design degrees of freedom, PSUs minus strata")


class SatisfactionResults(BaseModel):
    evaluation_id: int
    evaluation_status: str
    period: str | None
    question: str | None
    channel: str | None = Field(
        default=None, description="Only responses from this channel counted; null for all"
    )
    audience: Audience
    policy: SatisfactionPolicyPublic
    categories: list[CategoryResult]
    units: list[UnitResult]
    cells: list[CellResult]
    question_cells: list[CellResult] = Field(default_factory=list)
    raking: list[RakingReport]
    design: list[GroupDesign] = Field(
        default_factory=list,
        description="Groups whose standard errors are design-based (weights, strata, PSUs, "
        "finite population); the other groups' are model-based",
    )
    rank_method: str
    unscored_answers: int = Field(description="Answers whose level the policy does not score")
    significance_method: str = Field(
        default="",
        description="The test of each comparison, the p-value adjustment and its families",
    )
