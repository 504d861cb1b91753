"""parcel station: where the compound's parcel station and lockers are, and when they are open

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parcel_station', sa.String(length=100), server_default='', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.drop_column('parcel_station')
