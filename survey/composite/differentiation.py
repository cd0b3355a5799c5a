"""Taixing's differentiation rule: lead departments must spread their qualitative scores."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from scoring import DifferentiationCheck, differentiation_check
from survey.composite.evaluation_data import Inputs, Penalty
from survey.composite.schemas import DifferentiationReport, SchemeSpec
from survey.models import UnitCategory


def check_differentiation(
    inputs: Inputs,
    specs: Mapping[int, SchemeSpec],
    categories: Mapping[int, UnitCategory],
) -> list[DifferentiationReport]:
    """Taixing's rule per lead department, category and item; penalties into ``inputs``."""
    grouped = _scores_by_lead(inputs, specs)
    units_by_id = {u.id: u for u in inputs.units}
    deducting = {cid for cid, spec in specs.items() if deducts_penalty(spec)}
    penalised_by_own_scheme = {u.id for u in inputs.units if u.category_id in deducting}
    reports: list[DifferentiationReport] = []
    worst: dict[tuple[int, int], float] = {}
    for (lead, category_id, item), scored in sorted(
        grouped.items(), key=lambda kv: (inputs.unit_codes.get(kv[0][0], ""), kv[0][1], kv[0][2])
    ):
        rule = specs[category_id].differentiation
        assert rule is not None
        check = differentiation_check(
            [s for _, s in scored],
            units=[u for u, _ in scored],
            high=rule.high,
            max_high_share=rule.max_high_share,
            low=rule.low,
            min_low_share=rule.min_low_share,
            full_marks=rule.full_marks,
            forbid_full_marks=rule.forbid_full_marks,
            penalty_points=rule.penalty,
        )
        applied = lead in penalised_by_own_scheme and not check.passed
        if applied:
            key = (lead, category_id)
            worst[key] = max(worst.get(key, 0.0), check.penalty)
            inputs.penalties.setdefault(lead, Penalty()).details.append(
                {
                    "category": categories[category_id].code,
                    "item": item,
                    "penalty": check.penalty,
                    "violations": list(check.violations),
                }
            )
        lead_unit = units_by_id.get(lead)
        lead_names = (
            (lead_unit.code, lead_unit.name, lead_unit.name_en)
            if lead_unit
            else (str(lead), "", "")
        )
        reports.append(
            _report(check, lead_names, categories[category_id].code, item, rule.penalty, applied)
        )
    for (lead, _), amount in worst.items():
        inputs.penalties[lead].total += amount
    inputs.lowest_penalty = -math.fsum(
        spec.differentiation.penalty for spec in specs.values() if spec.differentiation
    )
    return reports


def _scores_by_lead(
    inputs: Inputs, specs: Mapping[int, SchemeSpec]
) -> dict[tuple[int, int, str], list[tuple[str, float]]]:
    """(lead department, category, item) -> (unit code, score) of the items a rule checks."""
    category_of = {u.id: u.category_id for u in inputs.units if u.active}
    grouped: dict[tuple[int, int, str], list[tuple[str, float]]] = defaultdict(list)
    for item, scores in inputs.qualitative.items():
        for unit_id, (score, lead) in scores.items():
            category_id = category_of.get(unit_id)
            if category_id is None or category_id not in specs:
                continue
            rule = specs[category_id].differentiation
            if rule is None or (rule.items and item not in rule.items):
                continue
            grouped[(lead, category_id, item)].append((inputs.unit_codes[unit_id], score))
    return grouped


def _report(
    check: DifferentiationCheck,
    lead: tuple[str, str, str],
    category: str,
    item: str,
    penalty: float,
    applied: bool,
) -> DifferentiationReport:
    code, name, name_en = lead
    return DifferentiationReport(
        lead=code,
        lead_name=name,
        lead_name_en=name_en,
        category=category,
        item=item,
        n_units=check.n_units,
        n_high=check.n_high,
        max_high=check.max_high,
        n_low=check.n_low,
        min_low=check.min_low,
        full_mark_units=list(check.full_mark_units),
        passed=check.passed,
        violations=list(check.violations),
        penalty=check.penalty,
        penalty_applied=applied,
        rule=(
            f">= {check.high:g} for at most {check.max_high_share:g} of the units, "
            f"< {check.low:g} for at least {check.min_low_share:g}"
            + (f", no score of {check.full_marks:g}" if check.forbid_full_marks else "")
            + f"; {check.rounding}; penalty {penalty:g} per category"
        ),
    )


def deducts_penalty(spec: SchemeSpec) -> bool:
    """Whether the scheme deducts the differentiation penalty somewhere in its tree."""

    def walk(blocks: Iterable[Any]) -> bool:
        return any(
            any(a.source == "differentiation_penalty" for a in b.adjustments) or walk(b.blocks)
            for b in blocks
        )

    return walk([spec])
