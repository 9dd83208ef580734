"""Local time: a default zone and locale on agencies, and each user's own (NULL inherits the agency's or client's).

Revision ID: 5c1e7a93d2b4
Revises: c4f1a9e2d7b6
Create Date: 2026-12-03 10:50:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '5c1e7a93d2b4'
down_revision = 'c4f1a9e2d7b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('locale', sa.String(length=16), server_default='en_GB', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
        batch_op.drop_column('timezone')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('locale')
        batch_op.drop_column('timezone')
