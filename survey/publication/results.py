"""The published results of an evaluation, computed on a session that holds frozen inputs.

What a version publishes: satisfaction as the public sees it (small cells suppressed), the
composite results when the evaluation has schemes, an overall figure and the open data (n and
answers per level for every unit, group and question, cells under the suppression threshold
left blank).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from survey.composite.compute import Computation, compute
from survey.composite.models import CompositeScheme
from survey.composite.reasons import reason_public
from survey.models import Evaluation, RespondentGroup, Unit, UnitCategory
from survey.satisfaction.frozen import FrozenCounts
from survey.satisfaction.policy import current_version, settings_of
from survey.satisfaction.service import satisfaction_results


@dataclass
class Computed:
    """A version's results as JSON-ready data, and the composite computation behind them."""

    results: dict[str, Any]
    composite: Computation | None


def compute_results(session: Session, evaluation: Evaluation, counts: FrozenCounts) -> Computed:
    """Every published figure, from the session's inputs and ``counts`` (already in force)."""
    assert evaluation.id is not None
    satisfaction = satisfaction_results(
        session, evaluation.id, viewer=None, rank_intervals=False
    ).model_dump(mode="json")
    computation: Computation | None = None
    composite: dict[str, Any] | None = None
    has_schemes = session.exec(
        select(CompositeScheme.id).where(CompositeScheme.evaluation_id == evaluation.id).limit(1)
    ).first()
    if has_schemes is not None:
        computation = compute(session, evaluation)
        if computation.runs:
            composite = {
                "scheme_versions": {r.category.code: r.scheme.version for r in computation.runs},
                "categories": [r.summary().model_dump(mode="json") for r in computation.runs],
                "units": [u.model_dump(mode="json") for r in computation.runs for u in r.units],
                "differentiation": [d.model_dump(mode="json") for d in computation.differentiation],
                "notes": [reason_public(r).model_dump(mode="json") for r in computation.notes],
            }
        else:
            computation = None
    scored = [u["score"] for u in satisfaction["units"] if u["score"] is not None]
    overall = {
        "units_scored": len(scored),
        "units": len(satisfaction["units"]),
        "mean_score": sum(scored) / len(scored) if scored else None,
        "respondents_valid": sum(u["n_valid"] for u in satisfaction["units"]),
    }
    results = {
        "satisfaction": satisfaction,
        "composite": composite,
        "overall": overall,
        "open_data": open_data(session, evaluation.id, counts),
    }
    return Computed(results=results, composite=computation)


def open_data(session: Session, evaluation_id: int, counts: FrozenCounts) -> dict[str, Any]:
    """Answers per level for every unit x group x question; small cells left blank."""
    settings = settings_of(current_version(session, evaluation_id))
    threshold = settings.suppression_threshold
    units = {u.id: u for u in session.exec(select(Unit))}
    categories = {c.id: c for c in session.exec(select(UnitCategory))}
    groups = {g.id: g for g in session.exec(select(RespondentGroup))}
    levels = [lv.code for lv in settings.level_scores]
    if settings.dont_know_code:
        levels.append(settings.dont_know_code)
    cells: dict[tuple[int, int, str], dict[str, int]] = defaultdict(dict)
    for _, _, unit_id, group_id, question, level, _, n in counts.answers:
        if level is None:
            continue
        cell = cells[(unit_id, group_id, question)]
        cell[level] = cell.get(level, 0) + n
        if level not in levels:
            levels.append(level)
    rows: list[dict[str, Any]] = []
    keys: list[tuple[int, str, int, str, str]] = []
    for (unit_id, group_id, question), by_level in cells.items():
        unit, group = units.get(unit_id), groups.get(group_id)
        if unit is None or group is None:
            continue
        category = categories.get(unit.category_id)
        n = sum(by_level.values())
        hidden = n < threshold
        rows.append(
            {
                "unit": unit.code,
                "unit_name": unit.name,
                "unit_name_en": unit.name_en,
                "category": category.code if category else "",
                "group": group.code,
                "group_name": group.name,
                "group_name_en": group.name_en,
                "question": question,
                "n": None if hidden else n,
                "levels": {lv: None if hidden else by_level.get(lv, 0) for lv in levels},
                "suppressed": hidden,
            }
        )
        keys.append((unit.sort_order, unit.code, group.sort_order, group.code, question))
    rows = [row for _, row in sorted(zip(keys, rows, strict=True), key=lambda pair: pair[0])]
    return {"threshold": threshold, "levels": levels, "rows": rows}
