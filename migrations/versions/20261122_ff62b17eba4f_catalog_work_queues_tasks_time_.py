"""Service catalog, queues, tasks and their children, time entries, recurring schedules, notifications; RLS.

Revision ID: ff62b17eba4f
Revises: d61ee8fdd54a
Create Date: 2026-11-22 10:45:56.121133
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


revision = 'ff62b17eba4f'
down_revision = 'd61ee8fdd54a'
branch_labels = None
depends_on = None


# New tenant tables and the column that narrows them for portal sessions.
TENANT_TABLES = {
    "service_lines": None,
    "task_counters": None,
    "client_services": "client_id",
    "queues": None,
    "notification_preferences": "client_id",
    "notifications": "client_id",
    "queue_members": None,
    "saved_filters": None,
    "task_types": None,
    "recurring_schedules": "client_id",
    "tasks": "client_id",
    "task_activity": "client_id",
    "task_attachments": "client_id",
    "task_checklist_items": "client_id",
    "task_comments": "client_id",
    "task_watchers": "client_id",
    "time_entries": "client_id",
}


def upgrade():
    op.create_table('service_lines',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_service_lines_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_service_lines')),
    sa.UniqueConstraint('agency_id', 'code', name=op.f('uq_service_lines_agency_id_code')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_service_lines_agency_id_name'))
    )
    op.create_table('task_counters',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_counters_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_counters')),
    sa.UniqueConstraint('agency_id', name=op.f('uq_task_counters_agency_id'))
    )
    op.create_table('client_services',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('service_line_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_client_services_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'service_line_id'], ['service_lines.agency_id', 'service_lines.id'], name=op.f('fk_client_services_agency_id_service_line_id_service_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_client_services_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_client_services')),
    sa.UniqueConstraint('agency_id', 'client_id', 'service_line_id', name=op.f('uq_client_services_agency_id_client_id_service_line_id'))
    )
    op.create_table('queues',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('service_line_id', sa.Uuid(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'service_line_id'], ['service_lines.agency_id', 'service_lines.id'], name=op.f('fk_queues_agency_id_service_line_id_service_lines')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_queues_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_queues')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_queues_agency_id_name'))
    )
    op.create_table('notification_preferences',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('in_app', sa.Boolean(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_notification_preferences_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_notification_preferences_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notification_preferences_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('agency_id', 'user_id', 'kind', name=op.f('uq_notification_preferences_agency_id_user_id_kind'))
    )
    op.create_table('notifications',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_notifications_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_notifications_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notifications_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['agency_id', 'user_id', 'read_at', 'created_at'], unique=False)

    op.create_table('queue_members',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('queue_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'queue_id'], ['queues.agency_id', 'queues.id'], name=op.f('fk_queue_members_agency_id_queue_id_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_queue_members_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_queue_members_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_queue_members')),
    sa.UniqueConstraint('agency_id', 'queue_id', 'user_id', name=op.f('uq_queue_members_agency_id_queue_id_user_id'))
    )
    with op.batch_alter_table('queue_members', schema=None) as batch_op:
        batch_op.create_index('ix_queue_members_agency_user', ['agency_id', 'user_id'], unique=False)

    op.create_table('saved_filters',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('view', sa.String(length=32), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_saved_filters_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_saved_filters_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_saved_filters')),
    sa.UniqueConstraint('agency_id', 'user_id', 'name', name=op.f('uq_saved_filters_agency_id_user_id_name'))
    )
    op.create_table('task_types',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_line_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('default_queue_id', sa.Uuid(), nullable=True),
    sa.Column('default_priority', sa.String(length=16), nullable=False),
    sa.Column('expected_minutes', sa.Integer(), nullable=True),
    sa.Column('checklist_template', sa.JSON(), nullable=False),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'default_queue_id'], ['queues.agency_id', 'queues.id'], name=op.f('fk_task_types_agency_id_default_queue_id_queues')),
    sa.ForeignKeyConstraint(['agency_id', 'service_line_id'], ['service_lines.agency_id', 'service_lines.id'], name=op.f('fk_task_types_agency_id_service_line_id_service_lines')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_types_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_types')),
    sa.UniqueConstraint('agency_id', 'service_line_id', 'name', name=op.f('uq_task_types_agency_id_service_line_id_name'))
    )
    op.create_table('recurring_schedules',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_type_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('frequency', sa.String(length=32), nullable=False),
    sa.Column('interval', sa.Integer(), nullable=False),
    sa.Column('day_of_month', sa.SmallInteger(), nullable=True),
    sa.Column('weekday', sa.SmallInteger(), nullable=True),
    sa.Column('month', sa.SmallInteger(), nullable=True),
    sa.Column('rrule', sa.Text(), nullable=True),
    sa.Column('due_time', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('default_assignee_id', sa.Uuid(), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_recurring_schedules_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'default_assignee_id'], ['users.agency_id', 'users.id'], name=op.f('fk_recurring_schedules_agency_id_default_assignee_id_users')),
    sa.ForeignKeyConstraint(['agency_id', 'task_type_id'], ['task_types.agency_id', 'task_types.id'], name=op.f('fk_recurring_schedules_agency_id_task_type_id_task_types')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_recurring_schedules_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_recurring_schedules'))
    )
    with op.batch_alter_table('recurring_schedules', schema=None) as batch_op:
        batch_op.create_index('ix_recurring_schedules_active', ['agency_id', 'paused_at'], unique=False)

    op.create_table('tasks',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('task_type_id', sa.Uuid(), nullable=False),
    sa.Column('queue_id', sa.Uuid(), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('priority_rank', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('custom_values', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recurring_schedule_id', sa.Uuid(), nullable=True),
    sa.Column('occurrence_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'assignee_id'], ['users.agency_id', 'users.id'], name=op.f('fk_tasks_agency_id_assignee_id_users')),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_tasks_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'queue_id'], ['queues.agency_id', 'queues.id'], name=op.f('fk_tasks_agency_id_queue_id_queues')),
    sa.ForeignKeyConstraint(['agency_id', 'recurring_schedule_id'], ['recurring_schedules.agency_id', 'recurring_schedules.id'], name=op.f('fk_tasks_agency_id_recurring_schedule_id_recurring_schedules')),
    sa.ForeignKeyConstraint(['agency_id', 'task_type_id'], ['task_types.agency_id', 'task_types.id'], name=op.f('fk_tasks_agency_id_task_type_id_task_types')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_tasks_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('agency_id', 'number', name=op.f('uq_tasks_agency_id_number')),
    sa.UniqueConstraint('agency_id', 'recurring_schedule_id', 'occurrence_date', name=op.f('uq_tasks_agency_id_recurring_schedule_id_occurrence_date'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_agency_assignee_open', ['agency_id', 'assignee_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_tasks_agency_client_open', ['agency_id', 'client_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_tasks_agency_queue_open', ['agency_id', 'queue_id', 'closed_at'], unique=False)

    op.create_table('task_activity',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('client_visible', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_task_activity_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_task_activity_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_activity_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_activity'))
    )
    with op.batch_alter_table('task_activity', schema=None) as batch_op:
        batch_op.create_index('ix_task_activity_task', ['agency_id', 'task_id', 'created_at'], unique=False)

    op.create_table('task_attachments',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('uploaded_by_id', sa.Uuid(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('client_visible', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_task_attachments_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_task_attachments_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_attachments_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_attachments'))
    )
    with op.batch_alter_table('task_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_task_attachments_task', ['agency_id', 'task_id'], unique=False)

    op.create_table('task_checklist_items',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_task_checklist_items_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_task_checklist_items_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_checklist_items_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_checklist_items'))
    )
    with op.batch_alter_table('task_checklist_items', schema=None) as batch_op:
        batch_op.create_index('ix_task_checklist_items_task', ['agency_id', 'task_id', 'position'], unique=False)

    op.create_table('task_comments',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('client_visible', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_task_comments_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_task_comments_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_comments_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_comments'))
    )
    with op.batch_alter_table('task_comments', schema=None) as batch_op:
        batch_op.create_index('ix_task_comments_task', ['agency_id', 'task_id', 'created_at'], unique=False)

    op.create_table('task_watchers',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_task_watchers_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_task_watchers_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_task_watchers_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_watchers_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_watchers')),
    sa.UniqueConstraint('agency_id', 'task_id', 'user_id', name=op.f('uq_task_watchers_agency_id_task_id_user_id'))
    )
    op.create_table('time_entries',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('billable', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('billed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_time_entries_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_time_entries_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_time_entries_agency_id_user_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_time_entries_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_time_entries'))
    )
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.create_index('ix_time_entries_task', ['agency_id', 'task_id'], unique=False)
        batch_op.create_index('ix_time_entries_user_started', ['agency_id', 'user_id', 'started_at'], unique=False)
        batch_op.create_index('uq_time_entries_running_timer', ['agency_id', 'user_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))


    if op.get_bind().dialect.name == "postgresql":
        for table, client_column in TENANT_TABLES.items():
            for statement in rls.enable_statements(table, client_column):
                op.execute(statement)

def downgrade():
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_time_entries_running_timer', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_time_entries_user_started')
        batch_op.drop_index('ix_time_entries_task')

    op.drop_table('time_entries')
    op.drop_table('task_watchers')
    with op.batch_alter_table('task_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_task_comments_task')

    op.drop_table('task_comments')
    with op.batch_alter_table('task_checklist_items', schema=None) as batch_op:
        batch_op.drop_index('ix_task_checklist_items_task')

    op.drop_table('task_checklist_items')
    with op.batch_alter_table('task_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_task_attachments_task')

    op.drop_table('task_attachments')
    with op.batch_alter_table('task_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_task_activity_task')

    op.drop_table('task_activity')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_agency_queue_open')
        batch_op.drop_index('ix_tasks_agency_client_open')
        batch_op.drop_index('ix_tasks_agency_assignee_open')

    op.drop_table('tasks')
    with op.batch_alter_table('recurring_schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_recurring_schedules_active')

    op.drop_table('recurring_schedules')
    op.drop_table('task_types')
    op.drop_table('saved_filters')
    with op.batch_alter_table('queue_members', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_members_agency_user')

    op.drop_table('queue_members')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    op.drop_table('queues')
    op.drop_table('client_services')
    op.drop_table('task_counters')
    op.drop_table('service_lines')
