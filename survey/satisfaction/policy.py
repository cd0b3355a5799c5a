"""The satisfaction policy of an evaluation: read the current version, add a new one."""

from __future__ import annotations

import math
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from scoring import NumericScale, SatisfactionPolicy, numeric_value, with_numeric_levels
from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.errors import N_, Conflict, Invalid
from survey.models import EvaluationStatus
from survey.satisfaction.models import SatisfactionPolicyVersion
from survey.satisfaction.schemas import (
    LevelScore,
    PolicySettings,
    PolicyVersionSummary,
    SatisfactionPolicyPublic,
    SatisfactionPolicyPut,
)
from survey.schemas import WeightEntry, WeightPublic

# Population totals of different margins describe one population, so they must agree.
MARGIN_TOTAL_TOLERANCE = 1e-6
_CELL_SEPARATORS = (";", "=")
# No evaluated city or county has more people than this; a larger number is a typing error.
MAX_POPULATION = 1_000_000_000


def current_version(session: Session, evaluation_id: int) -> SatisfactionPolicyVersion | None:
    return session.exec(
        select(SatisfactionPolicyVersion)
        .where(SatisfactionPolicyVersion.evaluation_id == evaluation_id)
        .order_by(col(SatisfactionPolicyVersion.version).desc())
        .limit(1)
    ).first()


def settings_of(row: SatisfactionPolicyVersion | None) -> PolicySettings:
    """The rules a stored version holds, or the defaults when nothing was saved yet."""
    if row is None:
        return PolicySettings()
    return PolicySettings.model_validate(
        {
            "level_scores": row.level_scores,
            "satisfied_levels": row.satisfied_levels,
            "dont_know_code": row.dont_know_code,
            "trim_k": row.trim_k,
            "min_n": row.min_n,
            "confidence": row.confidence,
            "rate_ci_method": row.rate_ci_method,
            "combine_ci_method": row.combine_ci_method,
            "suppression_threshold": row.suppression_threshold,
            "comment_threshold": row.comment_threshold,
            "questions": row.questions,
            "margins": row.margins,
            "raked_groups": row.raked_groups,
            "rank_draws": row.rank_draws,
            "rank_seed": row.rank_seed,
            "numeric_scale": row.numeric_scale,
            "finite_population": row.finite_population or {},
            "significance": row.significance or {},
        }
    )


def get_policy(session: Session, evaluation_id: int) -> SatisfactionPolicyPublic:
    """The policy in force: the newest version, or the defaults as version 0."""
    org.get_evaluation(session, evaluation_id)
    row = current_version(session, evaluation_id)
    return policy_public(session, evaluation_id, row)


def policy_public(
    session: Session,
    evaluation_id: int,
    row: SatisfactionPolicyVersion | None,
    weights: list[WeightPublic] | None = None,
) -> SatisfactionPolicyPublic:
    return SatisfactionPolicyPublic(
        **settings_of(row).model_dump(),
        evaluation_id=evaluation_id,
        version=row.version if row else 0,
        created_at=row.created_at if row else None,
        created_by=row.created_by if row else "",
        note=row.note if row else "",
        weights=org.get_weights(session, evaluation_id) if weights is None else weights,
    )


def history(session: Session, evaluation_id: int) -> list[PolicyVersionSummary]:
    org.get_evaluation(session, evaluation_id)
    rows = session.exec(
        select(SatisfactionPolicyVersion)
        .where(SatisfactionPolicyVersion.evaluation_id == evaluation_id)
        .order_by(col(SatisfactionPolicyVersion.version).desc())
    )
    return [
        PolicyVersionSummary(
            version=r.version,
            created_at=r.created_at,
            created_by=r.created_by,
            note=r.note,
            weights=None if r.weights is None else [WeightPublic(**w) for w in r.weights],
        )
        for r in rows
    ]


def scoring_policy(settings: PolicySettings, answers: Iterable[str] = ()) -> SatisfactionPolicy:
    """The pure-library policy for these rules (checked by :func:`check_settings` first).

    ``answers``: the answer codes counted; with a numeric scale, each number on it becomes a
    level of its own, scored by the scale's linear map (so the counts, the trimmed mean, the
    raking and the rank draws treat it like any level).
    """
    listed = SatisfactionPolicy(
        level_scores={level.code: level.score for level in settings.level_scores},
        satisfied_levels=frozenset(settings.satisfied_levels),
        dont_know_code=settings.dont_know_code,
        trim_k=settings.trim_k,
        min_n=settings.min_n,
        confidence=settings.confidence,
        rate_ci_method=settings.rate_ci_method,
        suppression_threshold=settings.suppression_threshold,
    )
    scale = numeric_scale(settings)
    return listed if scale is None else with_numeric_levels(listed, scale, answers)


def numeric_scale(settings: PolicySettings) -> NumericScale | None:
    """The policy's numeric scale for ``scoring``, or None when it has none."""
    found = settings.numeric_scale
    if found is None:
        return None
    return NumericScale(low=found.low, high=found.high, satisfied_from=found.threshold())


def scorable(settings: PolicySettings, answer: str) -> bool:
    """Whether the policy gives the answer code (a level code or a number) a score, or
    counts it as don't know."""
    if answer == settings.dont_know_code or any(lv.code == answer for lv in settings.level_scores):
        return True
    scale = numeric_scale(settings)
    value = numeric_value(answer)
    return scale is not None and value is not None and scale.holds(value)


def check_settings(session: Session, settings: PolicySettings) -> None:
    """Rules that span fields, with messages the office can act on."""
    codes: list[str] = []
    for level in settings.level_scores:
        if level.code in codes:
            raise Invalid(
                N_("The level %(code)s appears twice."), field="level_scores", code=level.code
            )
        codes.append(level.code)
    for code in settings.satisfied_levels:
        if code not in codes:
            raise Invalid(
                N_("The satisfied level %(code)s is not one of the scored levels."),
                field="satisfied_levels",
                code=code,
            )
    if settings.dont_know_code is not None and settings.dont_know_code in codes:
        raise Invalid(
            N_("The don't-know level %(code)s must not also be a scored level."),
            field="dont_know_code",
            code=settings.dont_know_code,
        )
    for code in settings.raked_groups:
        org.group_by_code(session, code)
    _check_margins(settings.margins)
    _check_finite_population(session, settings)
    _check_numeric_scale(settings)
    try:
        scoring_policy(settings)
    except ValueError:  # a rule the checks above do not know yet: refuse rather than crash
        raise Invalid(N_("The satisfaction policy is not valid.")) from None


def _check_finite_population(session: Session, settings: PolicySettings) -> None:
    for code, population in settings.finite_population.items():
        org.group_by_code(session, code)
        sizes = population.values() if isinstance(population, dict) else [population]
        for size in sizes:
            if not (math.isfinite(size) and 1 <= size <= MAX_POPULATION):
                raise Invalid(
                    N_(
                        "The population of %(group)s must be a number from 1 to %(n)s "
                        "(people, or PSUs for a cluster sample)."
                    ),
                    field="finite_population",
                    group=code,
                    n=MAX_POPULATION,
                )
        if isinstance(population, dict):
            for stratum in population:
                if not stratum or len(stratum) > 64:
                    raise Invalid(
                        N_("A stratum of %(group)s needs a name of at most 64 characters."),
                        field="finite_population",
                        group=code,
                    )


def _check_numeric_scale(settings: PolicySettings) -> None:
    found = settings.numeric_scale
    if found is None:
        return
    if not found.low < found.high:
        raise Invalid(
            N_("The numeric scale must run from a lower to a higher answer (%(low)s to %(high)s)."),
            field="numeric_scale",
            low=f"{found.low:g}",
            high=f"{found.high:g}",
        )
    if not found.low <= found.threshold() <= found.high:
        raise Invalid(
            N_("The answer that counts as satisfied must lie between %(low)s and %(high)s."),
            field="numeric_scale",
            low=f"{found.low:g}",
            high=f"{found.high:g}",
        )


def _check_margins(margins: dict[str, dict[str, float]]) -> None:
    first: tuple[str, float] | None = None
    for variable, totals in margins.items():
        names = [variable, *totals]
        if any(not name.strip() or any(s in name for s in _CELL_SEPARATORS) for name in names):
            raise Invalid(
                N_("Margin names and categories must not be empty or contain ; or =."),
                field="margins",
            )
        if not totals or any(not math.isfinite(v) or v <= 0 for v in totals.values()):
            raise Invalid(
                N_("Every category of the margin %(variable)s needs a positive population total."),
                field="margins",
                variable=variable,
            )
        total = math.fsum(totals.values())
        if first is None:
            first = (variable, total)
        elif not math.isclose(total, first[1], rel_tol=MARGIN_TOTAL_TOLERANCE):
            raise Invalid(
                N_(
                    "The margins must describe one population: %(variable)s adds up to "
                    "%(total)s but %(first)s to %(expected)s."
                ),
                field="margins",
                variable=variable,
                total=f"{total:g}",
                first=first[0],
                expected=f"{first[1]:g}",
            )


def set_policy(
    session: Session,
    evaluation_id: int,
    data: SatisfactionPolicyPut,
    actor: Principal,
    *,
    ip: str = "",
) -> SatisfactionPolicyPublic:
    """Store ``data`` as the next version (and the weights it names), in one transaction."""
    settings = PolicySettings.model_validate(
        data.model_dump(include=set(PolicySettings.model_fields))
    )
    row = _store_version(
        session, evaluation_id, settings, actor, note=data.note, ip=ip, weights=data.weights
    )
    return policy_public(session, evaluation_id, row)


def set_weights(
    session: Session,
    evaluation_id: int,
    entries: list[WeightEntry],
    actor: Principal,
    *,
    note: str = "",
    ip: str = "",
) -> list[WeightPublic]:
    """Replace the group weights of the categories named: the next version, same rules.

    The weight matrix is part of the policy, so a change of weights alone is a new version
    too, and every result names the version whose weights produced it.
    """
    settings = settings_of(current_version(session, evaluation_id))
    _store_version(session, evaluation_id, settings, actor, note=note, ip=ip, weights=entries)
    return org.get_weights(session, evaluation_id)


def _store_version(
    session: Session,
    evaluation_id: int,
    settings: PolicySettings,
    actor: Principal,
    *,
    note: str,
    ip: str,
    weights: list[WeightEntry] | None,
) -> SatisfactionPolicyVersion:
    """Add the next version with ``settings`` and the weight matrix it leaves in force."""
    evaluation = org.get_evaluation(session, evaluation_id)
    if evaluation.status == EvaluationStatus.published:
        raise Conflict(N_("A published evaluation cannot be changed."))
    check_settings(session, settings)
    latest = session.exec(
        select(func.max(SatisfactionPolicyVersion.version)).where(
            SatisfactionPolicyVersion.evaluation_id == evaluation_id
        )
    ).one()
    version = (latest or 0) + 1
    dumped = settings.model_dump(mode="json")
    try:
        if weights is not None:
            org.replace_weights(session, evaluation_id, weights, actor)
        matrix = [w.model_dump() for w in org.get_weights(session, evaluation_id)]
        row = SatisfactionPolicyVersion(
            evaluation_id=evaluation_id,
            version=version,
            created_by=actor.name,
            note=note,
            weights=matrix,
            **dumped,
        )
        session.add(row)
        audit.record(
            session,
            actor.name,
            "satisfaction_policy.set",
            target_type="evaluation",
            target_id=evaluation_id,
            ip=ip,
            version=version,
            note=note,
            policy=dumped,
            weights=matrix,
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            N_("Someone else changed the satisfaction policy at the same time. Please reload.")
        ) from None
    except Exception:
        session.rollback()
        raise
    session.refresh(row)
    return row


def default_levels() -> list[LevelScore]:
    return PolicySettings().level_scores


def parse_margins(text_value: str) -> dict[str, dict[str, float]]:
    """Margins from the office form: one line per variable, ``age: 18-34=340000, 60plus=…``."""
    margins: dict[str, dict[str, float]] = {}
    for number, line in enumerate(text_value.splitlines(), start=1):
        if not line.strip():
            continue
        variable, colon, rest = line.partition(":")
        totals: dict[str, float] = {}
        try:
            if not colon or not variable.strip():
                raise ValueError(line)
            for part in rest.split(","):
                if not part.strip():
                    continue
                category, equals, total = part.partition("=")
                if not equals or not category.strip():
                    raise ValueError(part)
                totals[category.strip()] = float(total.replace(" ", ""))
        except ValueError:
            raise Invalid(
                N_("Line %(line)s of the margins should read “variable: category=total, …”."),
                field="margins",
                line=number,
            ) from None
        margins[variable.strip()] = totals
    return margins


def format_margins(margins: dict[str, dict[str, float]]) -> str:
    return "\n".join(
        f"{variable}: "
        + ", ".join(f"{category}={_plain(total)}" for category, total in totals.items())
        for variable, totals in margins.items()
    )


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))
