from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import db, utcnow

if TYPE_CHECKING:
    from tracker.auth.models import User


class AuditEvent(db.Model):
    """Who changed what, when, with the values before and after. Append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who acted when no user did, e.g. "command line" or "tracker init".
    agent: Mapped[str | None] = mapped_column(String(100))
    # Where the request came from, for security events (sign-in, denied requests).
    address: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(32))
    # Empty for events about no record: a failed sign-in on an unknown email, a denied request.
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped["User | None"] = relationship()

    @property
    def by(self) -> str:
        return self.user.name if self.user else (self.agent or "system")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_rewriting_history(mapper, connection, target):
    raise RuntimeError("audit events are append-only")
