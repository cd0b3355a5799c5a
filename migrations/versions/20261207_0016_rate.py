"""numeric scales in the satisfaction policy

A policy may declare a numeric scale (lowest and highest answer, and the answer from which it
counts as satisfied): numeric answers are then scored by a linear map of that range to 0-100
instead of needing a level each. Versions saved before have none (NULL).

Revision ID: 0011_rate
Revises: 0010_comments
Create Date: 2026-12-07 13:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011_rate"
down_revision: Union[str, None] = "0010_comments"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("satisfaction_policy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("numeric_scale", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_policy", schema=None) as batch_op:
        batch_op.drop_column("numeric_scale")
