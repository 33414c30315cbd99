"""Deliver the outbox over SMTP (MAIL_URL): one pass (`tracker mail send`) or a loop beside the
app servers (`tracker mail send --loop`).

A pass claims one due message at a time and commits the claim before it talks to the server, so
that no other sender (another loop, another machine) can take it; then it records the server's
answer and commits again. This module is therefore the one place that commits more than once in
a command: a claim no other sender can see would not be a claim. No transaction is open while
the server is talked to, so a slow server never holds SQLite's write lock.
"""

import logging
import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from tracker.db import db, utcnow
from tracker.mail import services
from tracker.mail.models import OutgoingMail

log = logging.getLogger("tracker.mail")

DEFAULT_TIMEOUT = 30.0
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class MailConfigError(ValueError):
    """MAIL_URL is not a URL the sender can use; the message says what to change."""


@dataclass(frozen=True)
class MailUrl:
    """Where to deliver: `smtp://user:pass@host:587?starttls=1`, `smtps://host` (implicit TLS),
    `?timeout=SECONDS` for every step of the conversation."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    timeout: float
    username: str | None = None
    password: str | None = None

    def __str__(self) -> str:
        """The URL without its password, to show and to log."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        tls = "?starttls=1" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls}"


def parse_mail_url(url: str) -> MailUrl:
    """Read MAIL_URL, refusing what would not work or would send a password in clear."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise MailConfigError(f"MAIL_URL is not a valid URL: {error}.") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("MAIL_URL must start with smtp:// or smtps:// (implicit TLS).")
    if not parts.hostname:
        raise MailConfigError("MAIL_URL names no host (smtp://user:pass@host:587?starttls=1).")
    if parts.path not in ("", "/") or parts.fragment:
        raise MailConfigError("MAIL_URL takes no path: smtp://user:pass@host:port?starttls=1.")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"starttls", "timeout"})
    if unknown:
        raise MailConfigError(f"MAIL_URL: unknown option {unknown[0]!r} (starttls, timeout).")
    starttls_value = options.get("starttls", "").lower()
    if starttls_value not in _TRUE | _FALSE:
        raise MailConfigError("MAIL_URL: starttls must be 1 or 0.")
    implicit_tls, starttls = parts.scheme == "smtps", starttls_value in _TRUE
    if implicit_tls and starttls:
        raise MailConfigError("MAIL_URL: smtps:// is TLS already; drop ?starttls=1.")
    try:
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        timeout = -1.0
    # At most a minute a step: a message's dozen steps then end well within MAIL_CLAIM_SECONDS,
    # before another sender may take a claim for abandoned.
    if not 0 < timeout <= 60:
        raise MailConfigError("MAIL_URL: timeout must be a number of seconds from 0 to 60.")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if username and not (implicit_tls or starttls):
        raise MailConfigError(
            "MAIL_URL has a user name but no TLS: add ?starttls=1 or use smtps://, so that the "
            "password does not cross the network in clear."
        )
    default_port = 465 if implicit_tls else 587 if starttls else 25
    return MailUrl(
        host=parts.hostname,
        port=port or default_port,
        implicit_tls=implicit_tls,
        starttls=starttls,
        timeout=timeout,
        username=username,
        password=password,
    )


class _HandOverMixin:
    """Notes when the end of a message's data has been handed to the server: a connection lost
    after that point may have delivered the message, one lost before it cannot have."""

    handed_over = False

    def send(self, s):
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.handed_over = True


class _SMTP(_HandOverMixin, smtplib.SMTP):
    pass


class _SMTPS(_HandOverMixin, smtplib.SMTP_SSL):
    pass


class _Failure(Exception):
    """An attempt that failed: what to record, whether to try again, whether the connection is
    still usable for the next message."""

    def __init__(self, answer: str, *, temporary: bool, connection_lost: bool):
        super().__init__(answer)
        self.answer, self.temporary, self.connection_lost = answer, temporary, connection_lost


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join(text.split())}"


def _failure(error: Exception, url: MailUrl, connection=None) -> _Failure:
    """What an exception from smtplib or the network means for the message."""
    if isinstance(error, smtplib.SMTPServerDisconnected) and isinstance(
        error.__context__, TimeoutError
    ):
        error = error.__context__  # smtplib reports a read that timed out as a hang-up
    if isinstance(error, smtplib.SMTPServerDisconnected):
        answer = "The server closed the connection"
        if connection is not None and connection.handed_over:
            # RFC 1047: the whole message went, its acknowledgement did not come. Trying again
            # may deliver it twice, losing it is worse; it keeps its Message-ID.
            answer += (
                " after the whole message was sent, before answering; it may have been "
                "delivered, and will be sent again with the same Message-ID"
            )
        return _Failure(answer + ".", temporary=True, connection_lost=True)
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        # 421: the server is closing the conversation; anything but a 5xx may succeed later.
        return _Failure(
            _reply(code, error.smtp_error),
            temporary=not 500 <= code < 600,
            connection_lost=code == 421 or code < 0,
        )
    if isinstance(error, TimeoutError):
        answer = f"No answer from {url.host}:{url.port} within {url.timeout:g} s."
        return _Failure(answer, temporary=True, connection_lost=True)
    if isinstance(error, ConnectionRefusedError):
        answer = f"Connection refused by {url.host}:{url.port}."
        return _Failure(answer, temporary=True, connection_lost=True)
    if not isinstance(error, OSError | smtplib.SMTPException):
        # Not the network's doing: a fault of ours. The message is deferred like any other, so
        # that it is neither lost nor left claimed, and gives up after MAIL_MAX_ATTEMPTS.
        log.error("unexpected error while sending mail", exc_info=error)
    answer = f"{type(error).__name__}: {error}"
    return _Failure(answer, temporary=True, connection_lost=True)


def _connect(url: MailUrl) -> smtplib.SMTP:
    """An open, greeted and (when MAIL_URL has a user) signed-in SMTP connection."""
    context = ssl.create_default_context()
    local_hostname = services.mail_domain()
    try:
        if url.implicit_tls:
            connection = _SMTPS(
                url.host, url.port, local_hostname, timeout=url.timeout, context=context
            )
        else:
            connection = _SMTP(url.host, url.port, local_hostname, timeout=url.timeout)
    except Exception as error:
        raise _failure(error, url) from error
    try:
        if url.starttls:
            connection.starttls(context=context)
        if url.username:
            connection.login(url.username, url.password or "")
    except Exception as error:
        connection.close()
        failure = _failure(error, url)
        # Refused at the door (no STARTTLS, wrong password): our settings or the server are at
        # fault, not the message; it waits for them to be put right.
        raise _Failure(
            f"Could not open the session with {url}: {failure.answer}",
            temporary=True,
            connection_lost=True,
        ) from error
    return connection


def _transmit(connection: smtplib.SMTP, url: MailUrl, sender: str, recipient: str, content: str):
    """One SMTP transaction; the server's answer to the message's data (250 … queued as …)."""
    connection.handed_over = False
    try:
        connection.ehlo_or_helo_if_needed()
        for command, args, accepted in (
            (connection.mail, (sender,), (250,)),
            (connection.rcpt, (recipient,), (250, 251)),
            (connection.data, (content,), (250,)),
        ):
            code, text = command(*args)
            if code not in accepted:
                raise smtplib.SMTPResponseException(code, text)
    except Exception as error:
        failure = _failure(error, url, connection)
        if not failure.connection_lost:
            try:
                connection.rset()  # ready for the next message's transaction
            except Exception:
                failure.connection_lost = True
        raise failure from error
    return _reply(code, text)


@dataclass
class PassResult:
    sent: int = 0
    deferred: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.deferred} deferred, {self.failed} failed"


def deliver_outbox(url: MailUrl, *, stop: threading.Event | None = None) -> PassResult:
    """Deliver every message due now, one claimed message at a time. A lost connection ends the
    pass (the server is away: the other messages wait for the next pass rather than each
    failing the same way)."""
    claimant = uuid.uuid4().hex
    result = PassResult()
    due_by = utcnow()  # a message deferred during this pass waits for the next one
    connection = None
    try:
        while not (stop is not None and stop.is_set()):
            mail = services.claim_next_mail(claimant, due_by=due_by)
            envelope = (mail.id, mail.sender, mail.recipient, mail.content) if mail else None
            db.session.commit()  # the claim: from now on no other sender takes this message
            if envelope is None:
                break
            mail_id, *message = envelope
            failure = None
            try:
                if connection is None:
                    connection = _connect(url)
                answer = _transmit(connection, url, *message)
            except _Failure as error:
                failure = error
            _record(mail_id, claimant, failure, answer if failure is None else None, result)
            if failure is not None and failure.connection_lost:
                if connection is not None:
                    connection.close()
                connection = None
                break
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
    return result


def _record(mail_id, claimant, failure: _Failure | None, answer, result: PassResult) -> None:
    mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    if mail is None or mail.claimed_by != claimant:
        # Our claim outlived its lease (MAIL_CLAIM_SECONDS) and another sender took the message:
        # its outcome is that sender's to record.
        log.warning("mail %s: claim lost before its outcome was recorded", mail_id)
        db.session.rollback()
        return
    if failure is None:
        services.record_sent(mail, answer)
        result.sent += 1
    else:
        services.record_failure(mail, failure.answer, temporary=failure.temporary)
        if mail.status == "failed":
            result.failed += 1
        else:
            result.deferred += 1
        log.warning("mail %s to %s: %s", mail_id, mail.recipient, mail.last_answer)
    db.session.commit()


def run_sender(url: MailUrl, *, interval: float, stop: threading.Event) -> None:
    """Deliver the outbox every `interval` seconds until `stop` is set (SIGTERM: the message
    being sent is finished and recorded first)."""
    log.info("mail sender started: %s, every %g s", url, interval)
    while not stop.is_set():
        try:
            result = deliver_outbox(url, stop=stop)
            if result.sent or result.deferred or result.failed:
                log.info("mail sender pass: %s", result)
        except Exception:
            # The database away for a moment, say: the next pass tries again. A claim this pass
            # made and could not record expires after MAIL_CLAIM_SECONDS and is tried again.
            log.exception("mail sender pass failed")
            db.session.rollback()
        finally:
            db.session.remove()
        stop.wait(interval)
    log.info("mail sender stopped")
