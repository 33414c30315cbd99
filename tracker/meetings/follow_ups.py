"""Meetings: the decisions of a meeting and its follow-up actions (record, correct, remove) and
a follow-up's status, changed with a dated note.
"""

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from tracker.actors.models import Actor
from tracker.audit.services import By, add_and_record, apply_changes, jsonable, record_event
from tracker.db import check_version, db, guarded_write
from tracker.i18n import format_number
from tracker.meetings.models import (
    AgendaItem,
    Decision,
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    Meeting,
    english_label,
)
from tracker.meetings.services import MeetingError, record_of_meeting, remove_described
from tracker.notifications import services as notifications
from tracker.plan.models import ActionPoint

MAX_TEXT = 20_000
MAX_NOTE = 5_000


def _check_text(text: str | None, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise MeetingError(_("Give the text."), field)
    if len(text) > MAX_TEXT:
        raise MeetingError(_("At most %(max)s characters.", max=format_number(MAX_TEXT)), field)
    return text


def _check_decision(meeting: Meeting, text: str, action_points: Iterable[ActionPoint]) -> dict:
    action_points = list(action_points)
    if any(ap.plan_id != meeting.plan_id for ap in action_points):
        raise MeetingError(
            _("An action point belongs to another plan than the meeting's."), "action_points"
        )
    return {"text": _check_text(text), "action_points": action_points}


def record_decision(
    meeting: Meeting, *, text: str, action_points: Iterable[ActionPoint] = (), by: By
) -> Decision:
    """Record a decision of the meeting, linked to action points of its own plan."""
    decision = Decision(meeting=meeting, **_check_decision(meeting, text, action_points))
    add_and_record(decision, by=by, summary=f"Decision recorded at meeting {meeting.id}")
    notifications.notify_decision_recorded(decision, by=by)
    return decision


def get_decision(meeting: Meeting, decision_id: int) -> Decision | None:
    """A decision of this meeting."""
    return record_of_meeting(Decision, decision_id, meeting)


def update_decision(
    decision: Decision,
    *,
    text: str,
    action_points: Iterable[ActionPoint],
    version: int | None,
    by: By,
) -> Decision:
    """Correct a decision's text and linked action points; a stale version is a conflict."""
    meeting = decision.meeting
    values = _check_decision(meeting, text, action_points)
    check_version(decision, version)
    # No autoflush: loading the old links must not write the new text in an UPDATE of its own
    # (one edit, one version).
    with (
        guarded_write(duplicate=MeetingError(_("Conflict.")), record=decision, version=version),
        db.session.no_autoflush,
    ):
        changes = apply_changes(decision, values)
        if changes and "text" not in changes:
            # Only the decision's own row carries the version: a change of its links alone
            # must move it on too, or a concurrent edit of the links would go unnoticed.
            flag_modified(decision, "text")
    if changes:
        record_event(
            by=by,
            action="decision_edit",
            entity=meeting,
            summary=f"Decision edited: {decision.text[:200]}",
            changes={**changes, "decision": [decision.id, decision.id]},
        )
    return decision


def remove_decision(decision: Decision, *, by: By) -> None:
    """Delete a decision recorded by mistake. One with follow-ups stays until they are removed:
    the follow-ups say what was to be done about it."""
    if decision.follow_ups:
        raise MeetingError(
            ngettext(
                "This decision has %(num)d follow-up: remove it first (a follow-up already "
                "worked on is dropped, not removed, and its decision stays).",
                "This decision has %(num)d follow-ups: remove them first (a follow-up already "
                "worked on is dropped, not removed, and its decision stays).",
                len(decision.follow_ups),
            ),
            "decision",
        )
    was = {
        "id": decision.id,
        "text": decision.text,
        "action_points": jsonable(decision.action_points),
    }
    summary = f"Decision removed: {decision.text[:200]}"
    remove_described(decision, "decision", was, by=by, summary=summary)


def add_follow_up(
    meeting: Meeting,
    *,
    text: str,
    owner: Actor | None,
    due_on: date | None,
    decision: Decision | None = None,
    by: By,
) -> FollowUp:
    """A follow-up action of the meeting (or of one of its decisions): owner and due date given."""
    text, owner, due_on = _check_follow_up(text, owner, due_on)
    if decision is not None and decision.meeting_id != meeting.id:
        raise MeetingError(_("That decision was taken at another meeting."), "decision")
    follow_up = FollowUp(
        meeting=meeting, decision=decision, text=text, owner_actor=owner, due_on=due_on
    )
    add_and_record(follow_up, by=by, summary=f"Follow-up for {owner.name} due {due_on:%d %b %Y}")
    return follow_up


def _check_follow_up(
    text: str | None, owner: Actor | None, due_on: date | None
) -> tuple[str, Actor, date]:
    text = _check_text(text)
    if owner is None:
        raise MeetingError(_("Give the actor that owns this follow-up."), "owner")
    if due_on is None:
        raise MeetingError(_("Give the date it is due."), "due_on")
    return text, owner, due_on


def get_follow_up(meeting: Meeting, follow_up_id: int) -> FollowUp | None:
    """A follow-up of this meeting."""
    return record_of_meeting(FollowUp, follow_up_id, meeting)


def update_follow_up(
    follow_up: FollowUp,
    *,
    text: str,
    owner: Actor | None,
    due_on: date | None,
    version: int | None,
    by: By,
) -> FollowUp:
    """Correct a follow-up's text, owner or due date; a stale version is a conflict.

    A new due date or owner also adds a dated note saying so (its status unchanged), where the
    owner's focal point reads why the follow-up changed under it.
    """
    text, owner, due_on = _check_follow_up(text, owner, due_on)
    check_version(follow_up, version)
    before_owner, before_due = follow_up.owner_actor, follow_up.due_on
    moved = []
    if due_on != before_due:
        moved.append(f"Due date moved from {before_due.isoformat()} to {due_on.isoformat()}.")
    if owner.id != before_owner.id:
        moved.append(f"Handed from {before_owner.name} to {owner.name}.")
    with guarded_write(duplicate=MeetingError(_("Conflict.")), record=follow_up, version=version):
        changes = apply_changes(follow_up, {"text": text, "owner_actor": owner, "due_on": due_on})
        if moved:
            db.session.add(
                FollowUpNote(
                    follow_up=follow_up,
                    status=follow_up.status,
                    note=" ".join(moved),
                    created_by_id=None if isinstance(by, str) else by.id,
                )
            )
    if changes:
        record_event(
            by=by,
            action="update",
            entity=follow_up,
            summary=" ".join(moved) or "Follow-up text corrected",
            changes=changes,
        )
    return follow_up


def remove_follow_up(follow_up: FollowUp, *, by: By) -> None:
    """Delete a follow-up recorded by mistake, while nothing has happened to it. One with notes
    (a status change, a moved date) or carried onto a later agenda is part of the record: drop
    it instead."""
    if follow_up.notes:
        raise MeetingError(
            _(
                "This follow-up has status notes: drop it instead (status “dropped”, with a note "
                "saying why), so that its history stays."
            ),
            "follow_up",
        )
    carried = select(AgendaItem.id).where(AgendaItem.carried_from_id == follow_up.id)
    if db.session.scalar(carried.limit(1)) is not None:
        raise MeetingError(
            _(
                "This follow-up was carried onto a later meeting's agenda: drop it instead "
                "(status “dropped”, with a note saying why)."
            ),
            "follow_up",
        )
    was = {
        "id": follow_up.id,
        "text": follow_up.text,
        "owner": follow_up.owner_actor.code,
        "due_on": follow_up.due_on.isoformat(),
        "decision": follow_up.decision_id,
        "status": follow_up.status.value,
    }
    summary = f"Follow-up for {follow_up.owner_actor.name} removed: {follow_up.text[:200]}"
    remove_described(follow_up, "follow_up", was, by=by, summary=summary)


def change_follow_up_status(
    follow_up: FollowUp,
    *,
    status: FollowUpStatus | str,
    note: str,
    version: int | None,
    by: By,
) -> FollowUp:
    """Move a follow-up to a status, with a dated note saying why (kept, never edited)."""
    try:
        status = FollowUpStatus(status)
    except ValueError:
        raise MeetingError(_("Choose open, in_progress, done or dropped."), "status") from None
    note = (note or "").strip()
    if not note:
        raise MeetingError(_("Say what happened, in a short note."), "note")
    if len(note) > MAX_NOTE:
        raise MeetingError(
            _("The note is at most %(max)s characters.", max=format_number(MAX_NOTE)), "note"
        )
    if version is not None:
        check_version(follow_up, version)
    before = follow_up.status
    with guarded_write(duplicate=MeetingError(_("Conflict.")), record=follow_up, version=version):
        follow_up.status = status
        db.session.add(
            FollowUpNote(
                follow_up=follow_up,
                status=status,
                note=note,
                created_by_id=None if isinstance(by, str) else by.id,
            )
        )
    record_event(
        by=by,
        action="status",
        entity=follow_up,
        summary=f"Follow-up {english_label(before)} → {english_label(status)}",
        changes={"status": [before.value, status.value]},
    )
    return follow_up
