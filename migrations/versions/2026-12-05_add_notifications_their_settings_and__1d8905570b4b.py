"""Add notifications, their settings and daily digests; meetings can be cancelled

Revision ID: 1d8905570b4b
Revises: 4f7a2c1d9e35
Create Date: 2026-12-05 07:42:08.340805
"""

import sqlalchemy as sa
from alembic import op

revision = "1d8905570b4b"
down_revision = "4f7a2c1d9e35"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["outbox.id"], name=op.f("fk_notification_digests_mail_id_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_digests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digests")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_notification_digests_user_id_day")),
    )
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "delivery",
            sa.Enum("at_once", "daily", "none", name="delivery", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_settings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "update_returned",
                "update_validated",
                "update_submitted",
                "round_opened",
                "round_deadline",
                "follow_up_due",
                "follow_up_overdue",
                "meeting_scheduled",
                "meeting_moved",
                "meeting_cancelled",
                "decision_recorded",
                "minutes_recorded",
                name="notificationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=60), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "delivery",
            sa.Enum("at_once", "daily", "none", name="delivery", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["outbox.id"], name=op.f("fk_notifications_mail_id_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        # Each reminder once: `tracker notify due` inserts with ON CONFLICT DO NOTHING. Events have
        # no occasion (NULL), which never conflicts.
        sa.UniqueConstraint(
            "user_id",
            "kind",
            "subject_type",
            "subject_id",
            "occasion",
            name=op.f("uq_notifications_user_id_kind_subject_type_subject_id_occasion"),
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_digest", ["delivery", "emailed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_mail_id"), ["mail_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_user_created", ["user_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_notifications_user_read", ["user_id", "read_at"], unique=False)


    with op.batch_alter_table("meetings") as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_read")
        batch_op.drop_index("ix_notifications_user_created")
        batch_op.drop_index(batch_op.f("ix_notifications_mail_id"))
        batch_op.drop_index("ix_notifications_digest")

    op.drop_table("notifications")
    op.drop_table("notification_settings")
    op.drop_table("notification_digests")
