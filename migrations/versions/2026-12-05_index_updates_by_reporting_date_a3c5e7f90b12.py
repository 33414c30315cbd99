"""Index progress updates by reporting date: who reported in a round's window

Revision ID: a3c5e7f90b12
Revises: 5d0c1e7a9b42
Create Date: 2026-12-05 05:00:00.000000
"""

from alembic import op

revision = "a3c5e7f90b12"
down_revision = "5d0c1e7a9b42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_progress_updates_reported_on",
        "progress_updates",
        ["reported_on", "workflow", "action_point_id", "actor_id"],
    )


def downgrade():
    op.drop_index("ix_progress_updates_reported_on", table_name="progress_updates")
