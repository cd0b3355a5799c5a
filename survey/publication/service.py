"""Use cases of publication: publish, correct, withdraw and restore, read, and verify.

Publishing freezes the evaluation's inputs (``inputs.freeze_inputs``), computes the results
from the frozen inputs alone on a private database (``inputs.replayed``), and stores both as
canonical JSON with SHA-256 digests in the next version. A correction is the next version
with a reason: the office reopens the published evaluation for correction (its answers stay
closed), fixes the inputs and publishes again. ``verify`` recomputes every version from its
frozen inputs and compares the digests, and compares the live inputs of a published
evaluation with its newest version.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.composite.models import CompositeSnapshot, CompositeSnapshotUnit
from survey.composite.publish import store_snapshot
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import Evaluation, EvaluationStatus
from survey.publication.canonical import canonical_json, digest, parts_digests
from survey.publication.inputs import freeze_inputs, replayed
from survey.publication.models import PublicationVersion
from survey.publication.results import compute_results
from survey.rules import Action

REASON_MAX = 500


@dataclass(frozen=True)
class Frozen:
    """A publication's texts and digests, before it is stored."""

    inputs_json: str
    results_json: str
    part_digests: dict[str, Any]

    @property
    def inputs_digest(self) -> str:
        return digest(self.inputs_json)

    @property
    def results_digest(self) -> str:
        return digest(self.results_json)


def _results_from(
    inputs_json: str, evaluation_id: int, session: Session | None, by: str = ""
) -> tuple[str, Any]:
    """The results text computed from the inputs text (and the composite computation, whose
    explanations go into the snapshot, when ``session`` is given to store them in)."""
    inputs = json.loads(inputs_json)
    with replayed(inputs) as (scratch, evaluation, counts):
        computed = compute_results(scratch, evaluation, counts)
        # Through the canonical text and back, as a reader of the stored version gets it.
        results = json.loads(canonical_json(computed.results))
        if session is not None and computed.composite is not None:
            _replace_snapshot(session, evaluation_id, computed.composite, by)
    return canonical_json(results), results


def _replace_snapshot(session: Session, evaluation_id: int, computation: Any, by: str) -> None:
    old = session.exec(
        select(CompositeSnapshot.id).where(CompositeSnapshot.evaluation_id == evaluation_id)
    ).all()
    if old:
        session.execute(
            delete(CompositeSnapshotUnit).where(col(CompositeSnapshotUnit.snapshot_id).in_(old))
        )
        session.execute(delete(CompositeSnapshot).where(col(CompositeSnapshot.id).in_(old)))
        session.flush()
    store_snapshot(session, computation, evaluation_id, by)


def _all_digests(inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    composite = results.get("composite") or {}
    categories = sorted({u["category"] for u in composite.get("units", [])})
    return {
        "inputs": parts_digests(inputs),
        "inputs_tables": parts_digests(inputs["tables"]),
        "results": parts_digests(results),
        "results_composite_categories": {
            c: digest(canonical_json([u for u in composite["units"] if u["category"] == c]))
            for c in categories
        },
    }


def versions_of(session: Session, evaluation_id: int) -> list[PublicationVersion]:
    """Every version of the evaluation, oldest first."""
    return list(
        session.exec(
            select(PublicationVersion)
            .where(PublicationVersion.evaluation_id == evaluation_id)
            .order_by(col(PublicationVersion.version))
        )
    )


def publish(
    session: Session, evaluation_id: int, actor: Principal, *, reason: str = "", ip: str = ""
) -> PublicationVersion:
    """Freeze the closed evaluation's inputs and results as its next version; publish it."""
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(actor, Action.publish)
    if evaluation.status == EvaluationStatus.published:
        raise Conflict(
            N_(
                "The results of this evaluation are already published; reopen it for "
                "correction first."
            )
        )
    if evaluation.status != EvaluationStatus.closed:
        raise Conflict(N_("Close the evaluation before publishing its results."))
    earlier = versions_of(session, evaluation_id)
    reason = reason.strip()
    if earlier and not reason:
        raise Invalid(N_("A correction needs a reason."), field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid(
            N_("The reason may have at most %(max)s characters."), field="reason", max=REASON_MAX
        )
    inputs = json.loads(canonical_json(freeze_inputs(session, evaluation)))
    inputs_json = canonical_json(inputs)
    results_json, results = _results_from(inputs_json, evaluation_id, session, actor.name)
    number = (earlier[-1].version if earlier else 0) + 1
    version = PublicationVersion(
        evaluation_id=evaluation_id,
        version=number,
        reason=reason,
        published_by=actor.name,
        inputs_json=inputs_json,
        results_json=results_json,
        inputs_digest=digest(inputs_json),
        results_digest=digest(results_json),
        part_digests=_all_digests(inputs, results),
    )
    session.add(version)
    evaluation.status = EvaluationStatus.published
    session.add(evaluation)
    audit.record(
        session,
        actor.name,
        "publication.publish",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        version=number,
        reason=reason,
        inputs_digest=version.inputs_digest,
        results_digest=version.results_digest,
    )
    session.commit()
    session.refresh(version)
    return version


def reopen_for_correction(
    session: Session, evaluation_id: int, actor: Principal, *, ip: str = ""
) -> Evaluation:
    """Take a published evaluation back to closed so that its inputs can be corrected.

    The public keeps reading the published versions; no answer is taken (surveys and ballots
    stay closed, and an evaluation with versions does not open again).
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    # Who may first, then the state: an office asking to reopen an open evaluation is told
    # why it cannot (409), not that it lacks the right (403).
    rules.require(actor, Action.publish)
    if evaluation.status != EvaluationStatus.published:
        raise Conflict(N_("Only a published evaluation can be reopened for correction."))
    evaluation.status = EvaluationStatus.closed
    session.add(evaluation)
    audit.record(
        session,
        actor.name,
        "publication.reopen",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
    )
    session.commit()
    return evaluation


def set_withdrawn(
    session: Session,
    evaluation_id: int,
    number: int,
    withdrawn: bool,
    actor: Principal,
    *,
    ip: str = "",
) -> PublicationVersion:
    """Take a version off the public page, or put it back."""
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(actor, Action.publish)
    version = _version(session, evaluation.id or 0, number)
    if version.withdrawn == withdrawn:
        return version
    version.withdrawn = withdrawn
    session.add(version)
    audit.record(
        session,
        actor.name,
        "publication.withdraw" if withdrawn else "publication.restore",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        version=number,
    )
    session.commit()
    return version


def _version(session: Session, evaluation_id: int, number: int) -> PublicationVersion:
    version = session.exec(
        select(PublicationVersion).where(
            PublicationVersion.evaluation_id == evaluation_id,
            PublicationVersion.version == number,
        )
    ).first()
    if version is None:
        raise NotFound(N_("The evaluation has no published version %(version)s."), version=number)
    return version


def has_versions(session: Session, evaluation_id: int) -> bool:
    return (
        session.exec(
            select(PublicationVersion.id)
            .where(PublicationVersion.evaluation_id == evaluation_id)
            .limit(1)
        ).first()
        is not None
    )


# The public ---------------------------------------------------------------------------------


@dataclass
class PublicEvaluation:
    """An evaluation as the public results page lists it."""

    evaluation: Evaluation
    current: PublicationVersion
    shown: list[PublicationVersion] = field(default_factory=list)


def public_listing(session: Session) -> list[PublicEvaluation]:
    """Evaluations with a version on the public page, newest year first."""
    out: list[PublicEvaluation] = []
    for evaluation in session.exec(
        select(Evaluation).order_by(col(Evaluation.year).desc(), col(Evaluation.id).desc())
    ):
        found = _public(session, evaluation)
        if found is not None:
            out.append(found)
    return out


def _public(session: Session, evaluation: Evaluation) -> PublicEvaluation | None:
    if evaluation.id is None or not rules.can(None, Action.see_public, evaluation.status):
        return None
    shown = [v for v in versions_of(session, evaluation.id) if not v.withdrawn]
    if not shown:
        return None
    return PublicEvaluation(evaluation=evaluation, current=shown[-1], shown=shown)


def public_publication(
    session: Session, evaluation_id: int, number: int | None = None
) -> tuple[PublicEvaluation, PublicationVersion]:
    """The evaluation's public versions and the one asked for (the newest by default)."""
    evaluation = session.get(Evaluation, evaluation_id)
    found = _public(session, evaluation) if evaluation is not None else None
    if found is None:
        raise NotFound(N_("No published results for this evaluation."))
    if number is None:
        return found, found.current
    for version in found.shown:
        if version.version == number:
            return found, version
    raise NotFound(N_("The evaluation has no published version %(version)s."), version=number)


def results_of(version: PublicationVersion) -> dict[str, Any]:
    results: dict[str, Any] = json.loads(version.results_json)
    return results


# Verifying -----------------------------------------------------------------------------------


@dataclass
class Difference:
    """One part of one version that does not match: where, and what was expected."""

    version: int | None  # None: the live inputs of the published evaluation
    part: str
    detail: str


@dataclass
class VerifyReport:
    evaluation_id: int
    versions: list[tuple[int, str, str]]  # number, inputs digest, results digest
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences


def _differing(stored: dict[str, str], found: dict[str, str]) -> list[str]:
    return sorted(k for k in set(stored) | set(found) if stored.get(k) != found.get(k))


def _same_design(stored: Any, live: Any) -> bool:
    """Whether the live design counts are the stored ones up to the last bits of their weight
    sums: PostgreSQL may add the same weights in another order from one reading to the next
    (a parallel aggregate), and rounding to ten decimals does not hide a sum that falls on
    either side of a rounding step. Every count and key must be equal."""
    if not isinstance(stored, dict) or not isinstance(live, dict):
        return False
    for part in ("answers", "respondents"):
        ours, theirs = stored.get(part), live.get(part)
        if not isinstance(ours, list) or not isinstance(theirs, list) or len(ours) != len(theirs):
            return False
        for a, b in zip(ours, theirs, strict=True):
            if not isinstance(a, list) or not isinstance(b, list) or len(a) != len(b):
                return False
            for x, y in zip(a, b, strict=True):
                both_floats = isinstance(x, float) and isinstance(y, float)
                if x != y and not (both_floats and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)):
                    return False
    return True


def verify(session: Session, evaluation_id: int) -> VerifyReport:
    """Recompute every version from its frozen inputs; compare texts and digests.

    Also compares the live inputs of a published evaluation with its newest version: a
    change behind the application's back shows there too.
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    # Read as stored now, not as this session may remember them.
    versions = list(
        session.exec(
            select(PublicationVersion)
            .where(PublicationVersion.evaluation_id == evaluation_id)
            .order_by(col(PublicationVersion.version))
            .execution_options(populate_existing=True)
        )
    )
    differences: list[Difference] = []
    listed: list[tuple[int, str, str]] = []
    for version in versions:
        listed.append((version.version, version.inputs_digest, version.results_digest))
        stored_parts: dict[str, Any] = version.part_digests or {}
        if digest(version.inputs_json) != version.inputs_digest:
            try:
                inputs = json.loads(version.inputs_json)
                found = {
                    **parts_digests(inputs),
                    **{
                        f"tables.{k}": v for k, v in parts_digests(inputs.get("tables", {})).items()
                    },
                }
                stored = {
                    **stored_parts.get("inputs", {}),
                    **{f"tables.{k}": v for k, v in stored_parts.get("inputs_tables", {}).items()},
                }
                parts = [p for p in _differing(stored, found) if p != "tables"] or ["inputs"]
            except ValueError:
                parts = ["inputs"]
            differences.extend(
                Difference(version.version, f"inputs.{p}", "digest differs") for p in parts
            )
        if digest(version.results_json) != version.results_digest:
            differences.append(
                Difference(version.version, "results", "stored results differ from their digest")
            )
        try:
            results_json, results = _results_from(version.inputs_json, evaluation_id, None)
        except Exception as error:  # a damaged input may not compute at all
            differences.append(Difference(version.version, "results", f"not computable: {error}"))
            continue
        if digest(results_json) != version.results_digest:
            found_parts = _all_digests({"tables": {}}, results)
            parts = _differing(stored_parts.get("results", {}), found_parts["results"])
            parts += [
                f"composite.{c}"
                for c in _differing(
                    stored_parts.get("results_composite_categories", {}),
                    found_parts["results_composite_categories"],
                )
            ]
            differences.extend(
                Difference(version.version, f"results.{p}", "recomputed digest differs")
                for p in parts or ["results"]
            )
    if versions and evaluation.status == EvaluationStatus.published:
        newest = versions[-1]
        live = json.loads(canonical_json(freeze_inputs(session, evaluation)))
        try:
            stored = json.loads(newest.inputs_json)
        except ValueError:  # damaged: reported above, and every part differs
            stored = {}
        if "design" not in stored.get("counts", {}):
            # A version frozen before designs were: its inputs are compared as it froze them,
            # so that keeping the design now is not taken for a change of the live data.
            live["counts"].pop("design", None)
        elif _same_design(stored["counts"]["design"], live["counts"].get("design")):
            live["counts"]["design"] = stored["counts"]["design"]
        if canonical_json(live) != newest.inputs_json:
            parts = [
                p for p in _differing(parts_digests(stored), parts_digests(live)) if p != "tables"
            ] + [
                f"tables.{p}"
                for p in _differing(
                    parts_digests(stored.get("tables", {})), parts_digests(live["tables"])
                )
            ]
            differences.extend(
                Difference(None, f"inputs.{p}", f"live data differ from version {newest.version}")
                for p in parts or ["inputs"]
            )
    return VerifyReport(evaluation_id=evaluation_id, versions=listed, differences=differences)
