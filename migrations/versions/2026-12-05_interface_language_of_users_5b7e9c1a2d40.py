"""The interface language a user chose

Revision ID: 5b7e9c1a2d40
Revises: 1d8905570b4b
Create Date: 2026-12-05 10:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5b7e9c1a2d40"
down_revision = "1d8905570b4b"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (no table rebuild on SQLite).
    op.add_column("users", sa.Column("language", sa.String(length=16), nullable=True))


def downgrade():
    # A plain DROP COLUMN on both (SQLite 3.35+): a batch rebuild would drop a table that other
    # rows point at, which SQLite's foreign keys refuse.
    op.drop_column("users", "language")
