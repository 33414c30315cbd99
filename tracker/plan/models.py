import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracker.actors.models import Actor
from tracker.db import db, utcnow
from tracker.uploads.models import AttachedFile

if TYPE_CHECKING:
    from tracker.auth.models import User


# How sure the shipped data is of its sources (plan/data/*.yaml), in the reader's language.
CONFIDENCE_LABELS = {"high": _l("high"), "medium": _l("medium"), "low": _l("low")}


def confidence_label(value: str | None) -> str:
    return str(CONFIDENCE_LABELS.get(value, value or ""))


action_point_partners = Table(
    "action_point_partners",
    db.metadata,
    Column("action_point_id", ForeignKey("action_points.id"), primary_key=True),
    Column("actor_id", ForeignKey("actors.id"), primary_key=True, index=True),
)

# "Continued in": an action point of one plan (BP-CFA-2019) carried on by action points of a
# later one (BP-CFA-2025). A link, not a record: removing it is audited on the earlier point.
action_point_continuations = Table(
    "action_point_continuations",
    db.metadata,
    Column("action_point_id", ForeignKey("action_points.id"), primary_key=True),
    Column("continued_in_id", ForeignKey("action_points.id"), primary_key=True, index=True),
)


def _continuations(*, this: str, other: str, back_populates: str):
    """One direction of the "continued in" link between action points, in plan order: from an
    action point in the link table's `this` column to those beside it in its `other` column."""
    link = action_point_continuations.c
    return relationship(
        secondary=action_point_continuations,
        primaryjoin=lambda: ActionPoint.id == link[this],
        secondaryjoin=lambda: ActionPoint.id == link[other],
        back_populates=back_populates,
        order_by=lambda: (ActionPoint.plan_id, ActionPoint.sort_key),
    )


def code_sort_key(code: str) -> str:
    """A key that orders "2" before "10" and "3.4" before "3.10"."""
    return ".".join(part.zfill(6) if part.isdigit() else part for part in re.split(r"[.\s]", code))


class Plan(db.Model):
    """An action plan, e.g. the 2019 Call for Action (BP-CFA-2019)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    short_title: Mapped[str | None] = mapped_column(String(120))
    # The title in other languages, shown when the interface speaks one: {"ru": {"title": …,
    # "short_title": …}} (tracker.i18n.localized).
    translations: Mapped[dict | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    expected_action_points: Mapped[int | None]
    adopted_at: Mapped[str | None] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(default=False)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    source_confidence: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="plan", order_by="Commitment.number"
    )
    goals: Mapped[list["PriorityGoal"]] = relationship(
        back_populates="plan", order_by="PriorityGoal.number"
    )
    action_points: Mapped[list["ActionPoint"]] = relationship(
        back_populates="plan", order_by="ActionPoint.sort_key"
    )

    @property
    def period(self) -> str:
        return f"{self.starts_on.year}–{self.ends_on.year}"

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


class _NumberedInPlan:
    """A part of a plan numbered within it (a commitment, a priority goal), as the shipped data
    gives it."""

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    source_confidence: Mapped[str | None] = mapped_column(String(16))

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("plan_id", "number"),)


class Commitment(_NumberedInPlan, db.Model):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)

    plan: Mapped[Plan] = relationship(back_populates="commitments")


class PriorityGoal(_NumberedInPlan, db.Model):
    """One of a plan's six numbered priority goals ("priority areas" on the public pages)."""

    __tablename__ = "priority_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    translations: Mapped[dict | None]  # {"ru": {"title": …}}
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    plan: Mapped[Plan] = relationship(back_populates="goals")
    action_points: Mapped[list["ActionPoint"]] = relationship(
        back_populates="goal", order_by="ActionPoint.sort_key"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"Goal {self.number}: {self.title}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def can_edit(self, user: "User") -> bool:
        return user.is_admin


class ActionPoint(db.Model):
    """One action point of a plan; its code ("17", "3.4") is unique within the plan."""

    __tablename__ = "action_points"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("priority_goals.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    sort_key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    lead_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    target_on: Mapped[date | None]
    # Its share in the goal and plan progress (equal by default); the Secretariat may change it.
    weight: Mapped[int] = mapped_column(default=1, server_default="1")
    # The estimated funding need (issue 6); activities carry their own estimates.
    budget_minor: Mapped[int | None] = mapped_column(BigInteger)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[Plan] = relationship(back_populates="action_points")
    goal: Mapped[PriorityGoal] = relationship(back_populates="action_points")
    lead_actor: Mapped[Actor | None] = relationship()
    partners: Mapped[list[Actor]] = relationship(
        secondary=action_point_partners, order_by=Actor.name
    )
    activities: Mapped[list["Activity"]] = relationship(
        back_populates="action_point", order_by=lambda: [Activity.starts_on, Activity.id]
    )
    continued_in: Mapped[list["ActionPoint"]] = _continuations(
        this="action_point_id", other="continued_in_id", back_populates="continues"
    )
    continues: Mapped[list["ActionPoint"]] = _continuations(
        this="continued_in_id", other="action_point_id", back_populates="continued_in"
    )
    documents: Mapped[list["ActionPointDocument"]] = relationship(
        back_populates="action_point", order_by="ActionPointDocument.created_at"
    )

    __mapper_args__ = {"version_id_col": version}

    def can_edit(self, user: "User") -> bool:
        return user.is_admin

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def reference(self) -> str:
        """The plan-qualified code, as links between plans name it: `BP-CFA-2019:17`."""
        return f"{self.plan.code}:{self.code}"

    def __repr__(self) -> str:
        return f"<ActionPoint {self.code}>"


class Activity(db.Model):
    """A concrete step under an action point; its code ("A1") is unique within the action point
    and keys it on re-import."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("action_point_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_point_id: Mapped[int] = mapped_column(ForeignKey("action_points.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    lead_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    budget_minor: Mapped[int | None] = mapped_column(BigInteger)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    action_point: Mapped[ActionPoint] = relationship(back_populates="activities")
    lead_actor: Mapped[Actor | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def can_edit(self, user: "User") -> bool:
        return user.is_admin


class ActionPointDocument(AttachedFile, db.Model):
    """A file attached to an action point (the official text, a concept note); retired, not
    deleted, so that the audit trail can still name it."""

    __tablename__ = "action_point_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_point_id: Mapped[int] = mapped_column(ForeignKey("action_points.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[datetime | None]

    action_point: Mapped[ActionPoint] = relationship(back_populates="documents")
