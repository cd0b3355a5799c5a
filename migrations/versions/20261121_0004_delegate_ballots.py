"""delegate ballots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 06:08:48.013301

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('ballot_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('scale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('unit_comments', sa.Boolean(), nullable=False),
    sa.Column('excluded_unit_id', sa.Integer(), nullable=True),
    sa.Column('uniform_rule', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ),
    sa.ForeignKeyConstraint(['excluded_unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['group_id'], ['respondent_group.id'], ),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ballot_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_batch_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('ballot_batch_category',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ballot_batch.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['unit_category.id'], ),
    sa.PrimaryKeyConstraint('batch_id', 'category_id')
    )
    op.create_table('ballot_batch_unit',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ballot_batch.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('batch_id', 'unit_id')
    )
    op.create_table('ballot_code',
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ballot_batch.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code_hash'),
    sa.UniqueConstraint('batch_id', 'serial', name='uq_ballot_code_serial')
    )
    with op.batch_alter_table('ballot_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_code_batch_id'), ['batch_id'], unique=False)

    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('sheet_no', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('clerk', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ballot_batch.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_entry_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ballot_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_response_ballot_batch_id'), ['ballot_batch_id'], unique=False)
        batch_op.create_foreign_key('fk_response_ballot_batch_id', 'ballot_batch', ['ballot_batch_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint('fk_response_ballot_batch_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_response_ballot_batch_id'))
        batch_op.drop_column('ballot_batch_id')

    with op.batch_alter_table('paper_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_entry_batch_id'))

    op.drop_table('paper_entry')
    with op.batch_alter_table('ballot_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_code_batch_id'))

    op.drop_table('ballot_code')
    op.drop_table('ballot_batch_unit')
    op.drop_table('ballot_batch_category')
    with op.batch_alter_table('ballot_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_batch_evaluation_id'))

    op.drop_table('ballot_batch')
