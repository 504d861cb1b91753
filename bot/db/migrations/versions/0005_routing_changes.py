"""routing changes: what admins changed in the console's routing pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('routing_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_routing_changes_compound_id_compounds')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_routing_changes_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_changes'))
    )
    with op.batch_alter_table('routing_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_changes_compound_id'), ['compound_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('routing_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_changes_compound_id'))

    op.drop_table('routing_changes')
