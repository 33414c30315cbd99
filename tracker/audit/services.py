import enum
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias

from babel import Locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from tracker.audit.models import AuditEvent
from tracker.auth.models import User, normalise_email
from tracker.db import MAX_ID, db, utcnow
from tracker.i18n import current_language
from tracker.translated_names import split_column

# Who did something: a signed-in user, or a label for the command line ("tracker init").
By: TypeAlias = "User | str"


def N_(text: str) -> str:
    """Marks a string for the catalogue without translating it: the label is stored in English
    (an event's summary is written once, for everyone) and translated where it is shown."""
    return text


# A changed field as people call it (history panels and "Edited ..." summaries); any other
# field reads as its name in words. The common ones are listed too, so that they are translated.
LABELS = {
    "owner_actor": N_("Owner"),
    "host_actor": N_("Host"),
    "lead_actor": N_("Lead actor"),
    "partners": N_("Partner actors"),
    "members": N_("Members"),
    "target": N_("Funds"),
    "target_kind": N_("Funds"),
    "follow_ups": N_("Follow-ups"),
    "agenda_item": N_("Agenda item"),
    "action_points": N_("Action points"),
    "goal": N_("Priority goal"),
    "is_virtual": N_("Virtual meeting"),
    "url": N_("Meeting link"),
    "timezone": N_("Time zone"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "reported_on": N_("Reporting date"),
    "percent": N_("Percent complete"),
    "retired_at": N_("Retired"),
    "continued_in": N_("Continued in"),
    "return_reason": N_("Reason returned"),
    "due_on": N_("Due"),
    "left_on": N_("Left on"),
    "pledged_total": N_("Total pledged"),
    "committed_total": N_("Total committed"),
    "disbursed_total": N_("Total disbursed"),
    "code": N_("Code"),
    "title": N_("Title"),
    "short_title": N_("Short title"),
    "name": N_("Name"),
    "number": N_("Number"),
    "description": N_("Description"),
    "kind": N_("Kind"),
    "region": N_("Region"),
    "note": N_("Note"),
    "chair": N_("Chair"),
    "actor": N_("Actor"),
    "role": N_("Role"),
    "joined_on": N_("Joined on"),
    "target_on": N_("Target on"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "budget_minor": N_("Budget minor"),
    "budget_currency": N_("Budget currency"),
    "status": N_("Status"),
    "workflow": N_("Workflow"),
    "narrative": N_("Narrative"),
    "action_point": N_("Action point"),
    "file": N_("File"),
    "language": N_("Language"),
}


def english_label(field: str) -> str:
    if (translated := split_column(field)) is not None:
        base, code = translated
        return f"{english_label(base)} in {Locale.parse(code).get_display_name('en')}"
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def field_label(field: str) -> str:
    """A changed field as a history panel names it, in the interface language."""
    if (translated := split_column(field)) is not None:
        base, code = translated
        language = Locale.parse(code).get_display_name(current_language()) or code
        return _("%(field)s in %(language)s", field=field_label(base), language=language)
    if field in LABELS:
        return _(LABELS[field])
    return field.replace("_", " ").capitalize()


def fields_in_words(changes: dict) -> str:
    """The changed fields for a summary, in English (it is stored): "lead actor, partner
    actors"."""
    return ", ".join(english_label(field).lower() for field in changes)


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


def changed_values(obj: db.Model, values: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for each attribute that `values` would change, as the audit
    trail keeps it; sets nothing (a batch writes them with one UPDATE)."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if jsonable(old) != jsonable(new):
            changes[field] = [jsonable(old), jsonable(new)]
    return changes


def apply_changes(obj: db.Model, values: dict[str, Any]) -> dict[str, list]:
    """Set each attribute that differs; return {field: [before, after]} for the audit trail."""
    changes = changed_values(obj, values)
    for field in changes:
        setattr(obj, field, values[field])
    return changes


def record_event(
    *,
    by: "By | None",
    action: str,
    entity: db.Model | None,
    summary: str,
    changes: dict | None = None,
    address: str | None = None,
) -> AuditEvent:
    """Append one event to the audit trail (the entity must have an id: flush first).

    Security events (a sign-in, a denied request) may have no entity, no user (`by=None`: an
    unknown email) and carry the request's `address`; services take it as a value, never from
    the request themselves.
    """
    user = None if isinstance(by, str) else by
    event = AuditEvent(
        user=user,
        agent=by if isinstance(by, str) else None,
        address=address[:45] if address else None,
        action=action[:32],
        entity_type=entity.__tablename__ if entity is not None else None,
        entity_id=entity.id if entity is not None else None,
        summary=summary[:300],
        changes=changes or {},
    )
    db.session.add(event)
    return event


def record_events(
    *, by: By, entity_type: str, items: Iterable[tuple[str, int, str, dict | None]]
) -> int:
    """Append many events about records of one kind at once, as record_event would one by
    one: `items` are (action, entity id, summary, changes). One INSERT, for the thousands of
    rows of an import; returns how many were written."""
    user = None if isinstance(by, str) else by
    now = utcnow()
    rows = [
        {
            "occurred_at": now,
            "user_id": user.id if user else None,
            "agent": by if isinstance(by, str) else None,
            "address": None,
            "action": action[:32],
            "entity_type": entity_type,
            "entity_id": entity_id,
            "summary": summary[:300],
            "changes": changes or {},
        }
        for action, entity_id, summary, changes in items
    ]
    if rows:
        # Core, not the ORM: an executemany with nothing to return or track per row.
        db.session.execute(AuditEvent.__table__.insert(), rows)
    return len(rows)


def record_change(
    entity: db.Model, action: str, summary: str, *, by: "By | None", changes: dict | None = None
) -> AuditEvent:
    """Write what has changed, then append its event to the audit trail (record_event needs the
    entity's id, and the event follows what it records)."""
    db.session.flush()
    return record_event(by=by, action=action, entity=entity, summary=summary, changes=changes)


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
    record_change(
        entity,
        "retire" if retired else "restore",
        f"{'Retired' if retired else 'Restored'} {label}",
        by=by,
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


# A signed-in user who keeps asking for what they may not have must not be able to fill the
# audit table: past this many denied requests a minute, further ones go to the log only.
DENIED_EVENTS_PER_MINUTE = 30


def _printable(text: str) -> str:
    """`text` with control and formatting characters (NUL, newlines, RTL overrides) as "?"."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


def record_denied_request(
    user: "User", *, method: str, path: str, status: int, address: str | None
) -> AuditEvent | None:
    """Record a refused request; None (and nothing written) once the user's minute is full."""
    since = utcnow() - timedelta(minutes=1)
    recent = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.user_id == user.id,
            AuditEvent.action == "denied",
            AuditEvent.occurred_at >= since,
        )
    )
    if recent >= DENIED_EVENTS_PER_MINUTE:
        return None
    where = _printable(f"{method[:10]} {path}")
    if len(where) > 250:
        where = where[:249] + "…"
    return record_event(
        by=user,
        action="denied",
        entity=None,
        summary=f"{where} refused ({status})",
        address=address,
    )


class AuditFilterError(Exception):
    """A filter of the audit trail that cannot be applied; `field` is its query parameter."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def audited_types() -> list[str]:
    """The kinds of record an audit event can be about: every table but the trail itself."""
    return sorted(name for name in db.metadata.tables if name != AuditEvent.__tablename__)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events_query(
    *,
    user_email: str | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """The trail, newest first, narrowed by the filters the admin page and the API share.

    Dates are whole UTC days, both ends included. A filter that cannot be applied (an unknown
    email, "to" before "from") raises AuditFilterError at its query parameter, rather than
    quietly answering with nothing.
    """
    query = select(AuditEvent).options(joinedload(AuditEvent.user))
    if user_email:
        user = db.session.scalar(select(User).where(User.email == normalise_email(user_email)))
        if user is None:
            raise AuditFilterError(_("No account has this email."), "user")
        query = query.where(AuditEvent.user_id == user.id)
    if entity_type:
        if entity_type not in audited_types():
            raise AuditFilterError(_("Choose one of the listed kinds of object."), "object_type")
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        if not entity_type:
            raise AuditFilterError(_("Give the kind of object with its id."), "object_type")
        if not 0 < entity_id <= MAX_ID:
            raise AuditFilterError(
                _("Use a whole number from 1 to %(max)s.", max=MAX_ID), "object_id"
            )
        query = query.where(AuditEvent.entity_id == entity_id)
    if action:
        query = query.where(AuditEvent.action == action.strip())
    if date_from and date_to and date_to < date_from:
        raise AuditFilterError(_("“To” is before “From”."), "to")
    if date_from:
        query = query.where(AuditEvent.occurred_at >= _start_of(date_from))
    if date_to:
        # date.max + 1 day would overflow; nothing happened after 9999 anyway.
        if date_to < date.max:
            query = query.where(AuditEvent.occurred_at < _start_of(date_to + timedelta(days=1)))
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
