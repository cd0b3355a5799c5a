"""Use cases of composite results: reading, publishing and explaining an evaluation's results.

Each category is computed whole (ranks and category-relative methods need every unit) by
``survey.composite.compute``, from the newest scheme version, the hard-indicator values, the
satisfaction results (through ``survey.satisfaction``'s service), the qualitative scores,
excellence goals and bonus and deduction entries; ``scoring`` does all arithmetic. The
library's reasons (a missing value, an undefined growth rate) become the category's notes, as
codes with parameters that pages word in the reader's language, rather than errors.

Publishing (``survey.publication.service``) stores a snapshot: every unit's result and
its full explanation, with the scheme versions, computed from the frozen inputs. A published
evaluation is read back from it, so later changes of data or schemes never alter published
figures; its sensitivity analysis runs on the tree rebuilt from the
stored explanations, which gives the stored totals back exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from scoring import recompute
from survey import organisation as org
from survey.accounts import Principal
from survey.composite import reasons
from survey.composite.compute import Computation, compute
from survey.composite.models import CompositeScheme, CompositeSnapshot, CompositeSnapshotUnit
from survey.composite.rank_noise import mark_rank_noise
from survey.composite.schemas import (
    CategoryComposite,
    CompositeResults,
    DifferentiationReport,
    UnitComposite,
)
from survey.composite.sensitivity import apply_sensitivity, published_items
from survey.composite.snapshots import snapshot_of, snapshot_units
from survey.errors import N_, Conflict, DomainError, Invalid, NotFound, NotPermitted
from survey.models import Evaluation, EvaluationStatus, Unit, UnitCategory
from survey.publication import service as publication
from survey.satisfaction.service import audience_of
from survey.unit_home.models import CompositeRelease

DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20261121
MAX_DRAWS = 20000


def publish_results(
    session: Session, evaluation_id: int, actor: Principal, *, ip: str = "", reason: str = ""
) -> CompositeResults:
    """Freeze the inputs and results as the next publication version, mark it published.

    The composite snapshot (every unit's result and explanation) is stored with it; see
    ``survey.publication.service.publish``.
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    if evaluation.status == EvaluationStatus.published:
        raise Conflict(N_("The composite results of this evaluation are already published."))
    if not _has_schemes(session, evaluation_id):
        raise Conflict(N_("The evaluation has no scheme to publish results of."))
    publication.publish(session, evaluation_id, actor, reason=reason, ip=ip)
    return composite_results(session, evaluation_id, viewer=actor)


def _has_schemes(session: Session, evaluation_id: int) -> bool:
    found = session.exec(
        select(CompositeScheme.id).where(CompositeScheme.evaluation_id == evaluation_id).limit(1)
    ).first()
    return found is not None


# Reading results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityRequest:
    """How many Monte Carlo draws to make, and from which seed."""

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
        released = session.get(CompositeRelease, evaluation.id) is not None
        if not released and evaluation.status != EvaluationStatus.published:
            # A unit reads its composite result once the office releases it (its own only),
            # or once it is published for everyone.
            raise NotFound(N_("The office has not released the composite results yet."))
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
    snapshot = snapshot_of(session, evaluation_id)
    if snapshot is not None:
        results = _frozen_results(session, evaluation, snapshot, category, sensitivity)
    else:
        computed = compute(session, evaluation, only={category} if category else None)
        results = _live_results(computed, sensitivity)
        if category is not None:
            results.differentiation = [d for d in results.differentiation if d.category == category]
    if sensitivity is not None:
        mark_rank_noise(results.units, _previous_bands(session, evaluation, category, sensitivity))
    if own is not None:
        results.units = [u for u in results.units if u.unit == own]
        shown = {u.category for u in results.units}
        results.categories = [c for c in results.categories if c.category in shown]
        results.differentiation = []
    return results


def _previous_bands(
    session: Session, evaluation: Evaluation, category: str | None, sensitivity: SensitivityRequest
) -> CompositeResults | None:
    """The previous evaluation's results with rank bands from the same draws and seed: from
    its snapshot when published (what the rank change is measured against), else computed.
    None when there is no previous evaluation or it cannot be computed (no bands, no marks)."""
    if evaluation.previous_id is None:
        return None
    previous = session.get(Evaluation, evaluation.previous_id)
    if previous is None or previous.id is None:
        return None
    try:
        snapshot = snapshot_of(session, previous.id)
        if snapshot is not None:
            return _frozen_results(session, previous, snapshot, category, sensitivity)
        computed = compute(
            session, previous, only={category} if category else None, with_history=False
        )
        return _live_results(computed, sensitivity)
    except DomainError:
        return None


def result_categories(session: Session, evaluation_id: int) -> list[str]:
    """Codes of the categories that have composite results, in the categories' order: those
    of the published snapshot, or else those with a current scheme. Cheap (no scoring), so a
    page can offer every category while computing one."""
    org.get_evaluation(session, evaluation_id)
    snapshot = snapshot_of(session, evaluation_id)
    ordered = session.exec(
        select(UnitCategory).order_by(col(UnitCategory.sort_order), col(UnitCategory.code))
    ).all()
    if snapshot is not None:
        return [c.code for c in ordered if c.code in snapshot.scheme_versions]
    # The ids alone: the scheme rows carry their whole definition, which is not needed here.
    ids = set(
        session.exec(
            select(CompositeScheme.category_id)
            .where(CompositeScheme.evaluation_id == evaluation_id)
            .distinct()
        )
    )
    return [c.code for c in ordered if c.id in ids]


def _live_results(
    computed: Computation, sensitivity: SensitivityRequest | None
) -> CompositeResults:
    evaluation = computed.evaluation
    assert evaluation.id is not None
    units = [u for run in computed.runs for u in run.units]
    method = None
    if sensitivity is not None:
        method = apply_sensitivity(
            [(run.category, run.spec, run.result, run.units) for run in computed.runs],
            sensitivity.draws,
            sensitivity.seed,
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
        notes=[reasons.reason_public(r) for r in computed.notes],
        sensitivity_method=method,
    )


def _frozen_results(
    session: Session,
    evaluation: Evaluation,
    snapshot: CompositeSnapshot,
    category: str | None,
    sensitivity: SensitivityRequest | None,
) -> CompositeResults:
    assert evaluation.id is not None
    rows = snapshot_units(session, snapshot)
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
        items = published_items(session, evaluation.id, categories, units, explanations)
        method = apply_sensitivity(items, sensitivity.draws, sensitivity.seed)
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


# Explanations --------------------------------------------------------------------------------


def explain_unit(
    session: Session, evaluation_id: int, unit_code: str, *, viewer: Principal | None
) -> dict[str, Any]:
    """The whole computation of one unit's total, as plain JSON that recomputes to it."""
    evaluation = org.get_evaluation(session, evaluation_id)
    _, own = _audience(session, evaluation, viewer)
    unit = org.unit_by_code(session, unit_code)
    if own is not None and own != unit.code:
        # To a unit, another unit's results do not exist (404, not 403).
        raise NotFound(N_("There is no such unit."))
    snapshot = snapshot_of(session, evaluation_id)
    if snapshot is not None:
        row = session.get(CompositeSnapshotUnit, (snapshot.id, unit.code))
        if row is None:
            raise NotFound(
                N_("The published results do not include the unit %(code)s."), code=unit.code
            )
        return {**row.explanation, "frozen": True, "published_at": snapshot.published_at}
    category = session.get(UnitCategory, unit.category_id)
    assert category is not None
    computed = compute(session, evaluation, only={category.code})
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
    """When the evaluation's results were published, or None."""
    snapshot = snapshot_of(session, evaluation_id)
    return snapshot.published_at if snapshot is not None else None
