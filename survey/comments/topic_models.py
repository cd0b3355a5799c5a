"""Tables of comment topics: the office's keyword rules per evaluation and the tags they give.

A comment's tags live beside it, keyed like it by (response, position), and go with it: the
ballot close re-inserts ballot comments under new ids, which drops their tags (and their
tagged marks) by cascade, and the next tagging pass tags them again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from survey.timeutil import utcnow

CODE_MAX_LENGTH = 16
NAME_MAX_LENGTH = 20
NAME_EN_MAX_LENGTH = 60
KEYWORD_MAX_LENGTH = 16


class Topic(SQLModel, table=True):
    """One topic of an evaluation (服务态度, 停车 …), known to links by its code."""

    __tablename__ = "topic"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "code", name="uq_topic_code"),
        UniqueConstraint("evaluation_id", "name", name="uq_topic_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("evaluation.id", ondelete="CASCADE", name="fk_topic_evaluation"),
            nullable=False,
        )
    )
    code: str = Field(max_length=CODE_MAX_LENGTH)
    name: str = Field(max_length=NAME_MAX_LENGTH)
    name_en: str = Field(default="", max_length=NAME_EN_MAX_LENGTH)
    position: int = 0


class TopicKeyword(SQLModel, table=True):
    """A word that puts a comment under its topic."""

    __tablename__ = "topic_keyword"

    topic_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("topic.id", ondelete="CASCADE", name="fk_topic_keyword_topic"),
            primary_key=True,
        )
    )
    word: str = Field(
        sa_column=Column(String(KEYWORD_MAX_LENGTH), primary_key=True),
        max_length=KEYWORD_MAX_LENGTH,
    )


class TopicRules(SQLModel, table=True):
    """The version of an evaluation's rules: every change adds one, and a comment tagged
    under an older version is tagged again."""

    __tablename__ = "topic_rules"

    evaluation_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("evaluation.id", ondelete="CASCADE", name="fk_topic_rules_evaluation"),
            primary_key=True,
        )
    )
    version: int = 1
    changed_at: datetime = Field(default_factory=utcnow)


def _comment_key(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["response_id", "seq"],
        ["comment.response_id", "comment.seq"],
        ondelete="CASCADE",
        name=f"fk_{table}_comment",
    )


class CommentTopic(SQLModel, table=True):
    """One topic of one comment."""

    __tablename__ = "comment_topic"
    __table_args__ = (
        _comment_key("comment_topic"),
        Index("ix_comment_topic_evaluation", "evaluation_id", "topic_id"),
        {"sqlite_with_rowid": False},
    )

    response_id: str = Field(sa_column=Column(String(32), primary_key=True))
    seq: int = Field(primary_key=True)
    topic_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("topic.id", ondelete="CASCADE", name="fk_comment_topic_topic"),
            primary_key=True,
        )
    )
    evaluation_id: int


class CommentTagging(SQLModel, table=True):
    """That a comment was tagged, and under which version of the rules (with or without a
    topic found), so that a pass tags only what is new or out of date."""

    __tablename__ = "comment_tagging"
    __table_args__ = (
        _comment_key("comment_tagging"),
        Index("ix_comment_tagging_evaluation", "evaluation_id", "rules_version"),
        {"sqlite_with_rowid": False},
    )

    response_id: str = Field(sa_column=Column(String(32), primary_key=True))
    seq: int = Field(primary_key=True)
    evaluation_id: int
    rules_version: int
