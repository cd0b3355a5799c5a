"""Queries of the satisfaction results: periods, units, categories, groups and the counts."""

from __future__ import annotations

from sqlmodel import Session, col, select

from survey.errors import N_, NotFound
from survey.models import Period, RespondentGroup, Unit, UnitCategory
from survey.satisfaction import counts as sql
from survey.satisfaction import frozen
from survey.satisfaction.schemas import PolicySettings


def period_by_code(session: Session, evaluation_id: int, code: str | None) -> Period | None:
    """The evaluation's period ``code``; None for every period."""
    if code is None:
        return None
    period = session.exec(
        select(Period).where(Period.evaluation_id == evaluation_id, Period.code == code)
    ).first()
    if period is None:
        raise NotFound(N_("The evaluation has no period %(code)s."), code=code)
    return period


def categories_by_id(session: Session) -> dict[int | None, UnitCategory]:
    return {c.id: c for c in session.exec(select(UnitCategory))}


def units_in_order(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code))))


def groups_in_order(session: Session) -> list[RespondentGroup]:
    return list(
        session.exec(
            select(RespondentGroup).order_by(
                col(RespondentGroup.sort_order), col(RespondentGroup.code)
            )
        )
    )


def count_rows(
    session: Session, settings: PolicySettings, where: sql.CountFilter
) -> tuple[list[sql.Count], list[sql.CellCount]]:
    """The counts and, when the policy rakes, the counts per weighting cell they sum.

    One statement either way: raking reads the cell counts and sums them itself. A published
    evaluation (or one being published or verified) is counted from its frozen counts.
    """
    frozen_source = frozen.source_for(session, where.evaluation_id)
    if frozen_source is not None:
        frozen_cells = frozen_source.cell_counts(where)
        if not settings.margins:
            return sql.without_cells(frozen_cells), []
        return sql.without_cells(frozen_cells), frozen_cells
    if not settings.margins:
        return sql.answer_counts(session, where), []
    cell_rows = sql.cell_answer_counts(session, where)
    return sql.without_cells(cell_rows), cell_rows
