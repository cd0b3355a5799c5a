"""citizen surveys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:46:45.432430

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('introduction', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('introduction_en', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('opens_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('unit_comments', sa.Boolean(), nullable=False),
    sa.Column('one_per_device', sa.Boolean(), nullable=False),
    sa.Column('min_seconds', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('survey_category',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['unit_category.id'], ),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'category_id')
    )
    op.create_table('survey_group',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['respondent_group.id'], ),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'group_id')
    )
    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('prompt', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('prompt_en', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('scale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('max_length', sa.Integer(), nullable=False),
    sa.Column('variable', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'code')
    )
    op.create_table('survey_unit',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('survey_id', 'unit_id')
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('submission_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_response_submission', ['survey_id', 'submission_key'], unique=True)
        batch_op.create_foreign_key('fk_response_survey_id', 'survey', ['survey_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint('fk_response_survey_id', type_='foreignkey')
        batch_op.drop_index('ix_response_submission')
        batch_op.drop_column('submission_hash')
        batch_op.drop_column('submission_key')
        batch_op.drop_column('survey_id')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('question')

    op.drop_table('survey_unit')
    op.drop_table('survey_question')
    op.drop_table('survey_group')
    op.drop_table('survey_category')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_evaluation_id'))

    op.drop_table('survey')
