"""Bearer-token authentication: the API never reads the session cookie."""

from flask import abort, g, request

from tracker.auth.models import User
from tracker.auth.services import user_for_token


def bearer_user() -> User:
    """The user behind the request's `Authorization: Bearer <token>`, or a 401."""
    header = request.headers.get("Authorization")
    if not header:
        abort(401, "Send an API token: Authorization: Bearer <token>.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        abort(401, "Malformed Authorization header; expected: Bearer <token>.")
    user = user_for_token(token)
    if user is None:
        abort(401, "The API token is invalid or has been revoked.")
    return user


def sign_in_for_request(user: User) -> None:
    # Flask-Login's current_user looks in g before the session: setting it here lets the shared
    # permission checks see the token's user, and keeps Flask-Login away from the cookie.
    g._login_user = user
