"""SLA engine: calendars, client holidays, versioned policies and rules, events, and the clocks kept on tasks.

Tasks that exist before this revision have no clocks (no policy version); new and changed work gets them.

Revision ID: c9391e27667c
Revises: b47a89b06ff4
Create Date: 2026-11-22 12:51:29.429720
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = {"sla_calendars": None, "sla_policies": None, "sla_policy_versions": None, "sla_rules": None,
                 "sla_client_holidays": "client_id", "sla_events": "client_id"}


revision = 'c9391e27667c'
down_revision = 'b47a89b06ff4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sla_calendars',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=8), nullable=True),
    sa.Column('subdivision', sa.String(length=16), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sla_calendars_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_sla_calendars')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_sla_calendars_agency_id_name'))
    )
    op.create_table('sla_policies',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sla_policies_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_sla_policies_agency_id_name'))
    )
    op.create_table('sla_client_holidays',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_sla_client_holidays_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sla_client_holidays_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_sla_client_holidays')),
    sa.UniqueConstraint('agency_id', 'client_id', 'day', name=op.f('uq_sla_client_holidays_agency_id_client_id_day'))
    )
    op.create_table('sla_policy_versions',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('policy_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Uuid(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('at_risk_percent', sa.SmallInteger(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'calendar_id'], ['sla_calendars.agency_id', 'sla_calendars.id'], name=op.f('fk_sla_policy_versions_agency_id_calendar_id_sla_calendars')),
    sa.ForeignKeyConstraint(['agency_id', 'policy_id'], ['sla_policies.agency_id', 'sla_policies.id'], name=op.f('fk_sla_policy_versions_agency_id_policy_id_sla_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sla_policy_versions_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_sla_policy_versions')),
    sa.UniqueConstraint('agency_id', 'policy_id', 'version', name=op.f('uq_sla_policy_versions_agency_id_policy_id_version'))
    )
    op.create_table('sla_rules',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('policy_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('task_type_id', sa.Uuid(), nullable=True),
    sa.Column('match_key', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_sla_rules_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'policy_id'], ['sla_policies.agency_id', 'sla_policies.id'], name=op.f('fk_sla_rules_agency_id_policy_id_sla_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'task_type_id'], ['task_types.agency_id', 'task_types.id'], name=op.f('fk_sla_rules_agency_id_task_type_id_task_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sla_rules_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_sla_rules')),
    sa.UniqueConstraint('agency_id', 'match_key', name=op.f('uq_sla_rules_agency_id_match_key'))
    )
    op.create_table('sla_events',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_sla_events_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_sla_events_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_sla_events_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_sla_events')),
    sa.UniqueConstraint('agency_id', 'task_id', 'metric', 'kind', name=op.f('uq_sla_events_agency_id_task_id_metric_kind'))
    )
    with op.batch_alter_table('sla_events', schema=None) as batch_op:
        batch_op.create_index('ix_sla_events_occurred', ['agency_id', 'kind', 'occurred_at'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_policy_version_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_response_at_risk_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_responded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_response_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_response_breached_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_response_warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution_at_risk_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_breached_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution_warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_paused_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sla_pauses', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('sla_waiting_minutes', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch_op.create_index('ix_tasks_open_agency_sla', ['agency_id', 'resolution_due_at', 'priority_rank', 'created_at', 'id'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_tasks_open_assignee_sla', ['agency_id', 'assignee_id', 'resolution_due_at', 'priority_rank', 'created_at', 'id'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_tasks_open_queue_sla', ['agency_id', 'queue_id', 'resolution_due_at', 'priority_rank', 'created_at', 'id'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_tasks_sla_unrecorded_response_risk', ['agency_id', 'first_response_at_risk_at'], unique=False, sqlite_where=sa.text('closed_at IS NULL AND first_response_warned_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL AND first_response_warned_at IS NULL'))
        batch_op.create_index('ix_tasks_sla_unrecorded_response_due', ['agency_id', 'first_response_due_at'], unique=False, sqlite_where=sa.text('closed_at IS NULL AND first_response_breached_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL AND first_response_breached_at IS NULL'))
        batch_op.create_index('ix_tasks_sla_unrecorded_resolution_risk', ['agency_id', 'resolution_at_risk_at'], unique=False, sqlite_where=sa.text('closed_at IS NULL AND resolution_warned_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL AND resolution_warned_at IS NULL'))
        batch_op.create_index('ix_tasks_sla_unrecorded_resolution_due', ['agency_id', 'resolution_due_at'], unique=False, sqlite_where=sa.text('closed_at IS NULL AND resolution_breached_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL AND resolution_breached_at IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_tasks_agency_id_sla_policy_version_id_sla_policy_versions'), 'sla_policy_versions', ['agency_id', 'sla_policy_version_id'], ['agency_id', 'id'])

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        # The defaults only filled the existing rows; the application always sets both.
        batch_op.alter_column('sla_pauses', server_default=None)
        batch_op.alter_column('sla_waiting_minutes', server_default=None)

    if op.get_bind().dialect.name == "postgresql":
        for table, client_column in TENANT_TABLES.items():
            for statement in rls.enable_statements(table, client_column):
                op.execute(statement)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_agency_id_sla_policy_version_id_sla_policy_versions'), type_='foreignkey')
        batch_op.drop_index('ix_tasks_sla_unrecorded_resolution_due')
        batch_op.drop_index('ix_tasks_sla_unrecorded_resolution_risk')
        batch_op.drop_index('ix_tasks_sla_unrecorded_response_due')
        batch_op.drop_index('ix_tasks_sla_unrecorded_response_risk')
        batch_op.drop_index('ix_tasks_open_queue_sla', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_tasks_open_assignee_sla', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index('ix_tasks_open_agency_sla', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_column('sla_waiting_minutes')
        batch_op.drop_column('sla_pauses')
        batch_op.drop_column('sla_paused_since')
        batch_op.drop_column('resolution_warned_at')
        batch_op.drop_column('resolution_breached_at')
        batch_op.drop_column('resolution_minutes')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolution_at_risk_at')
        batch_op.drop_column('resolution_due_at')
        batch_op.drop_column('first_response_warned_at')
        batch_op.drop_column('first_response_breached_at')
        batch_op.drop_column('first_response_minutes')
        batch_op.drop_column('first_responded_at')
        batch_op.drop_column('first_response_at_risk_at')
        batch_op.drop_column('first_response_due_at')
        batch_op.drop_column('sla_policy_version_id')

    with op.batch_alter_table('sla_events', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_events_occurred')

    op.drop_table('sla_events')
    op.drop_table('sla_rules')
    op.drop_table('sla_policy_versions')
    op.drop_table('sla_client_holidays')
    op.drop_table('sla_policies')
    op.drop_table('sla_calendars')
