"""Accounts, passwords, sign-in and API tokens: the rules that pages, API and command line share."""

import functools
import gzip
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload, selectinload

from tracker.actors.models import Actor
from tracker.audit.services import By, add_and_record, apply_changes, record_change, record_event
from tracker.auth import links, throttle
from tracker.auth.models import (
    UNUSABLE_PASSWORD,
    ApiToken,
    CalendarFeed,
    LinkPurpose,
    Role,
    User,
    normalise_email,
)
from tracker.db import db, guarded_write, utcnow
from tracker.notifications import services as notifications

TOKEN_PREFIX = "bpt_"
# A feed token is told apart from an API token by its prefix too: neither is ever looked up as the
# other (they live in different tables as well).
FEED_TOKEN_PREFIX = "bpf_"
MAX_TOKEN_LENGTH = 200
MIN_PASSWORD_LENGTH = 12
# argon2 takes any length; the cap keeps a megabyte "password" per request from costing anything.
MAX_PASSWORD_LENGTH = 256
# A token's last use is written at most this often: not a write on every API request.
TOKEN_USE_PRECISION = timedelta(minutes=1)
ANONYMOUS = "anonymous"


class AuthError(Exception):
    """A broken account rule; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class SignInThrottled(AuthError):
    """Too many failed attempts: refused without checking the password (see auth/throttle.py)."""

    def __init__(self, field: str | None = None):
        minutes = int(current_app.config["SIGN_IN_WINDOW"].total_seconds() // 60)
        super().__init__(
            ngettext(
                "Too many failed attempts. Wait %(num)d minutes, then try again.",
                "Too many failed attempts. Wait %(num)d minutes, then try again.",
                minutes,
            ),
            field,
        )
        self.retry_after = minutes * 60


class TokensThrottled(Exception):
    """Too many failed tokens from one address: refused without checking (auth/throttle.py)."""

    def __init__(self, retry_after: int):
        minutes = -(-retry_after // 60)
        super().__init__(
            ngettext(
                "Too many failed tokens from this address. Try again in %(num)d minute.",
                "Too many failed tokens from this address. Try again in %(num)d minutes.",
                minutes,
            )
        )
        self.retry_after = retry_after


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


# A deliberately plain check (the address is confirmed by the person who receives it): one @, a
# dotted domain, and none of the characters that have no business in an address we show.
_EMAIL = re.compile(r"[^@\s<>\"'(),;:\\\[\]]+@[^@\s<>\"'(),;:\\\[\]]+\.[^@\s<>\"'(),;:\\\[\].]+")


def is_plausible_email(email: str) -> bool:
    return len(email) <= 254 and _EMAIL.fullmatch(email) is not None


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def users_query() -> Select:
    """Every account, by email, with its actor."""
    return select(User).options(selectinload(User.actor)).order_by(User.email, User.id)


def list_users() -> list[User]:
    return list(db.session.scalars(users_query()))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (auth/data/README.md says where it comes from)."""
    data = resources.files("tracker.auth").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines())


def check_password_policy(password: str, *, email: str, name: str) -> None:
    """Refuse a password that is too short or too long, common, or the account's email or name.

    No composition rules (digits, capitals, symbols): they make passwords harder to remember,
    not to guess (OWASP ASVS 5.0 V6.2, NIST SP 800-63B). Length and a list of the passwords that
    attackers try first do the work.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(_("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH), "password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(_("Use at most %(num)d characters.", num=MAX_PASSWORD_LENGTH), "password")
    if "\x00" in password:
        raise AuthError(_("The password must not contain NUL characters."), "password")
    folded = password.strip().lower()
    if folded in common_passwords():
        raise AuthError(_("This password is too common: choose another."), "password")
    email = normalise_email(email)
    personal = {email, email.partition("@")[0], name.strip().lower()}
    if folded.casefold() in {p.casefold() for p in personal if p}:
        raise AuthError(_("The password must not be your email address or your name."), "password")


# Control characters, line breaks among them: a name goes into the To: header of mail, where a
# line break would start a header of the sender's choosing ("\r\nBcc: …").
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _check_name(name: str) -> None:
    if len(name) > 200:
        raise AuthError(_("Use at most 200 characters for the name."), "name")
    if _CONTROL.search(name):
        raise AuthError(_("The name must be one line, without control characters."), "name")


def create_user(
    *, email: str, name: str, role: Role, password: str | None, actor: Actor | None = None, by: By
) -> User:
    """Add an account; a focal point must belong to an actor. Without a password (an
    invitation, tracker/auth/lifecycle.py) nobody can sign in to it until one is set."""
    email = normalise_email(email)
    if not is_plausible_email(email):
        raise AuthError(_("Enter a valid email address."), "email")
    _check_name(name)
    if get_user_by_email(email):
        raise AuthError(_("A user with the email %(email)s already exists.", email=email), "email")
    if role == Role.FOCAL_POINT and actor is None:
        raise AuthError(_("A focal point must belong to a state or organisation."), "actor")
    if password is not None:
        check_password_policy(password, email=email, name=name)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        # actor_id, not actor=: its backref would add the user before guarded_write's savepoint.
        actor_id=actor.id if actor else None,
        password_hash=UNUSABLE_PASSWORD if password is None else _hasher().hash(password),
    )
    with guarded_write(
        duplicate=AuthError(
            _("A user with the email %(email)s already exists.", email=email), "email"
        )
    ):
        add_and_record(
            user,
            by=by,
            summary=f"{'Invited' if password is None else 'Created account'} {email} "
            f"({role.value})",
            changes={"role": [None, role.value], "actor": [None, actor.code if actor else None]},
        )
    return user


def _is_self(by: By, user: User) -> bool:
    return isinstance(by, User) and by.id == user.id


def update_user(
    user: User, *, name: str, role: Role, actor: Actor | None, is_active: bool, by: By
) -> dict[str, list]:
    """Change an account's name, role, actor or state; deactivating it ends its sessions.

    Admins cannot deactivate or demote themselves: it would lock them out of the very page that
    undoes it (and might leave no admin at all). Returns the changes, {field: [before, after]}.
    """
    name = name.strip() or user.email
    _check_name(name)
    if role == Role.FOCAL_POINT and actor is None:
        raise AuthError(_("A focal point must belong to a state or organisation."), "actor")
    if _is_self(by, user) and not is_active:
        raise AuthError(_("You cannot deactivate your own account."), "is_active")
    if _is_self(by, user) and user.role == Role.ADMIN and role != Role.ADMIN:
        raise AuthError(_("You cannot take away your own admin role; ask another admin."), "role")
    values = {"name": name, "role": role, "actor": actor, "is_active": is_active}
    changes = apply_changes(user, values)
    if not changes:
        return changes
    described = []
    if "is_active" in changes:
        described.append("reactivated" if is_active else "deactivated")
        if not is_active:
            end_sessions(user)
            notifications.withdraw_mail(user)
    if "role" in changes:
        described.append("role {} → {}".format(*changes["role"]))
    if "actor" in changes:
        described.append("actor {} → {}".format(*changes["actor"]))
    if "name" in changes:
        described.append("name changed")
    action = (
        ("reactivate" if is_active else "deactivate")
        if "is_active" in changes
        else ("role_change" if "role" in changes else "update")
    )
    record_change(
        user, action, f"Account {user.email}: {', '.join(described)}", by=by, changes=changes
    )
    return changes


def deactivate_user(user: User, *, by: By) -> bool:
    """Deactivate an account (keeping everything else); False if it already was."""
    changes = update_user(
        user, name=user.name, role=user.role, actor=user.actor, is_active=False, by=by
    )
    return bool(changes)


def check_new_password(user: User, password: str, *, by: By, name: str | None = None) -> None:
    """Refuse what set_password would refuse, changing nothing (`name`: the account's new name).

    One's own password is not set this way: that needs the current password
    (change_own_password), or a stolen session or admin token could take the account over.
    """
    if _is_self(by, user):
        raise AuthError(
            _("Change your own password on the Change my password page, with your current one."),
            "password",
        )
    check_password_policy(password, email=user.email, name=user.name if name is None else name)


def set_password(user: User, password: str, *, by: By) -> None:
    """Give an account a new password (after the policy) and end every session it had."""
    check_new_password(user, password, by=by)
    _store_password(user, password)
    record_event(
        by=by, action="password_reset", entity=user, summary=f"Password of {user.email} set"
    )


def _store_password(user: User, password: str) -> None:
    user.password_hash = _hasher().hash(password)
    end_sessions(user)
    # A reset or invitation link mailed before would set the password again: no longer.
    links.void_links(user, LinkPurpose.INVITATION, LinkPurpose.PASSWORD_RESET, reason="withdrawn")


def end_sessions(user: User) -> None:
    """Invalidate every session cookie of this user (sign-out that really ends the session)."""
    # In SQL, not in Python: two concurrent changes must both count, or a cookie made between
    # them could come back to life.
    user.session_version = User.session_version + 1
    db.session.flush()  # the attribute holds an SQL expression until then


def load_session_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if len(session_id) > 40 or not (user_id + version).isascii():
        return None
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _password_matches(user: User | None, password: str) -> bool:
    """Whether this active user's password is `password`, spending the same time when not."""
    hasher = _hasher()
    if user is None or not user.is_active or not user.has_password:
        # Hash anyway, so that timing does not reveal which accounts exist.
        hasher.hash(password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


_LOCK_REASONS = {
    "pair": "from this address",
    "address": "this address, for any account",
    "account": "from addresses it never signed in from",
}


def _check_password_throttled(
    user: User | None,
    email: str,
    password: str,
    *,
    address: str | None,
    now: datetime,
    field: str | None = None,
    by: By = ANONYMOUS,
) -> bool:
    """Check a password under the throttle (auth/throttle.py); record and audit the attempt.

    Raises SignInThrottled, checking nothing, when too many attempts failed. `by`: who is
    asking (anonymous at sign-in; the user on the password page).
    """
    key = throttle.address_key(address)
    failures = throttle.failures(email, key, now=now)
    if failures.refusal():
        raise SignInThrottled(field)
    matches = _password_matches(user, password)
    throttle.record(email, key, succeeded=matches, now=now)
    if matches:
        return True
    record_event(
        action="sign_in_failed",
        by=by,
        entity=user,
        address=address,
        summary=f"Failed sign-in as {email}"
        if by == ANONYMOUS
        else f"Wrong current password given on the password page of {email}",
    )
    if rule := failures.plus_one().refusal():
        minutes = int(current_app.config["SIGN_IN_WINDOW"].total_seconds() // 60)
        record_event(
            action="sign_in_throttled",
            by=by,
            entity=user,
            address=address,
            summary=f"Sign-in as {email} refused {_LOCK_REASONS[rule]} for up to {minutes} "
            "minutes: too many failures",
        )
    return False


def authenticate(
    email: str, password: str, *, address: str | None, now: datetime | None = None
) -> User | None:
    """The active user with this email and password, or None; SignInThrottled when refused.

    Every checked attempt is kept for the throttle and audited, failed or not: the caller
    commits even when it gets None.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    user = get_user_by_email(email)
    if not _check_password_throttled(user, email, password, address=address, now=now):
        return None
    assert user is not None
    if user.has_second_factor:
        # Not signed in yet: two_factor.check_code records the sign-in once the code is right.
        record_event(
            by=user,
            action="password_accepted",
            entity=user,
            address=address,
            summary=f"{email} gave the right password; second factor asked",
        )
        return user
    record_sign_in(user, address=address, now=now)
    return user


def record_sign_in(user: User, *, address: str | None, now: datetime, how: str = "") -> None:
    """The user is signed in (the password, and the second factor if they have one, checked)."""
    user.last_sign_in_at = now
    record_event(
        by=user,
        action="sign_in",
        entity=user,
        address=address,
        summary=f"{user.email} signed in{f' with {how}' if how else ''}",
    )


def confirm_own_password(
    user: User, password: str, *, address: str | None, now: datetime | None = None
) -> None:
    """Check the signed-in user's password before a change that needs it (throttled like a
    sign-in, or a stolen session could guess it); AuthError at `current_password` if wrong."""
    if not _check_password_throttled(
        user,
        user.email,
        password,
        address=address,
        now=now or utcnow(),
        field="current_password",
        by=user,
    ):
        raise AuthError(_("The current password is wrong."), "current_password")


def change_own_password(
    user: User,
    *,
    current: str,
    new: str,
    address: str | None,
    now: datetime | None = None,
) -> None:
    """A user's own password change: the current password is required (and throttled like a
    sign-in, or a stolen session could guess it); every session of the user ends."""
    check_password_policy(new, email=user.email, name=user.name)
    confirm_own_password(user, current, address=address, now=now)
    _store_password(user, new)
    record_event(
        by=user,
        action="password_change",
        entity=user,
        summary=f"{user.email} changed their password",
    )


def sign_out(user: User, *, address: str | None) -> None:
    """End every session of the user, and say so in the audit trail."""
    end_sessions(user)
    record_event(
        by=user, action="sign_out", entity=user, address=address, summary=f"{user.email} signed out"
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, name: str = "API token", by: By) -> tuple[ApiToken, str]:
    """A new API token for the user; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # user_id, not user=: the backref would load user.tokens, autoflushing a half-made token.
    token = ApiToken(user_id=user.id, token_hash=_digest(plain), prefix=plain[:12], name=name[:100])
    add_and_record(token, by=by, summary=f"API token {token.prefix}… for {user.email}")
    return token, plain


def tokens_query(user: User) -> Select:
    """The user's own tokens, newest first, revoked ones too."""
    return select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(tokens_query(user)))


def get_own_token(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens; None for anyone else's, as for a token that does not exist."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke_token(token: ApiToken, *, by: By) -> None:
    """Stop a token working, and a calendar feed address made with it; it stays listed as
    revoked."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(
            by=by, action="revoke", entity=token, summary=f"Revoked API token {token.prefix}…"
        )
        feed = get_calendar_feed(token.user)
        if feed is not None and feed.api_token_id == token.id:
            _revoke_feed(feed, by=by, why=f" (made with API token {token.prefix}…)")


def _note_use(record: ApiToken | CalendarFeed, now: datetime, *, what: str) -> None:
    """Note when a token was last used (`what` names it in the log: never the token itself)."""
    if record.last_used_at is not None and now - record.last_used_at < TOKEN_USE_PRECISION:
        return
    # Best effort, in a SAVEPOINT. An API read runs in SQLite's deferred transaction, which
    # cannot become a write once another worker has written since it began: "database is
    # locked" at once, whatever the busy timeout. A missed "last used" is harmless (the next
    # request tries again) and failing the request over it is not; so only that error, and only
    # this write, is given up. Anything else still fails loudly.
    try:
        with db.session.begin_nested():
            record.last_used_at = now
    except OperationalError as error:
        current_app.logger.info("Last use of %s not saved: %s", what, error)


def active_token(plain: str, *, now: datetime | None = None) -> ApiToken | None:
    """The active token of an active user that `plain` is, or None; notes the token's use."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > MAX_TOKEN_LENGTH:
        return None
    # With its user in the same query: every API request makes this one, and the throttle's.
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _digest(plain))
        .options(joinedload(ApiToken.user))
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    _note_use(token, now or utcnow(), what=f"token {token.prefix}")
    return token


def refuse_throttled_tokens(address: str | None, *, now: datetime | None = None) -> None:
    """Raise TokensThrottled, checking nothing, when too many tokens failed from `address`."""
    retry_after = throttle.token_refusal(throttle.address_key(address), now=now or utcnow())
    if retry_after is not None:
        raise TokensThrottled(retry_after)


def record_failed_token(address: str | None, *, what: str, now: datetime | None = None) -> None:
    """Keep a failed token (`what`: an API token, a calendar feed address) for the throttle; the
    failure that reaches the limit is audited (not each one: a script with a revoked token
    would fill the trail)."""
    now = now or utcnow()
    key = throttle.address_key(address)
    throttle.record(throttle.TOKEN, key, succeeded=False, now=now)
    if (retry_after := throttle.token_refusal(key, now=now)) is not None:
        limit = current_app.config["TOKEN_MAX_FAILURES_PER_ADDRESS"]
        record_event(
            by=ANONYMOUS,
            action="token_throttled",
            entity=None,
            address=address,
            summary=f"Tokens from this address refused for {-(-retry_after // 60)} minutes: "
            f"{limit} failed (the last: {what})",
        )


def user_for_token(plain: str, *, now: datetime | None = None) -> User | None:
    """The active user behind an active token, or None; notes the token's use."""
    token = active_token(plain, now=now)
    return token.user if token is not None else None


def get_calendar_feed(user: User) -> CalendarFeed | None:
    """The user's calendar feed while it works; None when there is none or it was revoked."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return feed if feed is not None and feed.is_active else None


def create_calendar_feed(
    user: User, *, by: By, via_token: ApiToken | None = None
) -> tuple[CalendarFeed, str]:
    """A new secret feed token for the user, replacing (and so revoking) any earlier one.

    The plain token is returned once and never stored; neither it nor any part of it goes into
    the audit trail (the address alone is the credential). `via_token`: the API token of the
    request, whose revocation will revoke this feed too.
    """
    plain = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = via_token.id if via_token is not None else None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=_digest(plain), api_token_id=token_id)
        with guarded_write(
            duplicate=AuthError(_("Another calendar feed address was made just now; try again."))
        ):
            add_and_record(feed, by=by, summary=f"Calendar feed address for {user.email}")
        return feed, plain
    replaced = feed.is_active
    feed.token_hash = _digest(plain)
    feed.api_token_id = token_id
    feed.created_at = utcnow()
    feed.last_used_at = feed.revoked_at = None
    record_change(
        feed,
        "replace" if replaced else "create",
        f"{'Replaced the' if replaced else 'New'} calendar feed address for {user.email}"
        + ("; the old one stopped working" if replaced else ""),
        by=by,
    )
    return feed, plain


def revoke_calendar_feed(user: User, *, by: By) -> bool:
    """Stop the user's calendar feed address working; False if there was none."""
    feed = get_calendar_feed(user)
    if feed is None:
        return False
    _revoke_feed(feed, by=by)
    return True


def _revoke_feed(feed: CalendarFeed, *, by: By, why: str = "") -> None:
    feed.revoked_at = utcnow()
    record_change(
        feed, "revoke", f"Revoked the calendar feed address of {feed.user.email}{why}", by=by
    )


def user_for_feed_token(plain: str, *, now: datetime | None = None) -> User | None:
    """The active user behind an active feed token, or None (for every kind of failure alike);
    notes the feed's use. An API token is never a feed token, nor the other way round."""
    if (
        not plain.startswith(FEED_TOKEN_PREFIX)
        or len(plain) > MAX_TOKEN_LENGTH
        or not plain.isascii()
    ):
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(plain)))
    if feed is None or not feed.is_active or not feed.user.is_active:
        return None
    _note_use(feed, now or utcnow(), what=f"the calendar feed of user {feed.user_id}")
    return feed.user
