"""Add round reminders: who was reminded of what they had not reported in a round, and when

Revision ID: 6e1d2c9b7a40
Revises: 4f1c9d2e7a61
Create Date: 2026-12-05 07:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "6e1d2c9b7a40"
down_revision = "4f1c9d2e7a61"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "round_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action_points", sa.JSON(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_round_reminders_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["reminded_by_id"], ["users.id"], name=op.f("fk_round_reminders_reminded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reporting_rounds.id"],
            name=op.f("fk_round_reminders_round_id_reporting_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_reminders")),
    )
    with op.batch_alter_table("round_reminders") as batch_op:
        batch_op.create_index("ix_round_reminders_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_round_reminders_round_id", ["round_id"], unique=False)
        batch_op.create_index("ix_round_reminders_reminded_by_id", ["reminded_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("round_reminders") as batch_op:
        batch_op.drop_index("ix_round_reminders_reminded_by_id")
        batch_op.drop_index("ix_round_reminders_round_id")
        batch_op.drop_index("ix_round_reminders_actor_id")
    op.drop_table("round_reminders")
