"""Names of plans, goals and actors in other languages

Revision ID: 7c2e4a9f1b38
Revises: 5b7e9c1a2d40
Create Date: 2026-12-05 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7c2e4a9f1b38"
down_revision = "5b7e9c1a2d40"
branch_labels = None
depends_on = None

TABLES = ("plans", "priority_goals", "actors")


def upgrade():
    # Plain ADD COLUMNs, nullable: no table rebuild on SQLite, no default to write.
    for table in TABLES:
        op.add_column(table, sa.Column("translations", sa.JSON(), nullable=True))


def downgrade():
    # A plain DROP COLUMN on both (SQLite 3.35+): a batch rebuild would drop tables that other
    # rows point at, which SQLite's foreign keys refuse.
    for table in TABLES:
        op.drop_column(table, "translations")
