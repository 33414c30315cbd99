"""Indexes for the brief: ledger entries by when they were recorded, updates by validation time

Revision ID: e59e62d810f2
Revises: 72f45ecb64c4
Create Date: 2026-11-28 00:38:44.173156
"""

from alembic import op

revision = "e59e62d810f2"
down_revision = "72f45ecb64c4"
branch_labels = None
depends_on = None


def upgrade():
    # The brief sums the ledger entries recorded since the previous meeting, and counts the
    # updates validated since then per action point from the index alone.
    with op.batch_alter_table("pledge_entries") as batch_op:
        batch_op.create_index("ix_pledge_entries_created_at", ["created_at"], unique=False)
    with op.batch_alter_table("progress_updates") as batch_op:
        batch_op.drop_index("ix_progress_updates_ap_workflow")
        batch_op.create_index(
            "ix_progress_updates_ap_validated",
            ["action_point_id", "workflow", "validated_at", "actor_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("progress_updates") as batch_op:
        batch_op.drop_index("ix_progress_updates_ap_validated")
        batch_op.create_index(
            "ix_progress_updates_ap_workflow", ["action_point_id", "workflow"], unique=False
        )
    with op.batch_alter_table("pledge_entries") as batch_op:
        batch_op.drop_index("ix_pledge_entries_created_at")
