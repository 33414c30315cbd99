"""The language a published report is written in

Revision ID: 56a1d84be364
Revises: 7c2e4a9f1b38
Create Date: 2026-12-05 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "56a1d84be364"
down_revision = "7c2e4a9f1b38"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (no table rebuild on SQLite); the reports published
    # before languages existed are English.
    op.add_column(
        "published_reports",
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
    )


def downgrade():
    # A plain DROP COLUMN on both (SQLite 3.35+): a batch rebuild would drop a table that other
    # rows point at, which SQLite's foreign keys refuse.
    op.drop_column("published_reports", "language")
