"""Meetings: a meeting, its participants, minutes and attachments, and the carry-over of open
follow-ups onto its agenda; with what the other meeting modules share (MeetingError, the agenda
lock, a record of this meeting by id, removing a record with its audit event).

The agenda's items are edited in agenda.py, decisions and follow-ups in follow_ups.py. Who may do
what is asked of tracker/auth/permissions.py by the views and the API. A broken rule raises
MeetingError at a field. Services flush, never commit.
"""

import re
import unicodedata
import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.actors.models import Actor
from tracker.audit.services import (
    By,
    add_and_record,
    apply_changes,
    jsonable,
    record_change,
    record_event,
)
from tracker.choices import chosen
from tracker.db import check_version, db, guarded_write, utcnow
from tracker.i18n import format_number
from tracker.meetings.models import (
    AgendaItem,
    Attendance,
    FollowUp,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingParticipant,
    Minutes,
    english_label,
)
from tracker.meetings.queries import pending_follow_ups
from tracker.notifications import services as notifications
from tracker.plan.models import Plan
from tracker.uploads.models import StoredFile

MAX_TITLE = 300
# Minutes of a two-day conference run to ~100,000 characters; twice that is plenty, and a
# pasted 5 MB document is refused at the field instead of bloating every version after it.
MAX_MINUTES = 200_000
# A change to any of these moves the meeting: its participants are told, with a new .ics.
MOVING_FIELDS = {"starts_at", "ends_at", "timezone", "place", "is_virtual", "url"}


class MeetingError(Exception):
    """A broken meeting rule; `field` names the form field (or JSON key) it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_timezone(name: str | None) -> str:
    name = (name or "").strip()
    if name not in _known_zones():
        raise MeetingError(
            _(
                "Give a time zone as region and city, such as Europe/Budapest or Asia/Tbilisi, "
                "or UTC."
            ),
            "timezone",
        )
    return name


@cache
def _known_zones() -> frozenset[str]:
    # Read once: available_timezones() walks the zone files on disk (about 70 ms), and the
    # meeting form asks for each host state's zone (three seconds a page uncached).
    return frozenset(available_timezones() | {"UTC"})


def known_zones() -> list[str]:
    """Every time zone a meeting may have, sorted: the list the page offers."""
    return sorted(_known_zones())


@cache
def _zone_table() -> dict[str, list[str]]:
    """Country code → its time zones, from the tz database's zone.tab (shipped with tzdata, the
    Python package, or in the system's zoneinfo folder); empty when neither has it."""
    texts = []
    try:
        texts.append(resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    for folder in zoneinfo.TZPATH:
        if (path := Path(folder) / "zone.tab").is_file():
            texts.append(path.read_text("utf-8"))
    table: dict[str, list[str]] = {}
    for line in (texts or [""])[0].splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#"):
            table.setdefault(parts[0], []).append(parts[2])
    return table


def country_zones(country_code: str | None) -> list[str]:
    """The time zones of a state by its ISO 3166 code (Hungary: Europe/Budapest), main one
    first as the tz database lists it; empty for an organisation or an unknown code."""
    zones = _zone_table().get((country_code or "").upper(), [])
    return [zone for zone in zones if zone in _known_zones()]


def parse_moment(text: str | None, timezone: str | None, field: str) -> datetime:
    """An ISO 8601 date and time, aware: its own offset wins, else the meeting's time zone.

    A time with neither is refused: "09:00" means nothing until one knows where.
    """
    text = (text or "").strip()
    if not text:
        raise MeetingError(_("Give a date and time, e.g. 2026-03-10T09:00."), field)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MeetingError(
            _("Not a date and time; write it as 2026-03-10T09:00 (or with an offset, +01:00)."),
            field,
        ) from None
    if "T" not in text.upper() and " " not in text:
        raise MeetingError(_("Give the time as well as the date (2026-03-10T09:00)."), field)
    if moment.tzinfo is None:
        if not (timezone or "").strip():
            raise MeetingError(
                _(
                    "This date and time has no time zone: add an offset (+01:00) or choose the "
                    "meeting's time zone."
                ),
                field,
            )
        zone_name = check_timezone(timezone)
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
        if gap := clock_gap(moment):
            start, end = gap
            raise MeetingError(
                _(
                    "There is no %(time)s on %(date)s in %(zone)s: the clocks go forward from "
                    "%(start)s to %(end)s that night. Choose a time before %(start)s or from "
                    "%(end)s.",
                    time=moment.strftime("%H:%M"),
                    date=moment.date().isoformat(),
                    zone=zone_name,
                    start=start.strftime("%H:%M"),
                    end=end.strftime("%H:%M"),
                ),
                field,
            )
        # A time the clocks pass twice (when they go back) is its first occurrence, as in
        # iCalendar (RFC 5545 §3.3.5); an offset chooses the second (README, Meetings).
    return moment.astimezone(UTC)


def clock_gap(local: datetime) -> tuple[datetime, datetime] | None:
    """The local times the clocks skip around `local`, a wall time in its zone (start and end
    of the gap, on the local clock), or None when `local` exists.

    zoneinfo accepts a skipped time without a word and moves it by the gap's length on
    conversion; a skipped time is one that does not come back from a round trip through UTC.
    """
    naive = local.replace(tzinfo=None)
    if local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == naive:
        return None
    before, after = local.replace(fold=0).utcoffset(), local.replace(fold=1).utcoffset()
    # The transition is between these two instants; find it to the second (a gap lasts hours
    # at most: about 14 steps), so that the message can name where the gap starts and ends.
    low, high = naive - after, naive - before
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.replace(tzinfo=UTC).astimezone(local.tzinfo).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high + before, high + after


def is_ambiguous(local: datetime) -> bool:
    """Whether the clocks show this wall time twice (the hour they go back)."""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset() and (
        clock_gap(local) is None
    )


# Cyrillic in Latin letters as Russian passports write names (ICAO Doc 9303), so that a series
# named in Russian gets a key: "Чёрное море" → "chernoe-more".
_CYRILLIC = str.maketrans(
    dict(
        zip(
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
            "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y  e iu ia".split(
                " "
            ),
            strict=True,
        )
    )
)


def series_key(name: str | None) -> str:
    """The key of a new series from its name: "Black Sea working group" → "black-sea-working-group"
    (letters and digits, accents dropped, Cyrillic in Latin letters, hyphens between words)."""
    latin = (name or "").lower().translate(_CYRILLIC)
    ascii_name = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].rstrip("-")
    if not key:
        raise MeetingError(
            _("Give the new series a name with some letters, e.g. Black Sea working group."),
            "new_series",
        )
    return key


def next_number(series: str) -> int:
    """The number after the highest one used in the series (1 for a new series)."""
    top = db.session.scalar(select(func.max(Meeting.number)).where(Meeting.series == series))
    return (top or 0) + 1


def _check_number_free(series: str, number: int | None, meeting: Meeting | None = None) -> None:
    if number is None:
        return
    query = select(Meeting.title).where(Meeting.series == series, Meeting.number == number)
    if meeting is not None and meeting.id is not None:
        query = query.where(Meeting.id != meeting.id)
    taken = db.session.scalar(query.limit(1))
    if taken is not None:
        raise MeetingError(
            _(
                "Number %(number)s of this series is already “%(title)s”: the next free number "
                "is %(next)s.",
                number=number,
                title=taken[:80],
                next=next_number(series),
            ),
            "number",
        )


def _check_url(url: str | None) -> str | None:
    url = (url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if len(url) > 2000 or parts.scheme not in ("http", "https") or not parts.netloc:
            raise MeetingError(_("Give a web address (http:// or https://)."), "url")
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
    kind = chosen(MeetingKind, kind, MeetingError, "kind")
    series = (series or "").strip().lower()
    if not series or len(series) > 80 or not all(c.isalnum() or c in "-_." for c in series):
        raise MeetingError(
            _("A series is a short key of letters, digits and hyphens (reference-group)."), "series"
        )
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise MeetingError(_("Give a title of at most %(max)d characters.", max=MAX_TITLE), "title")
    if number is not None and not 0 < number < 100_000:
        raise MeetingError(_("The number in the series is a whole number from 1."), "number")
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.tzinfo is None:
            raise MeetingError(_("This date and time has no time zone."), name)
    if ends_at <= starts_at:
        raise MeetingError(_("The meeting must end after it starts."), "ends_at")
    place = (place or "").strip() or None
    if place and len(place) > 300:
        raise MeetingError(_("Give a place of at most 300 characters."), "place")
    url = _check_url(url)
    if not place and not is_virtual:
        raise MeetingError(_("Give the place, or mark the meeting as virtual."), "place")
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
    checked = _check_meeting(**values)
    _check_number_free(checked["series"], checked["number"])
    meeting = Meeting(plan=plan, host_actor=host_actor, **checked)
    add_and_record(meeting, by=by, summary=f"Meeting {meeting.title} created")
    carry_over(meeting, by=by)
    return meeting


def update_meeting(
    meeting: Meeting, *, version: int | None, host_actor: Actor | None, by: By, **values
) -> Meeting:
    """Change a meeting's details; a stale version is a conflict."""
    checked = _check_meeting(**values)
    _check_number_free(checked["series"], checked["number"], meeting)
    check_version(meeting, version)
    with guarded_write(duplicate=MeetingError(_("Conflict.")), record=meeting, version=version):
        changes = apply_changes(meeting, {**checked, "host_actor": host_actor})
    if changes:
        record_event(
            by=by, action="update", entity=meeting, summary="Meeting edited", changes=changes
        )
    if MOVING_FIELDS & set(changes):
        notifications.notify_meeting_moved(meeting, by=by)
    return meeting


def cancel_meeting(meeting: Meeting, *, by: By) -> Meeting:
    """Cancel a meeting: it is kept, marked cancelled, and its participants are told."""
    if meeting.cancelled_at is not None:
        raise MeetingError(_("The meeting is already cancelled."), "meeting")
    meeting.cancelled_at = utcnow()
    record_change(
        meeting,
        "cancel",
        "Meeting cancelled",
        by=by,
        changes={"cancelled_at": [None, jsonable(meeting.cancelled_at)]},
    )
    notifications.notify_meeting_cancelled(meeting, by=by)
    return meeting


def _add_to_meeting(meeting: Meeting, collection: str, rows: list, conflict: MeetingError) -> None:
    """Insert new rows of one of the meeting's collections at once, and have the collection read
    again; `conflict` answers a writer who lost the race to add the same rows."""
    with guarded_write(duplicate=conflict):
        db.session.add_all(rows)
    db.session.expire(meeting, [collection])


def carry_over(meeting: Meeting, *, by: By) -> list[AgendaItem]:
    """Put every open or in-progress follow-up of the series' earlier meetings on this meeting's
    agenda. Idempotent: a follow-up already carried onto this meeting is not added twice."""
    # Locked before reading what is already carried: a second carry-over at the same moment
    # waits, then finds the first's items (and the unique index is the last word).
    lock_meeting(meeting)
    already = select(AgendaItem.carried_from_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.carried_from_id.is_not(None)
    )
    pending = db.session.scalars(
        pending_follow_ups(
            Meeting.series == meeting.series,
            Meeting.starts_at < meeting.starts_at,
            FollowUp.id.not_in(already),
        )
    ).all()
    position = next_position(meeting)
    # By id, not relationship: the savepoint below must be what adds them to the session.
    items = [
        AgendaItem(
            meeting_id=meeting.id,
            position=position + offset,
            title=f"Follow-up: {follow_up.text[:480]}",
            carried_from_id=follow_up.id,
        )
        for offset, follow_up in enumerate(pending)
    ]
    if items:
        conflict = MeetingError(_("The follow-ups were carried over just now."))
        _add_to_meeting(meeting, "agenda_items", items, conflict)
        record_event(
            by=by,
            action="carry_over",
            entity=meeting,
            summary=f"{len(items)} open follow-up(s) carried onto the agenda",
            changes={"follow_ups": [None, [f.id for f in pending]]},
        )
    return items


def lock_meeting(meeting: Meeting) -> None:
    """Lock the meeting's row (PostgreSQL) so that writers of its agenda and participants go one
    after the other: positions stay 1..n, and the second of two writers sees the first's rows.
    SQLite runs one write transaction at a time anyway."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def next_position(meeting: Meeting) -> int:
    """The position after the agenda's last item, with the agenda locked."""
    lock_meeting(meeting)
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    return (last or 0) + 1


def record_of_meeting(model, record_id: int, meeting: Meeting):
    """A record of this meeting by id (None for another meeting's: a 404, not a 403)."""
    return db.session.scalar(
        select(model).where(model.id == record_id, model.meeting_id == meeting.id)
    )


def _check_attendance(attendance: Attendance | str) -> Attendance:
    try:
        return Attendance(attendance)
    except ValueError:
        raise MeetingError(
            _("Choose invited, attended, excused or absent."), "attendance"
        ) from None


def set_participant(
    meeting: Meeting, *, actor: Actor, attendance: Attendance | str, by: By
) -> MeetingParticipant:
    """Invite an actor or record its attendance (one row per actor and meeting)."""
    attendance = _check_attendance(attendance)
    # One row per actor: the second of two at once waits here, then updates the first's row.
    lock_meeting(meeting)
    participant = db.session.scalar(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting.id, MeetingParticipant.actor_id == actor.id
        )
    )
    before = participant.attendance if participant is not None else None
    invited = participant is None
    if invited:
        participant = MeetingParticipant(
            meeting_id=meeting.id, actor_id=actor.id, attendance=attendance
        )
        with guarded_write(duplicate=MeetingError(_("That actor was just added."), "actor")):
            db.session.add(participant)
    participant.attendance = attendance
    record_change(
        meeting,
        "participant",
        f"{actor.name}: {english_label(attendance)}",
        by=by,
        changes={actor.code: [jsonable(before), attendance.value]},
    )
    if invited:
        notifications.notify_meeting_scheduled(meeting, actor, by=by)
    return participant


def add_participants(
    meeting: Meeting,
    *,
    actors: list[Actor],
    attendance: Attendance | str,
    group: str,
    by: By,
) -> list[MeetingParticipant]:
    """Invite a whole group at once (the Reference Group, a working group): every member not yet
    a participant is added with `attendance`; those already on the meeting keep theirs."""
    attendance = _check_attendance(attendance)
    lock_meeting(meeting)
    present = set(
        db.session.scalars(
            select(MeetingParticipant.actor_id).where(MeetingParticipant.meeting_id == meeting.id)
        )
    )
    added = [actor for actor in actors if actor.id not in present]
    if not added:  # asked twice, or everyone was added one by one: nothing to do, no event
        return []
    rows = [
        MeetingParticipant(meeting_id=meeting.id, actor_id=actor.id, attendance=attendance)
        for actor in added
    ]
    conflict = MeetingError(_("Participants were added just now."), "group")
    _add_to_meeting(meeting, "participants", rows, conflict)
    # The same event as set_participant's, one change per actor added.
    summary = f"{group}: {len(rows)} {attendance.value}"
    changes = {actor.code: [None, attendance.value] for actor in added}
    record_change(meeting, "participant", summary, by=by, changes=changes)
    return rows


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
    remove_record(
        participant,
        by=by,
        action="participant_remove",
        summary=f"{participant.actor.name} removed from the participants",
        changes={code: [participant.attendance.value, None]},
    )


def remove_record(record: db.Model, *, by: By, action: str, summary: str, changes: dict) -> None:
    """Delete a record of a meeting; the meeting's history says what it was."""
    meeting = record.meeting
    db.session.delete(record)
    db.session.flush()
    record_event(by=by, action=action, entity=meeting, summary=summary, changes=changes)


def remove_described(record: db.Model, what: str, was: dict, *, by: By, summary: str) -> None:
    """Delete a record of a meeting whose history keeps all of it: the event "<what>_remove"
    changes `what` from `was` (its fields) to nothing."""
    changes = {what: [was, None]}
    remove_record(record, by=by, action=f"{what}_remove", summary=summary, changes=changes)


def record_minutes(meeting: Meeting, *, text: str, by: By) -> Minutes:
    """Add a new version of the minutes (earlier versions stay, for the history)."""
    text = (text or "").strip()
    if not text:
        raise MeetingError(_("The minutes are empty."), "text")
    if len(text) > MAX_MINUTES:
        raise MeetingError(
            _(
                "The minutes are too long (%(length)s characters; at most %(max)s). "
                "Attach a long document as a file instead.",
                length=format_number(len(text)),
                max=format_number(MAX_MINUTES),
            ),
            "text",
        )
    # Two saved at once: the second waits, then becomes the next version, as a moment later.
    lock_meeting(meeting)
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
    with guarded_write(duplicate=MeetingError(_("Someone saved the minutes just now."), "text")):
        db.session.add(minutes)
    record_event(
        by=by, action="minutes", entity=meeting, summary=f"Minutes version {minutes.number}"
    )
    notifications.notify_minutes_recorded(minutes, meeting, by=by)
    return minutes


def attach_file(meeting: Meeting, stored: StoredFile, *, by: By) -> MeetingAttachment:
    """Attach an uploaded file (already checked by store_upload) to the meeting."""
    attachment = MeetingAttachment(meeting=meeting, file=stored)
    add_and_record(attachment, by=by, summary=f"File {stored.filename} attached")
    return attachment


def get_attachment(meeting: Meeting, attachment_id: int) -> MeetingAttachment | None:
    """An attachment of this meeting."""
    return record_of_meeting(MeetingAttachment, attachment_id, meeting)


def remove_attachment(attachment: MeetingAttachment, *, by: By) -> None:
    """Take a file off the meeting. The stored file itself is kept, as for action point documents
    (stored files are never deleted): the audit event names it by id and SHA-256."""
    stored = attachment.file
    was = {
        "id": attachment.id,
        "file_id": stored.id,
        "filename": stored.filename,
        "sha256": stored.sha256,
    }
    summary = f"File {stored.filename} removed from the meeting"
    remove_described(attachment, "attachment", was, by=by, summary=summary)
