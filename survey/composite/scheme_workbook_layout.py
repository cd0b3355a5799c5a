"""The scheme workbook's layout: its sheets, their columns and the words for choices.

Every heading, sheet name and choice is an English message id marked with ``N_``; the
workbook is written in the reader's language and read back in any language we speak, so a
file downloaded in Chinese can be uploaded by someone who reads English.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.composite.terms import METHODS, TERMS, VALUES
from survey.errors import N_

# Kinds of cell: how a value is written and read back.
TEXT = "text"
NUMBER = "number"
WHOLE = "whole"
YESNO = "yesno"
CHOICE = "choice"
CODES = "codes"  # codes separated by commas
NUMBERS = "numbers"  # numbers separated by commas
PAIR = "pair"  # two numbers: low, high
JSON = "json"  # a compact JSON object

YES = N_("yes")
NO = N_("no")

CHOICES: dict[str, dict[str, str]] = {
    "method": {
        m: METHODS[m]
        for m in (
            "target_completion",
            "efficacy_coefficient",
            "min_max",
            "z_score",
            "rank_points",
            "benchmark",
            "scale_speed_quality",
        )
    },
    "direction": {"higher": VALUES["higher"], "lower": VALUES["lower"]},
    "source": {
        "hard": N_("hard data"),
        "satisfaction": N_("satisfaction survey"),
        "qualitative": N_("qualitative score"),
        "excellence": N_("excellence goals"),
    },
    "missing": {k: VALUES[k] for k in ("propagate", "zero", "renormalise")},
    "period_missing": {k: VALUES[k] for k in ("renormalise", "zero")},
    "ties": {k: VALUES[k] for k in ("include", "exclude")},
    "rule": {"value": TERMS["value"], "share": VALUES["share"], "rank": TERMS["rank"]},
    "adjustment": {
        "entries": N_("entered bonus and deduction items"),
        "differentiation_penalty": N_("differentiation penalty"),
    },
    "yesno": {"yes": YES, "no": NO},
}


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = TEXT
    choice: str = ""
    width: int = 14
    # Added after workbooks were first handed out: a workbook without it is still read.
    optional: bool = False


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    columns: tuple[Column, ...]


SETTING_COLUMNS = (
    Column("label", N_("Setting"), width=28),
    Column("value", N_("Value"), width=30),
    Column("key", N_("Key (do not change)"), width=30),
)


@dataclass(frozen=True)
class Setting:
    """One row of the scheme sheet: a dotted key into the scheme, with its kind."""

    key: str
    label: str
    kind: str = TEXT
    choice: str = ""
    nullable: bool = False  # an empty cell means "none", not "the default"


SETTINGS: tuple[Setting, ...] = (
    Setting("category", N_("Unit category code")),
    Setting("title", N_("Scheme title")),
    Setting("missing", N_("Missing indicators"), CHOICE, "missing"),
    Setting("points", N_("Full points of the total"), NUMBER, nullable=True),
    Setting("cap", N_("Bounds of the total (low, high)"), PAIR, nullable=True),
    Setting("periods.missing", N_("Missing periods"), CHOICE, "period_missing"),
    Setting("ranking.decimals", N_("Decimals of ranked totals"), WHOLE),
    Setting("grades.use_thresholds", N_("Grades by score lines"), YESNO),
    Setting("grades.use_max_shares", N_("Grades with quotas"), YESNO),
    Setting("interview", N_("Interview list"), YESNO),
    Setting("interview.bottom", N_("Interview: lowest places"), WHOLE, nullable=True),
    Setting("interview.fall_places", N_("Interview: places fallen"), WHOLE, nullable=True),
    Setting("interview.boundary_ties", N_("Interview: ties at the boundary"), CHOICE, "ties"),
    Setting("progress_award", N_("Progress award"), YESNO),
    Setting("progress_award.min_rise", N_("Progress award: places risen"), WHOLE, nullable=True),
    Setting("progress_award.top_k", N_("Progress award: best risers"), WHOLE, nullable=True),
    Setting(
        "progress_award.boundary_ties", N_("Progress award: ties at the boundary"), CHOICE, "ties"
    ),
    Setting("differentiation", N_("Differentiation rule"), YESNO),
    Setting("differentiation.high", N_("Differentiation: high score"), NUMBER),
    Setting("differentiation.max_high_share", N_("Differentiation: most high share"), NUMBER),
    Setting("differentiation.low", N_("Differentiation: low score"), NUMBER),
    Setting("differentiation.min_low_share", N_("Differentiation: least low share"), NUMBER),
    Setting("differentiation.full_marks", N_("Differentiation: full marks"), NUMBER),
    Setting(
        "differentiation.forbid_full_marks", N_("Differentiation: full marks forbidden"), YESNO
    ),
    Setting("differentiation.penalty", N_("Differentiation: penalty"), NUMBER),
    Setting("differentiation.items", N_("Differentiation: items"), CODES),
    Setting("sensitivity.weight_band", N_("Sensitivity: weight band"), NUMBER),
    Setting("sensitivity.robust_level", N_("Sensitivity: robust level"), NUMBER),
)

SCHEME = Sheet("scheme", N_("Scheme"), SETTING_COLUMNS)
BLOCKS = Sheet(
    "blocks",
    N_("Indicator blocks"),
    (
        Column("path", N_("Block path"), width=24),
        Column("name", N_("Name"), width=20),
        Column("name_en", N_("English name"), width=24),
        Column("points", N_("Points"), NUMBER, width=8),
        Column("weight", N_("Weight"), NUMBER, width=8),
        Column("missing", N_("Missing indicators"), CHOICE, "missing", width=22),
        Column("cap", N_("Bounds (low, high)"), PAIR, width=14),
        Column("weighting", N_("Weights derived by (entropy, AHP)"), JSON, width=30, optional=True),
        Column("topsis", N_("TOPSIS"), JSON, width=22, optional=True),
    ),
)
INDICATORS = Sheet(
    "indicators",
    N_("Indicators"),
    (
        Column("block", N_("Block path"), width=20),
        Column("code", N_("Code"), width=16),
        Column("name", N_("Name"), width=22),
        Column("name_en", N_("English name"), width=24),
        Column("points", N_("Points"), NUMBER, width=8),
        Column("weight", N_("Weight"), NUMBER, width=8),
        Column("direction", N_("Direction"), CHOICE, "direction", width=12),
        Column("method", N_("Scoring method"), CHOICE, "method", width=16),
        Column("params", N_("Method parameters"), JSON, width=24),
        Column("source", N_("Source type"), CHOICE, "source", width=12),
        Column("source_code", N_("Source code"), width=16),
        Column("period", N_("Period"), width=10),
        Column("periods", N_("Periods combined"), CODES, width=18),
        Column("period_weights", N_("Period weights"), NUMBERS, width=16),
        Column("groups", N_("Respondent groups"), CODES, width=16),
        Column("source_other", N_("Other source settings"), JSON, width=24),
        Column("parts", N_("Scale, speed and quality parts"), JSON, width=30),
    ),
)
GRADES = Sheet(
    "grades",
    N_("Grades"),
    (
        Column("name", N_("Grade"), width=14),
        Column("threshold", N_("Score line"), NUMBER, width=12),
        Column("max_share", N_("Largest share"), NUMBER, width=12),
    ),
)
PERIODS = Sheet(
    "periods",
    N_("Period weights"),
    (
        Column("code", N_("Period"), width=14),
        Column("weight", N_("Weight"), NUMBER, width=10),
    ),
)
ADJUSTMENTS = Sheet(
    "adjustments",
    N_("Bonus and deduction"),
    (
        Column("block", N_("Block path"), width=18),
        Column("code", N_("Code"), width=14),
        Column("name", N_("Name"), width=18),
        Column("name_en", N_("English name"), width=20),
        Column("source", N_("Source"), CHOICE, "adjustment", width=22),
        Column("bonus_total_max", N_("Most bonus in all"), NUMBER, width=12),
        Column("deduction_total_min", N_("Most deduction in all"), NUMBER, width=12),
        Column("total_bounds", N_("Bounds of the net points (low, high)"), PAIR, width=16),
        Column("low", N_("Lowest net penalty"), NUMBER, width=12),
        Column("item_code", N_("Item code"), width=14),
        Column("item_name", N_("Item name"), width=20),
        Column("item_name_en", N_("Item English name"), width=20),
        Column("item_low", N_("Item low"), NUMBER, width=10),
        Column("item_high", N_("Item high"), NUMBER, width=10),
    ),
)
COEFFICIENTS = Sheet(
    "coefficients",
    N_("Coefficients"),
    (
        Column("block", N_("Block path"), width=18),
        Column("indicator", N_("Indicator code"), width=16),
        Column("period", N_("Period"), width=10),
        Column("rule", N_("Rule"), CHOICE, "rule", width=14),
        Column("direction", N_("Direction"), CHOICE, "direction", width=12),
        Column("thresholds", N_("Thresholds"), NUMBERS, width=22),
        Column("tiers", N_("Tier coefficients"), NUMBERS, width=28),
        Column("base", N_("Base coefficient"), NUMBER, width=10),
        Column("base_indicator", N_("Base coefficient indicator"), width=16),
    ),
)
WARNINGS = Sheet(
    "warnings",
    N_("Warnings"),
    (
        Column("indicator", N_("Indicator code"), width=16),
        Column("period", N_("Period"), width=10),
        Column("against", N_("Compared with"), width=20),
        Column("max_drop", N_("Largest fall"), NUMBER, width=10),
        Column("threshold", N_("Warning level"), NUMBER, width=10),
        Column("direction", N_("Direction"), CHOICE, "direction", width=12),
    ),
)
TIE_BREAKS = Sheet(
    "tie_breaks",
    N_("Tie breaks"),
    (
        Column("block", N_("Block path"), width=20),
        Column("direction", N_("Direction"), CHOICE, "direction", width=12),
    ),
)
SHEETS: tuple[Sheet, ...] = (
    SCHEME,
    BLOCKS,
    INDICATORS,
    GRADES,
    PERIODS,
    ADJUSTMENTS,
    COEFFICIENTS,
    WARNINGS,
    TIE_BREAKS,
)
CHOICE_SHEET = N_("Choices")
