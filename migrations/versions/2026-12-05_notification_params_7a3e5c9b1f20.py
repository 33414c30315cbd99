"""Notifications keep what they say as a key and values, for each reader's language

Revision ID: 7a3e5c9b1f20
Revises: 56a1d84be364
Create Date: 2026-12-05 11:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7a3e5c9b1f20"
down_revision = "56a1d84be364"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases; older notifications keep their English text.
    op.add_column("notifications", sa.Column("params", sa.JSON(), nullable=True))


def downgrade():
    # A plain DROP COLUMN on both (SQLite 3.35+): a batch rebuild would drop a table that other
    # rows point at, which SQLite's foreign keys refuse.
    op.drop_column("notifications", "params")
