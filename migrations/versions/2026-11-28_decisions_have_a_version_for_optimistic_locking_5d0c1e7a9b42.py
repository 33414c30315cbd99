"""Decisions have a version, so that two corrections of one decision cannot overwrite each other

Revision ID: 5d0c1e7a9b42
Revises: 2b0a27468411
Create Date: 2026-11-28 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5d0c1e7a9b42"
down_revision = "2b0a27468411"
branch_labels = None
depends_on = None


def upgrade():
    # Decisions recorded so far start at version 1, as new ones do.
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_column("version")
