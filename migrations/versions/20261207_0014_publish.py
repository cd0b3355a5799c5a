"""publication versions

Each publication of an evaluation is a version: its frozen inputs and results as canonical
JSON text with SHA-256 digests, who published it when and why, and whether the office has
taken it off the public page.

Revision ID: 0010_publish
Revises: 0010_topics
Create Date: 2026-12-07 09:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010_publish"
down_revision: Union[str, None] = "0010_topics"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "publication_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("results_json", sa.Text(), nullable=False),
        sa.Column("inputs_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("results_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("part_digests", sa.JSON(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name="fk_publication_evaluation",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_publication_version"),
        sa.UniqueConstraint("evaluation_id", "version", name="uq_publication_version"),
    )
    with op.batch_alter_table("publication_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publication_version_evaluation_id"), ["evaluation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("publication_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_version_evaluation_id"))
    op.drop_table("publication_version")
