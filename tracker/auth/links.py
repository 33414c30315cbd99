"""Single-use, expiring links mailed to people: invitations, password resets, email changes.

One mechanism for all three. A link carries a random token; only its SHA-256 is stored, with the
link's purpose, user and expiry. A newer link of the same purpose for the same user voids the
older ones. A link is used by a conditional UPDATE that repeats every test (not used, not
voided, not expired), so of two requests racing with one link only one wins. Every way a link
can fail (unknown or tampered, used, expired, replaced, withdrawn) raises LinkError with words
for the page, and changes nothing.

The address in the mail starts with BASE_URL, never with the Host header of the request that
caused it: an attacker asking for a reset of someone else's account with a forged Host would
otherwise get the victim's token sent to a server of his (password-reset poisoning).
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from tracker.auth.models import AccountLink, LinkPurpose, User
from tracker.db import db, utcnow

TOKEN_PREFIX = "bpl_"
MAX_TOKEN_LENGTH = 200
# What the development server listens on (`make run`): links work there without settings.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
LIFETIME_SETTINGS = {
    LinkPurpose.INVITATION: "INVITATION_LINK_HOURS",
    LinkPurpose.PASSWORD_RESET: "PASSWORD_RESET_LINK_HOURS",
    LinkPurpose.EMAIL_CHANGE: "EMAIL_CHANGE_LINK_HOURS",
}


class LinkError(Exception):
    """A link that cannot be used; `status` is the page's HTTP status (404 unknown, 410 gone)."""

    def __init__(self, message: str, status: int = 410):
        super().__init__(message)
        self.status = status


class BaseUrlMissing(RuntimeError):
    """Production without BASE_URL: no link can be made that would reach the tracker."""


def base_url() -> str:
    """Where people reach the tracker (BASE_URL); in development, the development server."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if current_app.config["TRACKER_ENV"] == "development":
        return DEVELOPMENT_BASE_URL
    raise BaseUrlMissing(
        "BASE_URL is not set: links in mail (invitations, password resets) need the address "
        "people reach the tracker at, e.g. BASE_URL=https://tracker.example.org."
    )


def external_url(endpoint: str, **values) -> str:
    """The full address of a page, starting with base_url() (no request needed)."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def lifetime(purpose: LinkPurpose) -> timedelta:
    return timedelta(hours=current_app.config[LIFETIME_SETTINGS[purpose]])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def void_links(user: User, *purposes: LinkPurpose, reason: str, now: datetime | None = None):
    """Void the user's unused links of these purposes (every purpose if none is named)."""
    query = update(AccountLink).where(
        AccountLink.user_id == user.id,
        AccountLink.used_at.is_(None),
        AccountLink.voided_at.is_(None),
    )
    if purposes:
        query = query.where(AccountLink.purpose.in_(purposes))
    db.session.execute(
        query.values(voided_at=now or utcnow(), void_reason=reason).execution_options(
            synchronize_session=False
        )
    )


def issue_link(
    user: User,
    purpose: LinkPurpose,
    *,
    new_email: str | None = None,
    now: datetime | None = None,
) -> tuple[AccountLink, str]:
    """A new link for the user, voiding their older ones of the same purpose; returns the link
    and its plain token, which is never stored (it goes into the mail and nowhere else)."""
    now = now or utcnow()
    void_links(user, purpose, reason="replaced", now=now)
    plain = new_token()
    link = AccountLink(
        user_id=user.id,
        purpose=purpose,
        token_hash=_digest(plain),
        new_email=new_email,
        created_at=now,
        expires_at=now + lifetime(purpose),
    )
    db.session.add(link)
    db.session.flush()
    return link, plain


# Lazy: written in the language of the page that shows them.
_NOT_VALID = _l(
    "This link is not valid. Check that it was copied whole from the mail, or ask for a new one."
)
_GONE = {
    "replaced": _l("A newer link was sent since this one: use the link in the latest mail."),
    "withdrawn": _l("This link was withdrawn and no longer works."),
}
_USED = _l("This link was used already: each link works once.")
_EXPIRED = _l("This link has expired. Ask for a new one.")


def find_link(plain: str, purpose: LinkPurpose, *, now: datetime | None = None) -> AccountLink:
    """The usable link that `plain` is, for its active user; LinkError saying why not."""
    now = now or utcnow()
    if (
        not isinstance(plain, str)
        or not plain.startswith(TOKEN_PREFIX)
        or len(plain) > MAX_TOKEN_LENGTH
        or not plain.isascii()
    ):
        raise LinkError(_NOT_VALID, 404)
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == _digest(plain)))
    if link is None or link.purpose != purpose:
        raise LinkError(_NOT_VALID, 404)
    if link.used_at is not None:
        raise LinkError(_USED)
    if link.voided_at is not None:
        raise LinkError(_GONE.get(link.void_reason or "", _GONE["withdrawn"]))
    if link.expires_at <= now:
        raise LinkError(_EXPIRED)
    if not link.user.is_active:
        raise LinkError(_GONE["withdrawn"])
    return link


def use_link(link: AccountLink, *, now: datetime | None = None) -> None:
    """Mark the link used, if it still may be: LinkError when another request used it first."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.id == link.id,
            AccountLink.used_at.is_(None),
            AccountLink.voided_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise LinkError(_USED)
    link.used_at = now


def pending_link(user: User, purpose: LinkPurpose) -> AccountLink | None:
    """The user's latest link of `purpose`, if still unused and unvoided (it may have expired)."""
    return db.session.scalar(
        select(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
            AccountLink.voided_at.is_(None),
        )
        .order_by(AccountLink.id.desc())
        .limit(1)
    )
