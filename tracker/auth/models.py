import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.actors.models import Actor
from tracker.db import db, utcnow
from tracker.i18n import LabelledEnum


class Role(LabelledEnum):
    ADMIN = "admin", _l("Secretariat (admin)")
    MEMBER = "member", _l("Reference Group member")
    FOCAL_POINT = "focal_point", _l("Focal point")
    VIEWER = "viewer", _l("Viewer")


ROLE_LABELS = Role.labels()


def normalise_email(email: str) -> str:
    """The form an email is stored and looked up in."""
    return email.strip().lower()


# The password hash of an account that has none yet (invited): no argon2 hash starts with "!", so
# no password ever matches it (the "!" convention of Django and /etc/shadow).
UNUSABLE_PASSWORD = "!"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of the session cookie's user id: raising it ends every session of this user.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    # The interface language the user chose (a code of i18n.languages()); none: the browser's.
    language: Mapped[str | None] = mapped_column(String(16))
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret (base32), set once the user confirmed
    # a code from it; the last time step a code was accepted for, so that no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    actor: Mapped[Actor | None] = relationship()
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")
    calendar_feed: Mapped["CalendarFeed | None"] = relationship(back_populates="user")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def has_password(self) -> bool:
        """False for an invited account whose person has not set a password yet."""
        return not self.password_hash.startswith(UNUSABLE_PASSWORD)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class _RevocableToken:
    """A secret token given to its user once and stored only as its SHA-256, good until revoked."""

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Refreshed at most once a minute (see services._note_use), not on every request.
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(_RevocableToken, db.Model):
    """A Bearer token for /api/v1."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))

    user: Mapped[User] = relationship(back_populates="tokens")


class CalendarFeed(_RevocableToken, db.Model):
    """A user's secret calendar feed address (/meetings/feed/<token>.ics). One row per user: a
    new address replaces the token in place, so the old one stops."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # The API token it was made with, if made through the API: revoking that token revokes this
    # feed too, so a leaked API token cannot leave behind an address that outlives it.
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), index=True)

    user: Mapped[User] = relationship(back_populates="calendar_feed")


class RecoveryCode(db.Model):
    """A single-use code that stands in for a TOTP code when the phone is lost; only its SHA-256
    is stored (the code is random, so a plain digest cannot be reversed by guessing)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class SignInAttempt(db.Model):
    """One password sign-in, kept for throttling: the database is what every worker shares."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_time", "email", "occurred_at"),
        Index("ix_sign_in_attempts_address_time", "address", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Normalised, as typed: attempts on unknown accounts are throttled too.
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool]


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"


class AccountLink(db.Model):
    """A single-use, expiring link mailed to a person (an invitation, a password reset, an email
    change to confirm); only the SHA-256 of its random token is stored. tracker/auth/links.py
    makes and uses them."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[LinkPurpose]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address an email change is to, confirmed by opening the link mailed to it.
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Voided before use: by a newer link of the same purpose ("replaced"), or withdrawn (an
    # invitation revoked, an address changed meanwhile).
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()
