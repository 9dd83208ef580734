"""Client approvals: approval requests on tasks, the client users named to decide them, and the files to review.

Revision ID: b2e7d9c4a310
Revises: f6675fab3f80
Create Date: 2026-11-22 16:14:16.485693
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = {"approval_requests": "client_id", "approval_approvers": "client_id", "approval_files": "client_id"}


revision = 'b2e7d9c4a310'
down_revision = 'f6675fab3f80'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approval_requests',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Uuid(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_approval_requests_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'decided_by_id'], ['users.agency_id', 'users.id'], name=op.f('fk_approval_requests_agency_id_decided_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id', 'requested_by_id'], ['users.agency_id', 'users.id'], name=op.f('fk_approval_requests_agency_id_requested_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_approval_requests_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'withdrawn_by_id'], ['users.agency_id', 'users.id'], name=op.f('fk_approval_requests_agency_id_withdrawn_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_approval_requests_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_approval_requests'))
    )
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.create_index('ix_approval_requests_task', ['agency_id', 'task_id', 'created_at'], unique=False)
        batch_op.create_index('uq_approval_requests_one_pending', ['agency_id', 'task_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('approval_approvers',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('approval_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'approval_id'], ['approval_requests.agency_id', 'approval_requests.id'], name=op.f('fk_approval_approvers_agency_id_approval_id_approval_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_approval_approvers_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_approval_approvers_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_approval_approvers_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_approval_approvers')),
    sa.UniqueConstraint('agency_id', 'approval_id', 'user_id', name=op.f('uq_approval_approvers_agency_id_approval_id_user_id'))
    )
    with op.batch_alter_table('approval_approvers', schema=None) as batch_op:
        batch_op.create_index('ix_approval_approvers_user', ['agency_id', 'user_id'], unique=False)

    op.create_table('approval_files',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('approval_id', sa.Uuid(), nullable=False),
    sa.Column('attachment_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'approval_id'], ['approval_requests.agency_id', 'approval_requests.id'], name=op.f('fk_approval_files_agency_id_approval_id_approval_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'attachment_id'], ['task_attachments.agency_id', 'task_attachments.id'], name=op.f('fk_approval_files_agency_id_attachment_id_task_attachments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_approval_files_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_approval_files_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_approval_files')),
    sa.UniqueConstraint('agency_id', 'approval_id', 'attachment_id', name=op.f('uq_approval_files_agency_id_approval_id_attachment_id'))
    )

    if op.get_bind().dialect.name == "postgresql":
        for table, client_column in TENANT_TABLES.items():
            for statement in rls.enable_statements(table, client_column):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls.disable_statements(table):
                op.execute(statement)
    op.drop_table('approval_files')
    with op.batch_alter_table('approval_approvers', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_approvers_user')

    op.drop_table('approval_approvers')
    with op.batch_alter_table('approval_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_approval_requests_one_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_approval_requests_task')

    op.drop_table('approval_requests')
