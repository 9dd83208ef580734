"""Agencies choose whether the portal shows clients the name of the staff member handling a request (default on).

Revision ID: 5a1c7e9d2b40
Revises: b2e7d9c4a310
Create Date: 2026-12-03 11:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5a1c7e9d2b40'
down_revision = 'b2e7d9c4a310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_handler_to_clients', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('show_handler_to_clients')
