"""Meetings: who met, what was on the agenda, the minutes, and what was decided and followed up."""

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.actors.models import Actor
from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum
from tracker.plan.models import ActionPoint, Plan, PriorityGoal
from tracker.uploads.models import AttachedFile

if TYPE_CHECKING:
    from tracker.auth.models import User


class MeetingKind(LabelledEnum):
    MINISTERIAL_CONFERENCE = "ministerial_conference", _l("Ministerial conference")
    SENIOR_OFFICIALS_MEETING = "senior_officials_meeting", _l("Senior officials meeting")
    REFERENCE_GROUP = "reference_group", _l("Reference group")
    WORKING_GROUP = "working_group", _l("Working group")
    JOINT_WORKING_GROUP = "joint_working_group", _l("Joint working group")
    THEMATIC = "thematic", _l("Thematic")


class Attendance(LabelledEnum):
    INVITED = "invited", _l("Invited")
    ATTENDED = "attended", _l("Attended")
    EXCUSED = "excused", _l("Excused")
    ABSENT = "absent", _l("Absent")


class FollowUpStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Done")
    DROPPED = "dropped", _l("Dropped")


LABELS = MeetingKind.labels() | Attendance.labels() | FollowUpStatus.labels()

PENDING = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


def english_label(value: LabelledEnum) -> str:
    """The label as the audit trail keeps it: in English, whoever acts (reports/history.py shows
    it in the reader's language)."""
    with force_locale("en"):
        return value.label


_LEADING_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)?\.?\s+", re.IGNORECASE)
_TRAILING_NUMBER = re.compile(r"\s*(?:no\.?\s*|#)?\d+$", re.IGNORECASE)


def series_name(key: str, title: str | None) -> str:
    """What people call a series: its latest meeting's title without the meeting's number
    ("Reference Group meeting 12", "12th Reference Group meeting" → "Reference Group meeting");
    the key in words when the title carries no number (it then names one meeting only)."""
    title = (title or "").strip()
    stripped = _TRAILING_NUMBER.sub("", _LEADING_ORDINAL.sub("", title)).strip(" -–,")
    if stripped and stripped != title:
        return stripped
    return key.replace("-", " ").replace("_", " ").strip().capitalize() or key


def _parts(order_by: str):
    """A meeting's list of one kind of its parts, in the given order; each part names its
    meeting as `meeting`."""
    return relationship(back_populates="meeting", order_by=order_by)


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_series_starts_at", "series", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind]
    # A key shared by the meetings of one series ("reference-group"): carry-over and the brief
    # follow it from one meeting to the next.
    series: Mapped[str] = mapped_column(String(80))
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    # IANA name: times are shown in the meeting's own zone, whatever the reader's.
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(300))
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str | None] = mapped_column(String(2000))
    host_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Cancelled meetings are kept (with their history), shown as cancelled, and stay in the
    # calendar feed as STATUS:CANCELLED so that calendar apps take them out.
    cancelled_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    host_actor: Mapped[Actor | None] = relationship()
    plan: Mapped[Plan] = relationship()
    participants: Mapped[list["MeetingParticipant"]] = _parts("MeetingParticipant.id")
    agenda_items: Mapped[list["AgendaItem"]] = _parts("(AgendaItem.position, AgendaItem.id)")
    minutes: Mapped[list["Minutes"]] = _parts("Minutes.number.desc()")
    decisions: Mapped[list["Decision"]] = _parts("Decision.id")
    follow_ups: Mapped[list["FollowUp"]] = _parts("FollowUp.id")
    attachments: Mapped[list["MeetingAttachment"]] = _parts("MeetingAttachment.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def series_name(self) -> str:
        return series_name(self.series, self.title)

    def local_day(self) -> date:
        """The day the meeting starts, in its own time zone (UTC if the zone is unknown: one
        dropped from the tz database, or a row the services did not write)."""
        try:
            return self.starts_at.astimezone(ZoneInfo(self.timezone)).date()
        except (ValueError, ZoneInfoNotFoundError):
            return self.starts_at.astimezone(UTC).date()

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.series} {self.number}>"


class MeetingParticipant(db.Model):
    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    attendance: Mapped[Attendance] = mapped_column(default=Attendance.INVITED)

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    actor: Mapped[Actor] = relationship()

    __table_args__ = (
        Index("uq_meeting_participants_meeting_actor", "meeting_id", "actor_id", unique=True),
    )


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    action_point_id: Mapped[int | None] = mapped_column(ForeignKey("action_points.id"))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("priority_goals.id"))
    # The open follow-up of an earlier meeting that this item carries over (at most once a meeting).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"), index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    action_point: Mapped[ActionPoint | None] = relationship()
    goal: Mapped[PriorityGoal | None] = relationship()
    carried_from: Mapped["FollowUp | None"] = relationship()

    __table_args__ = (
        Index("uq_agenda_items_meeting_carried", "meeting_id", "carried_from_id", unique=True),
    )


class Minutes(db.Model):
    """One version of a meeting's minutes; versions are only ever added, the latest is shown."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
    created_by: Mapped["User | None"] = relationship()

    __table_args__ = (Index("uq_minutes_meeting_number", "meeting_id", "number", unique=True),)


class MeetingAttachment(AttachedFile, db.Model):
    __tablename__ = "meeting_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="attachments")


class DecisionActionPoint(db.Model):
    __tablename__ = "decision_action_points"

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    action_point_id: Mapped[int] = mapped_column(ForeignKey("action_points.id"), primary_key=True)


class Decision(db.Model):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    action_points: Mapped[list[ActionPoint]] = relationship(
        secondary="decision_action_points", order_by=ActionPoint.id
    )
    follow_ups: Mapped[list["FollowUp"]] = relationship(back_populates="decision")

    __mapper_args__ = {"version_id_col": version}


class FollowUp(db.Model):
    """A follow-up action: owned by one actor, due on a date, followed until done or dropped."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[FollowUpStatus] = mapped_column(default=FollowUpStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="follow_ups")
    decision: Mapped[Decision | None] = relationship(back_populates="follow_ups")
    owner_actor: Mapped[Actor] = relationship()
    notes: Mapped[list["FollowUpNote"]] = relationship(
        back_populates="follow_up", order_by="FollowUpNote.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    def is_overdue(self, today: date) -> bool:
        return self.is_pending and self.due_on < today


class FollowUpNote(db.Model):
    """A dated status note: what changed on a follow-up and why (append-only)."""

    __tablename__ = "follow_up_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"), index=True)
    status: Mapped[FollowUpStatus]
    note: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    follow_up: Mapped[FollowUp] = relationship(back_populates="notes")
