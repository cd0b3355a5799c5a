"""answer weighting cell

The response's weighting cell copied onto its answers and appended to the counting index, so
that the raked counts per weighting cell are an index-only GROUP BY, read in index order like
the plain counts, instead of a join with every response and a sort of every answer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 14:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COUNT_KEYS = ["evaluation_id", "unit_id", "group_id", "question", "level"]


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cell_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    # Only the answers of responses that have a cell change; the others stay NULL.
    op.execute(
        "UPDATE answer SET cell_key = "
        "(SELECT response.cell_key FROM response WHERE response.id = answer.response_id) "
        "WHERE answer.response_id IN (SELECT id FROM response WHERE cell_key IS NOT NULL)"
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_counts")
        batch_op.create_index("ix_answer_counts", [*COUNT_KEYS, "cell_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_counts")
        batch_op.create_index("ix_answer_counts", COUNT_KEYS, unique=False)
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): a batch copy of the table would not
    # keep SQLite's WITHOUT ROWID.
    op.execute("ALTER TABLE answer DROP COLUMN cell_key")
