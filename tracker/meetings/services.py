"""Meetings: every rule of meetings, minutes, decisions and follow-ups, in one place.

Who may do what is asked of tracker/auth/permissions.py by the views and the API. A broken rule
raises MeetingError at a field. Services flush, never commit.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from tracker.actors.models import Actor
from tracker.audit.services import By, add_and_record, apply_changes, jsonable, record_event
from tracker.db import check_version, db, guarded_write
from tracker.meetings.models import (
    PENDING,
    AgendaItem,
    Attendance,
    Decision,
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingParticipant,
    Minutes,
)
from tracker.plan.models import ActionPoint, Plan, PriorityGoal
from tracker.uploads.models import StoredFile

MAX_TITLE = 300
MAX_TEXT = 20_000
# Minutes of a two-day conference run to ~100,000 characters; twice that is plenty, and a
# pasted 5 MB document is refused at the field instead of bloating every version after it.
MAX_MINUTES = 200_000
MAX_NOTE = 5_000


class MeetingError(Exception):
    """A broken meeting rule; `field` names the form field (or JSON key) it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_timezone(name: str | None) -> str:
    name = (name or "").strip()
    if name not in _known_zones():
        raise MeetingError(
            "Give an IANA time zone, such as Europe/Budapest, Asia/Tbilisi or UTC.", "timezone"
        )
    return name


def _known_zones() -> set[str]:
    return available_timezones() | {"UTC"}


def parse_moment(text: str | None, timezone: str | None, field: str) -> datetime:
    """An ISO 8601 date and time, aware: its own offset wins, else the meeting's time zone.

    A time with neither is refused: "09:00" means nothing until one knows where.
    """
    text = (text or "").strip()
    if not text:
        raise MeetingError("Give a date and time, e.g. 2026-03-10T09:00.", field)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MeetingError(
            "Not a date and time; write it as 2026-03-10T09:00 (or with an offset, +01:00).",
            field,
        ) from None
    if "T" not in text.upper() and " " not in text:
        raise MeetingError("Give the time as well as the date (2026-03-10T09:00).", field)
    if moment.tzinfo is None:
        if not (timezone or "").strip():
            raise MeetingError(
                "This date and time has no time zone: add an offset (+01:00) or choose the "
                "meeting's time zone.",
                field,
            )
        moment = moment.replace(tzinfo=ZoneInfo(check_timezone(timezone)))
    return moment.astimezone(UTC)


def _check_url(url: str | None) -> str | None:
    url = (url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if len(url) > 2000 or parts.scheme not in ("http", "https") or not parts.netloc:
            raise MeetingError("Give a web address (http:// or https://).", "url")
    return url


def _check_meeting(
    *,
    kind: MeetingKind | str,
    series: str,
    number: int | None,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str | None,
    place: str | None,
    is_virtual: bool,
    url: str | None,
) -> dict:
    try:
        kind = MeetingKind(kind)
    except ValueError:
        raise MeetingError(
            f"Choose one of: {', '.join(k.value for k in MeetingKind)}.", "kind"
        ) from None
    series = (series or "").strip().lower()
    if not series or len(series) > 80 or not all(c.isalnum() or c in "-_." for c in series):
        raise MeetingError(
            "A series is a short key of letters, digits and hyphens (reference-group).", "series"
        )
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise MeetingError(f"Give a title of at most {MAX_TITLE} characters.", "title")
    if number is not None and not 0 < number < 100_000:
        raise MeetingError("The number in the series is a whole number from 1.", "number")
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.tzinfo is None:
            raise MeetingError("This date and time has no time zone.", name)
    if ends_at <= starts_at:
        raise MeetingError("The meeting must end after it starts.", "ends_at")
    place = (place or "").strip() or None
    if place and len(place) > 300:
        raise MeetingError("Give a place of at most 300 characters.", "place")
    url = _check_url(url)
    if not place and not is_virtual:
        raise MeetingError("Give the place, or mark the meeting as virtual.", "place")
    return {
        "kind": kind,
        "series": series,
        "number": number,
        "title": title,
        "starts_at": starts_at.astimezone(UTC),
        "ends_at": ends_at.astimezone(UTC),
        "timezone": check_timezone(timezone or "UTC"),
        "place": place,
        "is_virtual": bool(is_virtual),
        "url": url,
    }


def create_meeting(plan: Plan, *, host_actor: Actor | None, by: By, **values) -> Meeting:
    """Create a meeting and carry onto its agenda the open follow-ups of its series."""
    meeting = Meeting(plan=plan, host_actor=host_actor, **_check_meeting(**values))
    add_and_record(meeting, by=by, summary=f"Meeting {meeting.title} created")
    carry_over(meeting, by=by)
    return meeting


def update_meeting(
    meeting: Meeting, *, version: int | None, host_actor: Actor | None, by: By, **values
) -> Meeting:
    """Change a meeting's details; a stale version is a conflict."""
    checked = _check_meeting(**values)
    check_version(meeting, version)
    with guarded_write(duplicate=MeetingError("Conflict."), record=meeting, version=version):
        changes = apply_changes(meeting, {**checked, "host_actor": host_actor})
    if changes:
        record_event(
            by=by, action="update", entity=meeting, summary="Meeting edited", changes=changes
        )
    return meeting


def carry_over(meeting: Meeting, *, by: By) -> list[AgendaItem]:
    """Put every open or in-progress follow-up of the series' earlier meetings on this meeting's
    agenda. Idempotent: a follow-up already carried onto this meeting is not added twice."""
    already = select(AgendaItem.carried_from_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.carried_from_id.is_not(None)
    )
    pending = db.session.scalars(
        select(FollowUp)
        .join(Meeting, FollowUp.meeting_id == Meeting.id)
        .where(
            Meeting.series == meeting.series,
            Meeting.starts_at < meeting.starts_at,
            FollowUp.status.in_(PENDING),
            FollowUp.id.not_in(already),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    position = _next_position(meeting)
    items = []
    for offset, follow_up in enumerate(pending):
        items.append(
            AgendaItem(
                meeting=meeting,
                position=position + offset,
                title=f"Follow-up: {follow_up.text[:480]}",
                carried_from=follow_up,
            )
        )
    if items:
        db.session.add_all(items)
        db.session.flush()
        record_event(
            by=by,
            action="carry_over",
            entity=meeting,
            summary=f"{len(items)} open follow-up(s) carried onto the agenda",
            changes={"follow_ups": [None, [f.id for f in pending]]},
        )
    return items


def _lock_agenda(meeting: Meeting) -> None:
    """Lock the meeting's row (PostgreSQL) so that writers of its agenda go one after the other
    and positions stay 1..n; SQLite runs one write transaction at a time anyway."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def _next_position(meeting: Meeting) -> int:
    _lock_agenda(meeting)
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    return (last or 0) + 1


def _agenda(meeting: Meeting) -> list[AgendaItem]:
    _lock_agenda(meeting)
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


def _of_meeting(model, record_id: int, meeting: Meeting):
    """A record of this meeting by id (None for another meeting's: a 404, not a 403)."""
    return db.session.scalar(
        select(model).where(model.id == record_id, model.meeting_id == meeting.id)
    )


def get_agenda_item(meeting: Meeting, item_id: int) -> AgendaItem | None:
    """An item of this meeting's agenda."""
    return _of_meeting(AgendaItem, item_id, meeting)


def move_agenda_item(item: AgendaItem, *, position: int | None, by: By) -> AgendaItem:
    """Put an agenda item at a position (1 is first); the others close up around it."""
    meeting = item.meeting
    items = _agenda(meeting)
    if position is None or not 1 <= position <= len(items):
        raise MeetingError(f"Give a position from 1 to {len(items)}.", "position")
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


def set_participant(
    meeting: Meeting, *, actor: Actor, attendance: Attendance | str, by: By
) -> MeetingParticipant:
    """Invite an actor or record its attendance (one row per actor and meeting)."""
    try:
        attendance = Attendance(attendance)
    except ValueError:
        raise MeetingError("Choose invited, attended, excused or absent.", "attendance") from None
    participant = db.session.scalar(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting.id, MeetingParticipant.actor_id == actor.id
        )
    )
    if participant is None:
        participant = MeetingParticipant(
            meeting_id=meeting.id, actor_id=actor.id, attendance=attendance
        )
        with guarded_write(duplicate=MeetingError("That actor was just added.", "actor")):
            db.session.add(participant)
    before = participant.attendance
    participant.attendance = attendance
    db.session.flush()
    record_event(
        by=by,
        action="participant",
        entity=meeting,
        summary=f"{actor.code}: {attendance.value}",
        changes={actor.code: [jsonable(before), attendance.value]},
    )
    return participant


def get_participant(meeting: Meeting, actor_code: str) -> MeetingParticipant | None:
    """The participant row of the actor with this code (None when it is not on this meeting)."""
    if len(actor_code) > 16 or "\x00" in actor_code:  # no actor has it; PostgreSQL refuses NUL
        return None
    return db.session.scalar(
        select(MeetingParticipant)
        .join(Actor, MeetingParticipant.actor_id == Actor.id)
        .where(MeetingParticipant.meeting_id == meeting.id, Actor.code == actor_code)
    )


def remove_participant(participant: MeetingParticipant, *, by: By) -> None:
    """Uninvite an actor: its row goes, whatever its attendance; the audit trail keeps it."""
    code = participant.actor.code
    _remove(
        participant,
        by=by,
        action="participant_remove",
        summary=f"{code} removed from the participants",
        changes={code: [participant.attendance.value, None]},
    )


def _remove(record: db.Model, *, by: By, action: str, summary: str, changes: dict) -> None:
    """Delete a record of a meeting; the meeting's history says what it was."""
    meeting = record.meeting
    db.session.delete(record)
    db.session.flush()
    record_event(by=by, action=action, entity=meeting, summary=summary, changes=changes)


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
    item = AgendaItem(meeting=meeting, position=_next_position(meeting), **values)
    add_and_record(item, by=by, summary=f"Agenda item added to meeting {meeting.id}")
    return item


def _check_agenda_item(
    meeting: Meeting, *, title: str, action_point: ActionPoint | None, goal: PriorityGoal | None
) -> dict:
    title = (title or "").strip()
    if not title or len(title) > 500:
        raise MeetingError("Give a title of at most 500 characters.", "title")
    if action_point is not None and action_point.plan_id != meeting.plan_id:
        raise MeetingError(
            "That action point belongs to another plan than the meeting's.", "action_point"
        )
    if goal is not None and goal.plan_id != meeting.plan_id:
        raise MeetingError("That goal belongs to another plan than the meeting's.", "goal")
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
        db.session.flush()
        record_event(
            by=by,
            action="agenda_edit",
            entity=meeting,
            summary=f"Agenda item {item.position} edited: {item.title[:200]}",
            changes={**changes, "agenda_item": [item.id, item.id]},
        )
    return item


def record_minutes(meeting: Meeting, *, text: str, by: By) -> Minutes:
    """Add a new version of the minutes (earlier versions stay, for the history)."""
    text = (text or "").strip()
    if not text:
        raise MeetingError("The minutes are empty.", "text")
    if len(text) > MAX_MINUTES:
        raise MeetingError(
            f"The minutes are too long ({len(text):,} characters; at most {MAX_MINUTES:,}). "
            "Attach a long document as a file instead.",
            "text",
        )
    last = db.session.scalar(
        select(func.max(Minutes.number)).where(Minutes.meeting_id == meeting.id)
    )
    # By id, not relationship: the savepoint below must be what adds it to the session.
    minutes = Minutes(
        meeting_id=meeting.id,
        number=(last or 0) + 1,
        text=text,
        created_by_id=None if isinstance(by, str) else by.id,
    )
    with guarded_write(duplicate=MeetingError("Someone saved the minutes just now.", "text")):
        db.session.add(minutes)
    record_event(
        by=by, action="minutes", entity=meeting, summary=f"Minutes version {minutes.number}"
    )
    return minutes


def attach_file(meeting: Meeting, stored: StoredFile, *, by: By) -> MeetingAttachment:
    """Attach an uploaded file (already checked by store_upload) to the meeting."""
    attachment = MeetingAttachment(meeting=meeting, file=stored)
    add_and_record(attachment, by=by, summary=f"File {stored.filename} attached")
    return attachment


def get_attachment(meeting: Meeting, attachment_id: int) -> MeetingAttachment | None:
    """An attachment of this meeting."""
    return _of_meeting(MeetingAttachment, attachment_id, meeting)


def remove_attachment(attachment: MeetingAttachment, *, by: By) -> None:
    """Take a file off the meeting. The stored file itself is kept, as for action point documents
    (stored files are never deleted): the audit event names it by id and SHA-256."""
    stored = attachment.file
    _remove(
        attachment,
        by=by,
        action="attachment_remove",
        summary=f"File {stored.filename} removed from the meeting",
        changes={
            "attachment": [
                {
                    "id": attachment.id,
                    "file_id": stored.id,
                    "filename": stored.filename,
                    "sha256": stored.sha256,
                },
                None,
            ]
        },
    )


def _check_text(text: str | None, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise MeetingError("Give the text.", field)
    if len(text) > MAX_TEXT:
        raise MeetingError(f"At most {MAX_TEXT:,} characters.", field)
    return text


def _check_decision(meeting: Meeting, text: str, action_points: Iterable[ActionPoint]) -> dict:
    action_points = list(action_points)
    if any(ap.plan_id != meeting.plan_id for ap in action_points):
        raise MeetingError(
            "An action point belongs to another plan than the meeting's.", "action_points"
        )
    return {"text": _check_text(text), "action_points": action_points}


def record_decision(
    meeting: Meeting, *, text: str, action_points: Iterable[ActionPoint] = (), by: By
) -> Decision:
    """Record a decision of the meeting, linked to action points of its own plan."""
    decision = Decision(meeting=meeting, **_check_decision(meeting, text, action_points))
    add_and_record(decision, by=by, summary=f"Decision recorded at meeting {meeting.id}")
    return decision


def get_decision(meeting: Meeting, decision_id: int) -> Decision | None:
    """A decision of this meeting."""
    return _of_meeting(Decision, decision_id, meeting)


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
        guarded_write(duplicate=MeetingError("Conflict."), record=decision, version=version),
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
            f"This decision has {len(decision.follow_ups)} follow-up(s): remove them first "
            "(a follow-up already worked on is dropped, not removed, and its decision stays).",
            "decision",
        )
    _remove(
        decision,
        by=by,
        action="decision_remove",
        summary=f"Decision removed: {decision.text[:200]}",
        changes={
            "decision": [
                {
                    "id": decision.id,
                    "text": decision.text,
                    "action_points": jsonable(decision.action_points),
                },
                None,
            ]
        },
    )


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
        raise MeetingError("That decision was taken at another meeting.", "decision")
    follow_up = FollowUp(
        meeting=meeting, decision=decision, text=text, owner_actor=owner, due_on=due_on
    )
    add_and_record(follow_up, by=by, summary=f"Follow-up for {owner.code} due {due_on}")
    return follow_up


def _check_follow_up(
    text: str | None, owner: Actor | None, due_on: date | None
) -> tuple[str, Actor, date]:
    text = _check_text(text)
    if owner is None:
        raise MeetingError("Give the actor that owns this follow-up.", "owner")
    if due_on is None:
        raise MeetingError("Give the date it is due.", "due_on")
    return text, owner, due_on


def get_follow_up(meeting: Meeting, follow_up_id: int) -> FollowUp | None:
    """A follow-up of this meeting."""
    return _of_meeting(FollowUp, follow_up_id, meeting)


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
        moved.append(f"Handed from {before_owner.code} to {owner.code}.")
    with guarded_write(duplicate=MeetingError("Conflict."), record=follow_up, version=version):
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
            "This follow-up has status notes: drop it instead (status “dropped”, with a note "
            "saying why), so that its history stays.",
            "follow_up",
        )
    carried = select(AgendaItem.id).where(AgendaItem.carried_from_id == follow_up.id)
    if db.session.scalar(carried.limit(1)) is not None:
        raise MeetingError(
            "This follow-up was carried onto a later meeting's agenda: drop it instead "
            "(status “dropped”, with a note saying why).",
            "follow_up",
        )
    _remove(
        follow_up,
        by=by,
        action="follow_up_remove",
        summary=f"Follow-up for {follow_up.owner_actor.code} removed: {follow_up.text[:200]}",
        changes={
            "follow_up": [
                {
                    "id": follow_up.id,
                    "text": follow_up.text,
                    "owner": follow_up.owner_actor.code,
                    "due_on": follow_up.due_on.isoformat(),
                    "decision": follow_up.decision_id,
                    "status": follow_up.status.value,
                },
                None,
            ]
        },
    )


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
        raise MeetingError("Choose open, in_progress, done or dropped.", "status") from None
    note = (note or "").strip()
    if not note:
        raise MeetingError("Say what happened, in a short note.", "note")
    if len(note) > MAX_NOTE:
        raise MeetingError(f"The note is at most {MAX_NOTE:,} characters.", "note")
    if version is not None:
        check_version(follow_up, version)
    before = follow_up.status
    with guarded_write(duplicate=MeetingError("Conflict."), record=follow_up, version=version):
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
        summary=f"Follow-up {before.value} → {status.value}",
        changes={"status": [before.value, status.value]},
    )
    return follow_up


def get_meeting(meeting_id: int) -> Meeting | None:
    return db.session.get(Meeting, meeting_id)
