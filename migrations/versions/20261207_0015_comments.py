"""comments: rectification records and settings; indexes for the comment list

A rectification (整改) record per comment routed to a unit, the per-evaluation default
deadline in working days, and the indexes that keep the office's comment list fast at 100k
comments: responses in time order per evaluation, comments per evaluation and unit.

Revision ID: 0010_comments
Revises: 0010_publish
Create Date: 2026-12-07 09:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010_comments"
down_revision: Union[str, None] = "0010_publish"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "rectification",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("routed_on", sa.Date(), nullable=False),
        sa.Column("routed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column(
            "responsible_office", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False
        ),
        sa.Column("rectified_on", sa.Date(), nullable=True),
        sa.Column("appeal_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column(
            "decision_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column(
            "callback_result", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("escalated_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "escalation_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False
        ),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["response_id", "seq"],
            ["comment.response_id", "comment.seq"],
            name="fk_rectification_comment",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("response_id", "seq", name="uq_rectification_comment"),
    )
    op.create_index(
        "ix_rectification_unit", "rectification", ["evaluation_id", "unit_id", "status"]
    )
    op.create_index(
        "ix_rectification_deadline", "rectification", ["evaluation_id", "status", "deadline"]
    )
    op.create_table(
        "rectification_setting",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=False),
        sa.Column("holidays", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("evaluation_id"),
    )
    op.create_index(
        "ix_response_eval_submitted", "response", ["evaluation_id", "submitted_at", "id"]
    )
    op.create_index("ix_comment_eval_unit", "comment", ["evaluation_id", "unit_id"])


def downgrade() -> None:
    op.drop_index("ix_comment_eval_unit", table_name="comment")
    op.drop_index("ix_response_eval_submitted", table_name="response")
    op.drop_table("rectification_setting")
    op.drop_index("ix_rectification_deadline", table_name="rectification")
    op.drop_index("ix_rectification_unit", table_name="rectification")
    op.drop_table("rectification")
