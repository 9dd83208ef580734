"""SLA reports: indexes on tasks with an SLA by due, first-response and resolution instants, closed tasks included.

Revision ID: 3d8b6f2a9c51
Revises: 9d4e2b7c1a56
Create Date: 2026-12-03 14:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3d8b6f2a9c51'
down_revision = '9d4e2b7c1a56'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_tasks_sla_history_resolution_due": "resolution_due_at",
    "ix_tasks_sla_history_response_due": "first_response_due_at",
    "ix_tasks_sla_history_resolved": "resolved_at",
    "ix_tasks_sla_history_responded": "first_responded_at",
}
WHERE = "sla_policy_version_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table('tasks') as batch_op:
        for name, column in INDEXES.items():
            batch_op.create_index(name, ['agency_id', column], unique=False,
                                  sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade():
    with op.batch_alter_table('tasks') as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
