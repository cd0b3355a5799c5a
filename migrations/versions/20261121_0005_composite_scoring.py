"""composite scoring

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 07:04:17.027624

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('composite_result_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('scheme_versions', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_composite_result_snapshot_evaluation', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_composite_result_snapshot'),
    sa.UniqueConstraint('evaluation_id', name='uq_composite_result_snapshot')
    )
    op.create_table('composite_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['unit_category.id'], name='fk_composite_scheme_category'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_composite_scheme_evaluation', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name='pk_composite_scheme'),
    sa.UniqueConstraint('evaluation_id', 'category_id', 'version', name='uq_composite_scheme_version')
    )
    op.create_table('composite_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_composite_adjustment_evaluation', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name='fk_composite_adjustment_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_composite_adjustment')
    )
    with op.batch_alter_table('composite_adjustment', schema=None) as batch_op:
        batch_op.create_index('ix_composite_adjustment_evaluation', ['evaluation_id'], unique=False)

    op.create_table('composite_result_snapshot_unit',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['composite_result_snapshot.id'], name='fk_composite_result_snapshot_unit_snapshot', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'unit_code', name='pk_composite_result_snapshot_unit')
    )
    op.create_table('excellence_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('difficulty', sa.Float(), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_excellence_goal_evaluation', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name='fk_excellence_goal_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_excellence_goal'),
    sa.UniqueConstraint('evaluation_id', 'unit_id', 'code', name='uq_excellence_goal')
    )
    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('benchmark', sa.Float(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_indicator_value_evaluation', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name='fk_indicator_value_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_indicator_value'),
    sa.UniqueConstraint('evaluation_id', 'unit_id', 'indicator', 'period', name='uq_indicator_value')
    )
    op.create_table('qualitative_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name='fk_qualitative_score_evaluation', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['unit.id'], name='fk_qualitative_score_lead_unit'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name='fk_qualitative_score_unit'),
    sa.PrimaryKeyConstraint('id', name='pk_qualitative_score'),
    sa.UniqueConstraint('evaluation_id', 'unit_id', 'item', name='uq_qualitative_score')
    )


def downgrade() -> None:
    op.drop_table('qualitative_score')
    op.drop_table('indicator_value')
    op.drop_table('excellence_goal')
    op.drop_table('composite_result_snapshot_unit')
    with op.batch_alter_table('composite_adjustment', schema=None) as batch_op:
        batch_op.drop_index('ix_composite_adjustment_evaluation')

    op.drop_table('composite_adjustment')
    op.drop_table('composite_scheme')
    op.drop_table('composite_result_snapshot')
