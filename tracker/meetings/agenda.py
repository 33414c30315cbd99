"""Meetings: the items of a meeting's agenda (add, correct, move, remove), numbered 1..n.

Items carried over from open follow-ups are added by services.carry_over, with the meeting.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit.services import By, add_and_record, apply_changes, record_change, record_event
from tracker.db import db
from tracker.meetings.models import AgendaItem, Meeting
from tracker.meetings.services import MeetingError, lock_meeting, next_position, record_of_meeting
from tracker.plan.models import ActionPoint, PriorityGoal


def _agenda(meeting: Meeting) -> list[AgendaItem]:
    lock_meeting(meeting)
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    db.session.flush()


def get_agenda_item(meeting: Meeting, item_id: int) -> AgendaItem | None:
    """An item of this meeting's agenda."""
    return record_of_meeting(AgendaItem, item_id, meeting)


def move_agenda_item(item: AgendaItem, *, position: int | None, by: By) -> AgendaItem:
    """Put an agenda item at a position (1 is first); the others close up around it."""
    meeting = item.meeting
    items = _agenda(meeting)
    if position is None or not 1 <= position <= len(items):
        raise MeetingError(_("Give a position from 1 to %(last)d.", last=len(items)), "position")
    before = items.index(item) + 1
    items.remove(item)
    items.insert(position - 1, item)
    _renumber(items)
    if before != position:
        record_event(
            by=by,
            action="agenda_move",
            entity=meeting,
            summary=f"Agenda item {before} moved to {position}: {item.title[:200]}",
            changes={"position": [before, position], "agenda_item": [item.id, item.id]},
        )
    return item


def remove_agenda_item(item: AgendaItem, *, by: By) -> None:
    """Take an item off the agenda; the others close up. An item carried over from a follow-up
    only leaves the agenda: the follow-up stays as it is, and while it is open, carrying over
    again puts it back (close or drop the follow-up to keep it off)."""
    meeting = item.meeting
    items = _agenda(meeting)
    removed = {
        "id": item.id,
        "position": items.index(item) + 1,
        "title": item.title,
        "carried_from": item.carried_from_id,
    }
    items.remove(item)
    db.session.delete(item)
    _renumber(items)
    record_event(
        by=by,
        action="agenda_remove",
        entity=meeting,
        summary=f"Agenda item {removed['position']} removed: {removed['title'][:200]}",
        changes={"agenda_item": [removed, None]},
    )


def add_agenda_item(
    meeting: Meeting,
    *,
    title: str,
    action_point: ActionPoint | None = None,
    goal: PriorityGoal | None = None,
    by: By,
) -> AgendaItem:
    """Add an item at the end of the agenda, linked to the meeting's own plan only."""
    values = _check_agenda_item(meeting, title=title, action_point=action_point, goal=goal)
    item = AgendaItem(meeting=meeting, position=next_position(meeting), **values)
    add_and_record(item, by=by, summary=f"Agenda item added to meeting {meeting.id}")
    return item


def _check_agenda_item(
    meeting: Meeting, *, title: str, action_point: ActionPoint | None, goal: PriorityGoal | None
) -> dict:
    title = (title or "").strip()
    if not title or len(title) > 500:
        raise MeetingError(_("Give a title of at most 500 characters."), "title")
    if action_point is not None and action_point.plan_id != meeting.plan_id:
        raise MeetingError(
            _("That action point belongs to another plan than the meeting's."), "action_point"
        )
    if goal is not None and goal.plan_id != meeting.plan_id:
        raise MeetingError(_("That goal belongs to another plan than the meeting's."), "goal")
    return {"title": title, "action_point": action_point, "goal": goal}


def update_agenda_item(
    item: AgendaItem,
    *,
    title: str,
    action_point: ActionPoint | None,
    goal: PriorityGoal | None,
    by: By,
) -> AgendaItem:
    """Correct an agenda item's title and links (the meeting's own plan only); its place and
    the follow-up it carries over stay as they are."""
    meeting = item.meeting
    values = _check_agenda_item(meeting, title=title, action_point=action_point, goal=goal)
    changes = apply_changes(item, values)
    if changes:
        record_change(
            meeting,
            "agenda_edit",
            f"Agenda item {item.position} edited: {item.title[:200]}",
            by=by,
            changes={**changes, "agenda_item": [item.id, item.id]},
        )
    return item
