"""lead departments

Lead departments (牵头部门) bound to the qualitative items of a category's scheme, with the
state of their scoring, and their drafts, which the composite never reads.

Revision ID: 0010_lead
Revises: 0010_unit
Create Date: 2026-12-07 08:56:34.460038

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = "0010_lead"
down_revision: Union[str, None] = "0010_unit"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "lead_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reopen_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["unit_category.id"], name="fk_lead_assignment_category"
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name="fk_lead_assignment_evaluation",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["lead_unit_id"], ["unit.id"], name="fk_lead_assignment_lead_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_lead_assignment"),
        sa.UniqueConstraint("evaluation_id", "category_id", "item", name="uq_lead_assignment"),
    )
    with op.batch_alter_table("lead_assignment", schema=None) as batch_op:
        batch_op.create_index("ix_lead_assignment_lead_unit", ["lead_unit_id"], unique=False)

    op.create_table(
        "lead_draft_score",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["lead_assignment.id"],
            name="fk_lead_draft_score_assignment",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_lead_draft_score_unit"),
        sa.PrimaryKeyConstraint("assignment_id", "unit_id", name="pk_lead_draft_score"),
    )


def downgrade() -> None:
    op.drop_table("lead_draft_score")
    with op.batch_alter_table("lead_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_assignment_lead_unit")

    op.drop_table("lead_assignment")
