"""Scheme storage: each category's versions in the database, import, export and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.composite.models import CompositeScheme
from survey.composite.schemas import (
    SchemeProblemPublic,
    SchemeSpec,
    SchemeValidation,
    SchemeVersionPublic,
)
from survey.composite.scheme_check import (
    parse_schemes,
)
from survey.composite.scheme_parse import (
    ParsedScheme,
    SchemeRejected,
    dump_yaml,
)
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import EvaluationStatus, UnitCategory

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
