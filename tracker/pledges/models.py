"""Pledges: an actor's funding for a plan, goal, action point or activity, kept as a ledger."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.actors.models import Actor
from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum

if TYPE_CHECKING:
    from tracker.auth.models import User
    from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal


# The one place where the ledger's words are translated (docs/glossary.md): the kinds of an
# entry, and the totals they make ("Pledged", "Committed", "Disbursed" as column headers too),
# as pages, forms and messages name them ("Pledged", in Russian "Объявлено").
class EntryKind(LabelledEnum):
    PLEDGED = "pledged", _l("Pledged")
    COMMITTED = "committed", _l("Committed")
    DISBURSED = "disbursed", _l("Disbursed")


ENTRY_KIND_LABELS = EntryKind.labels()


class TargetKind(enum.StrEnum):
    PLAN = "plan"
    GOAL = "goal"
    ACTION_POINT = "action_point"
    ACTIVITY = "activity"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# The target's ancestors are filled in too (an activity's pledge names its action point, goal and
# plan), so that totals by goal or action point need no join; the CHECK keeps the shape honest.
_TARGET_SHAPE = (
    "(target_kind = 'plan' AND goal_id IS NULL AND action_point_id IS NULL"
    " AND activity_id IS NULL)"
    " OR (target_kind = 'goal' AND goal_id IS NOT NULL AND action_point_id IS NULL"
    " AND activity_id IS NULL)"
    " OR (target_kind = 'action_point' AND goal_id IS NOT NULL AND action_point_id IS NOT NULL"
    " AND activity_id IS NULL)"
    " OR (target_kind = 'activity' AND goal_id IS NOT NULL AND action_point_id IS NOT NULL"
    " AND activity_id IS NOT NULL)"
)


class Pledge(db.Model):
    """The pledge and its ledger totals (a summary row kept by services.record_entry)."""

    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint(_TARGET_SHAPE, name="one_target"),
        # The ledger rules again, as the database's last word: no race can leave them broken.
        CheckConstraint(
            "disbursed_minor >= 0 AND committed_minor >= disbursed_minor"
            " AND pledged_minor >= committed_minor",
            name="totals",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("priority_goals.id"), index=True)
    action_point_id: Mapped[int | None] = mapped_column(ForeignKey("action_points.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    target_kind: Mapped[TargetKind]
    currency: Mapped[str] = mapped_column(String(3))
    pledged_on: Mapped[date]
    purpose: Mapped[str] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(100))
    pledged_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    committed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    disbursed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Who carries the pledge on when the person who made it (its first entry's author) left:
    # set by a hand-over (auth/handover.py); None means that person.
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    actor: Mapped[Actor] = relationship()
    plan: Mapped["Plan"] = relationship()
    goal: Mapped["PriorityGoal | None"] = relationship()
    action_point: Mapped["ActionPoint | None"] = relationship()
    activity: Mapped["Activity | None"] = relationship()
    held_by: Mapped["User | None"] = relationship()
    entries: Mapped[list["PledgeEntry"]] = relationship(
        back_populates="pledge", order_by="(PledgeEntry.value_date, PledgeEntry.id)"
    )

    __mapper_args__ = {"version_id_col": version}

    def total(self, kind: EntryKind) -> int:
        return {
            EntryKind.PLEDGED: self.pledged_minor,
            EntryKind.COMMITTED: self.committed_minor,
            EntryKind.DISBURSED: self.disbursed_minor,
        }[kind]

    @property
    def remaining_minor(self) -> int:
        """Committed, not yet disbursed: what can still be paid out without a new commitment."""
        return self.committed_minor - self.disbursed_minor

    @property
    def target_label(self) -> str:
        if self.target_kind == TargetKind.ACTIVITY and self.activity is not None:
            return _("Activity: %(title)s", title=self.activity.title)
        if self.target_kind == TargetKind.ACTION_POINT and self.action_point is not None:
            return _("Action point %(code)s", code=self.action_point.code)
        if self.target_kind == TargetKind.GOAL and self.goal is not None:
            return _("Goal %(number)s", number=self.goal.number)
        return _("The whole plan")

    def __repr__(self) -> str:
        return f"<Pledge {self.id} {self.currency}>"


class PledgeEntry(db.Model):
    """One dated line of a pledge's ledger. Never edited or deleted: a reduction or a
    cancellation is a negative entry with its reason."""

    __tablename__ = "pledge_entries"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="not_zero"),
        CheckConstraint("amount_minor > 0 OR reason IS NOT NULL", name="reduction_reason"),
        # A pledge's ledger in date order, and covering for the sums by pledge attributes
        # (totals.sum_entries reads the index alone, never the table).
        Index(
            "ix_pledge_entries_pledge_date",
            "pledge_id",
            "value_date",
            "kind",
            "reporting_currency",
            "reporting_minor",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"))
    kind: Mapped[EntryKind]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    value_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(500))
    # Indexed for "entries recorded since" (the pre-meeting brief), newest first.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who recorded it when no user did ("command line", "tracker demo").
    agent: Mapped[str | None] = mapped_column(String(100))
    # The amount in the reporting currency, kept by tracker.pledges.conversion so that summary
    # pages sum it in SQL. Derived, not ledger: rewritten when a rate changes. `reporting_minor`
    # is NULL when no rate was dated on or before the value date; `reporting_currency` says which
    # currency it is in (a conversion into another one is never shown as this one).
    reporting_currency: Mapped[str | None] = mapped_column(String(3))
    reporting_minor: Mapped[int | None] = mapped_column(BigInteger)
    rate: Mapped[str | None] = mapped_column(String(32))
    rate_on: Mapped[date | None]

    pledge: Mapped[Pledge] = relationship(back_populates="entries")
    created_by: Mapped["User | None"] = relationship()

    @property
    def by(self) -> str:
        return self.created_by.name if self.created_by else (self.agent or _("system"))


@event.listens_for(PledgeEntry, "before_update")
@event.listens_for(PledgeEntry, "before_delete")
def _refuse_rewriting_the_ledger(mapper, connection, target):
    raise RuntimeError("ledger entries are append-only: record a correcting entry instead")


class ExchangeRate(db.Model):
    """How many units of the reporting currency one unit of `currency` was worth on `valid_on`.

    The rate is kept as exact decimal text: SQLite has no exact decimal type.
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "reporting_currency", "valid_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    reporting_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[str] = mapped_column(String(32))
    valid_on: Mapped[date]
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
