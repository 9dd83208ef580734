"""Task list exports run in the background: progress, the stored CSV file and when it expires, per requesting user.

Revision ID: 8e4a2c6b1f70
Revises: 3d8b6f2a9c51
Create Date: 2026-12-03 14:20:00
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

revision = '8e4a2c6b1f70'
down_revision = '3d8b6f2a9c51'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_exports',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('view', sa.String(length=32), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=200), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_task_exports_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'],
                            name=op.f('fk_task_exports_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_task_exports'))
    )
    op.create_index('ix_task_exports_user_created', 'task_exports', ['agency_id', 'user_id', 'created_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.enable_statements("task_exports", None):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.disable_statements("task_exports"):
            op.execute(statement)
    op.drop_index('ix_task_exports_user_created', table_name='task_exports')
    op.drop_table('task_exports')
