"""drivers: a rating question's key-driver role (overall or aspect)

Revision ID: 0011_drivers
Revises: 0011_rate
Create Date: 2026-12-07 13:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011_drivers"
down_revision: Union[str, None] = "0011_rate"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("survey_question") as batch:
        batch.add_column(
            sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_question") as batch:
        batch.drop_column("role")
