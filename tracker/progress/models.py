"""Progress updates, the summary rows that keep each action point's current state, and rounds."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.actors.models import Actor
from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum
from tracker.plan.models import ActionPoint, Activity, Plan
from tracker.uploads.models import AttachedFile

if TYPE_CHECKING:
    from tracker.auth.models import User


class Status(LabelledEnum):
    """Where an action point stands, as its reporter says; each has a default percent.

    Its label is the one source of the statuses' names: pages, exports and reports all take it
    from here, so that they say the same word."""

    NOT_STARTED = "not_started", _l("Not started")
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    ONGOING = "ongoing", _l("Ongoing")
    COMPLETED = "completed", _l("Completed")
    ON_HOLD = "on_hold", _l("On hold")
    DISCONTINUED = "discontinued", _l("Discontinued")

    @property
    def default_percent(self) -> int | None:
        """The percent a new update starts with; None keeps the last reported one (on hold and
        discontinued say nothing about how far the work got)."""
        return DEFAULT_PERCENTS[self]


DEFAULT_PERCENTS: dict[Status, int | None] = {
    Status.NOT_STARTED: 0,
    Status.PLANNED: 5,
    Status.IN_PROGRESS: 50,
    Status.ONGOING: 50,
    Status.COMPLETED: 100,
    Status.ON_HOLD: None,
    Status.DISCONTINUED: None,
}


STATUS_LABELS = Status.labels()
# Not a status but the bucket of action points without one.
NOT_REPORTED_LABEL = _l("Not reported")


def status_label(value: "Status | str | None") -> str:
    """The name of a status given by its value, or "Not reported" for None or `not_reported`
    (the rollups' bucket): for reports and exports that carry statuses as plain strings."""
    try:
        return Status(value).label
    except ValueError:
        return str(NOT_REPORTED_LABEL)


class Workflow(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    VALIDATED = "validated", _l("Validated")
    RETURNED = "returned", _l("Returned")


class ProgressUpdate(db.Model):
    """An actor's report on an action point (optionally one of its activities).

    Validated updates are final: a correction is a new update, so that the history stays true.
    """

    __tablename__ = "progress_updates"
    __table_args__ = (
        # By action point and workflow; with validation time and actor, the brief's counts of
        # updates validated since the last meeting read the index alone.
        Index(
            "ix_progress_updates_ap_validated",
            "action_point_id",
            "workflow",
            "validated_at",
            "actor_id",
        ),
        Index("ix_progress_updates_actor_workflow", "actor_id", "workflow"),
        # The Secretariat's queue: submitted updates, oldest first.
        Index("ix_progress_updates_workflow_submitted", "workflow", "submitted_at"),
        # The pre-meeting brief: updates validated since the previous meeting.
        Index("ix_progress_updates_validated_at", "validated_at"),
        # A reporting round: who reported in its window (the round page, the dashboard's map);
        # covering, so the window is read from the index alone.
        Index(
            "ix_progress_updates_reported_on",
            "reported_on",
            "workflow",
            "action_point_id",
            "actor_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_point_id: Mapped[int] = mapped_column(ForeignKey("action_points.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    status: Mapped[Status]
    percent: Mapped[int]
    narrative: Mapped[str | None] = mapped_column(Text)
    evidence_links: Mapped[list] = mapped_column(JSON, default=list)
    reported_on: Mapped[date]
    workflow: Mapped[Workflow] = mapped_column(default=Workflow.DRAFT)
    return_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who carries an open update on when its author left: set by a hand-over (auth/handover.py);
    # None means its author. created_by stays the author, for the history.
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every edit and workflow step: the "what changed since" page reads it.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    submitted_at: Mapped[datetime | None]
    validated_at: Mapped[datetime | None]
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    action_point: Mapped[ActionPoint] = relationship()
    activity: Mapped[Activity | None] = relationship()
    actor: Mapped[Actor] = relationship()
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    held_by: Mapped["User | None"] = relationship(foreign_keys=[held_by_id])
    validated_by: Mapped["User | None"] = relationship(foreign_keys=[validated_by_id])
    evidence_files: Mapped[list["UpdateEvidence"]] = relationship(
        back_populates="update", order_by="UpdateEvidence.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_editable(self) -> bool:
        """Drafts and returned updates can be edited; submitted ones wait for review."""
        return self.workflow in (Workflow.DRAFT, Workflow.RETURNED)

    @property
    def is_submittable(self) -> bool:
        return self.workflow in (Workflow.DRAFT, Workflow.RETURNED)

    @property
    def is_withdrawable(self) -> bool:
        """Submitted and not yet reviewed: its reporter may still take it back to draft."""
        return self.workflow == Workflow.SUBMITTED

    @property
    def is_reviewable(self) -> bool:
        return self.workflow == Workflow.SUBMITTED

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id} {self.workflow}>"


class UpdateEvidence(AttachedFile, db.Model):
    """A file attached to an update as evidence; whoever may read the update may download it."""

    __tablename__ = "update_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("progress_updates.id"), index=True)

    update: Mapped[ProgressUpdate] = relationship(back_populates="evidence_files")


class _LatestValidated:
    """The columns of a summary row: a copy of the latest validated update (by reporting date,
    then validation time), kept by the services in the same transaction as the validation."""

    update_id: Mapped[int] = mapped_column(ForeignKey("progress_updates.id"))
    status: Mapped[Status]
    percent: Mapped[int]
    reported_on: Mapped[date]
    validated_at: Mapped[datetime]


class ActionPointStatus(_LatestValidated, db.Model):
    """An action point's overall status: its latest validated update from any actor."""

    __tablename__ = "action_point_statuses"

    action_point_id: Mapped[int] = mapped_column(ForeignKey("action_points.id"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))

    update: Mapped[ProgressUpdate] = relationship()
    actor: Mapped[Actor] = relationship()


class ActorActionPointStatus(_LatestValidated, db.Model):
    """One actor's own latest validated update on an action point (the actors × action points
    view)."""

    __tablename__ = "actor_action_point_statuses"
    __table_args__ = (Index("ix_actor_action_point_statuses_ap", "action_point_id"),)

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), primary_key=True)
    action_point_id: Mapped[int] = mapped_column(ForeignKey("action_points.id"), primary_key=True)


class Round(db.Model):
    """A reporting round the Secretariat opens with a deadline (e.g. before a Senior Officials
    Meeting): updates reported from `opens_on` to `deadline` count for it."""

    __tablename__ = "reporting_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date]
    deadline: Mapped[date]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoundReminder(db.Model):
    """The Secretariat reminded an actor of what it had not yet reported in a round: the action
    points outstanding at that moment, who reminded and when (each reminder also notifies the
    actor's users: progress/services.record_reminder)."""

    __tablename__ = "round_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_rounds.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    action_points: Mapped[list] = mapped_column(JSON)  # the codes outstanding, in plan order
    reminded_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reminded_by: Mapped[str] = mapped_column(String(200))

    round: Mapped[Round] = relationship()
    actor: Mapped[Actor] = relationship()
