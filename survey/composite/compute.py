"""Computing an evaluation's composite results, category by category, from its current schemes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from scoring import GradeRule, Reason, SchemeResult, evaluate_scheme
from survey.composite import ranking, reasons, snapshots
from survey.composite import scheme as schemes
from survey.composite.category_data import CategoryData
from survey.composite.collector import collector_paused
from survey.composite.differentiation import check_differentiation
from survey.composite.evaluation_data import Inputs, load_inputs
from survey.composite.explain import annotate
from survey.composite.json_values import dedupe, finite_or_none, int_or_none, json_safe
from survey.composite.models import CompositeScheme
from survey.composite.schemas import (
    CategoryComposite,
    DifferentiationReport,
    SchemeSpec,
    UnitComposite,
)
from survey.errors import N_, Invalid
from survey.models import Evaluation, Unit, UnitCategory

NAN = math.nan


@dataclass
class CategoryRun:
    """One category computed: its tree, the library's result and every unit's result."""

    category: UnitCategory
    scheme: CompositeScheme
    spec: SchemeSpec
    members: list[Unit]
    built: schemes.BuiltScheme
    result: SchemeResult
    notes: list[Reason]
    units: list[UnitComposite]
    rank_rule: str
    grade_rule: GradeRule
    grade_counts: dict[str, int]
    grade_caps: dict[str, int | None]
    interview_rule: str
    progress_rule: str

    def summary(self) -> CategoryComposite:
        return CategoryComposite(
            category=self.category.code,
            name=self.category.name,
            name_en=self.category.name_en,
            scheme_version=self.scheme.version,
            title=self.spec.title,
            units=len(self.members),
            units_ranked=sum(1 for u in self.units if u.rank is not None),
            max_total=self.built.max_points,
            rank_rule=self.rank_rule,
            grade_rule=self.grade_rule.description,
            grade_counts=self.grade_counts,
            grade_caps=self.grade_caps,
            interview_rule=self.interview_rule,
            progress_rule=self.progress_rule,
            notes=[reasons.reason_public(r) for r in dedupe(self.notes)],
        )

    def explanation(self, index: int, evaluation_id: int) -> dict[str, Any]:
        tree = self.result.explain(index)
        annotate(tree, self.built, index)
        unit = self.units[index]
        explained: dict[str, Any] = json_safe(
            {
                "evaluation_id": evaluation_id,
                "unit": unit.unit,
                "unit_name": unit.unit_name,
                "unit_name_en": unit.unit_name_en,
                "category": self.category.code,
                "scheme_version": self.scheme.version,
                "total": float(self.result.total[index]),
                "tree": tree,
                "result": unit.model_dump(mode="json"),
                "rules": {
                    "rank": self.rank_rule,
                    "grade": self.grade_rule.description,
                    "interview": self.interview_rule,
                    "progress_award": self.progress_rule,
                    "decimals": self.spec.ranking.decimals,
                },
            }
        )
        return explained


def _library_call(category: str, work: Any) -> Any:
    try:
        return work()
    except ValueError as error:
        raise Invalid(
            N_("The scheme of the category %(category)s cannot be computed: %(problem)s"),
            field=category,
            category=category,
            problem=str(error),
        ) from None


def _run_category(
    session: Session,
    inputs: Inputs,
    category: UnitCategory,
    row: CompositeScheme,
    spec: SchemeSpec,
    previous_ranks: Mapping[str, int | None] | None,
) -> CategoryRun | None:
    """One category whole; the library's reasons become its notes. None when it has no units."""
    members = inputs.members.get(category.id or -1, [])
    if not members:
        return None
    notes: list[Reason] = []
    data = CategoryData(session, inputs, category, members, notes)
    codes = [u.code for u in members]
    built = _library_call(category.code, lambda: schemes.build_tree(spec, data))
    result: SchemeResult = _library_call(
        category.code,
        lambda: evaluate_scheme(built.root, units=codes, missing=spec.missing, warn=False),
    )
    outcome = _library_call(
        category.code,
        lambda: ranking.rank_and_flag(spec, data, result, codes, previous_ranks),
    )
    ranks, grades, change, listed, awards, flags, rule = outcome
    notes.extend([*result.reasons, *ranks.reasons, *grades.reasons])
    units = _unit_results(
        category, row, members, built, result, (ranks, grades, change, listed, awards, flags)
    )
    grade_rule = grades.rule
    return CategoryRun(
        category=category,
        scheme=row,
        spec=spec,
        members=members,
        built=built,
        result=result,
        notes=notes,
        units=units,
        rank_rule=rule,
        grade_rule=grade_rule,
        grade_counts=dict(grades.counts),
        grade_caps=dict(grades.caps),
        interview_rule=ranking.interview_rule(spec),
        progress_rule=ranking.progress_rule(spec),
    )


def _unit_results(
    category: UnitCategory,
    row: CompositeScheme,
    members: list[Unit],
    built: schemes.BuiltScheme,
    result: SchemeResult,
    outcome: tuple[Any, Any, tuple[Any, Any, list[str]], Any, set[str], list[list[Any]]],
) -> list[UnitComposite]:
    """Each unit's result: total, top blocks, rank, grade, rank change and flags."""
    ranked, grades, change, listed, awards, flags = outcome
    # Plain Python numbers first (one conversion per array, not per unit), then pydantic's
    # validator, which at 2,000 units is several times faster than model_construct.
    totals = np.asarray(result.total, dtype=np.float64).tolist()
    blocks = [
        (code, name, name_en, top, np.asarray(result.subtotals[path], dtype=np.float64).tolist())
        for path, code, name, name_en, top in built.top_blocks
    ]
    ranks = np.asarray(ranked.rank, dtype=np.float64).tolist()
    before = np.asarray(change[0], dtype=np.float64).tolist()
    moves = np.asarray(change[1], dtype=np.float64).tolist()
    bottom = np.asarray(listed.bottom, dtype=bool).tolist()
    fell = np.asarray(listed.fell, dtype=bool).tolist()
    units: list[UnitComposite] = []
    for i, unit in enumerate(members):
        total = finite_or_none(totals[i])
        units.append(
            UnitComposite.model_validate(
                {
                    "unit": unit.code,
                    "unit_name": unit.name,
                    "unit_name_en": unit.name_en,
                    "category": category.code,
                    "scheme_version": row.version,
                    "total": total,
                    "blocks": [
                        {
                            "code": code,
                            "name": name,
                            "name_en": name_en,
                            "value": finite_or_none(values[i]),
                            "max_points": top,
                        }
                        for code, name, name_en, top, values in blocks
                    ],
                    "rank": int_or_none(ranks[i]),
                    "grade": str(grades.grade[i]) or None,
                    "demoted_from": str(grades.demoted_from[i]) or None,
                    "previous_rank": int_or_none(before[i]),
                    "rank_change": int_or_none(moves[i]),
                    "rank_change_status": change[2][i],
                    "flags": {
                        "interview": bottom[i] or fell[i],
                        "interview_bottom": bottom[i],
                        "interview_fell": fell[i],
                        "progress_award": unit.code in awards,
                        "warnings": flags[i],
                    },
                    "not_scored": None
                    if total is not None
                    else (str(result.reason[i]) or "no_total"),
                    "sensitivity": None,
                }
            )
        )
    return units


@dataclass
class Computation:
    """The computed categories of an evaluation with its differentiation checks."""

    evaluation: Evaluation
    runs: list[CategoryRun]
    differentiation: list[DifferentiationReport]
    notes: list[Reason]


def compute(
    session: Session,
    evaluation: Evaluation,
    *,
    only: set[str] | None = None,
    with_history: bool = True,
) -> Computation:
    """Every category\'s results (or those in ``only``), from the current schemes.

    ``with_history`` compares ranks with the previous evaluation (its snapshot, or computed).
    """
    with collector_paused():
        return _compute_paused(session, evaluation, only=only, with_history=with_history)


def _compute_paused(
    session: Session,
    evaluation: Evaluation,
    *,
    only: set[str] | None,
    with_history: bool,
) -> Computation:
    assert evaluation.id is not None
    current = schemes.current_schemes(session, evaluation.id)
    categories = {
        c.id: c
        for c in session.exec(
            select(UnitCategory).order_by(col(UnitCategory.sort_order), col(UnitCategory.code))
        )
        if c.id is not None
    }
    specs = {cid: schemes.spec_of(row) for cid, row in current.items()}
    keys = {
        (source.period, source.question)
        for cid, spec in specs.items()
        if only is None or categories[cid].code in only
        for _, source in schemes.satisfaction_sources(spec)
    }
    inputs = load_inputs(
        session,
        evaluation,
        keys,
        None if only is None else [cid for cid, c in categories.items() if c.code in only],
    )
    reports = check_differentiation(inputs, specs, categories)
    notes: list[Reason] = []
    wanted = [
        c for cid, c in categories.items() if cid in current and (only is None or c.code in only)
    ]
    history = (
        _previous_ranks(session, evaluation, {c.code for c in wanted}) if with_history else None
    )
    runs: list[CategoryRun] = []
    for category in wanted:
        assert category.id is not None
        previous = history.get(category.code) if history is not None else None
        if history is not None and previous is None:
            previous = {}
        run = _run_category(
            session, inputs, category, current[category.id], specs[category.id], previous
        )
        if run is not None:
            runs.append(run)
    missing = [c.code for cid, c in categories.items() if cid not in current]
    if missing and only is None:
        notes.append(Reason("no_scheme", categories=", ".join(missing)))
    return Computation(evaluation=evaluation, runs=runs, differentiation=reports, notes=notes)


def _previous_ranks(
    session: Session, evaluation: Evaluation, categories: set[str]
) -> dict[str, dict[str, int | None]] | None:
    """Category -> unit code -> rank in the previous evaluation (None: no previous one)."""
    if evaluation.previous_id is None:
        return None
    previous = session.get(Evaluation, evaluation.previous_id)
    if previous is None or previous.id is None:
        return None
    out: dict[str, dict[str, int | None]] = defaultdict(dict)
    snapshot = snapshots.snapshot_of(session, previous.id)
    if snapshot is not None:
        for unit_row in snapshots.snapshot_units(session, snapshot):
            result = unit_row.result
            if result.get("category") in categories:
                out[str(result["category"])][unit_row.unit_code] = result.get("rank")
        return dict(out)
    computed = compute(session, previous, only=categories, with_history=False)
    for run in computed.runs:
        for unit in run.units:
            out[run.category.code][unit.unit] = unit.rank
    return dict(out)
