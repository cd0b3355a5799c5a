"""ballot tally

A quorum per ballot batch (an exact fraction of the codes issued, two thirds by default), and
what each paper reading says the sheet is: valid, blank or spoilt with a reason category.

Revision ID: 0010_tally
Revises: 0010_lead
Create Date: 2026-12-07 09:00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010_tally"
down_revision: Union[str, None] = "0010_lead"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("ballot_batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quorum_numerator", sa.Integer(), server_default=sa.text("2"), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "quorum_denominator", sa.Integer(), server_default=sa.text("3"), nullable=False
            )
        )
    with op.batch_alter_table("paper_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "disposition",
                sa.String(length=8),
                server_default=sa.text("'valid'"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "invalid_reason", sa.String(length=16), server_default=sa.text("''"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("paper_entry", schema=None) as batch_op:
        batch_op.drop_column("invalid_reason")
        batch_op.drop_column("disposition")
    with op.batch_alter_table("ballot_batch", schema=None) as batch_op:
        batch_op.drop_column("quorum_denominator")
        batch_op.drop_column("quorum_numerator")
