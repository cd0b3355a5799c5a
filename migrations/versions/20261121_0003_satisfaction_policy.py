"""satisfaction policy

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 06:07:10.601641

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('satisfaction_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('level_scores', sa.JSON(), nullable=False),
    sa.Column('satisfied_levels', sa.JSON(), nullable=False),
    sa.Column('dont_know_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('trim_k', sa.Integer(), nullable=False),
    sa.Column('min_n', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('rate_ci_method', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('combine_ci_method', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('suppression_threshold', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('margins', sa.JSON(), nullable=False),
    sa.Column('raked_groups', sa.JSON(), nullable=False),
    sa.Column('rank_draws', sa.Integer(), nullable=False),
    sa.Column('rank_seed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_satisfaction_policy_evaluation', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_satisfaction_policy'),
    sa.UniqueConstraint('evaluation_id', 'version', name='uq_satisfaction_policy_version')
    )


def downgrade() -> None:
    op.drop_table('satisfaction_policy')
