"""left-out responses index

A partial index over the responses that may be left out of the counts (flagged, or decided
by the office), so that the counting query finds them without reading every response.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 11:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PREDICATE = "quality_flags <> 0 OR quality_decision IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_left_out",
            ["evaluation_id"],
            unique=False,
            sqlite_where=sa.text(PREDICATE),
            postgresql_where=sa.text(PREDICATE),
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_left_out")
