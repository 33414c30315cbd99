"""Retiring records: hidden from lists, kept (with their history) and still reachable by URL.

Pages and API retire and restore any of these kinds through the same two functions.
"""

from flask_babel import gettext as _

from tracker.actors.models import Actor, WorkingGroup
from tracker.audit.services import By, set_retired
from tracker.db import MAX_ID, db
from tracker.plan.models import ActionPoint, Activity, PriorityGoal

RETIRABLE: dict[str, type] = {
    "goals": PriorityGoal,
    "action-points": ActionPoint,
    "activities": Activity,
    "actors": Actor,
    "working-groups": WorkingGroup,
}


def describe(record) -> str:
    """How the audit trail and the flash message name a record."""
    if isinstance(record, PriorityGoal):
        return f"goal {record.number} of {record.plan.code}"
    if isinstance(record, ActionPoint):
        return f"action point {record.reference}"
    if isinstance(record, Activity):
        return f"activity {record.code} of action point {record.action_point.reference}"
    if isinstance(record, Actor):
        return f"actor {record.code}"
    return f"working group {record.code}"


def describe_shown(record) -> str:
    """How a page names a record, in the interface language (the trail keeps `describe`)."""
    if isinstance(record, PriorityGoal):
        return _("goal %(number)s of %(plan)s", number=record.number, plan=record.plan.code)
    if isinstance(record, ActionPoint):
        return _("action point %(reference)s", reference=record.reference)
    if isinstance(record, Activity):
        return _(
            "activity %(code)s of action point %(reference)s",
            code=record.code,
            reference=record.action_point.reference,
        )
    if isinstance(record, Actor):
        return _("actor %(code)s", code=record.code)
    return _("working group %(code)s", code=record.code)


def get_retirable(kind: str, record_id: int):
    """The record of that kind and id, or None."""
    if kind not in RETIRABLE or not 0 < record_id <= MAX_ID:
        return None
    return db.session.get(RETIRABLE[kind], record_id)


def retire(record, *, retired: bool, by: By) -> bool:
    """Retire (or restore) one record; False when it already was."""
    return set_retired(record, retired=retired, by=by, label=describe(record))
