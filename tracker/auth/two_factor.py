"""Two-factor sign-in: a TOTP code (RFC 6238, from any authenticator app) after the password.

Enrolment shows a secret as a QR code drawn by the app itself (segno: no outside service sees the
secret); the user confirms it with a code, and gets ten single-use recovery codes, of which only
SHA-256 digests are kept. A code is accepted for its own 30-second step or the one either side
(clocks drift), and never twice: the user's row keeps the last step used, moved forward by a
conditional UPDATE, so two requests racing with one code cannot both win. Wrong codes count in
the sign-in throttle (auth/throttle.py) under their own key, per account and address.
"""

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from tracker.audit.services import By, record_change, record_event
from tracker.auth import throttle
from tracker.auth.models import RecoveryCode, User
from tracker.auth.services import AuthError, SignInThrottled, end_sessions, record_sign_in
from tracker.db import db, utcnow

ISSUER = "Budapest Process tracker"
RECOVERY_CODES = 10
STEP_SECONDS = 30
_CODE = re.compile(r"\d{6}")
_RECOVERY = re.compile(r"[a-z2-7]{10}")


def new_secret() -> str:
    return pyotp.random_base32()


def is_secret(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Z2-7]{32}", value) is not None


def qr_code_svg(user: User, secret: str) -> str:
    """The otpauth:// address of `secret` as an inline SVG QR code (no style attributes)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(
        scale=4,
        title=_("QR code for your authenticator app"),
        svgclass="qr-code",
        lineclass=None,
    )


def grouped(secret: str) -> str:
    """The secret as people type it: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now's, or one either side) whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    for step in (_step(now) - 1, _step(now), _step(now) + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_digest(code), created_at=now) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def enable(user: User, secret: str, code: str, *, now: datetime | None = None) -> list[str]:
    """Turn on the second factor with `secret`, once `code` shows the user's app has it; returns
    the new recovery codes (shown once). AuthError at the code field otherwise."""
    now = now or utcnow()
    if user.has_second_factor:
        raise AuthError(_("Two-factor sign-in is on already."), "code")
    if not is_secret(secret):
        raise AuthError(_("The setup expired. Start again."), "code")
    step = _matching_step(secret, _clean(code), now) if _CODE.fullmatch(_clean(code)) else None
    if step is None:
        raise AuthError(
            _(
                "That code is not the one your app shows now. Check the phone's clock and type "
                "the six digits shown for this account."
            ),
            "code",
        )
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    codes = _new_recovery_codes(user, now)
    record_change(user, "two_factor_on", f"{user.email} turned on two-factor sign-in", by=user)
    return codes


def turn_off(user: User, *, by: By) -> None:
    """Forget the user's second factor and recovery codes (theirs, or an admin's reset: then
    every session of the user ends too, since whoever holds one may be why)."""
    if not user.has_second_factor:
        return
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    own = not isinstance(by, str) and by.id == user.id
    if not own:
        end_sessions(user)
    record_change(
        user,
        "two_factor_off" if own else "two_factor_reset",
        f"{user.email} turned off two-factor sign-in"
        if own
        else f"Two-factor sign-in of {user.email} reset; their sessions ended",
        by=by,
    )


def _throttle_key(user: User) -> str:
    # Its own key in the sign-in throttle: wrong codes do not lock out the password step of
    # another device, and wrong passwords do not count against codes.
    return f"(second factor) {user.id}"


def check_code(user: User, code: str, *, address: str | None, now: datetime | None = None) -> bool:
    """Whether `code` (a TOTP code not used before, or an unused recovery code) is the user's
    second factor; the attempt is counted and audited. SignInThrottled when refused unchecked."""
    now = now or utcnow()
    key, where = _throttle_key(user), throttle.address_key(address)
    failures = throttle.failures(key, where, now=now)
    if failures.refusal():
        raise SignInThrottled("code")
    cleaned = _clean(code)
    how = None
    if _CODE.fullmatch(cleaned) and user.totp_secret:
        step = _matching_step(user.totp_secret, cleaned, now)
        if step is not None and _claim_step(user, step):
            how = "an authenticator code"
    elif _RECOVERY.fullmatch(cleaned) and _claim_recovery_code(user, cleaned, now):
        how = "a recovery code"
    throttle.record(key, where, succeeded=how is not None, now=now)
    if how is None:
        record_event(
            by=None,
            action="second_factor_failed",
            entity=user,
            address=address,
            summary=f"Wrong or reused second-factor code for {user.email}",
        )
        return False
    record_sign_in(user, address=address, now=now, how=how)
    return True


def _claim_step(user: User, step: int) -> bool:
    """Move the user's last used step to `step` if it is later; False if a code of that step or
    a later one was used already (a replay, or the other of two racing requests)."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        user.totp_last_step = step
    return claimed == 1


def _claim_recovery_code(user: User, code: str, now: datetime) -> bool:
    return (
        db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _digest(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        ).rowcount
        == 1
    )


def required_for(user: User) -> bool:
    """Whether this user may do nothing before setting up a second factor."""
    return (
        user.is_admin
        and not user.has_second_factor
        and bool(current_app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"])
    )


def replace_recovery_codes(user: User, *, now: datetime | None = None) -> list[str]:
    """Ten new recovery codes in place of the old ones (used or not); returned to show once."""
    now = now or utcnow()
    codes = _new_recovery_codes(user, now)
    record_change(user, "recovery_codes_new", f"{user.email} made new recovery codes", by=user)
    return codes
