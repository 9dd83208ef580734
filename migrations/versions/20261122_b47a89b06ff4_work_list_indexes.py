"""Work lists: partial indexes on open tasks in urgency order (per agency, assignee, queue, client, unassigned) and per-client counts.

Revision ID: b47a89b06ff4
Revises: 15f16e282384
Create Date: 2026-11-22 10:52:56.357951
"""
import sqlalchemy as sa
from alembic import op

revision = 'b47a89b06ff4'
down_revision = '15f16e282384'
branch_labels = None
depends_on = None

URGENCY = ["priority_rank", "due_at", "created_at", "id"]
OPEN = "closed_at IS NULL"
INDEXES = {
    "ix_tasks_open_agency_urgency": (["agency_id", *URGENCY], OPEN),
    "ix_tasks_open_assignee_urgency": (["agency_id", "assignee_id", *URGENCY], OPEN),
    "ix_tasks_open_client_counts": (["agency_id", "client_id", "status", "due_at"], OPEN),
    "ix_tasks_open_client_urgency": (["agency_id", "client_id", *URGENCY], OPEN),
    "ix_tasks_open_queue_urgency": (["agency_id", "queue_id", *URGENCY], OPEN),
    "ix_tasks_open_unassigned_urgency": (["agency_id", *URGENCY], OPEN + " AND assignee_id IS NULL"),
}


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        for name, (columns, where) in INDEXES.items():
            batch_op.create_index(name, columns, unique=False, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
