"""scheduler: reception calendars, reminder send log, scheduler lease, job store

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    op.create_table('reminder_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('reception_date', sa.Date(), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('recipient_kind', sa.String(length=10), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_reminder_sends_compound_id_compounds')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_reminder_sends_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sends')),
    sa.UniqueConstraint('compound_id', 'reception_date', 'audience', 'recipient_kind', 'recipient_id', name='uq_reminder_sends_key')
    )
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reception_hours', sa.String(length=20), server_default='09:00-11:30', nullable=False))
        batch_op.add_column(sa.Column('reception_place', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reception_on_holiday', sa.String(length=20), server_default='keep', nullable=False))

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reception_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rating_reminded_at', sa.DateTime(), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('rating_reminded_at')
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('reception_date')

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('reminders')

    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.drop_column('reception_on_holiday')
        batch_op.drop_column('reception_place')
        batch_op.drop_column('reception_hours')

    op.drop_table('reminder_sends')
    op.drop_table('scheduler_leases')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
