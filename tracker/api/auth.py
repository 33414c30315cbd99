"""Bearer-token authentication: the API never reads the session cookie."""

from flask import abort, g, request
from flask_babel import gettext as _

from tracker.auth import token_guard
from tracker.auth.models import User
from tracker.auth.services import active_token


def bearer_user() -> User:
    """The user behind the request's `Authorization: Bearer <token>`, or a 401; a 429 when too
    many tokens failed from the request's address (checking nothing then)."""
    token_guard.refuse_if_throttled()
    header = request.headers.get("Authorization")
    if not header:
        abort(401, _("Send an API token: Authorization: Bearer <token>."))
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        abort(401, _("Malformed Authorization header; expected: Bearer <token>."))
    api_token = active_token(token)
    if api_token is None:
        token_guard.keep_failed_token("API token")
        abort(401, _("The API token is invalid or has been revoked."))
    g.api_token = api_token  # what the request acts with (a calendar feed made with it, say)
    return api_token.user


def sign_in_for_request(user: User) -> None:
    # Flask-Login's current_user looks in g before the session: setting it here lets the shared
    # permission checks see the token's user, and keeps Flask-Login away from the cookie.
    g._login_user = user
