"""Signed-in sessions: a new one at every sign-in, and their idle and absolute timeouts.

The one module that keeps the session's clock. Flask's session is a signed cookie, so the client
can read these times but not move them; ending a session early for every device at once is
`User.session_version`'s job (see services.end_sessions).
"""

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_url, login_user, logout_user

from tracker.auth.models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# seen_at is rewritten at most once a minute: a Set-Cookie on every response would be noise, and
# would make two tabs' concurrent responses overwrite each other's session more often.
SEEN_PRECISION = 60
EXPIRED_MESSAGE = _l("Your session expired. Please sign in again.")


def start(user: User) -> None:
    """Sign `user` in on a new session: nothing of the old one survives (no planted values, a
    new CSRF secret), so a session fixed before sign-in is worth nothing after it."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def end() -> None:
    logout_user()
    session.clear()


def has_expired(now: int) -> bool:
    """Whether the signed-in session idled or lived too long (a session without times has)."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    config = current_app.config
    return (
        now - signed_in_at > config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        or now - seen_at > config["SESSION_IDLE_TIMEOUT"].total_seconds()
    )


def enforce_timeouts():
    """Before every page request: end an expired session (back to sign-in), note activity."""
    if "_user_id" not in session or request.blueprint == "api":
        return None  # the API reads no cookie
    if request.endpoint and request.endpoint.endswith("static"):
        return None
    now = int(time.time())
    if has_expired(now):
        session.clear()
        flash(str(EXPIRED_MESSAGE))
        if request.endpoint == "auth.sign_in":
            return None
        if request.method == "GET":
            return redirect(login_url("auth.sign_in", request.url))
        return redirect(url_for("auth.sign_in"))
    if now - session[SEEN_AT] >= SEEN_PRECISION:
        session[SEEN_AT] = now
    return None
