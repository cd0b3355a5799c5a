"""answer counted

Each answer carries whether its response counts (quality flags and the office's decision), so
that the counts are one GROUP BY of the answers, read from ix_answer_counts alone, instead of
all answers minus those of the left-out responses. The partial index that found the left-out
responses (0006) has no reader left and goes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 15:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEYS = ["evaluation_id", "unit_id", "group_id", "question", "level", "cell_key"]
LEFT_OUT = "quality_flags <> 0 OR quality_decision IS NOT NULL"
# survey.models.responses.is_counted, negated.
NOT_COUNTED = (
    "coalesce(quality_decision, '') <> 'include' "
    "AND (quality_decision = 'exclude' OR quality_flags <> 0)"
)


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counted", sa.Boolean(), server_default=sa.text("true"), nullable=False)
        )
    op.execute(
        "UPDATE answer SET counted = false WHERE response_id IN "
        f"(SELECT id FROM response WHERE {NOT_COUNTED})"
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_counts")
        batch_op.create_index("ix_answer_counts", [*KEYS, "counted"], unique=False)
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_left_out")


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_left_out",
            ["evaluation_id"],
            unique=False,
            sqlite_where=sa.text(LEFT_OUT),
            postgresql_where=sa.text(LEFT_OUT),
        )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_counts")
        batch_op.create_index("ix_answer_counts", KEYS, unique=False)
    # Plain DROP COLUMN: a batch copy of the table would not keep SQLite's WITHOUT ROWID.
    op.execute("ALTER TABLE answer DROP COLUMN counted")
