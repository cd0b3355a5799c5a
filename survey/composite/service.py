"""Composite results of an evaluation: totals, ranks, grades, flags, explanations, snapshots.

Each category is computed whole (ranks and category-relative methods need every unit),
from the newest scheme version, the hard-indicator values, the satisfaction results (through
``survey.satisfaction``'s service), the qualitative scores, excellence goals and bonus and
deduction entries; ``scoring.composite`` does all arithmetic. Library warnings (a missing
value, an undefined growth rate) become the category's notes rather than errors.

Publishing stores a snapshot: every unit's result and its full explanation, with the scheme
versions. A published evaluation is read back from it, so later changes of data or schemes
never alter published figures; its sensitivity analysis runs on the tree rebuilt from the
stored explanations, which gives the stored totals back exactly.
"""

from __future__ import annotations

import gc
import math
import threading
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session, col, select

from scoring import (
    GradeRule,
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    SchemeResult,
    ScoringWarning,
    assign_grades,
    combine_groups,
    composite_sensitivity,
    differentiation_check,
    early_warnings,
    evaluate_scheme,
    interview_list,
    progress_awards,
    rank_changes,
    rank_units,
    recompute,
)
from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.composite import describe
from survey.composite import scheme as schemes
from survey.composite.models import (
    CompositeAdjustment,
    CompositeScheme,
    CompositeSnapshot,
    CompositeSnapshotUnit,
    ExcellenceGoal,
    QualitativeScore,
)
from survey.composite.schemas import (
    CategoryComposite,
    CompositeResults,
    DifferentiationReport,
    SatisfactionSource,
    SchemeSpec,
    UnitComposite,
    UnitSensitivity,
    WarningFlag,
)
from survey.errors import N_, Conflict, Invalid, NotFound, NotPermitted
from survey.models import Evaluation, EvaluationStatus, Role, Unit, UnitCategory
from survey.satisfaction.scores import GroupCell, UnitScore, UnitScores, unit_scores
from survey.satisfaction.service import audience_of

Float = NDArray[np.float64]
Note = schemes.Annotation
NAN = math.nan
OFFICE = Principal(name="composite", role=Role.office)
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20261121
MAX_DRAWS = 20000


# JSON ----------------------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """Plain JSON: a missing number is the string "NaN", which ``float()`` reads back.

    Explanations keep NaN where the library has it (a missing leaf under the renormalise
    rule, say), so that ``scoring.composite.recompute`` redoes them exactly.
    """
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def _num(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _int(value: object) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# Hard-indicator values -----------------------------------------------------------------------


# One key column per row, "<length of the indicator code>:<indicator><period>": one string
# for the driver to decode instead of two, and a key that splits back whatever the codes hold.
_VALUES_QMARK = (
    "SELECT unit_id, length(indicator) || ':' || indicator || period, value, target, "
    "benchmark FROM indicator_value WHERE evaluation_id = ?"
)
# A category's computation reads its own units' values only (methods, coefficients and
# warnings are all relative to the category), so a request for some categories reads theirs.
_CATEGORY_VALUES_QMARK = (
    "SELECT v.unit_id, length(v.indicator) || ':' || v.indicator || v.period, v.value, "
    "v.target, v.benchmark FROM indicator_value v JOIN unit u ON u.id = v.unit_id "
    "WHERE v.evaluation_id = ? AND u.category_id = ?"
)
_FORMAT = ("format", "pyformat")


def _fetch_values(
    session: Session, evaluation_id: int, category_ids: Sequence[int] | None = None
) -> list[tuple[Any, ...]]:
    """The indicator values of an evaluation (or of some categories) as plain driver tuples.

    Straight from the driver's cursor: building a SQLAlchemy row for each of several hundred
    thousand values costs more than the query itself.
    """
    connection = session.connection()
    format_style = connection.dialect.paramstyle in _FORMAT
    driver: Any = connection.connection.driver_connection
    # psycopg's binary transfer decodes numbers without text parsing: about 40 % faster here.
    cursor = (
        driver.cursor(binary=True) if connection.dialect.name == "postgresql" else driver.cursor()
    )

    def run(statement: str, params: tuple[int, ...]) -> list[tuple[Any, ...]]:
        cursor.execute(statement.replace("?", "%s") if format_style else statement, params)
        return list(cursor.fetchall())

    try:
        if category_ids is None:
            return run(_VALUES_QMARK, (evaluation_id,))
        rows: list[tuple[Any, ...]] = []
        for category_id in category_ids:
            rows.extend(run(_CATEGORY_VALUES_QMARK, (evaluation_id, category_id)))
        return rows
    finally:
        cursor.close()


_PAUSE_LOCK = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a composite computation runs.

    Reading hundreds of thousands of values and building thousands of small result objects
    creates no reference cycles worth collecting, yet the allocations alone trigger
    collections, full ones among them, which scan every object the process holds: about
    0.3 s of a 1-2 s results call at city scale. Pauses nest and may overlap across threads
    (a counter, so that the first to pause decides and the last to finish resumes); the
    collector catches up when it resumes.
    """
    global _pauses, _resume
    with _PAUSE_LOCK:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def _float_column(rows: list[tuple[Any, ...]], index: int) -> Float:
    """One column of the rows as floats; a missing target or benchmark (None) becomes NaN."""
    try:
        return np.fromiter(map(itemgetter(index), rows), dtype=np.float64, count=len(rows))
    except TypeError:  # a None: numpy's array constructor reads it as NaN
        return np.array(list(map(itemgetter(index), rows)), dtype=np.float64)


def _split_key(key: str) -> tuple[str, str]:
    """(indicator, period) from the key column of ``_VALUES_QMARK``."""
    length, _, rest = key.partition(":")
    n = int(length)
    return rest[:n], rest[n:]


class _HardStore:
    """Every value of one evaluation, as arrays over all units (NaN where none)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.columns: dict[tuple[str, str], tuple[Float, Float, Float]] = {}
        self._empty = np.full(size, NAN)

    @classmethod
    def load(
        cls,
        session: Session,
        evaluation_id: int | None,
        positions: Mapping[int, int],
        category_ids: Sequence[int] | None = None,
    ) -> _HardStore:
        store = cls(len(positions))
        if evaluation_id is None or not positions:
            return store
        with _collector_paused():
            return store._fill(_fetch_values(session, evaluation_id, category_ids), positions)

    def _fill(self, rows: list[tuple[Any, ...]], positions: Mapping[int, int]) -> _HardStore:
        store = self
        if not rows:
            return store
        # Hundreds of thousands of rows at city scale: columns at once, not row by row, and
        # through C-level iteration (map, itemgetter, dict.fromkeys): no Python frame per row.
        size = len(rows)
        unit_ids = np.fromiter(map(itemgetter(0), rows), dtype=np.intp, count=size)
        lookup = np.full(max(max(positions), int(unit_ids.max())) + 1, -1, dtype=np.intp)
        for unit_id, position in positions.items():
            lookup[unit_id] = position
        at = lookup[unit_ids]
        keyed = list(map(itemgetter(1), rows))
        keys = {key: i for i, key in enumerate(dict.fromkeys(keyed))}
        code = np.fromiter(map(keys.__getitem__, keyed), dtype=np.intp, count=size)
        table_values = np.full((3, len(keys), store.size), NAN)
        known = at >= 0
        if known.all():  # the usual case: no mask to apply
            for k in range(3):
                table_values[k, code, at] = _float_column(rows, 2 + k)
        else:
            for k in range(3):
                table_values[k, code[known], at[known]] = _float_column(rows, 2 + k)[known]
        store.columns = {
            _split_key(key): (table_values[0, i], table_values[1, i], table_values[2, i])
            for key, i in keys.items()
        }
        return store

    def get(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        found = self.columns.get((indicator, period))
        if found is None:
            return self._empty, self._empty, self._empty
        return found


# Everything the categories draw on ---------------------------------------------------------------


@dataclass
class _Penalty:
    total: float = 0.0
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Inputs:
    """The evaluation's data, loaded once for all categories."""

    evaluation: Evaluation
    units: list[Unit]
    positions: dict[int, int]
    hard: _HardStore
    previous: _HardStore
    qualitative: dict[str, dict[int, tuple[float, int]]]
    excellence: dict[int, list[ExcellenceGoal]]
    adjustments: dict[int, list[CompositeAdjustment]]
    unit_codes: dict[int, str]
    members: dict[int, list[Unit]]
    satisfaction_cache: dict[tuple[str | None, str | None], UnitScores] = field(
        default_factory=dict
    )
    penalties: dict[int, _Penalty] = field(default_factory=dict)
    lowest_penalty: float = 0.0

    def satisfaction(
        self, session: Session, period: str | None, question: str | None
    ) -> UnitScores:
        key = (period, question)
        if key not in self.satisfaction_cache:
            assert self.evaluation.id is not None
            self.satisfaction_cache[key] = _satisfaction_index(
                session, self.evaluation.id, period, question, self.units
            )
        return self.satisfaction_cache[key]


def _load_inputs(
    session: Session,
    evaluation: Evaluation,
    satisfaction_keys: Iterable[tuple[str | None, str | None]] = (),
    category_ids: Sequence[int] | None = None,
) -> _Inputs:
    """Everything the categories draw on, read once."""
    assert evaluation.id is not None
    units = list(session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code))))
    positions = {u.id: k for k, u in enumerate(units) if u.id is not None}
    members: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.active:
            members[unit.category_id].append(unit)
    cache = {
        key: _satisfaction_index(session, evaluation.id, *key, units) for key in satisfaction_keys
    }
    inputs = _other_inputs(session, evaluation, units, positions, members, cache)
    inputs.hard = _HardStore.load(session, evaluation.id, positions, category_ids)
    inputs.previous = _HardStore.load(session, evaluation.previous_id, positions, category_ids)
    return inputs


def _satisfaction_index(
    session: Session,
    evaluation_id: int,
    period: str | None,
    question: str | None,
    units: list[Unit],
) -> UnitScores:
    # Scores and standard errors only: no intervals, ranks or response models are needed.
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", ScoringWarning)
        return unit_scores(session, evaluation_id, period=period, question=question, units=units)


def _other_inputs(
    session: Session,
    evaluation: Evaluation,
    units: list[Unit],
    positions: dict[int, int],
    members: dict[int, list[Unit]],
    cache: dict[tuple[str | None, str | None], UnitScores],
) -> _Inputs:
    qualitative: dict[str, dict[int, tuple[float, int]]] = defaultdict(dict)
    for row in session.exec(
        select(QualitativeScore).where(QualitativeScore.evaluation_id == evaluation.id)
    ):
        qualitative[row.item][row.unit_id] = (row.score, row.lead_unit_id)
    excellence: dict[int, list[ExcellenceGoal]] = defaultdict(list)
    for goal in session.exec(
        select(ExcellenceGoal)
        .where(ExcellenceGoal.evaluation_id == evaluation.id)
        .order_by(col(ExcellenceGoal.code))
    ):
        excellence[goal.unit_id].append(goal)
    adjustments: dict[int, list[CompositeAdjustment]] = defaultdict(list)
    for entry in session.exec(
        select(CompositeAdjustment)
        .where(CompositeAdjustment.evaluation_id == evaluation.id)
        .order_by(col(CompositeAdjustment.id))
    ):
        adjustments[entry.unit_id].append(entry)
    return _Inputs(
        evaluation=evaluation,
        units=units,
        positions=positions,
        hard=_HardStore(len(positions)),
        previous=_HardStore(len(positions)),
        qualitative=dict(qualitative),
        excellence=dict(excellence),
        adjustments=dict(adjustments),
        unit_codes={u.id: u.code for u in units if u.id is not None},
        members=members,
        satisfaction_cache=cache,
    )


class _CategoryData:
    """``scheme.SchemeData`` for the units of one category."""

    def __init__(
        self,
        session: Session,
        inputs: _Inputs,
        category: UnitCategory,
        members: list[Unit],
        notes: list[str],
    ) -> None:
        self.session = session
        self.inputs = inputs
        self.category = category
        self.members = members
        self.notes = notes
        self._pos = np.array([inputs.positions[u.id] for u in members if u.id is not None])
        self._codes = [u.code for u in members]

    @property
    def units(self) -> Sequence[str]:
        return self._codes

    def hard(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        value, target, bench = self.inputs.hard.get(indicator, period)
        return value[self._pos], target[self._pos], bench[self._pos]

    def previous(self, indicator: str, period: str) -> Float:
        values = self.inputs.previous.get(indicator, period)[0]
        return np.asarray(values[self._pos], dtype=np.float64)

    def satisfaction(self, source: SatisfactionSource) -> tuple[Float, Float, Note]:
        size = len(self.members)
        score = np.full(size, NAN)
        se = np.full(size, NAN)
        # What each unit's note will say, kept as it is until an explanation asks for it.
        found: list[UnitScore | list[dict[str, Any]] | None] = [None] * size
        index = self.inputs.satisfaction(self.session, source.period, source.question)
        if index is not None:
            weights = index.weights.get(self.category.code, {})
            chosen = list(source.groups) or [g for g, w in weights.items() if w > 0]
            for i, unit in enumerate(self._codes):
                result = index.by_unit.get(unit)
                if result is None:
                    continue
                if source.measure == "score" and not source.groups:
                    score[i] = NAN if result.score is None else result.score
                    se[i] = NAN if result.se is None else result.se
                    found[i] = result
                    continue
                value, error, used = _recombine(
                    index.cells(unit), chosen, weights, source.measure, index.min_n
                )
                score[i], se[i] = value, error
                found[i] = used
        if not source.sampling_error:
            se = np.full(size, NAN)
        se = np.where(np.isnan(score), NAN, np.nan_to_num(se))

        def note(i: int) -> dict[str, Any]:
            out: dict[str, Any] = {"type": "satisfaction", "measure": source.measure}
            entry = found[i]
            if entry is None:
                return {**out, "groups_used": [], "reason": "no satisfaction answers"}
            if isinstance(entry, UnitScore):
                return {
                    **out,
                    "score": entry.score,
                    "se": entry.se,
                    "n_valid": entry.n_valid,
                    "groups_used": [dict(g) for g in entry.groups_used],
                    "groups_dropped": [dict(g) for g in entry.groups_dropped],
                }
            return {**out, "score": _num(score[i]), "se": _num(se[i]), "groups_used": entry}

        return score, se, note

    def qualitative(self, item: str) -> tuple[Float, Note]:
        scores = self.inputs.qualitative.get(item, {})
        values = np.full(len(self.members), NAN)
        notes: list[dict[str, Any]] = []
        for i, unit in enumerate(self.members):
            found = scores.get(unit.id) if unit.id is not None else None
            if found is None:
                notes.append({"type": "qualitative", "item": item, "score": NAN, "lead": None})
                continue
            values[i] = found[0]
            notes.append(
                {
                    "type": "qualitative",
                    "item": item,
                    "score": found[0],
                    "lead": self.inputs.unit_codes.get(found[1]),
                }
            )
        return values, notes.__getitem__

    def excellence(self, bounds: tuple[float, float]) -> tuple[Float, Float, Note]:
        size = len(self.members)
        score = np.full(size, NAN)
        coefficient = np.full(size, NAN)
        notes: list[dict[str, Any]] = []
        low, high = bounds
        for i, unit in enumerate(self.members):
            goals = self.inputs.excellence.get(unit.id or -1, [])
            entries = []
            for goal in goals:
                difficulty = min(max(goal.difficulty, low), high)
                if difficulty != goal.difficulty:
                    self.notes.append(
                        f"{unit.code}: difficulty {goal.difficulty:g} of excellence goal "
                        f"{goal.code} clipped to the scheme's bounds {low:g}..{high:g}"
                    )
                entries.append(
                    {
                        "code": goal.code,
                        "title": goal.title,
                        "difficulty": difficulty,
                        "dimensions": dict(goal.dimensions),
                        "score": goal.score,
                    }
                )
            if entries:
                scores = np.array([e["score"] for e in entries], dtype=np.float64)
                factors = np.array([e["difficulty"] for e in entries], dtype=np.float64)
                score[i] = float(scores.mean())
                total = float(scores.sum())
                coefficient[i] = (
                    float((factors * scores).sum()) / total if total > 0 else float(factors.mean())
                )
            notes.append(
                {
                    "type": "excellence",
                    "goals": entries,
                    "score": _num(score[i]),
                    "difficulty": _num(coefficient[i]),
                    "rule": str(describe.EXCELLENCE_RULE),
                }
            )
        return score, coefficient, notes.__getitem__

    def adjustments(self, items: Sequence[str]) -> tuple[Float, list[list[dict[str, Any]]]]:
        column = {code: k for k, code in enumerate(items)}
        values = np.zeros((len(self.members), len(items)))
        entries: list[list[dict[str, Any]]] = []
        for i, unit in enumerate(self.members):
            listed = []
            for entry in self.inputs.adjustments.get(unit.id or -1, []):
                k = column.get(entry.item)
                if k is None:
                    self.notes.append(
                        f"{unit.code}: adjustment {entry.id} has item {entry.item!r}, which the "
                        "scheme does not list; ignored"
                    )
                    continue
                values[i, k] += entry.points
                listed.append(
                    {
                        "id": entry.id,
                        "item": entry.item,
                        "points": entry.points,
                        "reason": entry.reason,
                        "approved_by": entry.approved_by,
                        "created_by": entry.created_by,
                    }
                )
            entries.append(listed)
        return values, entries

    def penalty(self) -> tuple[Float, float, list[dict[str, Any]]]:
        values = np.zeros(len(self.members))
        reasons: list[dict[str, Any]] = []
        for i, unit in enumerate(self.members):
            found = self.inputs.penalties.get(unit.id or -1)
            if found is not None:
                values[i] = -found.total
            reasons.append({"checks": found.details if found else []})
        return values, self.inputs.lowest_penalty, reasons


def _recombine(
    cells: Mapping[str, GroupCell],
    chosen: Sequence[str],
    weights: Mapping[str, float],
    measure: str,
    min_n: int,
) -> tuple[float, float, list[dict[str, Any]]]:
    """A unit's satisfaction from some of its groups, with the category's weights."""
    groups = [g for g in chosen if weights.get(g, 0.0) > 0]
    if not groups:
        return NAN, NAN, []
    mean, se, n = [], [], []
    for g in groups:
        cell = cells.get(g)
        if cell is None:
            mean.append(NAN)
            se.append(NAN)
            n.append(0.0)
            continue
        if measure == "score":
            mean.append(NAN if cell.mean is None else cell.mean)
            se.append(NAN if cell.se is None else cell.se)
        else:
            rate = cell.satisfied_rate
            mean.append(NAN if rate is None else 100.0 * rate)
            se.append(
                NAN
                if rate is None or not cell.n_valid
                else 100.0 * math.sqrt(rate * (1 - rate) / cell.n_valid)
            )
        n.append(float(cell.n_valid))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", ScoringWarning)
        combined = combine_groups(
            np.array(mean),
            np.nan_to_num(np.array(se)),
            np.array(n),
            np.array([weights[g] for g in groups]),
            group_labels=groups,
            min_n=min_n,
        )
    used = [
        {"group": g, "weight": float(w)}
        for g, w in zip(combined.groups_used, combined.weights_used, strict=True)
    ]
    return float(combined.score), float(combined.se), used


# Differentiation -------------------------------------------------------------------------------


def _differentiation(
    inputs: _Inputs,
    specs: Mapping[int, SchemeSpec],
    categories: Mapping[int, UnitCategory],
) -> list[DifferentiationReport]:
    """Taixing's rule per lead department, category and item; penalties into ``inputs``."""
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
    units_by_id = {u.id: u for u in inputs.units}
    deducting = {cid for cid, spec in specs.items() if _deducts_penalty(spec)}
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
        lead_unit = units_by_id.get(lead)
        applied = lead in penalised_by_own_scheme and not check.passed
        if applied:
            key = (lead, category_id)
            worst[key] = max(worst.get(key, 0.0), check.penalty)
            inputs.penalties.setdefault(lead, _Penalty()).details.append(
                {
                    "category": categories[category_id].code,
                    "item": item,
                    "penalty": check.penalty,
                    "violations": list(check.violations),
                }
            )
        reports.append(
            DifferentiationReport(
                lead=lead_unit.code if lead_unit else str(lead),
                lead_name=lead_unit.name if lead_unit else "",
                lead_name_en=lead_unit.name_en if lead_unit else "",
                category=categories[category_id].code,
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
                    + f"; {check.rounding}; penalty {rule.penalty:g} per category"
                ),
            )
        )
    for (lead, _), amount in worst.items():
        inputs.penalties[lead].total += amount
    inputs.lowest_penalty = -math.fsum(
        spec.differentiation.penalty for spec in specs.values() if spec.differentiation
    )
    return reports


def _deducts_penalty(spec: SchemeSpec) -> bool:
    def walk(blocks: Iterable[Any]) -> bool:
        return any(
            any(a.source == "differentiation_penalty" for a in b.adjustments) or walk(b.blocks)
            for b in blocks
        )

    return walk([spec])


# One category ----------------------------------------------------------------------------------


@dataclass
class _Run:
    category: UnitCategory
    scheme: CompositeScheme
    spec: SchemeSpec
    members: list[Unit]
    built: schemes.BuiltScheme
    result: SchemeResult
    notes: list[str]
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
            notes=_dedupe(self.notes),
        )

    def explanation(self, index: int, evaluation_id: int) -> dict[str, Any]:
        tree = self.result.explain(index)
        _annotate(tree, self.built, index)
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


def _annotate(node: dict[str, Any], built: schemes.BuiltScheme, index: int) -> None:
    path = str(node.get("path", ""))
    if path in built.labels:
        name, name_en = built.labels[path]
        node["label"] = name
        node["label_en"] = name_en
    note = built.annotations.get(path)
    if note is not None:
        node["source"] = note(index)
    coefficient = built.annotations.get(path + "#coefficient")
    if coefficient is not None:
        node["coefficient_source"] = coefficient(index)
    for child in node.get("children", []):
        _annotate(child, built, index)


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
    inputs: _Inputs,
    category: UnitCategory,
    row: CompositeScheme,
    spec: SchemeSpec,
    previous_ranks: Mapping[str, int | None] | None,
) -> _Run | None:
    members = inputs.members.get(category.id or -1, [])
    if not members:
        return None
    notes: list[str] = []
    data = _CategoryData(session, inputs, category, members, notes)
    codes = [u.code for u in members]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = _library_call(category.code, lambda: schemes.build_tree(spec, data))
        result: SchemeResult = _library_call(
            category.code,
            lambda: evaluate_scheme(built.root, units=codes, missing=spec.missing),
        )
        outcome = _library_call(
            category.code,
            lambda: _rank_and_flag(spec, data, result, codes, previous_ranks),
        )
    notes.extend(str(w.message) for w in caught if issubclass(w.category, Warning))
    ranking, grades, change, listed, awards, flags, rule = outcome
    # Plain Python numbers first (one conversion per array, not per unit), then pydantic's
    # validator, which at 2,000 units is several times faster than model_construct.
    totals = np.asarray(result.total, dtype=np.float64).tolist()
    blocks = [
        (code, name, name_en, top, np.asarray(result.subtotals[path], dtype=np.float64).tolist())
        for path, code, name, name_en, top in built.top_blocks
    ]
    ranks = np.asarray(ranking.rank, dtype=np.float64).tolist()
    before = np.asarray(change[0], dtype=np.float64).tolist()
    moves = np.asarray(change[1], dtype=np.float64).tolist()
    bottom = np.asarray(listed.bottom, dtype=bool).tolist()
    fell = np.asarray(listed.fell, dtype=bool).tolist()
    units: list[UnitComposite] = []
    for i, unit in enumerate(members):
        total = _num(totals[i])
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
                            "value": _num(values[i]),
                            "max_points": top,
                        }
                        for code, name, name_en, top, values in blocks
                    ],
                    "rank": _int(ranks[i]),
                    "grade": str(grades.grade[i]) or None,
                    "demoted_from": str(grades.demoted_from[i]) or None,
                    "previous_rank": _int(before[i]),
                    "rank_change": _int(moves[i]),
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
                    else (str(result.reason[i]) or "no total"),
                    "sensitivity": None,
                }
            )
        )
    grade_rule = grades.rule
    return _Run(
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
        interview_rule=_interview_rule(spec),
        progress_rule=_progress_rule(spec),
    )


def _interview_rule(spec: SchemeSpec) -> str:
    # The words come from ``describe``, which the office pages translate.
    return str(describe.interview_rule(spec))


def _progress_rule(spec: SchemeSpec) -> str:
    return str(describe.progress_rule(spec))


def grade_rule_of(spec: SchemeSpec) -> GradeRule:
    g = spec.grades
    return GradeRule(
        grades=tuple(g.names),
        thresholds=tuple(g.thresholds) if g.thresholds is not None else None,
        max_shares=tuple(g.max_shares) if g.max_shares is not None else None,
    )


def _rank_and_flag(
    spec: SchemeSpec,
    data: _CategoryData,
    result: SchemeResult,
    codes: list[str],
    previous_ranks: Mapping[str, int | None] | None,
) -> tuple[Any, Any, tuple[Float, Float, list[str]], Any, set[str], list[list[WarningFlag]], str]:
    decimals = spec.ranking.decimals
    rounded = np.round(np.asarray(result.total, dtype=np.float64), decimals)
    keys = [
        (
            np.nan_to_num(
                np.asarray(result.subtotals[f"{schemes.ROOT}/{t.block}"], dtype=np.float64),
                nan=-1e300,
            ),
            t.direction,
        )
        for t in spec.ranking.tie_break
    ]
    ranking = rank_units(rounded, units=codes, tie_break=keys)
    rule = str(describe.rank_rule(spec))
    grades = assign_grades(rounded, grade_rule_of(spec), units=codes, tie_break=keys)
    size = len(codes)
    previous = np.full(size, NAN)
    change = np.full(size, NAN)
    status = ["" for _ in codes]
    change_obj = None
    if previous_ranks:
        prev_codes = list(previous_ranks)
        change_obj = rank_changes(
            ranking.rank,
            [NAN if r is None else float(r) for r in previous_ranks.values()],
            units=codes,
            previous_units=prev_codes,
        )
        previous = np.asarray(change_obj.previous_rank, dtype=np.float64)
        change = np.asarray(change_obj.change, dtype=np.float64)
        status = [str(s) for s in change_obj.status]
    else:
        status = ["new" if previous_ranks is not None else "" for _ in codes]
    interview = spec.interview
    if interview is not None:
        listed = interview_list(
            ranking.rank,
            units=codes,
            rank_change=change,
            bottom_k=interview.bottom,
            fall_places=interview.fall_places,
            boundary_ties=interview.boundary_ties,
        )
    else:
        listed = interview_list(
            ranking.rank, units=codes, rank_change=change, bottom_k=None, fall_places=None
        )
    awarded: set[str] = set()
    if spec.progress_award is not None:
        awards = progress_awards(
            change,
            units=codes,
            min_rise=spec.progress_award.min_rise,
            top_k=spec.progress_award.top_k,
            boundary_ties=spec.progress_award.boundary_ties,
        )
        awarded = set(awards.awarded)
    flags = _warnings(spec, data, codes)
    return ranking, grades, (previous, change, status), listed, awarded, flags, rule


def _warnings(spec: SchemeSpec, data: _CategoryData, codes: list[str]) -> list[list[WarningFlag]]:
    out: list[list[WarningFlag]] = [[] for _ in codes]
    rules = spec.warnings
    if not rules:
        return out
    current, previous, periods = [], [], []
    for rule in rules:
        period = rule.period or schemes.default_period(spec)
        assert period is not None
        periods.append(period)
        current.append(data.hard(rule.indicator, period)[0])
        if rule.against == "previous_evaluation":
            previous.append(data.previous(rule.indicator, period))
        else:
            previous.append(data.hard(rule.indicator, rule.against)[0])
    cur = np.stack(current, axis=1)
    prev = np.stack(previous, axis=1)
    found = early_warnings(
        cur,
        prev,
        units=codes,
        indicators=[str(k) for k in range(len(rules))],
        max_drop=[NAN if r.max_drop is None else r.max_drop for r in rules],
        thresholds=[NAN if r.threshold is None else r.threshold for r in rules],
        directions=[r.direction for r in rules],
    )
    detail = {(u, ind): text for u, ind, text in found.messages}
    for i, code in enumerate(codes):
        for k, rule in enumerate(rules):
            if not found.warned[i, k]:
                continue
            out[i].append(
                WarningFlag(
                    indicator=rule.indicator,
                    period=periods[k],
                    against=rule.against,
                    dropped=bool(found.dropped[i, k]),
                    breached=bool(found.breached[i, k]),
                    value=_num(cur[i, k]),
                    previous=_num(prev[i, k]),
                    change=_num(found.change[i, k]),
                    max_drop=rule.max_drop,
                    threshold=rule.threshold,
                    detail=detail.get((code, str(k)), ""),
                )
            )
    return out


# The whole evaluation ----------------------------------------------------------------------


@dataclass
class _Computation:
    evaluation: Evaluation
    runs: list[_Run]
    differentiation: list[DifferentiationReport]
    notes: list[str]


def _compute(
    session: Session,
    evaluation: Evaluation,
    *,
    only: set[str] | None = None,
    with_history: bool = True,
) -> _Computation:
    with _collector_paused():
        return _compute_paused(session, evaluation, only=only, with_history=with_history)


def _compute_paused(
    session: Session,
    evaluation: Evaluation,
    *,
    only: set[str] | None,
    with_history: bool,
) -> _Computation:
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
    inputs = _load_inputs(
        session,
        evaluation,
        keys,
        None if only is None else [cid for cid, c in categories.items() if c.code in only],
    )
    reports = _differentiation(inputs, specs, categories)
    notes: list[str] = []
    wanted = [
        c for cid, c in categories.items() if cid in current and (only is None or c.code in only)
    ]
    history = (
        _previous_ranks(session, evaluation, {c.code for c in wanted}) if with_history else None
    )
    runs: list[_Run] = []
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
        notes.append("no scheme for the categories " + ", ".join(missing))
    return _Computation(evaluation=evaluation, runs=runs, differentiation=reports, notes=notes)


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
    snapshot = _snapshot(session, previous.id)
    if snapshot is not None:
        for unit_row in _snapshot_units(session, snapshot):
            result = unit_row.result
            if result.get("category") in categories:
                out[str(result["category"])][unit_row.unit_code] = result.get("rank")
        return dict(out)
    computed = _compute(session, previous, only=categories, with_history=False)
    for run in computed.runs:
        for unit in run.units:
            out[run.category.code][unit.unit] = unit.rank
    return dict(out)


# Snapshots ----------------------------------------------------------------------------------


def _snapshot(session: Session, evaluation_id: int) -> CompositeSnapshot | None:
    return session.exec(
        select(CompositeSnapshot).where(CompositeSnapshot.evaluation_id == evaluation_id)
    ).first()


def _snapshot_units(session: Session, snapshot: CompositeSnapshot) -> list[CompositeSnapshotUnit]:
    return list(
        session.exec(
            select(CompositeSnapshotUnit)
            .where(CompositeSnapshotUnit.snapshot_id == snapshot.id)
            .order_by(col(CompositeSnapshotUnit.position))
        )
    )


def publish_results(
    session: Session, evaluation_id: int, actor: Principal, *, ip: str = ""
) -> CompositeResults:
    """Freeze the results: store every unit's result and explanation, mark it published."""
    evaluation = org.get_evaluation(session, evaluation_id)
    if _snapshot(session, evaluation_id) is not None:
        raise Conflict(N_("The composite results of this evaluation are already published."))
    if evaluation.status not in (EvaluationStatus.closed, EvaluationStatus.published):
        raise Conflict(N_("Close the evaluation before publishing its results."))
    computed = _compute(session, evaluation)
    if not computed.runs:
        raise Conflict(N_("The evaluation has no scheme to publish results of."))
    versions = {run.category.code: run.scheme.version for run in computed.runs}
    snapshot = CompositeSnapshot(
        evaluation_id=evaluation_id,
        published_by=actor.name,
        scheme_versions=versions,
        summary=json_safe(
            {
                "categories": [run.summary().model_dump(mode="json") for run in computed.runs],
                "differentiation": [r.model_dump(mode="json") for r in computed.differentiation],
                "notes": computed.notes,
            }
        ),
    )
    session.add(snapshot)
    session.flush()
    assert snapshot.id is not None
    position = 0
    for run in computed.runs:
        for i, unit in enumerate(run.units):
            session.add(
                CompositeSnapshotUnit(
                    snapshot_id=snapshot.id,
                    unit_code=unit.unit,
                    position=position,
                    result=json_safe(unit.model_dump(mode="json")),
                    explanation=run.explanation(i, evaluation_id),
                )
            )
            position += 1
    evaluation.status = EvaluationStatus.published
    session.add(evaluation)
    audit.record(
        session,
        actor.name,
        "composite.publish",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        scheme_versions=versions,
        units=position,
    )
    session.commit()
    return composite_results(session, evaluation_id, viewer=actor)


# Reading results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityRequest:
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if not 1 <= self.draws <= MAX_DRAWS:
            raise Invalid(
                N_("The number of draws must lie between 1 and %(max)s."),
                field="draws",
                max=MAX_DRAWS,
            )
        if not 0 <= self.seed < 2**63:
            raise Invalid(N_("The seed must be a non-negative integer."), field="seed")


def _audience(
    session: Session, evaluation: Evaluation, viewer: Principal | None
) -> tuple[str, str | None]:
    audience, own_unit_id = audience_of(session, evaluation, viewer)
    own = None
    if own_unit_id is not None:
        unit = session.get(Unit, own_unit_id)
        if unit is None:
            raise NotPermitted()
        own = unit.code
    return audience, own


def composite_results(
    session: Session,
    evaluation_id: int,
    *,
    viewer: Principal | None,
    category: str | None = None,
    sensitivity: SensitivityRequest | None = None,
) -> CompositeResults:
    """Totals, block subtotals, ranks, grades, rank changes and flags of every unit.

    A published evaluation with a snapshot is read from it (``frozen``). ``viewer`` None is
    the public, which sees published evaluations only; a unit account sees its own unit.
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    _, own = _audience(session, evaluation, viewer)
    if category is not None:
        org.category_by_code(session, category)
    snapshot = _snapshot(session, evaluation_id)
    if snapshot is not None:
        results = _frozen_results(session, evaluation, snapshot, category, sensitivity)
    else:
        computed = _compute(session, evaluation, only={category} if category else None)
        results = _live_results(computed, sensitivity)
        if category is not None:
            results.differentiation = [d for d in results.differentiation if d.category == category]
    if own is not None:
        results.units = [u for u in results.units if u.unit == own]
        shown = {u.category for u in results.units}
        results.categories = [c for c in results.categories if c.category in shown]
        results.differentiation = []
    return results


def _live_results(
    computed: _Computation, sensitivity: SensitivityRequest | None
) -> CompositeResults:
    evaluation = computed.evaluation
    assert evaluation.id is not None
    units = [u for run in computed.runs for u in run.units]
    method = None
    if sensitivity is not None:
        method = _apply_sensitivity(
            [(run.category, run.spec, run.result, run.units) for run in computed.runs],
            sensitivity,
        )
    return CompositeResults(
        evaluation_id=evaluation.id,
        evaluation_status=evaluation.status,
        frozen=False,
        published_at=None,
        scheme_versions={run.category.code: run.scheme.version for run in computed.runs},
        categories=[run.summary() for run in computed.runs],
        units=units,
        differentiation=computed.differentiation,
        notes=computed.notes,
        sensitivity_method=method,
    )


def _apply_sensitivity(
    items: Sequence[tuple[UnitCategory, SchemeSpec, SchemeResult, list[UnitComposite]]],
    request: SensitivityRequest,
) -> str:
    methods: list[str] = []
    for category, spec, result, units in items:
        assert category.id is not None
        rule = grade_rule_of(spec)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            found = composite_sensitivity(
                result,
                categories=[category.code],
                n_draws=request.draws,
                weight_band=spec.sensitivity.weight_band,
                sampling_error=True,
                grade_rule=rule,
                robust_level=spec.sensitivity.robust_level,
                seed=np.random.default_rng([request.seed, category.id]),
            )
        methods.append(f"{category.code}: {found.method}")
        for i, unit in enumerate(units):
            probabilities = found.grade_probabilities[i]
            unit.sensitivity = UnitSensitivity(
                median_rank=_num(found.median_rank[i]),
                rank_low=_num(found.rank_low[i]),
                rank_high=_num(found.rank_high[i]),
                grade_probabilities={
                    g: float(p)
                    for g, p in zip(found.grades, probabilities, strict=True)
                    if math.isfinite(p)
                },
                p_point_grade=_num(found.p_point_grade[i]),
                robust=bool(found.robust[i]),
            )
    return (
        f"seed {request.seed} (with the category id), weight band and robust level from each "
        "scheme; " + " | ".join(methods)
    )


def _frozen_results(
    session: Session,
    evaluation: Evaluation,
    snapshot: CompositeSnapshot,
    category: str | None,
    sensitivity: SensitivityRequest | None,
) -> CompositeResults:
    assert evaluation.id is not None
    rows = _snapshot_units(session, snapshot)
    units = [UnitComposite.model_validate(r.result) for r in rows]
    summary = snapshot.summary
    categories = [CategoryComposite.model_validate(c) for c in summary.get("categories", [])]
    differentiation = [
        DifferentiationReport.model_validate(d) for d in summary.get("differentiation", [])
    ]
    if category is not None:
        units = [u for u in units if u.category == category]
        categories = [c for c in categories if c.category == category]
        differentiation = [d for d in differentiation if d.category == category]
    method = None
    if sensitivity is not None:
        explanations = {r.unit_code: r.explanation for r in rows}
        items = []
        for cat in categories:
            members = [u for u in units if u.category == cat.category]
            category_row = org.category_by_code(session, cat.category)
            spec = schemes.spec_of(
                schemes.get_scheme(session, evaluation.id, cat.category, cat.scheme_version)
            )
            tree = tree_from_explanations([explanations[u.unit]["tree"] for u in members])
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                result = evaluate_scheme(
                    tree,
                    units=[u.unit for u in members],
                    missing=explanations[members[0].unit]["tree"]["missing_rule"],
                )
            items.append((category_row, spec, result, members))
        method = _apply_sensitivity(items, sensitivity)
    return CompositeResults(
        evaluation_id=evaluation.id,
        evaluation_status=evaluation.status,
        frozen=True,
        published_at=snapshot.published_at,
        scheme_versions=dict(snapshot.scheme_versions),
        categories=categories,
        units=units,
        differentiation=differentiation,
        notes=list(summary.get("notes", [])),
        sensitivity_method=method,
    )


def tree_from_explanations(trees: Sequence[Mapping[str, Any]]) -> SchemeBlock:
    """The scheme tree of a category rebuilt from its units' explanations (one per unit).

    Leaf scores, standard errors, adjustment points and coefficients become plain arrays;
    weights, full points, bounds, caps and missing rules are taken as recorded, so that
    evaluating the rebuilt tree gives the recorded totals.
    """

    def floats(nodes: Sequence[Mapping[str, Any]], key: str) -> list[float]:
        return [float(n[key]) for n in nodes]

    def build(nodes: Sequence[Mapping[str, Any]]) -> SchemeLeaf | SchemeBlock | SchemeAdjustment:
        first = nodes[0]
        kind = first["node"]
        if kind == "leaf":
            se = floats(nodes, "se") if "se" in first else None
            return SchemeLeaf(
                first["name"],
                floats(nodes, "score"),
                max_points=float(first["max_points"]),
                weight=None if first["weight"] is None else float(first["weight"]),
                se=se,
            )
        if kind == "adjustment":
            low, high = (float(x) for x in first["bounds"])
            return SchemeAdjustment(first["name"], floats(nodes, "points"), bounds=(low, high))
        children = [build([n["children"][k] for n in nodes]) for k in range(len(first["children"]))]
        coefficient = None
        bounds = None
        if first["coefficient"] is not None:
            coefficient = floats(nodes, "coefficient")
            low, high = (float(x) for x in first["coefficient_bounds"])
            bounds = (low, high)
        cap = None
        if first["cap"] is not None:
            cap_low, cap_high = (float(x) for x in first["cap"])
            cap = (cap_low, cap_high)
        return SchemeBlock(
            first["name"],
            children,
            weight=None if first["weight"] is None else float(first["weight"]),
            max_points=float(first["max_points"]),
            coefficient=coefficient,
            coefficient_bounds=bounds,
            cap=cap,
            missing=first["missing_rule"],
        )

    root = build(trees)
    assert isinstance(root, SchemeBlock)
    return root


# Explanations --------------------------------------------------------------------------------


def explain_unit(
    session: Session, evaluation_id: int, unit_code: str, *, viewer: Principal | None
) -> dict[str, Any]:
    """The whole computation of one unit's total, as plain JSON that recomputes to it."""
    evaluation = org.get_evaluation(session, evaluation_id)
    _, own = _audience(session, evaluation, viewer)
    unit = org.unit_by_code(session, unit_code)
    if own is not None and own != unit.code:
        raise NotPermitted()
    snapshot = _snapshot(session, evaluation_id)
    if snapshot is not None:
        row = session.get(CompositeSnapshotUnit, (snapshot.id, unit.code))
        if row is None:
            raise NotFound(
                N_("The published results do not include the unit %(code)s."), code=unit.code
            )
        return {**row.explanation, "frozen": True, "published_at": snapshot.published_at}
    category = session.get(UnitCategory, unit.category_id)
    assert category is not None
    computed = _compute(session, evaluation, only={category.code})
    for run in computed.runs:
        for i, member in enumerate(run.members):
            if member.code == unit.code:
                return {**run.explanation(i, evaluation_id), "frozen": False}
    raise NotFound(
        N_(
            "The unit %(code)s has no composite result: its category has no scheme or it is "
            "inactive."
        ),
        code=unit.code,
    )


def recompute_total(explanation: Mapping[str, Any]) -> float:
    """Recompute a unit's total from its explanation (the tree under ``"tree"``)."""
    return recompute(explanation["tree"])


def results_for_publication_check(session: Session, evaluation_id: int) -> datetime | None:
    snapshot = _snapshot(session, evaluation_id)
    return snapshot.published_at if snapshot is not None else None
