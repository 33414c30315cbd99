"""The throttle around every token a request presents (an API token, a calendar feed address):
what the API and the feed view call before and after checking one (auth/throttle.py)."""

from flask import request
from werkzeug.exceptions import TooManyRequests

from tracker.auth import services
from tracker.db import db


def refuse_if_throttled() -> None:
    """429 with Retry-After, checking nothing, when too many tokens failed from this address."""
    try:
        services.refuse_throttled_tokens(request.remote_addr)
    except services.TokensThrottled as refusal:
        raise TooManyRequests(str(refusal), retry_after=refusal.retry_after) from None


def keep_failed_token(what: str) -> None:
    """Keep this request's failed token for the throttle, and nothing else the request did."""
    db.session.rollback()
    services.record_failed_token(request.remote_addr, what=what)
    db.session.commit()
