"""signif: the satisfaction policy's significance and reliability settings

Revision ID: 0013_signif
Revises: 0012_design
Create Date: 2026-12-07 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013_signif"
down_revision: Union[str, None] = "0012_design"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Nullable: versions saved before read as the defaults (Holm at 5%, CV 0.15/0.3, deff 2).
    with op.batch_alter_table("satisfaction_policy") as batch:
        batch.add_column(sa.Column("significance", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_policy") as batch:
        batch.drop_column("significance")
