"""The publication versions of an evaluation: frozen inputs and results with their digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class PublicationVersion(SQLModel, table=True):
    """One published version: what went in and what came out, as canonical JSON text.

    The texts are kept as text (not a JSON column) so that the bytes whose SHA-256 digest is
    stored are exactly the bytes read back, on SQLite and PostgreSQL alike. Rows are never
    changed after they are written, except ``withdrawn``: a correction is the next version.
    """

    __tablename__ = "publication_version"
    __table_args__ = (UniqueConstraint("evaluation_id", "version", name="uq_publication_version"),)

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("evaluation.id", ondelete="CASCADE", name="fk_publication_evaluation"),
            nullable=False,
            index=True,
        )
    )
    version: int = Field(ge=1)
    reason: str = Field(default="", max_length=500)
    published_at: datetime = Field(default_factory=utcnow)
    published_by: str = Field(max_length=100)
    inputs_json: str = Field(sa_column=Column(Text, nullable=False))
    results_json: str = Field(sa_column=Column(Text, nullable=False))
    inputs_digest: str = Field(max_length=64)
    results_digest: str = Field(max_length=64)
    # The digest of each top-level part of the inputs and results, to say which part differs.
    part_digests: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    withdrawn: bool = False
