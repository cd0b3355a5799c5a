"""Satisfaction results as files: JSON (the API's fields), and for people XLSX (a sheet per
category, the cells, the comments and a method sheet) and CSV (one table), headed in the
reader's language and written through ``survey.spreadsheet``; suppressed values are empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from survey.errors import N_, Message
from survey.satisfaction.comments import CommentLine
from survey.satisfaction.sample_design import ResponseWeight
from survey.satisfaction.schemas import CellResult, SatisfactionResults, Significance, UnitResult
from survey.spreadsheet import (
    ONE_DECIMAL,
    PERCENT_ONE_DECIMAL,
    TWO_DECIMALS,
    WHOLE,
    Column,
    Reader,
    Table,
    Value,
    csv_text,
    decimals_format,
    method_sheet,
    xlsx_bytes,
)
from survey.timeutil import utcnow

TableName = Literal["units", "cells"]

# Message id and number format of each column: the office's pages show scores, intervals and
# means with two decimals and rates as percentages with one, and so does the file.
SCORE = TWO_DECIMALS
THREE_DECIMALS = decimals_format(3)
P_VALUE = decimals_format(4)
UNIT_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (N_("Unit code"), None),
    (N_("Unit"), None),
    (N_("Valid answers"), WHOLE),
    (N_("Satisfaction score"), SCORE),
    (N_("Standard error"), TWO_DECIMALS),
    (N_("Interval low"), SCORE),
    (N_("Interval high"), SCORE),
    (N_("Satisfaction rate"), PERCENT_ONE_DECIMAL),
    (N_("Rate standard error"), PERCENT_ONE_DECIMAL),
    (N_("Rate interval low"), PERCENT_ONE_DECIMAL),
    (N_("Rate interval high"), PERCENT_ONE_DECIMAL),
    (N_("Rate effective n"), ONE_DECIMAL),
    (N_("Rank"), WHOLE),
    (N_("Likely rank from"), WHOLE),
    (N_("Likely rank to"), WHOLE),
    (N_("Not clearly ahead of the next"), None),
    (N_("Groups used and weights"), None),
    (N_("Groups left out"), None),
    (N_("Why not scored"), None),
    (N_("Hidden (too few answers)"), None),
    (N_("Coefficient of variation"), THREE_DECIMALS),
    (N_("Reliability"), None),
    (N_("Design effect"), TWO_DECIMALS),
    (N_("Difference from the rest of the category"), SCORE),
    (N_("Adjusted p (against the category)"), P_VALUE),
    (N_("Against the rest of the category"), None),
    (N_("Last year's score"), SCORE),
    (N_("Change from last year"), SCORE),
    (N_("Adjusted p (against last year)"), P_VALUE),
    (N_("Against last year"), None),
    (N_("Groups disagree"), None),
)
CELL_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (N_("Unit code"), None),
    (N_("Unit"), None),
    (N_("Respondent group"), None),
    (N_("Question"), None),
    (N_("Valid answers"), WHOLE),
    (N_("Don't know"), WHOLE),
    (N_("Effective n"), ONE_DECIMAL),
    (N_("Mean"), SCORE),
    (N_("Standard error"), TWO_DECIMALS),
    (N_("Interval low"), SCORE),
    (N_("Interval high"), SCORE),
    (N_("Satisfied share"), PERCENT_ONE_DECIMAL),
    (N_("Share interval low"), PERCENT_ONE_DECIMAL),
    (N_("Share interval high"), PERCENT_ONE_DECIMAL),
    (N_("Rate standard error"), PERCENT_ONE_DECIMAL),
    (N_("Trimmed mean"), SCORE),
    (N_("Design effect"), TWO_DECIMALS),
    (N_("Standard error from"), None),
    (N_("Weighted"), None),
    (N_("Hidden (too few answers)"), None),
)
COMMENT_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (N_("Unit code"), None),
    (N_("Unit"), None),
    (N_("Question"), None),
    (N_("Comment"), None),
)
NOT_SCORED = {
    "no_group": N_("No group has enough answers"),
    "no_weights": N_("No group weights for this category"),
}
ESTIMATORS = {
    "model": N_("the sample: sd over the square root of the effective n"),
    "design": N_("the sample design: Taylor linearisation"),
    "design_calibrated": N_("the sample design: Taylor linearisation, calibration-aware"),
}
RELIABILITY = {
    "reliable": N_("Reliable"),
    "caution": N_("Use with caution"),
    "not_reliable": N_("Not reliable"),
}
VERSUS_CATEGORY = (
    N_("significantly below the rest of the category"),
    N_("not significant"),
    N_("significantly above the rest of the category"),
)
VERSUS_LAST_YEAR = (
    N_("significantly below last year"),
    N_("not significant"),
    N_("significantly above last year"),
)
DROPPED = {"zero_weight": N_("weight 0"), "below_min_n": N_("too few answers")}


def _columns(reader: Reader, spec: Sequence[tuple[str, str | None]]) -> list[Column]:
    return [Column(reader.words(heading), number_format) for heading, number_format in spec]


def _unit_names(results: SatisfactionResults, reader: Reader) -> dict[str, str]:
    return {u.unit: reader.named(u.unit_name, u.unit_name_en) for u in results.units}


def unit_row(unit: UnitResult, reader: Reader, group_names: Mapping[str, str]) -> list[Value]:
    low, high = unit.rank_interval or (None, None)
    separator = reader.words(N_("; "))
    used = separator.join(
        f"{group_names.get(g.group, g.group)} {g.weight:.0%}" for g in unit.groups_used
    )
    dropped = separator.join(
        f"{group_names.get(g.group, g.group)} ({reader.words(DROPPED.get(g.reason, g.reason))})"
        for g in unit.groups_dropped
    )
    return [
        unit.unit,
        reader.named(unit.unit_name, unit.unit_name_en),
        unit.n_valid,
        unit.score,
        unit.se,
        unit.ci_low,
        unit.ci_high,
        unit.satisfied_rate,
        unit.rate_se,
        unit.rate_ci_low,
        unit.rate_ci_high,
        unit.rate_n_eff,
        unit.rank,
        low,
        high,
        reader.yes_no(unit.tied_with_next),
        used,
        dropped,
        reader.words(NOT_SCORED[unit.not_scored]) if unit.not_scored else None,
        reader.yes_no(unit.suppressed),
        unit.cv,
        reader.words(RELIABILITY[unit.reliability]) if unit.reliability else None,
        unit.design_effect,
        *_versus(unit.vs_category, VERSUS_CATEGORY, reader),
        unit.vs_previous["previous_score"] if unit.vs_previous else None,
        *_versus(unit.vs_previous, VERSUS_LAST_YEAR, reader),
        reader.yes_no(unit.groups_disagree),
    ]


def _versus(
    test: Significance | None, verdicts: tuple[str, str, str], reader: Reader
) -> list[Value]:
    """Difference, adjusted p and the verdict of one comparison (empty when not tested)."""
    if test is None:
        return [None, None, None]
    if not test["significant"]:
        verdict = verdicts[1]
    else:
        verdict = verdicts[2] if test["difference"] > 0 else verdicts[0]
    return [test["difference"], test["p_adjusted"], reader.words(verdict)]


def cell_row(
    cell: CellResult, reader: Reader, unit_names: Mapping[str, str], group_names: Mapping[str, str]
) -> list[Value]:
    return [
        cell.unit,
        unit_names.get(cell.unit, cell.unit),
        group_names.get(cell.group, cell.group),
        cell.question or reader.words(N_("all questions of the policy")),
        cell.n_valid,
        cell.n_dont_know,
        cell.n_eff,
        cell.mean,
        cell.se,
        cell.ci_low,
        cell.ci_high,
        cell.satisfied_rate,
        cell.rate_ci_low,
        cell.rate_ci_high,
        cell.rate_se,
        cell.trimmed_mean,
        cell.design_effect,
        reader.words(ESTIMATORS[cell.estimator]),
        reader.yes_no(cell.weighted),
        reader.yes_no(cell.suppressed),
    ]


def to_json(results: SatisfactionResults) -> str:
    return json.dumps(results.model_dump(mode="json"), ensure_ascii=False, indent=2)


def units_table(
    results: SatisfactionResults, reader: Reader, group_names: Mapping[str, str]
) -> Table:
    """Every unit of every category in one table, the category first."""
    categories = {c.category: reader.named(c.name, c.name_en) for c in results.categories}
    columns = [Column(reader.words(N_("Category"))), *_columns(reader, UNIT_COLUMNS)]
    rows: list[Sequence[Value]] = [
        [categories.get(u.category, u.category), *unit_row(u, reader, group_names)]
        for u in results.units
    ]
    return Table(reader.words(N_("Units")), columns, rows)


def cells_table(
    results: SatisfactionResults, reader: Reader, group_names: Mapping[str, str]
) -> Table:
    unit_names = _unit_names(results, reader)
    rows: list[Sequence[Value]] = [
        cell_row(c, reader, unit_names, group_names)
        for c in (results.question_cells or results.cells)
    ]
    return Table(reader.words(N_("Groups")), _columns(reader, CELL_COLUMNS), rows)


def comments_table(comments: Sequence[CommentLine], reader: Reader) -> Table:
    rows: list[Sequence[Value]] = [
        [c.unit, reader.named(c.unit_name, c.unit_name_en), c.question, c.text] for c in comments
    ]
    return Table(reader.words(N_("Comments")), _columns(reader, COMMENT_COLUMNS), rows)


def method_table(
    results: SatisfactionResults,
    reader: Reader,
    group_names: Mapping[str, str],
    evaluation_name: str,
    when: datetime,
) -> Table:
    """What the numbers mean: how they were computed and with which policy and weights."""
    policy = results.policy
    words = reader.words
    categories = {c.category: reader.named(c.name, c.name_en) for c in results.categories}
    rows: list[Sequence[Value]] = [
        [words(N_("Period")), results.period or words(N_("all periods"))],
        [words(N_("Question")), results.question or words(N_("all questions of the policy"))],
        [
            words(N_("Policy version")),
            policy.version or words(N_("Default policy (not saved yet)")),
        ],
        [
            words(N_("Method")),
            words(
                N_(
                    "Each level has a score in points; a group's score is the mean over its "
                    "valid answers (don't know left out), the unit's score combines the groups "
                    "with the category's weights, renormalised over the groups used."
                )
            ),
        ],
        [
            words(N_("Level scores")),
            words(N_("; ")).join(f"{lv.code} = {lv.score:g}" for lv in policy.level_scores),
        ],
        [words(N_("Confidence level")), f"{policy.confidence:.0%}"],
        [words(N_("Fewest valid answers for a group to count")), policy.min_n],
        [words(N_("Cells with fewer respondents are hidden")), policy.suppression_threshold],
        [words(N_("Ratings dropped at each end (trimmed mean)")), policy.trim_k],
        [words(N_("Interval of the satisfied share")), policy.rate_ci_method],
        [words(N_("Interval of the combined score")), policy.combine_ci_method],
        [
            words(N_("Combined satisfaction rate")),
            words(
                N_(
                    "The groups' satisfied shares combined with the weights of the score; the "
                    "variance of each share is the sample variance of the satisfied answers "
                    "over its effective sample size (Kish), the unit's effective n is "
                    "p(1-p)/variance, and the interval is Wilson's on that n (Korn-Graubard "
                    "when the share interval is Clopper-Pearson)."
                )
            ),
        ],
        [
            words(N_("Standard error of a group's mean")),
            words(
                N_(
                    "Without a sample design: the weighted sample standard deviation over the "
                    "square root of Kish's effective n. With one (design weights, strata, PSUs "
                    "or a finite population): Taylor linearisation of the weighted mean over "
                    "the group's strata and PSUs (each answer its own PSU where none is "
                    "given), with the finite population correction 1 - n/N, and after raking "
                    "from the design weights the residuals of the raking margins "
                    "(calibration-aware); t interval on PSUs minus strata degrees of freedom."
                )
            ),
        ],
        *(
            [
                words(N_("Sample design")),
                f"{group_names.get(d.group, d.group)}: "
                + words(ESTIMATORS[d.estimator])
                + f" (PSU {d.psu}, {words(N_('strata'))} {d.strata}, df {d.df})",
            ]
            for d in results.design
        ),
        [
            words(N_("Likely ranks")),
            words(
                Message(
                    N_("90 in 100 of %(draws)s resampling draws (seed %(seed)s)"),
                    {"draws": policy.rank_draws, "seed": policy.rank_seed},
                )
            ),
        ],
    ]
    rows.extend(significance_rows(results, reader))
    for weight in policy.weights:
        rows.append(
            [
                words(N_("Group weight")),
                f"{categories.get(weight.category, weight.category)} · "
                f"{group_names.get(weight.group, weight.group)} {weight.weight:.0%}",
            ]
        )
    return method_sheet(reader, evaluation_name, when, rows)


ADJUSTMENT_NAMES = {
    "holm": N_("Holm step-down"),
    "bonferroni": N_("Bonferroni"),
    "fdr_bh": N_("Benjamini-Hochberg (false discovery rate)"),
    "none": N_("no adjustment"),
}


def significance_rows(results: SatisfactionResults, reader: Reader) -> list[Sequence[Value]]:
    """The tests behind the significance marks, their adjustment and the reliability flags."""
    sig = results.policy.significance
    words = reader.words
    return [
        [
            words(N_("Significance tests")),
            words(
                N_(
                    "Welch's t test of the difference of two independent estimates, each with "
                    "its standard error (df by Welch-Satterthwaite from the score's "
                    "Satterthwaite df, or n_eff - 1 for a group; z test for normal intervals): "
                    "the unit against the mean of the other units of its category, against "
                    "the same unit code in the previous evaluation, and each pair of its "
                    "respondent groups with enough answers."
                )
            ),
        ],
        [
            words(N_("Adjustment for multiple comparisons")),
            words(
                Message(
                    N_(
                        "%(method)s, significant when the adjusted p is below %(alpha)s; "
                        "families: the units of a category (against the category, against "
                        "last year), the group pairs of a unit"
                    ),
                    {"method": words(ADJUSTMENT_NAMES[sig.p_adjust]), "alpha": f"{sig.alpha:g}"},
                )
            ),
        ],
        [
            words(N_("Reliability")),
            words(
                Message(
                    N_(
                        "Coefficient of variation (standard error / score): use with caution "
                        "above %(caution)s, not reliable above %(unreliable)s; design effect "
                        "(the score's variance over that of simple random samples of its "
                        "groups' sizes) flagged above %(deff)s"
                    ),
                    {
                        "caution": f"{sig.cv_caution:g}",
                        "unreliable": f"{sig.cv_unreliable:g}",
                        "deff": f"{sig.design_effect_flag:g}",
                    },
                )
            ),
        ],
    ]


def workbook_tables(
    results: SatisfactionResults,
    reader: Reader,
    *,
    group_names: Mapping[str, str],
    evaluation_name: str,
    comments: Sequence[CommentLine] = (),
    when: datetime | None = None,
) -> list[Table]:
    """A sheet per category (its units by rank), the group cells, the comments, the method."""
    columns = _columns(reader, UNIT_COLUMNS)
    tables: list[Table] = []
    for category in results.categories:
        units = sorted(
            (u for u in results.units if u.category == category.category),
            key=lambda u: (u.rank is None, u.rank or 0, u.unit),
        )
        rows: list[Sequence[Value]] = [unit_row(u, reader, group_names) for u in units]
        tables.append(Table(reader.named(category.name, category.name_en), columns, rows))
    tables.append(cells_table(results, reader, group_names))
    if comments:
        tables.append(comments_table(comments, reader))
    tables.append(method_table(results, reader, group_names, evaluation_name, when or utcnow()))
    return tables


def to_xlsx(
    results: SatisfactionResults,
    reader: Reader,
    *,
    group_names: Mapping[str, str],
    evaluation_name: str,
    comments: Sequence[CommentLine] = (),
) -> bytes:
    return xlsx_bytes(
        workbook_tables(
            results,
            reader,
            group_names=group_names,
            evaluation_name=evaluation_name,
            comments=comments,
        )
    )


def to_csv(
    results: SatisfactionResults,
    reader: Reader,
    *,
    group_names: Mapping[str, str],
    table: TableName = "units",
) -> str:
    """One table as CSV text (the caller adds the byte-order mark when writing a file)."""
    chosen = (
        units_table(results, reader, group_names)
        if table == "units"
        else cells_table(results, reader, group_names)
    )
    return csv_text(chosen)


WEIGHT_COLUMNS: tuple[tuple[str, str | None], ...] = (
    (N_("Respondent"), None),
    (N_("Respondent group"), None),
    (N_("Weighting cell"), None),
    (N_("Stratum"), None),
    (N_("PSU"), None),
    (N_("Design weight"), None),
    (N_("Raking factor"), None),
    (N_("Final weight"), None),
)


def weights_table(
    weights: Sequence[ResponseWeight], reader: Reader, group_names: Mapping[str, str]
) -> Table:
    """Each counted respondent's design weight, raking factor and final weight, in full
    precision (no rounding format: the weights are inputs to other analyses)."""
    rows: list[Sequence[Value]] = [
        [
            w.respondent,
            group_names.get(w.group, w.group),
            w.cell,
            w.stratum,
            w.psu,
            w.design_weight,
            w.raking_factor,
            w.final_weight,
        ]
        for w in weights
    ]
    return Table(reader.words(N_("Weights")), _columns(reader, WEIGHT_COLUMNS), rows)


def weights_csv(
    weights: Sequence[ResponseWeight], reader: Reader, group_names: Mapping[str, str]
) -> str:
    return csv_text(weights_table(weights, reader, group_names))


def weights_xlsx(
    weights: Sequence[ResponseWeight], reader: Reader, group_names: Mapping[str, str]
) -> bytes:
    return xlsx_bytes([weights_table(weights, reader, group_names)])
