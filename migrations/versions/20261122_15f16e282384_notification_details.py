"""Notifications: an in_app flag (email-only ones are kept for their email, never listed), task reference, client name.

Revision ID: 15f16e282384
Revises: ff62b17eba4f
Create Date: 2026-11-22 10:51:18.153485
"""
from alembic import op
import sqlalchemy as sa


revision = '15f16e282384'
down_revision = 'ff62b17eba4f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_reference', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('client_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('in_app', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('in_app')
        batch_op.drop_column('client_name')
        batch_op.drop_column('task_reference')
