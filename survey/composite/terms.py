"""The words for the composite computation: methods, parameters, formulas, periods, reasons.

Scoring speaks in codes (``target_completion``, ``full_points``, ``value_missing``) and in
formulas written for engineers. A page speaks to the office in its language: each code here
maps to a message id marked with ``N_``, which the web layer translates. An unknown code is
shown as it is, so that a new method still renders, and the tests that read the Chinese
pages for English words catch it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from survey.errors import N_, Message

METHODS: dict[str, str] = {
    "target_completion": N_("target completion"),
    "efficacy_coefficient": N_("efficacy coefficient"),
    "min_max": N_("min-max normalisation"),
    "z_score": N_("standard score"),
    "rank_points": N_("points by rank"),
    "benchmark": N_("benchmark comparison"),
    "scale_speed_quality": N_("scale, speed and quality"),
    "period_weights": N_("weighted periods"),
    "growth_rate": N_("growth rate"),
    "bonus_deduction": N_("bonus and deduction"),
    "tier_coefficient": N_("tier coefficient"),
}

# Parameters, inputs and intermediate values of the explanations, by their key.
TERMS: dict[str, str] = {
    "full_points": N_("full points"),
    "cap": N_("cap"),
    "direction": N_("direction"),
    "nonpositive_target": N_("target at or below zero"),
    "base": N_("base"),
    "span": N_("span"),
    "satisfactory": N_("satisfactory value"),
    "unsatisfactory": N_("unsatisfactory value"),
    "zero_range": N_("all values equal"),
    "bounds_source": N_("bounds from"),
    "low": N_("low bound"),
    "high": N_("high bound"),
    "min_points": N_("minimum points"),
    "center": N_("centre"),
    "spread": N_("points per standard deviation"),
    "clip_low": N_("lowest score"),
    "clip_high": N_("highest score"),
    "scale_max": N_("top of the scale"),
    "ddof": N_("degrees of freedom removed"),
    "zero_spread": N_("no spread"),
    "mean": N_("mean"),
    "sd": N_("standard deviation"),
    "n_values": N_("units with a value"),
    "table": N_("points table"),
    "beyond_table": N_("points past the table"),
    "ties": N_("ties"),
    "mode": N_("rule"),
    "zero_at": N_("zero point"),
    "weights": N_("weights"),
    "rule": N_("rule"),
    "thresholds": N_("thresholds"),
    "tiers": N_("tiers"),
    "missing_rule": N_("missing periods"),
    "periods": N_("periods"),
    "bonus_total_max": N_("most bonus in all"),
    "deduction_total_min": N_("most deduction in all"),
    "total_bounds": N_("bounds of the net points"),
    "value": N_("value"),
    "target": N_("target"),
    "benchmark": N_("benchmark"),
    "rank": N_("rank"),
    "tie_size": N_("units tied"),
    "n_ranked": N_("units ranked"),
    "scores": N_("points per period"),
    "current": N_("current value"),
    "previous": N_("previous value"),
    "measure": N_("measure"),
    "completion": N_("completion ratio"),
    "efficacy": N_("efficacy"),
    "normalised": N_("normalised value"),
    "transformed_z": N_("transformed standard score"),
    "share_of_full": N_("share of full points"),
    "weighted_share": N_("weighted share"),
    "scale": N_("scale"),
    "speed": N_("speed"),
    "quality": N_("quality"),
    "coefficient": N_("coefficient"),
    "score": N_("satisfaction score"),
    "rate": N_("satisfaction rate"),
}

# Values that are codes: directions, rules and choices.
VALUES: dict[str, str] = {
    "higher": N_("higher is better"),
    "lower": N_("lower is better"),
    "nan": N_("no points"),
    "binary": N_("full points if reached, else 0"),
    "full": N_("full points"),
    "center": N_("the centre score"),
    "min": N_("the best rank's points"),
    "average": N_("the mean points of the positions"),
    "proportional": N_("in proportion"),
    "linear": N_("linear from the zero point"),
    "renormalise": N_("dropped, the other weights renormalised"),
    "zero": N_("counted as 0"),
    "propagate": N_("no total"),
    "abs": N_("divided by the absolute previous value"),
    "share": N_("share of the category total"),
    "weighted": N_("weighted"),
    "weights": N_("by weights"),
    "points": N_("by points"),
    "sum": N_("sum of the months"),
    "ignore": N_("missing months left out"),
    "include": N_("included"),
    "exclude": N_("excluded"),
}

# One part of a bounds_source such as "low category min, high category max".
_BOUND_SOURCES: dict[str, str] = {
    "low category min": N_("low bound: the category's lowest value"),
    "low category max": N_("low bound: the category's highest value"),
    "low given": N_("low bound: set by the scheme"),
    "high category max": N_("high bound: the category's highest value"),
    "high category min": N_("high bound: the category's lowest value"),
    "high given": N_("high bound: set by the scheme"),
    "satisfactory category max": N_("satisfactory value: the category's highest value"),
    "satisfactory category min": N_("satisfactory value: the category's lowest value"),
    "satisfactory given": N_("satisfactory value: set by the scheme"),
    "unsatisfactory category min": N_("unsatisfactory value: the category's lowest value"),
    "unsatisfactory category max": N_("unsatisfactory value: the category's highest value"),
    "unsatisfactory given": N_("unsatisfactory value: set by the scheme"),
}

# Periods that indicator data use besides the evaluation's own periods.
_PERIODS: dict[str, str] = {
    "year": N_("the year"),
    "H1": N_("first half"),
    "H2": N_("second half"),
    "Q1-Q2": N_("first half"),
    "Q1-Q3": N_("first three quarters"),
    "Q1-Q4": N_("the year"),
    "Q1": N_("first quarter"),
    "Q2": N_("second quarter"),
    "Q3": N_("third quarter"),
    "Q4": N_("fourth quarter"),
}
_MONTH = re.compile(r"M(0?[1-9]|1[0-2])$")

# Why a number is missing: the reason codes of scoring and their words.
REASONS: dict[str, str] = {
    "value_missing": N_("value missing"),
    "target_missing": N_("target missing"),
    "target_not_positive": N_("target at or below zero"),
    "benchmark_missing": N_("benchmark missing"),
    "benchmark_not_positive": N_("benchmark at or below zero"),
    "no_range": N_("all units have the same value"),
    "no_spread": N_("no spread between the units"),
    "undefined": N_("not defined"),
    "scale_missing": N_("scale points missing"),
    "speed_missing": N_("speed points missing"),
    "quality_missing": N_("quality points missing"),
    "current_or_previous_missing": N_("current or previous value missing"),
    "previous_zero": N_("previous value is 0"),
    "previous_negative": N_("previous value below 0"),
    "every_period_missing": N_("every period missing"),
    "no_month_present": N_("no month has a value"),
    "month_missing": N_("a month is missing"),
    "category_total_not_positive": N_("category total at or below zero"),
    "score_missing": N_("points missing"),
    "every_child_missing": N_("every part missing"),
    "coefficient_missing": N_("coefficient missing"),
    "no_total": N_("no total"),
    "not_ranked": N_("not ranked"),
    "not_graded": N_("no grade"),
    "interview_bottom": N_("among the bottom of the category"),
    "interview_fell": N_("fell by the interview rule's number of places"),
    "indicator_worsened": N_("worse than the allowed change"),
    "beyond_warning_level": N_("beyond the warning level"),
    "drop_rule_not_checked": N_("the change could not be checked"),
    "threshold_rule_not_checked": N_("the warning level could not be checked"),
}


def _known(catalogue: Mapping[str, str], key: object) -> Message | str:
    text = str(key)
    return Message(catalogue[text]) if text in catalogue else text


def method_name(code: str) -> Message | str:
    return _known(METHODS, code)


def term(key: str) -> Message | str:
    return _known(TERMS, key)


def value_word(value: object) -> Message | str:
    """A parameter's value in words where it is a code; numbers and text stay as they are."""
    if isinstance(value, str):
        if value in VALUES:
            return Message(VALUES[value])
        parts = [p.strip() for p in value.split(",")]
        if parts and all(p in _BOUND_SOURCES for p in parts):
            return Message(
                N_("%(first)s; %(second)s") if len(parts) == 2 else N_("%(first)s"),
                {"first": Message(_BOUND_SOURCES[parts[0]]), "second": _second(parts)},
            )
    return value if isinstance(value, str) else str(value)


def _second(parts: list[str]) -> Message | str:
    return Message(_BOUND_SOURCES[parts[1]]) if len(parts) > 1 else ""


def reason(code: str) -> Message | str:
    """A reason code (or a path ending in one, ``node: code``) in words."""
    return _known(REASONS, code.rsplit(": ", 1)[-1]) if code else ""


def period_label(code: str, names: Mapping[str, str] | None = None) -> Message | str:
    """The evaluation's own name for a period, else the usual cumulative periods in words."""
    if names and code in names:
        return names[code]
    if code in _PERIODS:
        return Message(_PERIODS[code])
    month = _MONTH.match(code)
    if month:
        return Message(N_("month %(month)s"), {"month": int(month.group(1))})
    return code


def formula(detail: Mapping[str, Any]) -> Message | str:
    """How the explanation's method turns its inputs into points, in words and symbols."""
    method = str(detail.get("method", ""))
    params: Mapping[str, Any] = detail.get("parameters") or {}
    direction = str(params.get("direction", detail.get("direction", "higher")))
    lower = direction == "lower"
    if method == "target_completion":
        main = (
            N_("points = full points × clip(target ÷ value, 0, cap)")
            if lower
            else N_("points = full points × clip(value ÷ target, 0, cap)")
        )
        rest = (
            N_("a target at or below zero gives no points")
            if params.get("nonpositive_target", "nan") == "nan"
            else N_("a target at or below zero gives full points if reached, else 0")
        )
        return _joined(main, rest)
    if method == "efficacy_coefficient":
        return Message(
            N_(
                "efficacy = base + span × clip((value − unsatisfactory value) ÷ "
                "(satisfactory value − unsatisfactory value), 0, 1); "
                "points = full points × efficacy ÷ (base + span)"
            )
        )
    if method == "min_max":
        return Message(
            N_(
                "normalised = clip((high bound − value) ÷ (high bound − low bound), 0, 1); "
                "points = minimum points + (full points − minimum points) × normalised"
            )
            if lower
            else N_(
                "normalised = clip((value − low bound) ÷ (high bound − low bound), 0, 1); "
                "points = minimum points + (full points − minimum points) × normalised"
            )
        )
    if method == "z_score":
        return Message(
            N_(
                "z = (mean − value) ÷ standard deviation; score = clip(centre + points per "
                "standard deviation × z, lowest score, highest score); "
                "points = full points × score ÷ top of the scale"
            )
            if lower
            else N_(
                "z = (value − mean) ÷ standard deviation; score = clip(centre + points per "
                "standard deviation × z, lowest score, highest score); "
                "points = full points × score ÷ top of the scale"
            )
        )
    if method == "rank_points":
        main = (
            N_("competition ranks (1224), 1 = best; points from the points table by rank")
            if params.get("table")
            else N_(
                "competition ranks (1224), 1 = best; points = full points − (full points − "
                "minimum points) × (rank − 1) ÷ (units ranked − 1)"
            )
        )
        rest = (
            N_("tied units share the best rank's points")
            if params.get("ties", "min") == "min"
            else N_("tied units get the mean points of the positions they occupy")
        )
        return _joined(main, rest)
    if method == "benchmark":
        return Message(_BENCHMARK[(params.get("mode") == "linear", lower)])
    return _other_formula(method, detail)


_BENCHMARK: dict[tuple[bool, bool], str] = {
    (False, False): N_(
        "points = full points × (1 if the benchmark is reached, else value ÷ benchmark)"
    ),
    (False, True): N_(
        "points = full points × (1 if the benchmark is reached, else benchmark ÷ value)"
    ),
    (True, False): N_(
        "points = full points × clip((value − zero point) ÷ (benchmark − zero point), 0, 1)"
    ),
    (True, True): N_(
        "points = full points × clip((zero point − value) ÷ (zero point − benchmark), 0, 1)"
    ),
}


def _other_formula(method: str, detail: Mapping[str, Any]) -> Message | str:
    params: Mapping[str, Any] = detail.get("parameters") or {}
    if method == "scale_speed_quality":
        return Message(
            N_(
                "points = full points × Σ weight × part points ÷ part full points "
                "(parts: scale, speed, quality)"
            )
        )
    if method == "period_weights":
        rest = (
            N_("missing periods count as 0")
            if params.get("missing_rule") == "zero"
            else N_("missing periods are dropped and the other weights renormalised")
        )
        return _joined(N_("total = Σ weight × period points ÷ Σ weight"), rest)
    if method == "growth_rate":
        return Message(
            N_("growth = (current value − previous value) ÷ |previous value|")
            if params.get("rule") == "abs"
            else N_(
                "growth = (current value − previous value) ÷ previous value; "
                "none when the previous value is at or below zero"
            )
        )
    if method == "bonus_deduction":
        return Message(
            N_(
                "each item bounded to its range; bonus = min(sum of the positive items, most "
                "bonus in all); deduction = max(sum of the negative items, most deduction in "
                "all); net = clip(bonus + deduction, bounds of the net points)"
            )
        )
    if method == "tier_coefficient":
        return Message(
            N_(
                "the tier is found from the thresholds on the measure; coefficient = base + "
                "the tier's value − the first tier's value"
            )
        )
    return str(detail.get("formula", ""))


def _joined(main: str, rest: str) -> Message:
    return Message(N_("%(main)s; %(rest)s"), {"main": Message(main), "rest": Message(rest)})


@dataclass(frozen=True)
class Label:
    """A code's name as the scheme gives it; ``part`` names the part of an indicator (scale,
    speed, quality, coefficient) whose data series the code is."""

    name: str
    name_en: str = ""
    part: str = ""


def scheme_labels(definitions: Iterable[Mapping[str, Any]]) -> dict[str, Label]:
    """Code -> label of every block, indicator, adjustment item and data series in the schemes.

    Data series (the ``indicator`` of a source, a coefficient or a warning) have no name of
    their own: they take the name of the scheme indicator they feed, with the part they are.
    """
    labels: dict[str, Label] = {}
    series: dict[str, Label] = {}

    def named(node: Mapping[str, Any]) -> Label:
        return Label(str(node.get("name") or node.get("code")), str(node.get("name_en") or ""))

    def feeds(source: object, label: Label) -> None:
        if isinstance(source, Mapping) and source.get("indicator"):
            series.setdefault(str(source["indicator"]), label)

    def walk(node: Mapping[str, Any]) -> None:
        for key in ("blocks", "indicators", "adjustments", "items"):
            for child in node.get(key) or []:
                if not isinstance(child, Mapping) or not child.get("code"):
                    continue
                label = named(child)
                labels.setdefault(str(child["code"]), label)
                feeds(child.get("source"), label)
                for part, spec in (child.get("parts") or {}).items():
                    if isinstance(spec, Mapping):
                        feeds(spec.get("source"), Label(label.name, label.name_en, str(part)))
                coefficient = child.get("coefficient")
                feeds(coefficient, Label(label.name, label.name_en, "coefficient"))
                walk(child)

    for definition in definitions:
        walk(definition)
    for code, label in series.items():
        labels.setdefault(code, label)
    return labels
