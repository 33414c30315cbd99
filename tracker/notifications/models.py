"""A notification per user, and each user's choice of how to get them by mail."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum
from tracker.notifications.texts import render


class NotificationKind(LabelledEnum):
    UPDATE_RETURNED = "update_returned", _l("Update returned")
    UPDATE_VALIDATED = "update_validated", _l("Update validated")
    # Waits for the Secretariat's validation.
    UPDATE_SUBMITTED = "update_submitted", _l("Update submitted")
    ROUND_OPENED = "round_opened", _l("Round opened")
    # Not reported yet: scheduled (7 and 1 days) or on demand.
    ROUND_DEADLINE = "round_deadline", _l("Round deadline")
    FOLLOW_UP_DUE = "follow_up_due", _l("Follow up due")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _l("Follow up overdue")
    MEETING_SCHEDULED = "meeting_scheduled", _l("Meeting scheduled")
    MEETING_MOVED = "meeting_moved", _l("Meeting moved")
    MEETING_CANCELLED = "meeting_cancelled", _l("Meeting cancelled")
    DECISION_RECORDED = "decision_recorded", _l("Decision recorded")
    MINUTES_RECORDED = "minutes_recorded", _l("Minutes recorded")


class Delivery(LabelledEnum):
    AT_ONCE = "at_once", _l("By mail at once")
    DAILY = "daily", _l("In one mail a day (a digest of the day before)")
    NONE = "none", _l("Not by mail: only on the Notifications page")


DELIVERY_LABELS = Delivery.labels()


class Notification(db.Model):
    """Something that happened that concerns one user, recorded in the transaction that made it
    happen.

    `occasion` is set for the reminders `tracker notify due` makes (and the round page's Remind
    action): the unique key over (user, kind, subject, occasion) is what makes each reminder
    exist once however often, and however many at once, the command runs. Events leave it NULL,
    which a unique key never compares equal: a returned update returned again is a new event."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject_type", "subject_id", "occasion"),
        # The page and the header's count: a user's notifications, newest first, unread ones.
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # The digest: notifications waiting for one.
        Index("ix_notifications_digest", "delivery", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind]
    subject_type: Mapped[str] = mapped_column(String(40))  # a table name: progress_updates, …
    subject_id: Mapped[int]
    occasion: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(String(500))  # one line: the page's entry, the subject
    detail: Mapped[str | None] = mapped_column(Text)  # a returned update's reason, …
    # What text and detail say, as keys and values that each reader's language renders
    # ({"text": [key, values], "detail": …}, tracker/notifications/texts.py); text and detail
    # keep the English for the API and for notifications made before it existed.
    params: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(500))  # a path in the app
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # The user's choice when it was made; emailed_at when its mail (or digest) was queued.
    delivery: Mapped[Delivery]
    emailed_at: Mapped[datetime | None]
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def shown_text(self) -> str:
        """The text in the language of the page or mail being written."""
        return render((self.params or {}).get("text"), self.text)

    @property
    def shown_detail(self) -> str | None:
        return render((self.params or {}).get("detail"), self.detail)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} for user {self.user_id}>"


class NotificationSetting(db.Model):
    """A user's choice of mail for notifications; no row means the default, at once."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(default=Delivery.AT_ONCE)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationDigest(db.Model):
    """The daily digest sent to a user on a day: the unique key lets only one be made, however
    many `tracker notify due` run at once."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date]
    count: Mapped[int] = mapped_column(default=0)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
