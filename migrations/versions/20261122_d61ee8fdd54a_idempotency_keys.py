"""Idempotency keys for creating API POSTs, with row-level security on PostgreSQL.

Revision ID: d61ee8fdd54a
Revises: 4fb9776a1834
Create Date: 2026-11-22 10:29:14.984864
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls


revision = 'd61ee8fdd54a'
down_revision = '4fb9776a1834'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_idempotency_keys_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_idempotency_keys_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_idempotency_keys_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('agency_id', 'user_id', 'key', name=op.f('uq_idempotency_keys_agency_id_user_id_key'))
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.enable_statements("idempotency_keys", "client_id"):
            op.execute(statement)


def downgrade():
    op.drop_table('idempotency_keys')
