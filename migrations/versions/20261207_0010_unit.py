"""unit accounts: comment minimum and composite release

The satisfaction policy gains a second confidentiality minimum, for comments shown to units
(default 10, beside the numbers' suppression threshold of 5). The office releases an
evaluation's composite explanation to the units with a row in ``composite_release``; no row,
no release.

Revision ID: 0010_unit
Revises: 0009
Create Date: 2026-12-07 09:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010_unit"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("satisfaction_policy", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("comment_threshold", sa.Integer(), server_default="10", nullable=False)
        )
    op.create_table(
        "composite_release",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("released_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name="fk_composite_release_evaluation",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", name="pk_composite_release"),
    )


def downgrade() -> None:
    op.drop_table("composite_release")
    with op.batch_alter_table("satisfaction_policy", schema=None) as batch_op:
        batch_op.drop_column("comment_threshold")
