"""ticket attachments: how often the download of a resident's WeChat image was tried

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('ticket_attachments') as batch:
        batch.add_column(sa.Column('fetch_attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('ticket_attachments') as batch:
        batch.drop_column('fetch_attempts')
