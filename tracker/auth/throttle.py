"""Sign-in throttling, kept in the database so that every gunicorn worker counts the same attempts.

The scheme, over a sliding window (`SIGN_IN_WINDOW`, 15 minutes) of *failures* — attempts whose
password was checked and was wrong, or whose account is unknown or inactive:

1. **An account from one address** (`SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS`, 5): that many
   failures for one email from one address refuse that pair. Its owner, signing in from
   anywhere else, is not affected: guessing her password from his own machine does not lock her
   out.
2. **An address** (`SIGN_IN_MAX_FAILURES_PER_ADDRESS`, 30): that many failures from one address,
   whatever the emails, refuse the address (password spraying from one machine).
3. **An account from everywhere** (`SIGN_IN_MAX_FAILURES_PER_ACCOUNT`, 50): that many failures
   for one email from all addresses together refuse it (guessing spread over many machines), but
   not from a *known address* — one the account signed in from in the last
   `SIGN_IN_KNOWN_ADDRESS_DAYS` (30): its owner keeps getting in from her usual places during such
   an attack.

A refused attempt checks no password and is not counted: a lock ends one window after the last
failure that fed it, however often the attacker keeps knocking, so nobody stays locked out for
longer than the window once real guesses stop. IPv6 addresses count by their /64 network, which
one subscriber usually holds whole (otherwise each of its 2**64 addresses would get its own
allowance). Unknown emails are counted like real ones and refused with the same words, so
neither the page nor its timing tells whether an account exists.

Failures are kept for a day, successes for the known-address period; older rows are deleted
whenever an attempt is recorded.

**Tokens** (an API token in `Authorization: Bearer`, a calendar feed address) are guessed like
passwords, and are throttled by the same scheme, by address only (a token names no account):
`TOKEN_MAX_FAILURES_PER_ADDRESS` (30) failed tokens from one address in the window refuse every
request from that address that carries a token, with 429 and `Retry-After`, before anything is
checked: a valid token too, or a guesser would learn from the one answer that differs. Their
rows are kept in the same table with `email` = `TOKEN`, and count only against tokens: a script
with a revoked token behind an office's one address does not lock its people out of signing in.
No lock serialises token checks (every API request makes one, and most succeed): requests in
flight when the limit is reached may each still be checked, at most one per worker.

**Password reset requests** (tracker/auth/lifecycle.py) are counted by the same rules under
their own key, `(password reset) EMAIL`: each request counts as a failure, whether or not the
address has an account, so five requests for one address from one place refuse the sixth for a
window; they count towards their address's limit too, as wrong passwords do.

Two workers must not both read "4 failures" and both check a fifth password. SQLite runs each
sign-in (a POST) in a BEGIN IMMEDIATE transaction, one writer at a time; PostgreSQL runs them
side by side, so there `check` first takes a transaction-scoped advisory lock per email and per
address (always in that order: no deadlock), held until the attempt is recorded and committed.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select, text

from tracker.auth.models import SignInAttempt
from tracker.db import db

FAILURES_KEPT = timedelta(days=1)
UNKNOWN_ADDRESS = "unknown"
TOKEN = "(token)"  # the `email` of a failed token's row: never a normalised email address


def address_key(address: str | None) -> str:
    """The address attempts are counted by: IPv4 as is, IPv6 by its /64 network."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Failures:
    """Failures in the window that concern one attempt, and whether its address is known."""

    pair: int
    address: int
    account: int
    known_address: bool

    def plus_one(self) -> "Failures":
        return Failures(self.pair + 1, self.address + 1, self.account + 1, self.known_address)

    def refusal(self) -> str | None:
        """Which rule refuses the next attempt ("pair", "address", "account"), or None."""
        config = current_app.config
        if self.pair >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]:
            return "pair"
        if self.address >= config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]:
            return "address"
        if self.account >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"] and not self.known_address:
            return "account"
        return None


def _lock(*keys: str) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in keys:
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def failures(email: str, address: str, *, now: datetime) -> Failures:
    """Count the failures that could refuse an attempt on `email` from `address` (a key)."""
    _lock(f"sign-in email {email}", f"sign-in address {address}")
    config = current_app.config
    row = db.session.execute(
        select(
            func.count(
                case((and_(SignInAttempt.email == email, SignInAttempt.address == address), 1))
            ),
            func.count(
                case((and_(SignInAttempt.address == address, SignInAttempt.email != TOKEN), 1))
            ),
            func.count(case((SignInAttempt.email == email, 1))),
        ).where(
            SignInAttempt.occurred_at >= now - config["SIGN_IN_WINDOW"],
            SignInAttempt.succeeded.is_(False),
            or_(SignInAttempt.email == email, SignInAttempt.address == address),
        )
    ).one()
    pair, by_address, account = row
    known = False
    if account + 1 >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]:
        since = now - timedelta(days=config["SIGN_IN_KNOWN_ADDRESS_DAYS"])
        known = (
            db.session.scalar(
                select(SignInAttempt.id)
                .where(
                    SignInAttempt.email == email,
                    SignInAttempt.address == address,
                    SignInAttempt.succeeded.is_(True),
                    SignInAttempt.occurred_at >= since,
                )
                .limit(1)
            )
            is not None
        )
    return Failures(pair, by_address, account, known)


def record(email: str, address: str, *, succeeded: bool, now: datetime) -> None:
    """Keep one checked attempt, and forget those too old to matter."""
    config = current_app.config
    kept_failures = max(FAILURES_KEPT, config["SIGN_IN_WINDOW"])
    kept_successes = timedelta(days=config["SIGN_IN_KNOWN_ADDRESS_DAYS"])
    db.session.execute(
        delete(SignInAttempt).where(
            or_(
                and_(
                    SignInAttempt.occurred_at < now - kept_failures,
                    SignInAttempt.succeeded.is_(False),
                ),
                SignInAttempt.occurred_at < now - kept_successes,
            )
        )
    )
    db.session.add(
        SignInAttempt(email=email, address=address, succeeded=succeeded, occurred_at=now)
    )
    db.session.flush()


def token_refusal(address: str, *, now: datetime) -> int | None:
    """Seconds until tokens from `address` (a key) are checked again, or None when they are:
    until the failure that completes the limit leaves the window."""
    config = current_app.config
    window = config["SIGN_IN_WINDOW"]
    completing = db.session.scalar(
        select(SignInAttempt.occurred_at)
        .where(
            SignInAttempt.address == address,
            SignInAttempt.email == TOKEN,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.occurred_at >= now - window,
        )
        .order_by(SignInAttempt.occurred_at.desc())
        .offset(config["TOKEN_MAX_FAILURES_PER_ADDRESS"] - 1)
        .limit(1)
    )
    if completing is None:
        return None
    return max(1, math.ceil((completing + window - now).total_seconds()))
