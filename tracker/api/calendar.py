"""The meetings calendar in the API: the iCalendar download, and the caller's own feed address
for calendar apps (shown, made, revoked).
"""

from flask import g, url_for

from tracker.api.errors import ApiError
from tracker.api.serializers import iso
from tracker.api.views import acting_user, answer, bp
from tracker.auth import services as auth_services
from tracker.db import db
from tracker.meetings import queries
from tracker.meetings.calendar import calendar_response


@bp.get("/calendar.ics")
def calendar_ics():
    upcoming = db.session.scalars(queries.meetings_query(upcoming=True).limit(1000)).all()
    return calendar_response(upcoming)


def _feed_detail(feed) -> dict:
    return {
        "active": feed is not None,
        "created_at": iso(feed.created_at) if feed else None,
        "last_used_at": iso(feed.last_used_at) if feed else None,
    }


@bp.get("/calendar/feed")
def get_calendar_feed():
    return _feed_detail(auth_services.get_calendar_feed(acting_user()))


@bp.post("/calendar/feed")
def create_calendar_feed():
    user = acting_user()
    try:
        feed, plain = auth_services.create_calendar_feed(user, by=user, via_token=g.api_token)
    except auth_services.AuthError as error:
        raise ApiError(409, str(error)) from None
    url = url_for("meetings.feed", feed_token=plain, _external=True)
    return answer({**_feed_detail(feed), "url": url}, 201)


@bp.delete("/calendar/feed")
def revoke_calendar_feed():
    user = acting_user()
    auth_services.revoke_calendar_feed(user, by=user)
    return answer("", 204)
