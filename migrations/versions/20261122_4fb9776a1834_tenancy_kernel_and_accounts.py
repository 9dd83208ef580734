"""Tenancy kernel and accounts: agencies, clients, users, links, tokens, staff, audit; RLS on PostgreSQL.

Revision ID: 4fb9776a1834
Revises: 
Create Date: 2026-11-22 10:23:49.030573
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls


revision = '4fb9776a1834'
down_revision = None
branch_labels = None
depends_on = None


# Tenant tables and the column that narrows them for portal sessions.
TENANT_TABLES = {
    "clients": "id",
    "audit_events": "client_id",
    "users": "client_id",
    "api_tokens": "client_id",
    "client_staff": "client_id",
    "invitations": "client_id",
    "password_resets": "client_id",
}

# Which tenant owns a row, whatever the caller's tenant: used only to log probes of foreign ids.
# SECURITY DEFINER runs as the schema owner; the owner role needs BYPASSRLS for it to see rows.
ROW_OWNER_FUNCTION = """
CREATE OR REPLACE FUNCTION backline_row_owner(tbl regclass, row_id uuid)
RETURNS TABLE(agency_id uuid, client_id uuid)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF tbl = 'clients'::regclass THEN
    RETURN QUERY EXECUTE format('SELECT agency_id, id FROM %s WHERE id = $1 LIMIT 1', tbl) USING row_id;
  ELSIF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = 'client_id' AND NOT attisdropped) THEN
    RETURN QUERY EXECUTE format('SELECT agency_id, client_id FROM %s WHERE id = $1 LIMIT 1', tbl) USING row_id;
  ELSE
    RETURN QUERY EXECUTE format('SELECT agency_id, NULL::uuid FROM %s WHERE id = $1 LIMIT 1', tbl) USING row_id;
  END IF;
END $$
"""


def upgrade():
    op.create_table('agencies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('require_staff_2fa', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('slug', name=op.f('uq_agencies_slug'))
    )
    op.create_table('clients',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_clients_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_clients')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_clients_agency_id_name'))
    )
    op.create_table('audit_events',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=64), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_audit_events_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_audit_events_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_agency_action_at', ['agency_id', 'action', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_agency_at', ['agency_id', 'at'], unique=False)

    op.create_table('users',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role IN ('agency_admin', 'staff') AND client_id IS NULL) OR (role IN ('client_admin', 'client_member') AND client_id IS NOT NULL)", name=op.f('ck_users_role_matches_client')),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_users_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_users_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_users')),
    sa.UniqueConstraint('agency_id', 'email', name=op.f('uq_users_agency_id_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_agency_client', ['agency_id', 'client_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_api_tokens_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_api_tokens_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_api_tokens_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('agency_id', 'token_hash', name=op.f('uq_api_tokens_agency_id_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_api_tokens_agency_user', ['agency_id', 'user_id'], unique=False)

    op.create_table('client_staff',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_client_staff_agency_id_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_client_staff_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_client_staff_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_client_staff')),
    sa.UniqueConstraint('agency_id', 'client_id', 'user_id', name=op.f('uq_client_staff_agency_id_client_id_user_id'))
    )
    with op.batch_alter_table('client_staff', schema=None) as batch_op:
        batch_op.create_index('ix_client_staff_agency_user', ['agency_id', 'user_id'], unique=False)

    op.create_table('invitations',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('invited_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_invitations_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_invitations_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_invitations_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_invitations'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_agency_user', ['agency_id', 'user_id'], unique=False)

    op.create_table('password_resets',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id', 'client_id'], ['clients.agency_id', 'clients.id'], name=op.f('fk_password_resets_agency_id_client_id_clients')),
    sa.ForeignKeyConstraint(['agency_id', 'user_id'], ['users.agency_id', 'users.id'], name=op.f('fk_password_resets_agency_id_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_password_resets_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_password_resets'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index('ix_password_resets_agency_user', ['agency_id', 'user_id'], unique=False)



    if op.get_bind().dialect.name == "postgresql":
        for table, client_column in TENANT_TABLES.items():
            for statement in rls.enable_statements(table, client_column):
                op.execute(statement)
        op.execute(ROW_OWNER_FUNCTION)

def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS backline_row_owner(regclass, uuid)")
        for table in TENANT_TABLES:
            for statement in rls.disable_statements(table):
                op.execute(statement)
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index('ix_password_resets_agency_user')

    op.drop_table('password_resets')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_agency_user')

    op.drop_table('invitations')
    with op.batch_alter_table('client_staff', schema=None) as batch_op:
        batch_op.drop_index('ix_client_staff_agency_user')

    op.drop_table('client_staff')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_agency_user')

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_agency_client')

    op.drop_table('users')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_agency_at')
        batch_op.drop_index('ix_audit_events_agency_action_at')

    op.drop_table('audit_events')
    op.drop_table('clients')
    op.drop_table('agencies')
