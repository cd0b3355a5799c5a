"""Scoring schemes: YAML with line numbers, validation, versions, and the scoring tree.

A scheme file holds one scheme per YAML document (documents separated by ``---``). Every
problem is reported with the line it is on and the field, as a dotted path
(``blocks[0].indicators[2].params.cap``): pydantic's error locations and the checks below
are mapped back to the YAML nodes that ``yaml.compose`` returns. Importing stores each
scheme as the next version of its category; nothing is stored unless every scheme is good.

``build_tree`` maps a validated scheme onto ``scoring.composite`` nodes for the units of one
category, fetching values through a :class:`SchemeData` the service provides; the library
does every computation.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

import scoring
from scoring import (
    Adjustments,
    GradeRule,
    GrowthRate,
    IndicatorScore,
    PeriodAggregate,
    RowAggregates,
    RowScores,
    SchemeAdjustment,
    SchemeBlock,
    SchemeLeaf,
    aggregate_periods,
    aggregate_rows,
    bound_adjustments,
    differentiation_check,
    growth_rate,
    monthly_to_quarterly,
    scale_speed_quality,
    score_indicator,
    score_rows,
    target_completion,
    tier_coefficients,
)
from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.composite.models import CompositeScheme
from survey.composite.schemas import (
    AdjustmentSpec,
    BlockSpec,
    CoefficientSpec,
    Direction,
    HardSource,
    IndicatorSpec,
    MonthlySpec,
    PartSpec,
    SatisfactionSource,
    SchemeProblemPublic,
    SchemeSpec,
    SchemeValidation,
    SchemeVersionPublic,
)
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import EvaluationStatus, RespondentGroup, UnitCategory
from survey.validation import problem_message

Float = NDArray[np.float64]
Loc = tuple[str | int, ...]
ROOT = "total"
WEIGHT_TOLERANCE = 1e-9
_TAGS = frozenset({"hard", "satisfaction", "qualitative", "excellence"})
_DOCUMENT_BREAK = re.compile(r"(?m)^---[ \t]*(?:#.*)?$\n?")


# Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeProblem:
    """One thing wrong with a scheme: the line (None for JSON input), the field, a message."""

    line: int | None
    path: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def field(self) -> str:
        return self.path


class SchemeRejected(Invalid):
    """The scheme has problems; ``errors`` lists them all and nothing was stored."""

    message = N_("The scheme was not stored because of %(count)s problems; nothing was stored.")

    def __init__(self, errors: list[SchemeProblem]) -> None:
        self.errors = errors
        super().__init__(None, field=errors[0].field if errors else None, count=len(errors))


def field_path(loc: Loc) -> str:
    """``("blocks", 0, "indicators", 2, "source", "hard", "indicator")`` as text, tags dropped."""
    out = ""
    previous: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif previous == "source" and part in _TAGS:
            pass
        else:
            out += ("." if out else "") + part
        previous = part
    return out or "-"


def _node_line(root: yaml.Node | None, loc: Loc) -> int | None:
    """Line (1-based) of the YAML node at ``loc``, or of its deepest existing ancestor."""
    if root is None:
        return None
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
            if found is None:
                continue  # a union tag, or a key that is missing: stay on the mapping
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
    return int(node.start_mark.line) + 1


class _Problems:
    """Problems of one document, located in its YAML node tree."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.node = node
        self.items: list[SchemeProblem] = []

    def add(self, loc: Loc, message: str, /, **params: Any) -> None:
        line = _node_line(self.node, loc)
        where = field_path(loc)
        self.items.append(
            SchemeProblem(line, where, message, {"line": line or "-", "field": where, **params})
        )


GENERIC = N_("Line %(line)s, %(field)s: %(problem)s")


# Method parameters -----------------------------------------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetParams(_Params):
    cap: float = Field(default=1.0, gt=0)
    nonpositive_target: Literal["nan", "binary"] = "nan"
    target: float | None = Field(default=None, description="One target for all units")


class EfficacyParams(_Params):
    satisfactory: float | None = None
    unsatisfactory: float | None = None
    base: float = Field(default=60.0, ge=0)
    span: float = Field(default=40.0, gt=0)
    zero_range: Literal["nan", "full"] = "nan"


class MinMaxParams(_Params):
    min_points: float = Field(default=0.0, ge=0)
    low: float | None = None
    high: float | None = None
    zero_range: Literal["nan", "full"] = "nan"


class ZScoreParams(_Params):
    center: float = 80.0
    spread: float = Field(default=10.0, gt=0)
    clip_low: float = Field(default=0.0, ge=0)
    clip_high: float = 100.0
    scale_max: float = Field(default=100.0, gt=0)
    ddof: Literal[0, 1] = 0
    zero_spread: Literal["nan", "center"] = "nan"


class RankParams(_Params):
    table: list[float] | None = None
    min_points: float = Field(default=0.0, ge=0)
    beyond_table: float = Field(default=0.0, ge=0)
    ties: Literal["min", "average"] = "min"


class BenchmarkParams(_Params):
    mode: Literal["proportional", "linear"] = "proportional"
    zero_at: float | None = None
    benchmark: float | None = Field(default=None, description="One benchmark for all units")


class SpeedQualityParams(_Params):
    weights: tuple[float, float, float]


PARAMS: dict[str, type[_Params]] = {
    "target_completion": TargetParams,
    "efficacy_coefficient": EfficacyParams,
    "min_max": MinMaxParams,
    "z_score": ZScoreParams,
    "rank_points": RankParams,
    "benchmark": BenchmarkParams,
    "scale_speed_quality": SpeedQualityParams,
}


def method_of(spec: IndicatorSpec) -> str:
    """The indicator's method; non-hard sources default to a linear rescale (min_max)."""
    if spec.method is not None:
        return spec.method
    return "min_max"


def params_of(method: str, raw: dict[str, Any], source: object | None) -> _Params:
    """Parameters as the method reads them; non-hard sources rescale from a fixed 0..top."""
    merged = dict(raw)
    if method == "min_max" and source is not None and not isinstance(source, HardSource):
        top = getattr(source, "full_marks", 100.0)
        merged.setdefault("low", 0.0)
        merged.setdefault("high", top)
    return PARAMS[method].model_validate(merged)


# Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodPlan:
    """Which periods of a hard indicator are scored and how they are combined."""

    codes: tuple[str, ...]
    weights: tuple[float, ...] | None
    missing: Literal["renormalise", "zero"]
    monthly: MonthlySpec | None = None


def period_plan(source: HardSource, default: SchemeSpec) -> PeriodPlan | None:
    if source.monthly is not None:
        m = source.monthly
        n = len(m.months) // 3
        if m.cumulative and n == 4:
            names: tuple[str, ...] = ("Q1", "H1", "Q1-Q3", "year")
        elif m.cumulative:
            names = tuple(f"M1-M{3 * (q + 1)}" for q in range(n))
        else:
            names = tuple(f"Q{q + 1}" for q in range(n))
        weights = tuple(m.weights) if m.weights is not None else None
        return PeriodPlan(names, weights, m.period_missing, m)
    if source.period is not None:
        return PeriodPlan((source.period,), None, "renormalise")
    spec = source.periods or default.periods
    if spec is None:
        return None
    weights = tuple(spec.weights) if spec.weights is not None else None
    return PeriodPlan(tuple(spec.codes), weights, spec.missing)


def _plan_key(plan: PeriodPlan | None) -> object:
    if plan is None:
        return None
    monthly = plan.monthly.model_dump() if plan.monthly is not None else None
    return (plan.codes, plan.weights, plan.missing, monthly)


def default_period(spec: SchemeSpec) -> str | None:
    """The period a rule on an indicator looks at when it names none: the last default one."""
    return spec.periods.codes[-1] if spec.periods is not None else None


# Validation ------------------------------------------------------------------------------------


def _dry_run(problems: _Problems, loc: Loc, call: Callable[[], object]) -> None:
    """Let the library check parameters on dummy data; its ValueError names the problem."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            call()
        except ValueError as error:
            problems.add(loc, GENERIC, problem=str(error))


_DUMMY = np.array([1.0, 2.0, 3.0])


def _check_params(
    problems: _Problems,
    loc: Loc,
    method: str,
    raw: dict[str, Any],
    source: object | None,
    *,
    direction: Direction,
    full: float,
) -> None:
    try:
        params = params_of(method, raw, source)
    except ValidationError as error:
        for item in error.errors():
            problems.add((*loc, "params", *item["loc"]), GENERIC, problem=problem_message(item))
        return
    where = (*loc, "params")
    if not isinstance(params, SpeedQualityParams):
        try:
            scoring_params(params, direction, full)
        except ValueError as error:
            problems.add(where, GENERIC, problem=str(error))
            return
    # The checks that need values: bounds against each other and against the category's.
    if isinstance(params, TargetParams):
        p = params
        _dry_run(
            problems,
            where,
            lambda: target_completion(
                _DUMMY,
                p.target if p.target is not None else 1.0,
                full_points=full,
                cap=p.cap,
                direction=direction,
                nonpositive_target=p.nonpositive_target,
            ),
        )
    elif isinstance(params, EfficacyParams):
        e = params
        if (e.satisfactory is None) == (e.unsatisfactory is None):
            _dry_run(problems, where, lambda: _efficacy(_DUMMY, e, direction, full))
    elif isinstance(params, MinMaxParams):
        mm = params
        if (mm.low is None) == (mm.high is None):
            _dry_run(problems, where, lambda: _min_max(_DUMMY, mm, direction, full))
    elif isinstance(params, ZScoreParams):
        z = params
        _dry_run(problems, where, lambda: _z(_DUMMY, z, direction, full))
    elif isinstance(params, RankParams):
        r = params
        _dry_run(problems, where, lambda: _rank(_DUMMY, r, direction, full))
    elif isinstance(params, BenchmarkParams):
        b = params
        if b.mode == "linear" and b.zero_at is not None and b.benchmark is None:
            dummy = b.zero_at + (1.0 if direction == "higher" else -1.0)
        else:
            dummy = b.benchmark if b.benchmark is not None else 1.0
        _dry_run(problems, where, lambda: _benchmark(_DUMMY, dummy, b, direction, full))
    elif isinstance(params, SpeedQualityParams):
        w = params.weights
        if min(w) < 0 or abs(math.fsum(w) - 1.0) > WEIGHT_TOLERANCE:
            problems.add(
                (*where, "weights"),
                N_("Line %(line)s, %(field)s: the weights must be non-negative and add up to 1."),
            )


def _check_plan(problems: _Problems, loc: Loc, source: HardSource, spec: SchemeSpec) -> None:
    given = [source.period is not None, source.periods is not None, source.monthly is not None]
    if sum(given) > 1:
        problems.add(loc, N_("Line %(line)s, %(field)s: give one of period, periods or monthly."))
        return
    plan = period_plan(source, spec)
    if plan is None:
        problems.add(
            (*loc, "period"),
            N_(
                "Line %(line)s, %(field)s: a hard indicator needs a period, periods, monthly "
                "values or the scheme's default periods."
            ),
        )
        return
    if source.monthly is not None:
        m = source.monthly
        months = len(m.months)
        _dry_run(
            problems,
            (*loc, "monthly"),
            lambda: monthly_to_quarterly(
                np.ones((1, months)), how=m.how, cumulative=m.cumulative, missing=m.missing
            ),
        )
        if months % 3:
            return
    n = len(plan.codes)
    if plan.weights is not None or n > 1:
        weights = plan.weights
        if source.monthly is not None:
            where: Loc = (*loc, "monthly")
        elif source.periods is not None:
            where = (*loc, "periods")
        else:
            where = ("periods",)
        _dry_run(
            problems,
            where,
            lambda: aggregate_periods(
                np.ones((1, n)),
                weights,
                missing=plan.missing,
                periods=plan.codes,
            ),
        )


def _check_indicator(
    problems: _Problems, loc: Loc, ind: IndicatorSpec, spec: SchemeSpec, weighted: bool
) -> None:
    method = method_of(ind)
    full = ind.points if ind.points is not None else 100.0
    if weighted and ind.weight is None:
        problems.add(
            (*loc, "weight"),
            N_("Line %(line)s, %(field)s: the other children of this block have weights."),
        )
    if not weighted and ind.points is None:
        problems.add(
            (*loc, "points"),
            N_("Line %(line)s, %(field)s: an indicator in a block without weights needs points."),
        )
    if method == "scale_speed_quality":
        if ind.source is not None:
            problems.add(
                (*loc, "source"),
                N_(
                    "Line %(line)s, %(field)s: a scale/speed/quality indicator takes its sources "
                    "from its parts."
                ),
            )
        parts = ind.parts or {}
        missing = [p for p in ("scale", "speed", "quality") if p not in parts]
        if missing:
            problems.add(
                (*loc, "parts"),
                N_("Line %(line)s, %(field)s: the parts %(parts)s are missing."),
                parts=", ".join(missing),
            )
        plans: set[str] = set()
        for name, part in parts.items():
            part_loc = (*loc, "parts", name)
            _check_plan(problems, (*part_loc, "source"), part.source, spec)
            plans.add(repr(_plan_key(period_plan(part.source, spec))))
            _check_params(
                problems,
                part_loc,
                part.method,
                part.params,
                part.source,
                direction=part.direction or ind.direction,
                full=100.0,
            )
        if len(plans) > 1:
            problems.add(
                (*loc, "parts"),
                N_(
                    "Line %(line)s, %(field)s: scale, speed and quality must be scored on the "
                    "same periods."
                ),
            )
        _check_params(problems, loc, method, ind.params, None, direction=ind.direction, full=full)
        return
    if ind.parts is not None:
        problems.add(
            (*loc, "parts"),
            N_("Line %(line)s, %(field)s: only a scale/speed/quality indicator has parts."),
        )
    if ind.source is None:
        problems.add(
            (*loc, "source"), N_("Line %(line)s, %(field)s: the indicator needs a source.")
        )
        return
    if isinstance(ind.source, HardSource):
        if ind.method is None:
            problems.add(
                (*loc, "method"),
                N_("Line %(line)s, %(field)s: a hard indicator needs a method."),
            )
            return
        _check_plan(problems, (*loc, "source"), ind.source, spec)
    elif ind.source.type == "excellence":
        lo, hi = ind.source.difficulty
        if not 0 < lo <= hi:
            problems.add(
                (*loc, "source", "difficulty"),
                N_("Line %(line)s, %(field)s: the difficulty bounds must satisfy 0 < low <= high."),
            )
    _check_params(problems, loc, method, ind.params, ind.source, direction=ind.direction, full=full)


def _check_coefficient(
    problems: _Problems, loc: Loc, coef: CoefficientSpec, spec: SchemeSpec
) -> None:
    if coef.base is not None and coef.base_indicator is not None:
        problems.add(loc, N_("Line %(line)s, %(field)s: give base or base_indicator, not both."))
    if coef.period is None and default_period(spec) is None:
        problems.add(
            (*loc, "period"),
            N_("Line %(line)s, %(field)s: name the period (the scheme has no default periods)."),
        )
    _dry_run(
        problems,
        loc,
        lambda: tier_coefficients(
            _DUMMY,
            thresholds=coef.thresholds,
            tiers=coef.tiers,
            rule=coef.rule,
            direction=coef.direction,
            base=coef.base,
        ),
    )


def _check_adjustment(problems: _Problems, loc: Loc, adj: AdjustmentSpec) -> None:
    if adj.source == "differentiation_penalty":
        if adj.items:
            problems.add(
                (*loc, "items"),
                N_("Line %(line)s, %(field)s: the differentiation penalty has no items."),
            )
        return
    if not adj.items:
        problems.add((*loc, "items"), N_("Line %(line)s, %(field)s: list at least one item."))
        return
    codes = [item.code for item in adj.items]
    for k, item in enumerate(adj.items):
        if codes.index(item.code) != k:
            problems.add(
                (*loc, "items", k, "code"),
                N_("Line %(line)s, %(field)s: the code %(code)s is used twice here."),
                code=item.code,
            )
    _dry_run(
        problems,
        loc,
        lambda: bound_adjustments(
            np.zeros((1, len(adj.items))),
            item_low=[i.low for i in adj.items],
            item_high=[i.high for i in adj.items],
            items=[f"{k}" for k in range(len(adj.items))],
            bonus_total_max=adj.bonus_total_max,
            deduction_total_min=adj.deduction_total_min,
            total_bounds=adj.total_bounds,
        ),
    )


def _check_block(
    problems: _Problems, loc: Loc, block: BlockSpec | SchemeSpec, spec: SchemeSpec
) -> None:
    children: list[IndicatorSpec | BlockSpec] = [*block.indicators, *block.blocks]
    if not children:
        problems.add(
            loc or ("indicators",),
            N_("Line %(line)s, %(field)s: a block needs at least one indicator or block."),
        )
    codes: dict[str, Loc] = {}
    kinds: list[tuple[str, list[Any]]] = [
        ("indicators", list(block.indicators)),
        ("blocks", list(block.blocks)),
        ("adjustments", list(block.adjustments)),
    ]
    for kind, items in kinds:
        for k, item in enumerate(items):
            item_loc = (*loc, kind, k, "code")
            if item.code in codes:
                problems.add(
                    item_loc,
                    N_("Line %(line)s, %(field)s: the code %(code)s is used twice here."),
                    code=item.code,
                )
            codes[item.code] = item_loc
    weighted = bool(children) and any(c.weight is not None for c in children)
    if weighted:
        weights = [c.weight for c in children if c.weight is not None]
        total = math.fsum(weights)
        if len(weights) == len(children) and abs(total - 1.0) > WEIGHT_TOLERANCE:
            problems.add(
                loc or ("blocks",),
                N_(
                    "Line %(line)s, %(field)s: the weights of the children add up to "
                    "%(total)s, not 1."
                ),
                total=round(total, 9),
            )
    if block.cap is not None and block.cap[0] > block.cap[1]:
        problems.add((*loc, "cap"), N_("Line %(line)s, %(field)s: the cap must be [low, high]."))
    if block.coefficient is not None:
        _check_coefficient(problems, (*loc, "coefficient"), block.coefficient, spec)
    for k, ind in enumerate(block.indicators):
        _check_indicator(problems, (*loc, "indicators", k), ind, spec, weighted)
    for k, child in enumerate(block.blocks):
        child_loc = (*loc, "blocks", k)
        if weighted and child.weight is None:
            problems.add(
                (*child_loc, "weight"),
                N_("Line %(line)s, %(field)s: the other children of this block have weights."),
            )
        grandchildren: list[IndicatorSpec | BlockSpec] = [*child.indicators, *child.blocks]
        if (
            not weighted
            and child.points is None
            and any(c.weight is not None for c in grandchildren)
        ):
            problems.add(
                (*child_loc, "points"),
                N_(
                    "Line %(line)s, %(field)s: a block with weighted children inside a block "
                    "without weights needs points."
                ),
            )
        _check_block(problems, child_loc, child, spec)
    for k, adj in enumerate(block.adjustments):
        _check_adjustment(problems, (*loc, "adjustments", k), adj)


def block_paths(spec: SchemeSpec) -> set[str]:
    out: set[str] = set()

    def walk(blocks: Sequence[BlockSpec], prefix: str) -> None:
        for b in blocks:
            path = f"{prefix}{b.code}"
            out.add(path)
            walk(b.blocks, path + "/")

    walk(spec.blocks, "")
    return out


def check_scheme(spec: SchemeSpec, problems: _Problems) -> None:
    """Every rule pydantic cannot check alone; problems go to ``problems``."""
    _check_block(problems, (), spec, spec)
    paths = block_paths(spec)
    for k, tie in enumerate(spec.ranking.tie_break):
        if tie.block not in paths:
            problems.add(
                ("ranking", "tie_break", k, "block"),
                N_("Line %(line)s, %(field)s: no block has the path %(path)s."),
                path=tie.block,
            )
    g = spec.grades
    _dry_run(
        problems,
        ("grades",),
        lambda: GradeRule(
            grades=tuple(g.names),
            thresholds=tuple(g.thresholds) if g.thresholds is not None else None,
            max_shares=tuple(g.max_shares) if g.max_shares is not None else None,
        ),
    )
    if spec.progress_award is not None and (
        spec.progress_award.min_rise is None and spec.progress_award.top_k is None
    ):
        problems.add(
            ("progress_award",),
            N_("Line %(line)s, %(field)s: give min_rise, top_k or both."),
        )
    for k, rule in enumerate(spec.warnings):
        loc: Loc = ("warnings", k)
        if rule.max_drop is None and rule.threshold is None:
            problems.add(loc, N_("Line %(line)s, %(field)s: give max_drop, threshold or both."))
        if rule.period is None and default_period(spec) is None:
            problems.add(
                (*loc, "period"),
                N_(
                    "Line %(line)s, %(field)s: name the period (the scheme has no default periods)."
                ),
            )
    d = spec.differentiation
    if d is not None:
        _dry_run(
            problems,
            ("differentiation",),
            lambda: differentiation_check(
                [50.0],
                high=d.high,
                max_high_share=d.max_high_share,
                low=d.low,
                min_low_share=d.min_low_share,
                full_marks=d.full_marks,
                forbid_full_marks=d.forbid_full_marks,
                penalty_points=d.penalty,
            ),
        )
    if spec.cap is not None and spec.cap[0] > spec.cap[1]:
        problems.add(("cap",), N_("Line %(line)s, %(field)s: the cap must be [low, high]."))


def satisfaction_sources(spec: SchemeSpec) -> Iterator[tuple[Loc, SatisfactionSource]]:
    def walk(block: BlockSpec | SchemeSpec, loc: Loc) -> Iterator[tuple[Loc, SatisfactionSource]]:
        for k, ind in enumerate(block.indicators):
            if isinstance(ind.source, SatisfactionSource):
                yield (*loc, "indicators", k, "source"), ind.source
        for k, child in enumerate(block.blocks):
            yield from walk(child, (*loc, "blocks", k))

    yield from walk(spec, ())


def _check_against_database(session: Session, spec: SchemeSpec, problems: _Problems) -> None:
    category = session.exec(select(UnitCategory).where(UnitCategory.code == spec.category)).first()
    if category is None:
        problems.add(
            ("category",),
            N_("Line %(line)s, %(field)s: no unit category has the code %(code)s."),
            code=spec.category,
        )
    known = set(session.exec(select(RespondentGroup.code)))
    for loc, source in satisfaction_sources(spec):
        for k, group in enumerate(source.groups):
            if group not in known:
                problems.add(
                    (*loc, "groups", k),
                    N_("Line %(line)s, %(field)s: no respondent group has the code %(code)s."),
                    code=group,
                )


# Parsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedScheme:
    spec: SchemeSpec
    source: str


def _duplicate_keys(node: yaml.Node, loc: Loc, problems: _Problems) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen:
                problems.items.append(
                    SchemeProblem(
                        key.start_mark.line + 1,
                        field_path((*loc, name)),
                        N_("Line %(line)s, %(field)s: the key appears twice."),
                        {"line": key.start_mark.line + 1, "field": field_path((*loc, name))},
                    )
                )
            seen.add(name)
            _duplicate_keys(value, (*loc, name), problems)
    elif isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            _duplicate_keys(item, (*loc, k), problems)


def _document_texts(text: str, count: int) -> list[str] | None:
    """The text of each document, comments kept, when the ``---`` lines split it cleanly."""
    if count == 1:
        return [text]
    chunks = [c for c in _DOCUMENT_BREAK.split(text)]
    meaningful = [
        c
        for c in chunks
        if any(line.strip() and not line.lstrip().startswith("#") for line in c.splitlines())
    ]
    return meaningful if len(meaningful) == count else None


def parse_schemes(
    text: str, session: Session | None = None
) -> tuple[list[ParsedScheme], list[SchemeProblem]]:
    """Every scheme of a file and every problem, each with its line and field."""
    try:
        pairs = [
            (n, d)
            for n, d in zip(
                list(yaml.compose_all(text, Loader=yaml.SafeLoader)),
                list(yaml.safe_load_all(text)),
                strict=True,
            )
            if d is not None and n is not None
        ]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        return [], [
            SchemeProblem(
                line,
                "-",
                N_("Line %(line)s: the file is not valid YAML (%(problem)s)."),
                {"line": line or "-", "problem": problem},
            )
        ]
    if not pairs:
        return [], [SchemeProblem(None, "-", N_("The file holds no scheme."), {})]
    texts = _document_texts(text, len(pairs))
    parsed: list[ParsedScheme] = []
    all_problems: list[SchemeProblem] = []
    categories: set[str] = set()
    for k, (node, raw) in enumerate(pairs):
        problems = _Problems(node)
        _duplicate_keys(node, (), problems)
        if not isinstance(raw, dict):
            problems.add((), N_("Line %(line)s, %(field)s: a scheme must be a mapping."))
            all_problems.extend(problems.items)
            continue
        try:
            spec = SchemeSpec.model_validate(raw)
        except ValidationError as error:
            for item in error.errors():
                problems.add(tuple(item["loc"]), GENERIC, problem=problem_message(item))
            all_problems.extend(problems.items)
            continue
        check_scheme(spec, problems)
        if session is not None:
            _check_against_database(session, spec, problems)
        if spec.category in categories:
            problems.add(
                ("category",),
                N_("Line %(line)s, %(field)s: the file already has a scheme for %(code)s."),
                code=spec.category,
            )
        categories.add(spec.category)
        all_problems.extend(problems.items)
        source = texts[k] if texts is not None else dump_yaml(raw)
        parsed.append(ParsedScheme(spec=spec, source=source))
    return parsed, all_problems


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def spec_to_yaml(spec: SchemeSpec) -> str:
    """A scheme as YAML, defaults left out, so that what was written is what comes back."""
    return dump_yaml(spec.model_dump(mode="json", exclude_defaults=True))


# Versions ------------------------------------------------------------------------------------


def validate_text(
    session: Session,
    text: str,
    translate: Callable[[str, dict[str, Any]], str] | None = None,
) -> SchemeValidation:
    """Check a scheme file without storing it; every problem with its line and field.

    ``translate`` turns a message id and its parameters into the reader's language.
    """
    parsed, problems = parse_schemes(text, session)
    return SchemeValidation(
        valid=not problems,
        schemes=[p.spec.category for p in parsed],
        problems=[
            SchemeProblemPublic(
                line=p.line,
                field=p.path,
                message=translate(p.message, p.params) if translate else p.message % p.params,
            )
            for p in problems
        ],
    )


def import_text(
    session: Session,
    evaluation_id: int,
    text: str,
    actor: Principal,
    *,
    note: str = "",
    ip: str = "",
) -> list[SchemeVersionPublic]:
    """Store every scheme of the file as the next version of its category, or none."""
    evaluation = org.get_evaluation(session, evaluation_id)
    if evaluation.status == EvaluationStatus.published:
        raise Conflict(N_("A published evaluation cannot be changed."))
    parsed, problems = parse_schemes(text, session)
    if problems:
        raise SchemeRejected(problems)
    rows: list[CompositeScheme] = []
    try:
        for item in parsed:
            rows.append(_store(session, evaluation_id, item, actor, note, ip))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            N_("Someone else changed the scheme at the same time. Please try again.")
        ) from None
    except Exception:
        session.rollback()
        raise
    return [version_public(session, r) for r in rows]


def put_scheme(
    session: Session,
    evaluation_id: int,
    category: str,
    data: dict[str, Any],
    actor: Principal,
    *,
    note: str = "",
    ip: str = "",
) -> SchemeVersionPublic:
    """A scheme sent as JSON: written out as YAML and imported, so lines refer to that YAML."""
    body = {k: v for k, v in data.items() if k != "note"}
    if body.get("category", category) != category:
        raise Invalid(
            N_("The scheme names the category %(code)s, not the one in the address."),
            field="category",
            code=body.get("category"),
        )
    body["category"] = category
    return import_text(session, evaluation_id, dump_yaml(body), actor, note=note, ip=ip)[0]


def _store(
    session: Session,
    evaluation_id: int,
    item: ParsedScheme,
    actor: Principal,
    note: str,
    ip: str,
) -> CompositeScheme:
    category = org.category_by_code(session, item.spec.category)
    assert category.id is not None
    latest = session.exec(
        select(func.max(CompositeScheme.version)).where(
            CompositeScheme.evaluation_id == evaluation_id,
            CompositeScheme.category_id == category.id,
        )
    ).one()
    version = (latest or 0) + 1
    row = CompositeScheme(
        evaluation_id=evaluation_id,
        category_id=category.id,
        version=version,
        created_by=actor.name,
        note=note,
        source=item.source,
        definition=item.spec.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor.name,
        "composite_scheme.import",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        category=item.spec.category,
        version=version,
        note=note,
    )
    return row


def version_public(session: Session, row: CompositeScheme) -> SchemeVersionPublic:
    category = session.get(UnitCategory, row.category_id)
    assert category is not None
    return SchemeVersionPublic(
        evaluation_id=row.evaluation_id,
        category=category.code,
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        note=row.note,
        title=str(row.definition.get("title", "")),
    )


def current_schemes(session: Session, evaluation_id: int) -> dict[int, CompositeScheme]:
    """Category id -> the newest scheme version of the evaluation."""
    latest = (
        select(
            CompositeScheme.category_id,
            func.max(CompositeScheme.version).label("version"),
        )
        .where(CompositeScheme.evaluation_id == evaluation_id)
        .group_by(col(CompositeScheme.category_id))
        .subquery()
    )
    rows = session.exec(
        select(CompositeScheme)
        .join(
            latest,
            (col(CompositeScheme.category_id) == latest.c.category_id)
            & (col(CompositeScheme.version) == latest.c.version),
        )
        .where(CompositeScheme.evaluation_id == evaluation_id)
    )
    return {r.category_id: r for r in rows}


def get_scheme(
    session: Session, evaluation_id: int, category: str, version: int | None = None
) -> CompositeScheme:
    org.get_evaluation(session, evaluation_id)
    cat = org.category_by_code(session, category)
    query = select(CompositeScheme).where(
        CompositeScheme.evaluation_id == evaluation_id, CompositeScheme.category_id == cat.id
    )
    if version is not None:
        query = query.where(CompositeScheme.version == version)
    row = session.exec(query.order_by(col(CompositeScheme.version).desc()).limit(1)).first()
    if row is None:
        raise NotFound(N_("The evaluation has no scheme for the category %(code)s."), code=category)
    return row


def list_schemes(session: Session, evaluation_id: int) -> list[SchemeVersionPublic]:
    org.get_evaluation(session, evaluation_id)
    rows = current_schemes(session, evaluation_id).values()
    categories = {c.id: c for c in session.exec(select(UnitCategory))}
    ordered = sorted(
        rows, key=lambda r: (categories[r.category_id].sort_order, categories[r.category_id].code)
    )
    return [version_public(session, r) for r in ordered]


def history(session: Session, evaluation_id: int, category: str) -> list[SchemeVersionPublic]:
    org.get_evaluation(session, evaluation_id)
    cat = org.category_by_code(session, category)
    rows = session.exec(
        select(CompositeScheme)
        .where(
            CompositeScheme.evaluation_id == evaluation_id,
            CompositeScheme.category_id == cat.id,
        )
        .order_by(col(CompositeScheme.version).desc())
    )
    return [version_public(session, r) for r in rows]


def export_text(session: Session, evaluation_id: int, category: str | None = None) -> str:
    """The current schemes as one YAML file (one document each), as they were written."""
    if category is not None:
        return get_scheme(session, evaluation_id, category).source
    schemes = list_schemes(session, evaluation_id)
    if not schemes:
        raise NotFound(N_("The evaluation has no scheme yet."))
    texts = [get_scheme(session, evaluation_id, s.category).source for s in schemes]
    return "---\n".join(t if t.endswith("\n") else t + "\n" for t in texts)


def spec_of(row: CompositeScheme) -> SchemeSpec:
    return SchemeSpec.model_validate(row.definition)


# The scoring tree ---------------------------------------------------------------------------


Annotation = Callable[[int], dict[str, Any]]


class SchemeData(Protocol):
    """Values of the units of one category, in the order of ``units``."""

    @property
    def units(self) -> Sequence[str]: ...

    def hard(self, indicator: str, period: str) -> tuple[Float, Float, Float]:
        """Value, target and benchmark of each unit (NaN where none)."""
        ...

    def previous(self, indicator: str, period: str) -> Float:
        """The value of each unit in the same period of the previous evaluation."""
        ...

    def satisfaction(self, source: SatisfactionSource) -> tuple[Float, Float, Annotation]:
        """Score (0-100), standard error and a description of each unit's score."""
        ...

    def qualitative(self, item: str) -> tuple[Float, Annotation]: ...

    def excellence(self, bounds: tuple[float, float]) -> tuple[Float, Float, Annotation]:
        """Mean appraisal score (0-100), effective difficulty and the goals of each unit."""
        ...

    def adjustments(self, items: Sequence[str]) -> tuple[Float, list[list[dict[str, Any]]]]:
        """Points per unit and item (shape (U, K)) and the entries behind them."""
        ...

    def penalty(self) -> tuple[Float, float, list[dict[str, Any]]]:
        """Differentiation penalty of each unit (<= 0), the lowest possible, the reasons."""
        ...


@dataclass
class BuiltScheme:
    """A category's scheme as library nodes, with what explanations need besides numbers."""

    root: SchemeBlock
    labels: dict[str, tuple[str, str]]
    annotations: dict[str, Annotation]
    top_blocks: list[tuple[str, str, str, str, float]]  # path, code, name, name_en, max points
    max_points: float


def scoring_params(params: _Params, direction: Direction, full: float) -> scoring.MethodParams:
    """The library's checked parameters for a scheme's method parameters; its ValueError
    names the first impossible one (checked when the scheme is read, see _check_params)."""
    common: dict[str, Any] = {"full_points": full, "direction": direction}
    if isinstance(params, TargetParams):
        return scoring.TargetCompletionParams(
            cap=params.cap, nonpositive_target=params.nonpositive_target, **common
        )
    if isinstance(params, EfficacyParams):
        return scoring.EfficacyParams(
            satisfactory=params.satisfactory,
            unsatisfactory=params.unsatisfactory,
            base=params.base,
            span=params.span,
            zero_range=params.zero_range,
            **common,
        )
    if isinstance(params, MinMaxParams):
        return scoring.MinMaxParams(
            min_points=params.min_points,
            low=params.low,
            high=params.high,
            zero_range=params.zero_range,
            **common,
        )
    if isinstance(params, ZScoreParams):
        return scoring.ZScoreParams(
            center=params.center,
            spread=params.spread,
            clip_low=params.clip_low,
            clip_high=params.clip_high,
            scale_max=params.scale_max,
            ddof=params.ddof,
            zero_spread=params.zero_spread,
            **common,
        )
    if isinstance(params, RankParams):
        return scoring.RankPointsParams(
            table=None if params.table is None else tuple(params.table),
            min_points=params.min_points,
            beyond_table=params.beyond_table,
            ties=params.ties,
            **common,
        )
    if isinstance(params, BenchmarkParams):
        return scoring.BenchmarkParams(mode=params.mode, zero_at=params.zero_at, **common)
    raise ValueError(f"parameters {type(params).__name__} do not score values")  # pragma: no cover


# The methods that score values (scale_speed_quality combines what these give).
_SCORED_METHODS = frozenset(
    {"target_completion", "efficacy_coefficient", "min_max", "z_score", "rank_points", "benchmark"}
)


def _reference(params: _Params, target: Any = None, benchmark: Any = None) -> Any:
    """Targets or benchmarks of the method (a scheme's one value for all wins), else None."""
    if isinstance(params, TargetParams):
        return params.target if params.target is not None else target
    if isinstance(params, BenchmarkParams):
        return params.benchmark if params.benchmark is not None else benchmark
    return None


def _method_score(
    method: str,
    params: _Params,
    values: Float | GrowthRate,
    *,
    direction: Direction,
    full: float,
    target: Float | None = None,
    benchmark: Float | None = None,
) -> IndicatorScore:
    checked = scoring_params(params, direction, full)
    return score_indicator(checked, values, _reference(params, target, benchmark))


def _efficacy(values: Any, p: EfficacyParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("efficacy_coefficient", p, values, direction=direction, full=full)


def _min_max(values: Any, p: MinMaxParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("min_max", p, values, direction=direction, full=full)


def _z(values: Any, p: ZScoreParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("z_score", p, values, direction=direction, full=full)


def _rank(values: Any, p: RankParams, direction: Direction, full: float) -> IndicatorScore:
    return _method_score("rank_points", p, values, direction=direction, full=full)


def _benchmark(
    values: Any, bench: Any, p: BenchmarkParams, direction: Direction, full: float
) -> IndicatorScore:
    return _method_score("benchmark", p, values, direction=direction, full=full, benchmark=bench)


@dataclass
class _PeriodValues:
    label: str
    value: Float
    target: Float
    benchmark: Float
    previous: Float


def _period_values(data: SchemeData, source: HardSource, plan: PeriodPlan) -> list[_PeriodValues]:
    ind = source.indicator
    if plan.monthly is None:
        out = []
        missing: Float | None = None  # one array of NaN for the periods, read only
        for code in plan.codes:
            value, target, bench = data.hard(ind, code)
            if source.growth:
                previous = data.previous(ind, code)
            else:
                if missing is None:
                    missing = np.full(value.size, np.nan)
                previous = missing
            out.append(_PeriodValues(code, value, target, bench, previous))
        return out
    m = plan.monthly
    columns = [data.hard(ind, month) for month in m.months]

    def quarters(stacked: Float) -> Float:
        q = monthly_to_quarterly(stacked, how=m.how, cumulative=m.cumulative, missing=m.missing)
        return np.asarray(q.values, dtype=np.float64)

    value = quarters(np.stack([c[0] for c in columns], axis=1))
    target = quarters(np.stack([c[1] for c in columns], axis=1))
    bench = quarters(np.stack([c[2] for c in columns], axis=1))
    if source.growth:
        previous = quarters(np.stack([data.previous(ind, month) for month in m.months], axis=1))
    else:
        previous = np.full(value.shape, np.nan)
    return [
        _PeriodValues(label, value[:, q], target[:, q], bench[:, q], previous[:, q])
        for q, label in enumerate(plan.codes)
    ]


def _hard_note(source: HardSource, periods: list[_PeriodValues], data: SchemeData) -> Annotation:
    months: dict[str, Float] = {}
    if source.monthly is not None:
        months = {m: data.hard(source.indicator, m)[0] for m in source.monthly.months}

    def note(i: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "hard",
            "indicator": source.indicator,
            "growth": source.growth,
            "periods": [
                {
                    "period": p.label,
                    "value": float(p.value[i]),
                    "target": float(p.target[i]),
                    "benchmark": float(p.benchmark[i]),
                    **({"previous": float(p.previous[i])} if source.growth else {}),
                }
                for p in periods
            ],
        }
        if months:
            out["monthly"] = {
                "how": source.monthly.how if source.monthly else "sum",
                "values": {m: float(v[i]) for m, v in months.items()},
            }
        return out

    return note


class _Builder:
    def __init__(self, spec: SchemeSpec, data: SchemeData) -> None:
        self.spec = spec
        self.data = data
        self.size = len(data.units)
        self.labels: dict[str, tuple[str, str]] = {}
        self.annotations: dict[str, Annotation] = {}
        self.max_points: dict[str, float] = {}
        # Indicator path -> its score and note, scored together with its like (see _batch).
        self.batched: dict[str, Callable[[], tuple[IndicatorScore | PeriodAggregate, Annotation]]]
        self.batched = {}

    def batch_hard(self) -> None:
        """Score the hard indicators that share method, parameters and periods together.

        A category scores dozens of indicators by a few methods: ``score_rows`` takes each
        such group in one go, period by period, with results equal to the one-indicator
        calls. Each indicator's result (and its warnings) is taken as the tree reaches it, so
        the category's notes keep their order. Growth rates and monthly values, whose
        preparation warns on its own, are scored one indicator at a time as before.
        """
        groups: dict[tuple[Any, ...], list[tuple[str, HardSource, list[_PeriodValues]]]] = {}
        shared: dict[tuple[Any, ...], tuple[_Params, PeriodPlan, Direction, float]] = {}

        def walk(block: BlockSpec | SchemeSpec, path: str) -> None:
            for ind in block.indicators:
                source, method = ind.source, method_of(ind)
                if (
                    not isinstance(source, HardSource)
                    or source.growth
                    or source.monthly is not None
                    or method not in _SCORED_METHODS
                ):
                    continue
                plan = period_plan(source, self.spec)
                if plan is None:
                    continue
                params = params_of(method, ind.params, source)
                full = ind.points if ind.points is not None else 100.0
                key = (method, repr(params), ind.direction, full, _plan_key(plan))
                periods = _period_values(self.data, source, plan)
                groups.setdefault(key, []).append((f"{path}/{ind.code}", source, periods))
                shared[key] = (params, plan, ind.direction, full)
            for child in block.blocks:
                walk(child, f"{path}/{child.code}")

        walk(self.spec, ROOT)
        for key, members in groups.items():
            params, plan, direction, full = shared[key]
            checked = scoring_params(params, direction, full)
            rows: list[RowScores] = []
            for q in range(len(plan.codes)):
                reference = _reference(
                    params,
                    np.stack([periods[q].target for _, _, periods in members]),
                    np.stack([periods[q].benchmark for _, _, periods in members]),
                )
                values = np.stack([periods[q].value for _, _, periods in members])
                rows.append(score_rows(checked.method, values, reference, params=checked))
            combined = None
            if len(rows) > 1 or plan.weights is not None:
                combined = aggregate_rows(
                    rows, plan.weights, missing=plan.missing, labels=plan.codes
                )
            for k, (path, source, periods) in enumerate(members):
                self.batched[path] = partial(self._batched, rows, combined, k, source, periods)

    def _batched(
        self,
        rows: list[RowScores],
        combined: RowAggregates | None,
        k: int,
        source: HardSource,
        periods: list[_PeriodValues],
    ) -> tuple[IndicatorScore | PeriodAggregate, Annotation]:
        score = rows[0].score(k) if combined is None else combined.aggregate(k)
        return score, _hard_note(source, periods, self.data)

    def _hard_score(
        self,
        method: str,
        raw: dict[str, Any],
        source: HardSource,
        direction: Direction,
        full: float,
    ) -> tuple[IndicatorScore | PeriodAggregate, Annotation]:
        plan = period_plan(source, self.spec)
        assert plan is not None
        params = params_of(method, raw, source)
        periods = _period_values(self.data, source, plan)
        scores = [self._one_period(method, params, source, p, direction, full) for p in periods]
        return self._combine(scores, plan), _hard_note(source, periods, self.data)

    def _one_period(
        self,
        method: str,
        params: _Params,
        source: HardSource,
        p: _PeriodValues,
        direction: Direction,
        full: float,
    ) -> IndicatorScore:
        values: Float | GrowthRate = p.value
        if source.growth:
            values = growth_rate(p.value, p.previous, rule=source.growth_rule)
        return _method_score(
            method,
            params,
            values,
            direction=direction,
            full=full,
            target=p.target,
            benchmark=p.benchmark,
        )

    @staticmethod
    def _combine(
        scores: list[IndicatorScore], plan: PeriodPlan
    ) -> IndicatorScore | PeriodAggregate:
        if len(scores) == 1 and plan.weights is None:
            return scores[0]
        return aggregate_periods(
            scores,
            plan.weights,
            missing=plan.missing,
            periods=plan.codes,
        )

    def indicator(
        self, ind: IndicatorSpec, path: str, weighted: bool
    ) -> tuple[SchemeLeaf | SchemeBlock, float]:
        self.labels[path] = (ind.name, ind.name_en)
        method = method_of(ind)
        full = ind.points if ind.points is not None else 100.0
        weight = ind.weight if weighted else None
        if method == "scale_speed_quality":
            return self._speed_quality(ind, path, full, weight)
        source = ind.source
        assert source is not None
        if isinstance(source, HardSource):
            prepared = self.batched.pop(path, None)
            if prepared is not None:
                score, note = prepared()
            else:
                score, note = self._hard_score(method, ind.params, source, ind.direction, full)
            self.annotations[path] = note
            leaf = SchemeLeaf(ind.code, score, weight=weight)
            assert leaf.max_points is not None
            return leaf, leaf.max_points
        params = params_of(method, ind.params, source)
        if isinstance(source, SatisfactionSource):
            values, se, notes = self.data.satisfaction(source)
        elif source.type == "qualitative":
            values, notes = self.data.qualitative(source.item)
            se = None
        else:
            values, coefficient, notes = self.data.excellence(source.difficulty)
            inner = _method_score(method, params, values, direction=ind.direction, full=full)
            self.annotations[path] = notes
            node = SchemeBlock(
                ind.code,
                [SchemeLeaf("appraisal", inner)],
                weight=weight,
                coefficient=coefficient,
                coefficient_bounds=source.difficulty,
            )
            self.labels[f"{path}/appraisal"] = (ind.name, ind.name_en)
            return node, inner.max_points
        scored = _method_score(method, params, values, direction=ind.direction, full=full)
        leaf_se = None
        if (
            se is not None
            and isinstance(params, MinMaxParams)
            and params.low is not None
            and params.high is not None
            and params.high > params.low
        ):
            leaf_se = se * (full - params.min_points) / (params.high - params.low)
        self.annotations[path] = notes
        leaf = SchemeLeaf(ind.code, scored, weight=weight, se=leaf_se)
        assert leaf.max_points is not None
        return leaf, leaf.max_points

    def _speed_quality(
        self, ind: IndicatorSpec, path: str, full: float, weight: float | None
    ) -> tuple[SchemeLeaf, float]:
        parts = ind.parts or {}
        order: tuple[Literal["scale", "speed", "quality"], ...] = ("scale", "speed", "quality")
        plan = period_plan(parts["scale"].source, self.spec)
        assert plan is not None
        values: dict[str, list[_PeriodValues]] = {}
        params: dict[str, _Params] = {}
        for name in order:
            part: PartSpec = parts[name]
            values[name] = _period_values(self.data, part.source, plan)
            params[name] = params_of(part.method, part.params, part.source)
        sq = params_of("scale_speed_quality", ind.params, None)
        assert isinstance(sq, SpeedQualityParams)
        per_period = []
        for k in range(len(plan.codes)):
            subs = [
                self._one_period(
                    parts[name].method,
                    params[name],
                    parts[name].source,
                    values[name][k],
                    parts[name].direction or ind.direction,
                    100.0,
                )
                for name in order
            ]
            per_period.append(scale_speed_quality(*subs, weights=sq.weights, full_points=full))
        notes = {name: _hard_note(parts[name].source, values[name], self.data) for name in order}
        self.annotations[path] = lambda i: {
            "type": "scale_speed_quality",
            "parts": {name: note(i) for name, note in notes.items()},
        }
        leaf = SchemeLeaf(ind.code, self._combine(per_period, plan), weight=weight)
        assert leaf.max_points is not None
        return leaf, leaf.max_points

    def adjustment(self, adj: AdjustmentSpec, path: str) -> SchemeAdjustment:
        self.labels[path] = (adj.name, adj.name_en)
        if adj.source == "differentiation_penalty":
            points, lowest, reasons = self.data.penalty()
            low = adj.low if adj.low is not None else lowest
            bounded = bound_adjustments(
                points[:, None],
                item_low=low,
                item_high=0.0,
                items=[adj.code],
            )
            self.annotations[path] = lambda i: {"type": "differentiation_penalty", **reasons[i]}
            return SchemeAdjustment(adj.code, bounded)
        codes = [item.code for item in adj.items]
        values, entries = self.data.adjustments(codes)
        adjusted: Adjustments = bound_adjustments(
            values,
            item_low=[item.low for item in adj.items],
            item_high=[item.high for item in adj.items],
            items=codes,
            bonus_total_max=adj.bonus_total_max,
            deduction_total_min=adj.deduction_total_min,
            total_bounds=adj.total_bounds,
        )
        self.annotations[path] = lambda i: {"type": "entries", "entries": entries[i]}
        return SchemeAdjustment(adj.code, adjusted)

    def coefficient(self, coef: CoefficientSpec, path: str) -> Any:
        period = coef.period or default_period(self.spec)
        assert period is not None
        values = self.data.hard(coef.indicator, period)[0]
        base: Any = coef.base
        if coef.base_indicator is not None:
            base = self.data.hard(coef.base_indicator, period)[0]
        result = tier_coefficients(
            values,
            thresholds=coef.thresholds,
            tiers=coef.tiers,
            rule=coef.rule,
            direction=coef.direction,
            base=base,
        )
        self.annotations[path + "#coefficient"] = lambda i: {
            "type": "hard",
            "indicator": coef.indicator,
            "period": period,
            "value": float(values[i]),
            **({"base_indicator": coef.base_indicator} if coef.base_indicator else {}),
        }
        return result

    def block(
        self, block: BlockSpec | SchemeSpec, code: str, path: str, weight: float | None
    ) -> tuple[SchemeBlock, float]:
        children: list[SchemeLeaf | SchemeBlock | SchemeAdjustment] = []
        specs: list[IndicatorSpec | BlockSpec] = [*block.indicators, *block.blocks]
        weighted = any(c.weight is not None for c in specs)
        child_max: list[float] = []
        for ind in block.indicators:
            node, top = self.indicator(ind, f"{path}/{ind.code}", weighted)
            children.append(node)
            child_max.append(top)
        for child in block.blocks:
            child_path = f"{path}/{child.code}"
            self.labels[child_path] = (child.name, child.name_en)
            node_b, top = self.block(child, child.code, child_path, child.weight)
            children.append(node_b)
            child_max.append(top)
        for adj in block.adjustments:
            children.append(self.adjustment(adj, f"{path}/{adj.code}"))
        if block.points is not None:
            max_points = block.points
        elif weighted:
            max_points = 100.0
        else:
            max_points = math.fsum(child_max)
        coefficient = (
            self.coefficient(block.coefficient, path) if block.coefficient is not None else None
        )
        self.max_points[path] = max_points
        node = SchemeBlock(
            code,
            children,
            weight=weight,
            max_points=block.points,
            coefficient=coefficient,
            cap=block.cap,
            missing=block.missing if isinstance(block, BlockSpec) else None,
        )
        return node, max_points


def build_tree(spec: SchemeSpec, data: SchemeData) -> BuiltScheme:
    """The category's scheme as ``scoring.composite`` nodes over ``data.units``."""
    builder = _Builder(spec, data)
    builder.labels[ROOT] = (spec.title, "")
    builder.batch_hard()
    root, max_points = builder.block(spec, ROOT, ROOT, None)
    top = [
        (f"{ROOT}/{b.code}", b.code, b.name, b.name_en, builder.max_points[f"{ROOT}/{b.code}"])
        for b in spec.blocks
    ]
    return BuiltScheme(
        root=root,
        labels=builder.labels,
        annotations=builder.annotations,
        top_blocks=top,
        max_points=max_points,
    )
