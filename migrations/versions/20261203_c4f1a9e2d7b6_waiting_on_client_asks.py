"""Waiting on the client whatever the form: which asks hold a task waiting (question, documents, approval).

Revision ID: c4f1a9e2d7b6
Revises: 5a1c7e9d2b40
Create Date: 2026-12-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4f1a9e2d7b6'
down_revision = '5a1c7e9d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_answer', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holds_task', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holds_task', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Until now a task only waited on the client because of a question: those still waiting await its answer.
    op.execute("UPDATE tasks SET awaiting_answer = true WHERE status = 'waiting_on_client'")


def downgrade():
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.drop_column('holds_task')
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.drop_column('holds_task')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('awaiting_answer')
