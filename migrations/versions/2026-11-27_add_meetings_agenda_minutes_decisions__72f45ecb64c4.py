"""Add meetings, agenda, minutes, decisions and follow-ups

Revision ID: 72f45ecb64c4
Revises: b011a96aabb1
Create Date: 2026-11-27 23:16:29.880881
"""

import sqlalchemy as sa
from alembic import op

revision = "72f45ecb64c4"
down_revision = "b011a96aabb1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ministerial_conference",
                "senior_officials_meeting",
                "reference_group",
                "working_group",
                "joint_working_group",
                "thematic",
                name="meetingkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("series", sa.String(length=80), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("is_virtual", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("host_actor_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_actor_id"], ["actors.id"], name=op.f("fk_meetings_host_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_meetings_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index("ix_meetings_series_starts_at", ["series", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_decisions_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "meeting_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "attendance",
            sa.Enum(
                "invited",
                "attended",
                "excused",
                "absent",
                name="attendance",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_meeting_participants_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_participants_meeting_id_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participants")),
    )
    with op.batch_alter_table("meeting_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_participants_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_participants_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "uq_meeting_participants_meeting_actor", ["meeting_id", "actor_id"], unique=True
        )

    op.create_table(
        "minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_minutes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_minutes_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes")),
    )
    with op.batch_alter_table("minutes", schema=None) as batch_op:
        batch_op.create_index("uq_minutes_meeting_number", ["meeting_id", "number"], unique=True)

    op.create_table(
        "decision_action_points",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("action_point_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_point_id"],
            ["action_points.id"],
            name=op.f("fk_decision_action_points_action_point_id_action_points"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_action_points_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint(
            "decision_id", "action_point_id", name=op.f("pk_decision_action_points")
        ),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_actor_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "done",
                "dropped",
                name="followupstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_follow_ups_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_follow_ups_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["owner_actor_id"], ["actors.id"], name=op.f("fk_follow_ups_owner_actor_id_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_ups_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_follow_ups_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_follow_ups_owner_actor_id"), ["owner_actor_id"], unique=False
        )
        batch_op.create_index("ix_follow_ups_status_due", ["status", "due_on"], unique=False)

    op.create_table(
        "meeting_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name=op.f("fk_meeting_attachments_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attachments_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attachments")),
    )
    with op.batch_alter_table("meeting_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attachments_file_id"), ["file_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_attachments_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("action_point_id", sa.Integer(), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_point_id"],
            ["action_points.id"],
            name=op.f("fk_agenda_items_action_point_id_action_points"),
        ),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["follow_ups.id"],
            name=op.f("fk_agenda_items_carried_from_id_follow_ups"),
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["priority_goals.id"], name=op.f("fk_agenda_items_goal_id_priority_goals")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_carried_from_id"), ["carried_from_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "uq_agenda_items_meeting_carried", ["meeting_id", "carried_from_id"], unique=True
        )

    op.create_table(
        "follow_up_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "done",
                "dropped",
                name="followupstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_follow_up_notes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_follow_up_notes_follow_up_id_follow_ups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_notes")),
    )
    with op.batch_alter_table("follow_up_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_notes_follow_up_id"), ["follow_up_id"], unique=False
        )
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.create_index('ix_progress_updates_validated_at', ['validated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_updates_validated_at')

    with op.batch_alter_table("follow_up_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_notes_follow_up_id"))

    op.drop_table("follow_up_notes")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index("uq_agenda_items_meeting_carried")
        batch_op.drop_index(batch_op.f("ix_agenda_items_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_agenda_items_carried_from_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("meeting_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attachments_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_attachments_file_id"))

    op.drop_table("meeting_attachments")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_status_due")
        batch_op.drop_index(batch_op.f("ix_follow_ups_owner_actor_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_decision_id"))

    op.drop_table("follow_ups")
    op.drop_table("decision_action_points")
    with op.batch_alter_table("minutes", schema=None) as batch_op:
        batch_op.drop_index("uq_minutes_meeting_number")

    op.drop_table("minutes")
    with op.batch_alter_table("meeting_participants", schema=None) as batch_op:
        batch_op.drop_index("uq_meeting_participants_meeting_actor")
        batch_op.drop_index(batch_op.f("ix_meeting_participants_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_participants_actor_id"))

    op.drop_table("meeting_participants")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_meeting_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_starts_at"))
        batch_op.drop_index("ix_meetings_series_starts_at")
        batch_op.drop_index(batch_op.f("ix_meetings_plan_id"))

    op.drop_table("meetings")
