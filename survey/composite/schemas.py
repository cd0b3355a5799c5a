"""Shapes of composite scoring: the scheme (as YAML or JSON), inputs and results.

A scheme describes one unit category: a tree of blocks (板块) whose leaves are indicators,
each with points (points mode) or a weight (weights mode), a direction, a method with its
parameters and a source, plus bonus and deduction items, coefficients and the rules that
turn totals into ranks, grades, interviews, awards and warnings. ``scheme.py`` validates it
(with the line of every problem) and maps it onto ``scoring.composite``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from scoring import LANZHOU_TIERS
from survey.inputs import Input
from survey.satisfaction.schemas import ReasonPublic
from survey.schemas import CODE_PATTERN

Code = Annotated[str, Field(pattern=CODE_PATTERN)]
Direction = Literal["higher", "lower"]
MissingRule = Literal["propagate", "zero", "renormalise"]
HardMethod = Literal[
    "target_completion",
    "efficacy_coefficient",
    "min_max",
    "z_score",
    "rank_points",
    "benchmark",
]
Method = Literal[
    "target_completion",
    "efficacy_coefficient",
    "min_max",
    "z_score",
    "rank_points",
    "benchmark",
    "scale_speed_quality",
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
DEFAULT_GRADES = ["优秀", "良好", "合格", "不合格"]


class _In(Input):
    """Input of this area: no unstorable text or number (see ``survey.inputs``)."""


# Sources ------------------------------------------------------------------------------------


class PeriodsSpec(_In):
    """Several periods of a hard indicator combined into one result."""

    codes: list[Code] = Field(min_length=1, max_length=24, examples=[["Q1", "H1", "Q1-Q3", "year"]])
    weights: list[float] | None = Field(
        default=None, description="Period weights summing to 1; omitted: a plain average"
    )
    missing: Literal["renormalise", "zero"] = "renormalise"


class MonthlySpec(_In):
    """Monthly values (periods M01..M12) turned into quarters before scoring."""

    months: list[Code] = Field(
        default_factory=lambda: [f"M{m:02d}" for m in range(1, 13)], min_length=3, max_length=36
    )
    how: Literal["sum", "mean"] = "sum"
    cumulative: bool = Field(default=False, description="Q1, H1, Q1-Q3, year instead of Q1..Q4")
    missing: Literal["nan", "ignore"] = "nan"
    weights: list[float] | None = Field(default=None, description="Weights of the quarters")
    period_missing: Literal["renormalise", "zero"] = "renormalise"


class HardSource(_In):
    type: Literal["hard"]
    indicator: Code
    period: Code | None = Field(default=None, description="One period, e.g. year")
    periods: PeriodsSpec | None = None
    monthly: MonthlySpec | None = None
    growth: bool = Field(
        default=False,
        description="Score the growth against the same period of the previous evaluation",
    )
    growth_rule: Literal["nan", "abs"] = "nan"


class SatisfactionSource(_In):
    type: Literal["satisfaction"]
    measure: Literal["score", "satisfied_rate"] = "score"
    groups: list[Code] = Field(
        default_factory=list, description="Respondent groups to combine; empty: all weighted"
    )
    period: Code | None = None
    question: Code | None = None
    sampling_error: bool = Field(default=True, description="Pass the standard error on")


class QualitativeSource(_In):
    type: Literal["qualitative"]
    item: Code
    full_marks: float = Field(default=100.0, gt=0)


class ExcellenceSource(_In):
    type: Literal["excellence"]
    difficulty: tuple[float, float] = Field(
        default=(0.8, 1.2), description="Lowest and highest expert difficulty coefficient"
    )


class RectificationSource(_In):
    """The unit's rectification rate (整改率) from ``survey.comments.rates``, 0-100: the share
    of comments routed to it (less appeals the office upheld) that it rectified, or that it
    rectified on or before their deadline (``on_time``)."""

    type: Literal["rectification_rate"]
    measure: Literal["rectified", "on_time"] = "rectified"
    full_marks: float = Field(default=100.0, gt=0)


Source = Annotated[
    HardSource | SatisfactionSource | QualitativeSource | ExcellenceSource | RectificationSource,
    Field(discriminator="type"),
]


# The tree ----------------------------------------------------------------------------------


class PartSpec(_In):
    """Scale, speed or quality of a scale/speed/quality indicator."""

    method: HardMethod
    direction: Direction | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    source: HardSource


class IndicatorSpec(_In):
    code: Code
    name: Name
    name_en: str = Field(default="", max_length=200)
    points: float | None = Field(default=None, gt=0, le=10000)
    weight: float | None = Field(default=None, ge=0, le=1)
    direction: Direction = "higher"
    method: Method | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    source: Source | None = None
    parts: dict[Literal["scale", "speed", "quality"], PartSpec] | None = None


class CoefficientSpec(_In):
    """Tiered coefficient of a block: base + contribution by a rule on an indicator."""

    indicator: Code
    period: Code | None = None
    rule: Literal["value", "share", "rank"] = "value"
    direction: Direction = "higher"
    thresholds: list[float] = Field(min_length=1, max_length=20)
    tiers: list[float] = Field(default_factory=lambda: list(LANZHOU_TIERS), max_length=21)
    base: float | None = Field(default=None, gt=0)
    base_indicator: Code | None = Field(
        default=None, description="Per-unit base coefficient from this indicator"
    )


class AdjustmentItemSpec(_In):
    code: Code
    name: Name
    name_en: str = Field(default="", max_length=200)
    low: float
    high: float


class AdjustmentSpec(_In):
    code: Code
    name: Name
    name_en: str = Field(default="", max_length=200)
    source: Literal["entries", "differentiation_penalty"] = "entries"
    items: list[AdjustmentItemSpec] = Field(default_factory=list, max_length=50)
    bonus_total_max: float | None = Field(default=None, ge=0)
    deduction_total_min: float | None = Field(default=None, le=0)
    total_bounds: tuple[float, float] | None = None
    low: float | None = Field(
        default=None, le=0, description="Differentiation penalty: the lowest net (default derived)"
    )


class WeightingSpec(_In):
    """Weights of a block's children derived instead of given: by the entropy weight method
    (熵权法) from the children's values in the category, or by AHP (层次分析法) from a pairwise
    comparison matrix of the children (indicators first, then blocks, in their order)."""

    method: Literal["entropy", "ahp"]
    matrix: list[list[float | str]] | None = Field(
        default=None,
        max_length=15,
        description='AHP: how many times more important row i is than column j ("1/3" allowed)',
        examples=[[[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]],
    )


class TopsisSpec(_In):
    """The block scores its units by TOPSIS closeness (逼近理想解排序法): its indicators are
    the criteria, compared by their values (direction higher: benefit, lower: cost)."""

    normalisation: Literal["vector", "min_max"] = "vector"


class BlockSpec(_In):
    code: Code
    name: Name
    name_en: str = Field(default="", max_length=200)
    points: float | None = Field(default=None, gt=0, le=10000)
    weight: float | None = Field(default=None, ge=0, le=1)
    missing: MissingRule | None = None
    cap: tuple[float, float] | None = None
    coefficient: CoefficientSpec | None = None
    weighting: WeightingSpec | None = None
    topsis: TopsisSpec | None = None
    indicators: list[IndicatorSpec] = Field(default_factory=list, max_length=500)
    blocks: list[BlockSpec] = Field(default_factory=list, max_length=50)
    adjustments: list[AdjustmentSpec] = Field(default_factory=list, max_length=20)


# Rules on the totals ---------------------------------------------------------------------------


class TieBreakSpec(_In):
    block: str = Field(min_length=1, max_length=200, description="Block code path, e.g. a/b")
    direction: Direction = "higher"


class RankingSpec(_In):
    decimals: int = Field(default=2, ge=0, le=6, description="Totals are ranked rounded")
    tie_break: list[TieBreakSpec] = Field(default_factory=list, max_length=5)


def _default_thresholds() -> list[float | None]:
    return [90.0, 80.0, 60.0]


def _default_shares() -> list[float | None]:
    return [0.3, None, None]


class GradesSpec(_In):
    names: list[Name] = Field(default_factory=lambda: list(DEFAULT_GRADES), min_length=2)
    thresholds: list[float | None] | None = Field(default_factory=_default_thresholds)
    max_shares: list[float | None] | None = Field(default_factory=_default_shares)


class InterviewSpec(_In):
    bottom: int | None = Field(default=3, ge=0, le=1000)
    fall_places: int | None = Field(default=10, ge=1, le=1000)
    boundary_ties: Literal["include", "exclude"] = "include"


class ProgressAwardSpec(_In):
    min_rise: int | None = Field(default=None, ge=1, le=1000)
    top_k: int | None = Field(default=None, ge=1, le=1000)
    boundary_ties: Literal["include", "exclude"] = "include"


class WarningSpec(_In):
    indicator: Code
    period: Code | None = Field(default=None, description="Default: the last default period")
    against: str = Field(
        default="previous_evaluation",
        pattern=CODE_PATTERN,
        description="previous_evaluation, or a period code of this evaluation",
    )
    max_drop: float | None = Field(default=None, ge=0, description="0.1 = a fall of 10%")
    threshold: float | None = None
    direction: Direction = "higher"


class DifferentiationSpec(_In):
    """Taixing's rule on the qualitative scores lead departments give this category."""

    high: float = 90.0
    max_high_share: float = Field(default=0.3, ge=0, le=1)
    low: float = 80.0
    min_low_share: float = Field(default=0.2, ge=0, le=1)
    full_marks: float = 100.0
    forbid_full_marks: bool = True
    penalty: float = Field(default=0.2, ge=0, le=100)
    items: list[Code] = Field(default_factory=list, description="Empty: every qualitative item")


class SensitivitySpec(_In):
    weight_band: float = Field(default=0.1, ge=0, lt=1)
    robust_level: float = Field(default=0.8, gt=0, le=1)


class SchemeSpec(_In):
    """The scheme of one category; the root block's fields sit at the top."""

    category: Code
    title: str = Field(default="", max_length=200)
    missing: MissingRule = "propagate"
    periods: PeriodsSpec | None = Field(
        default=None, description="Default periods of hard indicators"
    )
    points: float | None = Field(default=None, gt=0, le=100000)
    cap: tuple[float, float] | None = None
    coefficient: CoefficientSpec | None = None
    indicators: list[IndicatorSpec] = Field(default_factory=list, max_length=500)
    blocks: list[BlockSpec] = Field(default_factory=list, max_length=50)
    adjustments: list[AdjustmentSpec] = Field(default_factory=list, max_length=20)
    ranking: RankingSpec = Field(default_factory=RankingSpec)
    grades: GradesSpec = Field(default_factory=GradesSpec)
    interview: InterviewSpec | None = Field(default_factory=InterviewSpec)
    progress_award: ProgressAwardSpec | None = None
    warnings: list[WarningSpec] = Field(default_factory=list, max_length=100)
    differentiation: DifferentiationSpec | None = None
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)


# Scheme versions ------------------------------------------------------------------------------


class SchemeProblemPublic(BaseModel):
    line: int | None
    field: str
    message: str


class SchemeValidation(BaseModel):
    valid: bool
    schemes: list[str] = Field(description="Categories the file describes")
    problems: list[SchemeProblemPublic]


class SchemeVersionPublic(BaseModel):
    evaluation_id: int
    category: str
    version: int
    created_at: datetime
    created_by: str
    note: str
    title: str


class SchemePublic(SchemeVersionPublic):
    source: str
    definition: SchemeSpec


class SchemePut(SchemeSpec):
    note: str = Field(default="", max_length=500, description="Why the scheme changed")


# Inputs --------------------------------------------------------------------------------------


class IndicatorValueIn(_In):
    unit: Code
    indicator: Code
    period: Code
    value: float = Field(allow_inf_nan=False)
    target: float | None = Field(default=None, allow_inf_nan=False)
    benchmark: float | None = Field(default=None, allow_inf_nan=False)


class IndicatorPush(_In):
    values: list[IndicatorValueIn] = Field(min_length=1, max_length=20000)


class IndicatorValuePublic(BaseModel):
    unit: str
    indicator: str
    period: str
    value: float
    target: float | None
    benchmark: float | None
    source: str
    updated_at: datetime
    updated_by: str


class IndicatorPushResult(BaseModel):
    evaluation_id: int
    received: int
    inserted: int
    updated: int
    unchanged: int


class AdjustmentCreate(_In):
    unit: Code
    item: Code
    points: float = Field(allow_inf_nan=False, ge=-1000, le=1000)
    reason: str = Field(min_length=1, max_length=500)
    approved_by: str = Field(min_length=1, max_length=100)


class AdjustmentPublic(BaseModel):
    id: int
    unit: str
    item: str
    points: float
    reason: str
    approved_by: str
    created_at: datetime
    created_by: str


class QualitativeScoreIn(_In):
    unit: Code
    item: Code
    lead: Code = Field(description="Unit code of the lead department that scored it")
    score: float = Field(ge=0, le=1000, allow_inf_nan=False)


class QualitativeScoresPut(_In):
    scores: list[QualitativeScoreIn] = Field(min_length=1, max_length=20000)


class QualitativeScorePublic(BaseModel):
    unit: str
    item: str
    lead: str
    score: float
    updated_at: datetime | None = None
    updated_by: str = ""


class ExcellenceGoalIn(_In):
    unit: Code
    code: Code
    title: str = Field(min_length=1, max_length=200)
    difficulty: float = Field(gt=0, le=5, allow_inf_nan=False)
    dimensions: dict[str, Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]] = Field(
        min_length=1, max_length=10, examples=[{"创优性": 90, "攻坚性": 85, "创新性": 88}]
    )


class ExcellenceGoalsPut(_In):
    goals: list[ExcellenceGoalIn] = Field(min_length=1, max_length=5000)


class ExcellenceGoalPublic(BaseModel):
    unit: str
    code: str
    title: str
    difficulty: float
    dimensions: dict[str, float]
    score: float
    updated_at: datetime | None = None
    updated_by: str = ""


class InputsStored(BaseModel):
    evaluation_id: int
    stored: int


# Results -------------------------------------------------------------------------------------


class BlockValue(BaseModel):
    code: str
    name: str
    name_en: str
    value: float | None
    max_points: float


class WarningFlag(BaseModel):
    indicator: str
    period: str
    against: str
    dropped: bool = Field(description="Fell by more than max_drop against the comparison")
    breached: bool = Field(description="Beyond the threshold")
    value: float | None
    previous: float | None
    change: float | None = Field(description="Relative change (0.1 = +10%)")
    max_drop: float | None
    threshold: float | None
    detail: str


def _stored_notes(value: Any) -> Any:
    # Snapshots published before reasons became data hold English sentences.
    if isinstance(value, list):
        return [
            {"code": "note", "params": {"text": v}, "text": v} if isinstance(v, str) else v
            for v in value
        ]
    return value


Notes = Annotated[
    list[ReasonPublic],
    BeforeValidator(_stored_notes),
    Field(description="Why numbers are missing or changed: reason codes with parameters"),
]


class UnitFlags(BaseModel):
    interview: bool
    interview_bottom: bool
    interview_fell: bool
    progress_award: bool
    warnings: list[WarningFlag]


class UnitSensitivity(BaseModel):
    median_rank: float | None
    rank_low: float | None = Field(description="5th percentile of the rank")
    rank_high: float | None = Field(description="95th percentile of the rank")
    grade_probabilities: dict[str, float]
    p_point_grade: float | None
    robust: bool
    previous_rank_low: float | None = Field(
        default=None, description="Last evaluation's rank band, computed the same way"
    )
    previous_rank_high: float | None = None
    rank_change_distinct: bool | None = Field(
        default=None,
        description="False: the two years' rank bands overlap, so the rise or fall cannot be "
        "told from noise (差异不显著); None: no band for one of the years",
    )


class UnitComposite(BaseModel):
    unit: str
    unit_name: str
    unit_name_en: str
    category: str
    scheme_version: int
    total: float | None
    blocks: list[BlockValue]
    rank: int | None
    grade: str | None
    demoted_from: str | None = Field(description="Best grade met but not within its quota")
    previous_rank: int | None
    rank_change: int | None = Field(description="Places gained (positive) or lost")
    rank_change_status: str = Field(description="new, not ranked now, not ranked before or ''")
    flags: UnitFlags
    not_scored: str | None = Field(description="Why the unit has no total")
    sensitivity: UnitSensitivity | None = None


class CategoryComposite(BaseModel):
    category: str
    name: str
    name_en: str
    scheme_version: int
    title: str
    units: int
    units_ranked: int
    max_total: float
    rank_rule: str
    grade_rule: str
    grade_counts: dict[str, int]
    grade_caps: dict[str, int | None]
    interview_rule: str
    progress_rule: str
    notes: Notes


class DifferentiationReport(BaseModel):
    lead: str
    lead_name: str
    lead_name_en: str
    category: str
    item: str
    n_units: int
    n_high: int
    max_high: int
    n_low: int
    min_low: int
    full_mark_units: list[str]
    passed: bool
    violations: list[str]
    penalty: float
    penalty_applied: bool = Field(description="The lead department's scheme deducts it")
    rule: str


class CompositeResults(BaseModel):
    evaluation_id: int
    evaluation_status: str
    frozen: bool = Field(description="Read from the snapshot stored at publication")
    published_at: datetime | None
    scheme_versions: dict[str, int]
    categories: list[CategoryComposite]
    units: list[UnitComposite]
    differentiation: list[DifferentiationReport]
    notes: Notes
    sensitivity_method: str | None = None
