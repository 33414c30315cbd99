import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.audit.models import AuditEvent
from tracker.db import db, utcnow

if TYPE_CHECKING:
    from tracker.auth.models import User

# Who did something: a signed-in user, or a label for the command line ("tracker init").
By: TypeAlias = "User | str"


def jsonable(value: Any) -> Any:
    """A value as the audit trail stores it: dates as ISO text, records by code, number or id."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, db.Model):
        for attr in ("code", "number", "id"):
            if getattr(value, attr, None) is not None:
                return getattr(value, attr)
    return value


def apply_changes(obj: db.Model, values: dict[str, Any]) -> dict[str, list]:
    """Set each attribute that differs; return {field: [before, after]} for the audit trail."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if jsonable(old) != jsonable(new):
            changes[field] = [jsonable(old), jsonable(new)]
            setattr(obj, field, new)
    return changes


def record_event(
    *, by: By, action: str, entity: db.Model, summary: str, changes: dict | None = None
) -> AuditEvent:
    """Append one event to the audit trail (the entity must have an id: flush first)."""
    user = None if isinstance(by, str) else by
    event = AuditEvent(
        user=user,
        agent=by if isinstance(by, str) else None,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        summary=summary[:300],
        changes=changes or {},
    )
    db.session.add(event)
    return event


def add_and_record(entity: db.Model, *, by: By, summary: str, changes: dict | None = None):
    """Add a new record and its "create" event to the audit trail."""
    db.session.add(entity)
    db.session.flush()
    record_event(by=by, action="create", entity=entity, summary=summary, changes=changes)
    return entity


def set_retired(entity: db.Model, *, retired: bool, by: By, label: str) -> bool:
    """Retire a record (hidden from lists, kept for the history that points to it) or bring it
    back. Returns False when it already was so, and records nothing then."""
    if (entity.retired_at is not None) == retired:
        return False
    before = entity.retired_at
    entity.retired_at = utcnow() if retired else None
    db.session.flush()
    record_event(
        by=by,
        action="retire" if retired else "restore",
        entity=entity,
        summary=f"{'Retired' if retired else 'Restored'} {label}",
        changes={"retired_at": [jsonable(before), jsonable(entity.retired_at)]},
    )
    return True


def history_of(entity: db.Model, limit: int = 200) -> list[AuditEvent]:
    """The newest events about one record, with their users loaded."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity.__tablename__, AuditEvent.entity_id == entity.id)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
