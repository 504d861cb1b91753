"""owed answers: answers the WeChat channel could not deliver yet, kept across restarts

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('wechat_owed_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('push_key', sa.String(length=120), nullable=False),
    sa.Column('chunks', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wechat_owed_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_owed_answers_openid'), ['openid'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('wechat_owed_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wechat_owed_answers_openid'))
    op.drop_table('wechat_owed_answers')
