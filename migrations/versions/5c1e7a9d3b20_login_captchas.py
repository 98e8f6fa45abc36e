"""login captchas

Sign-in captcha challenges (the hard account lock is replaced by a captcha after repeated
failures): the keyed hash of the answer, deleted when checked, so each answers once.

Revision ID: 5c1e7a9d3b20
Revises: 1092b33daaef
Create Date: 2026-12-01 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a9d3b20'
down_revision = '1092b33daaef'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_captchas',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('answer_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_captchas'))
    )
    with op.batch_alter_table('login_captchas', schema=None) as batch_op:
        batch_op.create_index('ix_login_captchas_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_captchas', schema=None) as batch_op:
        batch_op.drop_index('ix_login_captchas_created_at')
    op.drop_table('login_captchas')
