"""Scheme checks: every problem of a parsed scheme, with its line and field, before storing."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError
from sqlmodel import Session, select

from scoring import (
    GradeRule,
    aggregate_periods,
    bound_adjustments,
    differentiation_check,
    monthly_to_quarterly,
    target_completion,
    tier_coefficients,
)
from survey.composite.schemas import (
    AdjustmentSpec,
    BlockSpec,
    CoefficientSpec,
    Direction,
    HardSource,
    IndicatorSpec,
    SatisfactionSource,
    SchemeSpec,
)
from survey.composite.scheme_mcda import check_block_methods
from survey.composite.scheme_methods import (
    BenchmarkParams,
    EfficacyParams,
    MinMaxParams,
    RankParams,
    SpeedQualityParams,
    TargetParams,
    ZScoreParams,
    _benchmark,
    _efficacy,
    _min_max,
    _plan_key,
    _rank,
    _z,
    default_period,
    method_of,
    params_of,
    period_plan,
    scoring_params,
)
from survey.composite.scheme_parse import (
    GENERIC,
    WEIGHT_TOLERANCE,
    Loc,
    ParsedScheme,
    SchemeProblem,
    _document_texts,
    _duplicate_keys,
    _Problems,
    dump_yaml,
)
from survey.errors import N_
from survey.models import RespondentGroup, UnitCategory
from survey.validation import problem_message

# Validation ------------------------------------------------------------------------------------


def _dry_run(problems: _Problems, loc: Loc, call: Callable[[], object]) -> None:
    """Let the library check parameters on dummy data; its ValueError names the problem."""
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
                warn=False,
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
                np.ones((1, months)),
                how=m.how,
                cumulative=m.cumulative,
                missing=m.missing,
                warn=False,
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
                warn=False,
            ),
        )


def _check_indicator(
    problems: _Problems,
    loc: Loc,
    ind: IndicatorSpec,
    spec: SchemeSpec,
    weighted: bool,
    derived: bool = False,
) -> None:
    method = method_of(ind)
    full = ind.points if ind.points is not None else 100.0
    if weighted and not derived and ind.weight is None:
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
        _check_parts(problems, loc, ind, spec)
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


def _check_parts(problems: _Problems, loc: Loc, ind: IndicatorSpec, spec: SchemeSpec) -> None:
    """A scale/speed/quality indicator: its three parts, scored on the same periods."""
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
            warn=False,
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
    # Derived weights (entropy, AHP) stand for given ones: the block is in weights mode.
    derived = isinstance(block, BlockSpec) and block.weighting is not None
    weighted = bool(children) and (derived or any(c.weight is not None for c in children))
    if isinstance(block, BlockSpec):
        check_block_methods(problems, loc, block, spec)
    if weighted and not derived:
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
    topsis = isinstance(block, BlockSpec) and block.topsis is not None
    for k, ind in enumerate(block.indicators):
        if not topsis:  # TOPSIS criteria are checked as such, in check_block_methods
            _check_indicator(problems, (*loc, "indicators", k), ind, spec, weighted, derived)
    for k, child in enumerate(block.blocks):
        child_loc = (*loc, "blocks", k)
        if weighted and not derived and child.weight is None:
            problems.add(
                (*child_loc, "weight"),
                N_("Line %(line)s, %(field)s: the other children of this block have weights."),
            )
        grandchildren: list[IndicatorSpec | BlockSpec] = [*child.indicators, *child.blocks]
        if (
            not weighted
            and child.points is None
            and (
                any(c.weight is not None for c in grandchildren)
                or child.weighting is not None
                or child.topsis is not None
            )
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
