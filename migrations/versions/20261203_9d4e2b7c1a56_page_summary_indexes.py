"""Indexes for the home page's SLA strip, workload (open counts, minutes logged lately) and the portal's open requests.

Revision ID: 9d4e2b7c1a56
Revises: 72b0b11f8ca7
Create Date: 2026-12-03 14:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '9d4e2b7c1a56'
down_revision = '72b0b11f8ca7'
branch_labels = None
depends_on = None

OPEN_SUMMARY_COLUMNS = ['client_id', 'queue_id', 'priority', 'status', 'resolution_due_at', 'resolution_at_risk_at',
                        'resolution_breached_at', 'first_response_due_at', 'first_response_at_risk_at',
                        'first_response_breached_at', 'first_responded_at', 'sla_paused_since']


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_open_assignee_summary', ['agency_id', 'assignee_id'], unique=False,
                              postgresql_include=OPEN_SUMMARY_COLUMNS,
                              sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.create_index('ix_tasks_open_client_created', ['agency_id', 'client_id', 'created_at'], unique=False,
                              sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.create_index('ix_time_entries_agency_started', ['agency_id', 'started_at'], unique=False,
                              postgresql_include=['user_id', 'minutes', 'client_id', 'task_id'])


def downgrade():
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_time_entries_agency_started')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_client_created')
        batch_op.drop_index('ix_tasks_open_assignee_summary')
