"""The meetings calendar on the meetings blueprint: the calendar page, its iCalendar download
and the per-user feed address that calendar apps subscribe to (create, revoke, read).

create_app imports this module so that its routes join `bp` before it is registered.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import i18n
from tracker.auth import services as auth_services
from tracker.auth import token_guard
from tracker.db import db
from tracker.meetings import queries
from tracker.meetings.calendar import calendar_response
from tracker.meetings.forms import StepForm
from tracker.meetings.views import bp


def _calendar_page(feed_url: str | None = None):
    upcoming = db.session.scalars(queries.meetings_query(upcoming=True).limit(200)).all()
    return render_template(
        "meetings/calendar.html",
        upcoming=upcoming,
        feed=auth_services.get_calendar_feed(current_user),
        feed_url=feed_url,
        form=StepForm(formdata=None),
    )


@bp.get("/calendar")
@login_required
def calendar():
    return _calendar_page()


@bp.get("/calendar.ics")
@login_required
def ics():
    upcoming = db.session.scalars(queries.meetings_query(upcoming=True).limit(1000)).all()
    return calendar_response(upcoming)


@bp.post("/calendar/feed")
@login_required
def create_feed():
    if not StepForm().validate_on_submit():
        return redirect(url_for("meetings.calendar"))
    try:
        _, plain = auth_services.create_calendar_feed(current_user, by=current_user)
    except auth_services.AuthError as error:
        flash(str(error))
        return redirect(url_for("meetings.calendar"))
    db.session.commit()
    # Shown in this answer only (no redirect: the address must not sit in a flash or a URL).
    return _calendar_page(feed_url=url_for("meetings.feed", feed_token=plain, _external=True))


@bp.post("/calendar/feed/revoke")
@login_required
def revoke_feed():
    if StepForm().validate_on_submit():
        if auth_services.revoke_calendar_feed(current_user, by=current_user):
            db.session.commit()
            flash(_("Feed address revoked: calendar apps subscribed to it get nothing more."))
        else:
            flash(_("You have no calendar feed address to revoke."))
    return redirect(url_for("meetings.calendar"))


@bp.get("/feed/<feed_token>.ics")
def feed(feed_token: str):
    """The subscription address for calendar apps: the token in it is the only credential.

    An unknown, revoked or replaced token and a deactivated owner all get the same 404.
    """
    token_guard.refuse_if_throttled()
    owner = auth_services.user_for_feed_token(feed_token)
    if owner is None:
        token_guard.keep_failed_token("calendar feed address")
        abort(404)
    db.session.commit()  # the feed's last use
    upcoming = db.session.scalars(queries.meetings_query(upcoming=True).limit(1000)).all()
    with force_locale(i18n.language_of(owner)):  # a calendar app asks: its owner's language
        response = calendar_response(upcoming)
    # The address is a secret: no shared cache keeps the answer, and nothing it links to learns
    # the address from a Referer.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
