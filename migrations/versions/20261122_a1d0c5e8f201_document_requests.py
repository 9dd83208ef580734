"""Document requests: named documents asked of a client by a due date, and their items (uploaded file, review).

Both tables are client rows under row-level security like the task's other children.

Revision ID: a1d0c5e8f201
Revises: f6675fab3f80
Create Date: 2026-11-22 16:14:04.963385
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

TENANT_TABLES = {"document_requests": "client_id", "document_request_items": "client_id"}

revision = 'a1d0c5e8f201'
down_revision = 'f6675fab3f80'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_requests',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_document_requests_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_document_requests_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_document_requests_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_document_requests'))
    )
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.create_index('ix_document_requests_open_due', ['agency_id', 'due_on'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_document_requests_task', ['agency_id', 'task_id', 'created_at'], unique=False)

    op.create_table('document_request_items',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attachment_id', sa.Uuid(), nullable=True),
    sa.Column('uploaded_by_id', sa.Uuid(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'attachment_id'], ['task_attachments.agency_id', 'task_attachments.id'], name=op.f('fk_document_request_items_agency_id_attachment_id_task_attachments')),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_document_request_items_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'request_id'], ['document_requests.agency_id', 'document_requests.id'], name=op.f('fk_document_request_items_agency_id_request_id_document_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'task_id'], ['tasks.agency_id', 'tasks.id'], name=op.f('fk_document_request_items_agency_id_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_document_request_items_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_document_request_items'))
    )
    with op.batch_alter_table('document_request_items', schema=None) as batch_op:
        batch_op.create_index('ix_document_request_items_request', ['agency_id', 'request_id', 'position'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table, client_column in TENANT_TABLES.items():
            for statement in rls.enable_statements(table, client_column):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in rls.disable_statements(table):
                op.execute(statement)
    with op.batch_alter_table('document_request_items', schema=None) as batch_op:
        batch_op.drop_index('ix_document_request_items_request')

    op.drop_table('document_request_items')
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_document_requests_task')
        batch_op.drop_index('ix_document_requests_open_due', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.drop_table('document_requests')
