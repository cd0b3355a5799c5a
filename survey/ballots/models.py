"""Ballot tables. Nothing here links a ballot to the code that cast it.

``ballot_code`` knows only a keyed hash of each code, the card's serial number and whether it
has been used; ballots are ordinary ``response`` rows with random ids and the day they were
cast. There is no column, key or timestamp that joins the two.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class BatchStatus(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class CodeStatus(StrEnum):
    unused = "unused"
    used = "used"
    void = "void"


class UniformRule(StrEnum):
    """What to do with a ballot that gives every unit the same rating."""

    allow = "allow"
    warn = "warn"  # ask the delegate to confirm
    refuse = "refuse"


class PaperState(StrEnum):
    pending = "pending"  # waiting for the second clerk
    mismatch = "mismatch"  # two entries disagree: a third look is needed
    accepted = "accepted"  # matched; the ballot is stored
    superseded = "superseded"  # a mismatching entry that the third look did not confirm


class SheetDisposition(StrEnum):
    """What a clerk reads a paper sheet as. Only a valid sheet becomes a ballot with answers."""

    valid = "valid"  # every unit marked once (不了解 is a mark)
    blank = "blank"  # no unit marked at all (空白票)
    invalid = "invalid"  # spoilt (废票), for one of ``InvalidReason``


class InvalidReason(StrEnum):
    """Why a paper sheet is spoilt: categories only, never free text that could name someone."""

    several_marks = "several_marks"  # a unit marked more than once
    illegible = "illegible"  # altered or unreadable marks
    unofficial = "unofficial"  # not an official sheet of this meeting
    other = "other"


# A batch's result stands when the ballots returned reach this share of the codes issued,
# unless the office sets another (two thirds, as delegate meetings usually require).
DEFAULT_QUORUM = (2, 3)


def _batch_fk(primary_key: bool = False) -> Column[int]:
    return Column(
        Integer,
        ForeignKey("ballot_batch.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        index=not primary_key,
    )


class BallotBatch(SQLModel, table=True):
    __tablename__ = "ballot_batch"

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="evaluation.id", index=True)
    period_id: int | None = Field(default=None, foreign_key="period.id")
    group_id: int = Field(foreign_key="respondent_group.id")
    title: str = Field(max_length=200)
    title_en: str = Field(default="", max_length=200)
    scale: str = Field(max_length=16)
    question: str = Field(default="overall", max_length=32)
    unit_comments: bool = False
    # Cadres of a department do not rate their own department.
    excluded_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    uniform_rule: str = Field(default=UniformRule.warn, max_length=8)
    status: str = Field(default=BatchStatus.draft, max_length=16)
    # The quorum as an exact fraction of the codes issued (2/3 stays 2/3, not 0.667).
    quorum_numerator: int = Field(
        default=DEFAULT_QUORUM[0], sa_column_kwargs={"server_default": text("2")}
    )
    quorum_denominator: int = Field(
        default=DEFAULT_QUORUM[1], sa_column_kwargs={"server_default": text("3")}
    )
    created_at: datetime = Field(default_factory=utcnow)


class BallotBatchUnit(SQLModel, table=True):
    __tablename__ = "ballot_batch_unit"

    batch_id: int = Field(sa_column=_batch_fk(primary_key=True))
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class BallotBatchCategory(SQLModel, table=True):
    __tablename__ = "ballot_batch_category"

    batch_id: int = Field(sa_column=_batch_fk(primary_key=True))
    category_id: int = Field(foreign_key="unit_category.id", primary_key=True)


class BallotCode(SQLModel, table=True):
    __tablename__ = "ballot_code"
    __table_args__ = (UniqueConstraint("batch_id", "serial", name="uq_ballot_code_serial"),)

    # HMAC of the normalised code under the installation secret; the code itself is never stored.
    code_hash: str = Field(primary_key=True, max_length=64)
    batch_id: int = Field(sa_column=_batch_fk())
    # The number printed on the card, so that a lost card can be voided without its code.
    serial: int
    status: str = Field(default=CodeStatus.unused, max_length=8)


class PaperEntry(SQLModel, table=True):
    """One clerk's reading of one paper ballot; two matching readings make a ballot."""

    __tablename__ = "paper_entry"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(sa_column=_batch_fk())
    sheet_no: str = Field(max_length=32)
    clerk: str = Field(max_length=64)
    # unit code -> level code, and unit code -> comment
    answers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comments: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=PaperState.pending, max_length=12)
    # Blank and spoilt sheets are counted here only: they store no ballot and no answers.
    disposition: str = Field(
        default=SheetDisposition.valid,
        max_length=8,
        sa_column_kwargs={"server_default": text("'valid'")},
    )
    invalid_reason: str = Field(
        default="", max_length=16, sa_column_kwargs={"server_default": text("''")}
    )
    created_at: datetime = Field(default_factory=utcnow)
