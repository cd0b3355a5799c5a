"""A small world of comments for the comment tests: units, groups, responses with comments."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session

from survey.accounts import Principal
from survey.models import Comment, Evaluation, RespondentGroup, Response, Role, Unit
from tests.factories import make_category, make_evaluation, make_group, make_unit

OFFICE = Principal(name="kaohe", role=Role.office)


@dataclass
class World:
    evaluation: Evaluation
    units: list[Unit]
    groups: list[RespondentGroup]
    keys: list[str] = field(default_factory=list)

    @property
    def evaluation_id(self) -> int:
        assert self.evaluation.id is not None
        return self.evaluation.id

    def unit_principal(self, k: int) -> Principal:
        return Principal(name=f"unit{k}", role=Role.unit, unit_id=self.units[k].id)


def make_world(session: Session, units: int = 2, groups: int = 2) -> World:
    evaluation = make_evaluation(session)
    category = make_category(session)
    return World(
        evaluation,
        [make_unit(session, category) for _ in range(units)],
        [make_group(session) for _ in range(groups)],
    )


def add_comment(
    session: Session,
    world: World,
    text: str,
    *,
    unit: int | None = 0,
    group: int = 0,
    channel: str = "qr",
    at: datetime = datetime(2026, 12, 4, 10, 0, tzinfo=UTC),
    question: str | None = None,
    commit: bool = True,
) -> str:
    """One response with one comment; returns the comment's office key."""
    response_id = secrets.token_hex(16)
    session.add(
        Response(
            id=response_id,
            evaluation_id=world.evaluation_id,
            group_id=world.groups[group].id,  # type: ignore[arg-type]
            channel=channel,
            submitted_at=at,
            time_precision="second",
        )
    )
    session.flush()
    session.add(
        Comment(
            response_id=response_id,
            seq=0,
            evaluation_id=world.evaluation_id,
            unit_id=None if unit is None else world.units[unit].id,
            question=question,
            text=text,
        )
    )
    if commit:
        session.commit()
    key = f"{response_id}-0"
    world.keys.append(key)
    return key
