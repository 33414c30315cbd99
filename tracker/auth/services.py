import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from tracker.actors.models import Actor
from tracker.audit.services import By, add_and_record, record_event
from tracker.auth.models import ApiToken, Role, User
from tracker.db import db, guarded_write, utcnow

TOKEN_PREFIX = "bpt_"
MIN_PASSWORD_LENGTH = 12


class AuthError(Exception):
    """A broken account rule; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *, email: str, name: str, role: Role, password: str, actor: Actor | None = None, by: By
) -> User:
    """Add an account; a focal point must belong to an actor."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AuthError("Enter a valid email address.", "email")
    if len(name) > 200:
        raise AuthError("Use at most 200 characters for the name.", "name")
    if get_user_by_email(email):
        raise AuthError(f"A user with the email {email} already exists.", "email")
    if role == Role.FOCAL_POINT and actor is None:
        raise AuthError("A focal point must belong to a state or organisation.", "actor")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", "password")
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        # actor_id, not actor=: its backref would add the user before guarded_write's savepoint.
        actor_id=actor.id if actor else None,
        password_hash=_hasher().hash(password),
    )
    with guarded_write(
        duplicate=AuthError(f"A user with the email {email} already exists.", "email")
    ):
        add_and_record(
            user,
            by=by,
            summary=f"Created account {email} ({role.value})",
            changes={"role": [None, role.value], "actor": [None, actor.code if actor else None]},
        )
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = get_user_by_email(email)
    hasher = _hasher()
    if user is None or not user.is_active:
        # Spend the same time as a real check, so that timing does not reveal accounts.
        hasher.hash(password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_sign_in_at = utcnow()
    return user


def set_password(user: User, password: str, *, by: By) -> None:
    """Replace the user's password and end every session it had."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", "password")
    user.password_hash = _hasher().hash(password)
    end_sessions(user)
    record_event(by=by, action="update", entity=user, summary=f"Password of {user.email} changed")


def end_sessions(user: User) -> None:
    """Invalidate every session cookie of this user (sign-out that really ends the session)."""
    user.session_version += 1


def load_session_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, name: str = "API token", by: By) -> tuple[ApiToken, str]:
    """A new API token for the user; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_digest(plain), prefix=plain[:12], name=name[:100])
    add_and_record(token, by=by, summary=f"API token {token.prefix}… for {user.email}")
    return token, plain


def revoke_token(token: ApiToken, *, by: By) -> None:
    """Stop a token working; it stays listed as revoked."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(
            by=by, action="revoke", entity=token, summary=f"Revoked API token {token.prefix}…"
        )


def user_for_token(plain: str) -> User | None:
    """The active user behind an active token, or None."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or not token.is_active or not token.user.is_active:
        return None
    return token.user
