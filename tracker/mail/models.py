from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum


class MailStatus(LabelledEnum):
    # Waiting for its first attempt (for good while MAIL_URL is unset).
    QUEUED = "queued", _l("queued")
    # Claimed by a sender, which is talking to the SMTP server now.
    SENDING = "sending", _l("sending")
    DEFERRED = "deferred", _l("deferred")  # a temporary failure; tried again at next_attempt_at
    SENT = "sent", _l("sent")  # the server accepted it (sent_at, last_answer)
    FAILED = "failed", _l("failed")  # refused for good, or given up after MAIL_MAX_ATTEMPTS

    @property
    def is_waiting(self) -> bool:
        return self in (MailStatus.QUEUED, MailStatus.DEFERRED)


class OutgoingMail(db.Model):
    """One message in the outbox: the whole message as it goes on the wire, and what became of it.

    The message is rendered once, when it is queued, so that every attempt sends the same bytes
    with the same Message-ID (a receiver can recognise a repeat). A sender claims a row by a
    conditional UPDATE (tracker/mail/services.py) before it talks to the server."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)  # the header, with <>
    sender: Mapped[str] = mapped_column(String(320))  # envelope sender (MAIL FROM)
    recipient: Mapped[str] = mapped_column(String(320), index=True)  # envelope (RCPT TO)
    subject: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)  # the RFC 5322 message, ASCII (RFC 2047 words)
    is_automatic: Mapped[bool] = mapped_column(default=True)
    status: Mapped[MailStatus] = mapped_column(default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The SMTP server's answer to the last attempt ("250 2.0.0 Ok: queued as …", "550 5.1.1 …"),
    # or what went wrong on the way (connection refused, timed out, dropped).
    last_answer: Mapped[str | None] = mapped_column(Text)
    # The sender pass holding the row while SENDING, and until when; a claim past its time was
    # left by a sender that died, and another may take the row again.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.status} to {self.recipient}>"
