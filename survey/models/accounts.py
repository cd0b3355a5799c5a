"""Office accounts: users, API tokens, browser sessions and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow


class Role(StrEnum):
    """Least privilege: each role may do what the one below it may, and more."""

    admin = "admin"  # users, tokens and everything an office may do
    office = "office"  # sets up evaluations, reads all results
    clerk = "clerk"  # enters paper ballots and imports data
    viewer = "viewer"  # reads office views, changes nothing
    unit = "unit"  # sees its own unit's results and answers comments
    lead = "lead"  # a lead department (牵头部门): scores the indicators it leads, nothing else


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # SHA-256 of the token: tokens carry 256 random bits, so a fast hash cannot be brute-forced.
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    role: str = Field(max_length=16)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_on: date | None = None


class WebSession(SQLModel, table=True):
    """A browser login. The cookie holds a random token; the table only its hash."""

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(default="", max_length=64)
    target_id: str = Field(default="", max_length=64)
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str = Field(default="", max_length=64)
