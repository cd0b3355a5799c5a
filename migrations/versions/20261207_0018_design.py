"""design: respondents' design weights, strata and PSUs; finite populations in the policy

Revision ID: 0012_design
Revises: 0011_drivers
Create Date: 2026-12-07 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012_design"
down_revision: Union[str, None] = "0011_drivers"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_DESIGN = "design_weight IS NOT NULL OR stratum IS NOT NULL OR psu IS NOT NULL"
_COUNT_KEYS = ["evaluation_id", "unit_id", "group_id", "question", "level", "cell_key"]


def _design_columns() -> list[sa.Column]:
    return [
        sa.Column("design_weight", sa.Float(), nullable=True),
        sa.Column("stratum", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("psu", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    ]


def upgrade() -> None:
    for table in ("response", "answer"):
        with op.batch_alter_table(table) as batch:
            for column in _design_columns():
                batch.add_column(column)
    # The design counts read the counts' index too, in order, with no look-up of the rows.
    with op.batch_alter_table("answer") as batch:
        batch.drop_index("ix_answer_counts")
        batch.create_index(
            "ix_answer_counts",
            [*_COUNT_KEYS, "stratum", "psu", "design_weight", "counted"],
            unique=False,
        )
    op.create_index(
        "ix_response_design",
        "response",
        ["evaluation_id"],
        sqlite_where=sa.text(_DESIGN),
        postgresql_where=sa.text(_DESIGN),
    )
    with op.batch_alter_table("satisfaction_policy") as batch:
        batch.add_column(
            sa.Column("finite_population", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_policy") as batch:
        batch.drop_column("finite_population")
    op.drop_index("ix_response_design", table_name="response")
    with op.batch_alter_table("answer") as batch:
        batch.drop_index("ix_answer_counts")
        batch.create_index("ix_answer_counts", [*_COUNT_KEYS, "counted"], unique=False)
    for table in ("answer", "response"):
        with op.batch_alter_table(table) as batch:
            for name in ("psu", "stratum", "design_weight"):
                batch.drop_column(name)
