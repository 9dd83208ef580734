"""Second factor hardening: the last accepted TOTP time-step, the secret being set up, and an index for sign-in throttles.

Revision ID: 5e3c1a9d7b24
Revises: 5c1e7a93d2b4
Create Date: 2026-12-03 10:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5e3c1a9d7b24'
down_revision = '5c1e7a93d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=64), nullable=True))
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_agency_email_at', ['agency_id', 'actor_email', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_agency_email_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_pending_secret')
        batch_op.drop_column('totp_last_step')
