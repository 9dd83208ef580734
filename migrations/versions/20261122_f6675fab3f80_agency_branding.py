"""Agency branding: a display name, an accent colour and a logo (a storage key and its content type) on agencies.

Revision ID: f6675fab3f80
Revises: c9391e27667c
Create Date: 2026-11-22 14:13:02.177653
"""
import sqlalchemy as sa
from alembic import op

revision = 'f6675fab3f80'
down_revision = 'c9391e27667c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('accent_colour', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('logo_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('logo_content_type', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('logo_content_type')
        batch_op.drop_column('logo_key')
        batch_op.drop_column('accent_colour')
        batch_op.drop_column('display_name')
