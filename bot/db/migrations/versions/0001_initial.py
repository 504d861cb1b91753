"""initial schema: compounds, staff, households, residents, tickets, events, outbox, review

Revision ID: 0001
Revises: 
Create Date: 2026-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('compounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('reception_days', sa.String(length=100), nullable=False),
    sa.Column('elevator_emergency_phone', sa.String(length=40), nullable=False),
    sa.Column('property_phone', sa.String(length=40), nullable=False),
    sa.Column('duty_manager_id', sa.Integer(), nullable=True),
    sa.Column('mediation_committee_id', sa.Integer(), nullable=True),
    sa.Column('errand_agent_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compounds')),
    sa.UniqueConstraint('code', name=op.f('uq_compounds_code'))
    )
    op.create_table('daily_sequences',
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=4), nullable=False),
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_daily_sequences_compound_id_compounds')),
    sa.PrimaryKeyConstraint('compound_id', 'prefix', 'day', name=op.f('pk_daily_sequences'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_staff_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('compound_id', 'code', name=op.f('uq_staff_compound_id')),
    sa.UniqueConstraint('openid', name=op.f('uq_staff_openid'))
    )
    # compounds ↔ staff reference each other: the compound's role columns get their keys now.
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        for column in ('duty_manager_id', 'mediation_committee_id', 'errand_agent_id'):
            batch_op.create_foreign_key(f'fk_compounds_{column}_staff', 'staff', [column], ['id'])
    op.create_table('time_limits',
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('request_type', sa.String(length=30), nullable=False),
    sa.Column('accept_minutes', sa.Integer(), nullable=False),
    sa.Column('urgent_minutes', sa.Integer(), nullable=False),
    sa.Column('day_start', sa.String(length=5), nullable=False),
    sa.Column('day_end', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_time_limits_compound_id_compounds')),
    sa.PrimaryKeyConstraint('compound_id', 'request_type', name=op.f('pk_time_limits'))
    )
    op.create_table('buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('floors', sa.Integer(), nullable=False),
    sa.Column('doors_per_floor', sa.Integer(), nullable=False),
    sa.Column('butler_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['butler_id'], ['staff.id'], name=op.f('fk_buildings_butler_id_staff')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_buildings_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buildings')),
    sa.UniqueConstraint('compound_id', 'number', name=op.f('uq_buildings_compound_id'))
    )
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('room', sa.String(length=10), nullable=False),
    sa.Column('tags', sa.String(length=200), nullable=False),
    sa.Column('care_colour', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_households_building_id_buildings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('building_id', 'unit', 'room', name=op.f('uq_households_building_id'))
    )
    op.create_table('residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_residents_compound_id_compounds')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_residents_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residents')),
    sa.UniqueConstraint('openid', name=op.f('uq_residents_openid'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('request_type', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('building', sa.String(length=10), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=True),
    sa.Column('room', sa.String(length=10), nullable=True),
    sa.Column('facility', sa.String(length=20), nullable=True),
    sa.Column('visit_time', sa.String(length=100), nullable=True),
    sa.Column('other_party', sa.String(length=100), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('emergency', sa.String(length=30), nullable=True),
    sa.Column('home_visit', sa.Boolean(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assignee_role', sa.String(length=30), nullable=True),
    sa.Column('routing_note', sa.String(length=200), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('intent', sa.String(length=40), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('model_id', sa.String(length=64), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'], name=op.f('fk_tickets_assignee_id_staff')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_tickets_compound_id_compounds')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_tickets_household_id_households')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_tickets_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_building'), ['building'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_status'), ['status'], unique=False)

    op.create_table('low_confidence_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ranking', sa.Text(), nullable=False),
    sa.Column('top_intent', sa.String(length=40), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('model_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_low_confidence_messages_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_low_confidence_messages'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_kind', sa.String(length=10), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notifications_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'], name=op.f('fk_ticket_events_assignee_id_staff')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_reporters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_ticket_reporters_resident_id_residents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_reporters_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_reporters')),
    sa.UniqueConstraint('ticket_id', 'resident_id', name=op.f('uq_ticket_reporters_ticket_id'))
    )
    with op.batch_alter_table('ticket_reporters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_reporters_resident_id'), ['resident_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('ticket_reporters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_reporters_resident_id'))

    op.drop_table('ticket_reporters')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))

    op.drop_table('ticket_events')
    op.drop_table('notifications')
    op.drop_table('low_confidence_messages')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_status'))
        batch_op.drop_index(batch_op.f('ix_tickets_building'))

    op.drop_table('tickets')
    op.drop_table('residents')
    op.drop_table('households')
    op.drop_table('buildings')
    op.drop_table('time_limits')
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        for column in ('duty_manager_id', 'mediation_committee_id', 'errand_agent_id'):
            batch_op.drop_constraint(f'fk_compounds_{column}_staff', type_='foreignkey')
    op.drop_table('staff')
    op.drop_table('daily_sequences')
    op.drop_table('compounds')
    # ### end Alembic commands ###
