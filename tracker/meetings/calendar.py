"""The iCalendar (RFC 5545) feed of meetings, built by the icalendar library, in the language of
the person it is for (a subscription: its owner's).

The library does the escaping (commas, semicolons, backslashes, newlines), UTF-8 and the
75-octet line folding that hand-written feeds get wrong with titles like "Türkiye; Sofia, 会议".
"""

from collections.abc import Iterable

from flask import current_app, make_response, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event

from tracker.db import utcnow
from tracker.meetings.models import Meeting


def meetings_calendar(meetings: Iterable[Meeting], *, domain: str, url_for_meeting) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Budapest Process tracker//meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Budapest Process meetings"))
    stamp = utcnow()
    for meeting in meetings:
        event = Event()
        # Stable across feeds and versions, so calendar apps update an event instead of adding one.
        event.add("uid", f"meeting-{meeting.id}@{domain}")
        event.add("dtstamp", stamp)
        # UTC times: every client places them right without our shipping VTIMEZONE blocks.
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", meeting.title)
        event.add("sequence", meeting.version)
        if meeting.cancelled_at is not None:
            event.add("status", "CANCELLED")
        location = _("Virtual") if meeting.is_virtual and not meeting.place else meeting.place
        if location:
            event.add("location", location)
        description = [
            _("%(kind)s, series %(series)s", kind=meeting.kind.label, series=meeting.series_name)
        ]
        if meeting.url:
            description.append(_("Join: %(url)s", url=meeting.url))
        event.add("description", "\n".join(description))
        event.add("url", url_for_meeting(meeting))
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_response(meetings):
    """The feed as a response (pages and API serve the same one)."""
    data = meetings_calendar(
        meetings,
        domain=current_app.config.get("SERVER_NAME") or "tracker.budapest-process",
        url_for_meeting=lambda m: url_for("meetings.show", meeting_id=m.id, _external=True),
    )
    response = make_response(data)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="meetings.ics"'
    return response


def meeting_invitation(
    meeting: Meeting, *, domain: str, url: str, cancelled: bool = False
) -> bytes:
    """One meeting as an iCalendar invitation for mail (METHOD:REQUEST), or its cancellation
    (METHOD:CANCEL): the same UID as in the feed, so a calendar updates the event it has."""
    calendar = Calendar.from_ical(
        meetings_calendar([meeting], domain=domain, url_for_meeting=lambda m: url)
    )
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    return calendar.to_ical()
