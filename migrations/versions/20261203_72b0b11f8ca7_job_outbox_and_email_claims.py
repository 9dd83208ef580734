"""The job outbox (jobs kept with their unit of work until a queue accepts them) and notification sending claims.

Revision ID: 72b0b11f8ca7
Revises: 5e3c1a9d7b24
Create Date: 2026-12-03 10:45:00
"""
import sqlalchemy as sa
from alembic import op

from tenants import rls

revision = '72b0b11f8ca7'
down_revision = '5e3c1a9d7b24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_outbox',
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('retry', sa.Boolean(), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_job_outbox_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'id', name=op.f('pk_job_outbox'))
    )
    op.create_index('ix_job_outbox_agency_created', 'job_outbox', ['agency_id', 'created_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in rls.enable_statements("job_outbox", None):
            op.execute(statement)
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('email_claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('email_handed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('email_handed_at')
        batch_op.drop_column('email_attempts')
        batch_op.drop_column('email_claimed_at')
    op.drop_index('ix_job_outbox_agency_created', table_name='job_outbox')
    op.drop_table('job_outbox')
