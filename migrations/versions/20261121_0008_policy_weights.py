"""policy weights

Each satisfaction policy version keeps the group weight matrix it leaves in force, so that a
change of weights is a version like any other change of the rules. Versions stored before
this revision keep NULL: which weights were in force then was not recorded.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 14:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("satisfaction_policy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weights", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_policy", schema=None) as batch_op:
        batch_op.drop_column("weights")
