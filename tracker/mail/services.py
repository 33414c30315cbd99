"""Queue mail in the outbox, and the outbox's bookkeeping for the sender (claims and outcomes).

Every message goes through the outbox: queue_mail adds a row in the caller's transaction, so a
message exists if and only if the change that caused it was committed. Without MAIL_URL the rows
stay there (admins read them on the Outbox page); with it, tracker/mail/sender.py delivers them.
"""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, has_request_context
from sqlalchemy import Select, or_, select, update

from tracker.db import db, utcnow
from tracker.i18n import SOURCE_LANGUAGE, current_language, languages
from tracker.mail.models import MailStatus, OutgoingMail


class MailError(ValueError):
    """A message that cannot be queued: an address that is not one, a line break in a header."""


# A plain ASCII address (dot-atom local part, dotted domain): what every SMTP server takes
# without SMTPUTF8. Quoted local parts and non-ASCII addresses are refused rather than guessed.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]")


def _refuse_line_breaks(value: str, what: str) -> None:
    # A line break in a header value would end the header and start another (`\r\nBcc: …`).
    # The email package refuses CR and LF too, but with a message that names neither the field
    # nor the reason; and we refuse every other line separator as well.
    if _LINE_BREAKS.search(value):
        raise MailError(f"The {what} must be on one line: line breaks are refused in mail headers.")


def check_address(address: str, what: str = "recipient's address") -> str:
    """The address, checked: one line, a plain ASCII addr-spec of at most 254 characters."""
    _refuse_line_breaks(address, what)
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise MailError(f"The {what} {address!r} is not a plain email address (name@example.org).")
    return address


def language_of(recipient) -> str:
    """The language of a message to a user: the one they chose, else the one the request that
    sends it speaks (an admin inviting in Russian invites in Russian), else English (the
    command line). Compose the message inside `flask_babel.force_locale(language_of(user))`."""
    chosen = getattr(recipient, "language", None)
    if chosen in languages():
        return chosen
    if has_request_context():
        return current_language()
    return SOURCE_LANGUAGE


def mail_domain() -> str:
    """The domain of our Message-IDs: MAIL_DOMAIN, else SERVER_NAME's host, else MAIL_FROM's."""
    config = current_app.config
    domain = config.get("MAIL_DOMAIN") or (config.get("SERVER_NAME") or "").partition(":")[0]
    return domain or config["MAIL_FROM"].rpartition("@")[2]


def queue_mail(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    to_name: str = "",
    automatic: bool = True,
    list_unsubscribe: str | None = None,
    reply_to: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> OutgoingMail:
    """Add a message to the outbox, in the caller's transaction: a plain-text part, an HTML
    alternative when given, and `attachments` as (filename, content type, bytes). `automatic`
    marks mail that no person wrote (RFC 3834 Auto-Submitted: auto-generated), so that
    auto-responders do not answer it."""
    config = current_app.config
    check_address(to)
    _refuse_line_breaks(to_name, "recipient's name")
    _refuse_line_breaks(subject, "subject")
    if not subject.strip():
        raise MailError("A message needs a subject.")
    sender = check_address(config["MAIL_FROM"], "sender's address (MAIL_FROM)")
    _refuse_line_breaks(config["MAIL_FROM_NAME"], "sender's name (MAIL_FROM_NAME)")
    now = utcnow()
    message = EmailMessage(policy=policy.default)
    message["From"] = Address(config["MAIL_FROM_NAME"], addr_spec=sender)
    message["To"] = Address(to_name, addr_spec=to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=mail_domain())
    if automatic:
        message["Auto-Submitted"] = "auto-generated"
    if reply_to is not None:
        message["Reply-To"] = check_address(reply_to, "reply-to address")
    if list_unsubscribe is not None:
        _refuse_line_breaks(list_unsubscribe, "unsubscribe address")
        if not list_unsubscribe.startswith(("https://", "http://", "mailto:")) or any(
            c in list_unsubscribe for c in "<> "
        ):
            raise MailError("The unsubscribe address must be one https:// or mailto: URL.")
        message["List-Unsubscribe"] = f"<{list_unsubscribe}>"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        _refuse_line_breaks(filename, "attachment's name")
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    mail = OutgoingMail(
        message_id=str(message["Message-ID"]),
        sender=sender,
        recipient=to,
        subject=subject,
        content=message.as_string(),
        is_automatic=automatic,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def outbox_query(status: MailStatus | None = None) -> Select:
    """The outbox, newest first (optionally only the messages in one status)."""
    query = select(OutgoingMail).order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    if status is not None:
        query = query.where(OutgoingMail.status == status)
    return query


def status_counts() -> dict[MailStatus, int]:
    rows = db.session.execute(
        select(OutgoingMail.status, db.func.count()).group_by(OutgoingMail.status)
    )
    return {MailStatus(status): count for status, count in rows}


def _claimable(now: datetime, due_by: datetime):
    # Waiting and due, or claimed by a sender that has not answered within its lease (it died
    # mid-message: the message may or may not have gone out, and is tried again rather than
    # lost; it keeps its Message-ID, so a receiver can recognise a repeat).
    return or_(
        (OutgoingMail.status.in_([MailStatus.QUEUED, MailStatus.DEFERRED]))
        & (OutgoingMail.next_attempt_at <= due_by),
        (OutgoingMail.status == MailStatus.SENDING) & (OutgoingMail.claimed_until < now),
    )


def claim_next_mail(claimant: str, *, due_by: datetime | None = None) -> OutgoingMail | None:
    """Claim the oldest message due by `due_by` (default now) for sender pass `claimant`, or
    None when none is.

    The claim is a conditional UPDATE that repeats the "due and not claimed" test, so of two
    senders that pick the same row only one changes it (PostgreSQL re-evaluates the condition on
    the row once the first one's transaction ends; SQLite runs writes one at a time). The caller
    commits the claim before it talks to the SMTP server."""
    now = utcnow()
    due_by = due_by or now
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    candidates = db.session.scalars(
        select(OutgoingMail.id)
        .where(_claimable(now, due_by))
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(20)
    ).all()
    for mail_id in candidates:
        claimed = db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, _claimable(now, due_by))
            .values(
                status=MailStatus.SENDING,
                claimed_by=claimant,
                claimed_until=now + lease,
                attempts=OutgoingMail.attempts + 1,
                last_attempt_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
            return mail
    return None


def record_sent(mail: OutgoingMail, answer: str, *, now: datetime | None = None) -> None:
    """The server accepted the message."""
    now = now or utcnow()
    mail.status, mail.sent_at, mail.last_answer = MailStatus.SENT, now, answer
    mail.claimed_by = mail.claimed_until = None
    db.session.flush()


def record_failure(
    mail: OutgoingMail, answer: str, *, temporary: bool, now: datetime | None = None
) -> None:
    """The attempt failed: for good (a 5xx answer), or for now, tried again after a back-off that
    doubles with each attempt (MAIL_RETRY_BASE_SECONDS up to MAIL_RETRY_MAX_SECONDS), until
    MAIL_MAX_ATTEMPTS attempts have failed."""
    config = current_app.config
    now = now or utcnow()
    mail.claimed_by = mail.claimed_until = None
    if temporary and mail.attempts < config["MAIL_MAX_ATTEMPTS"]:
        delay = min(
            config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (mail.attempts - 1),
            config["MAIL_RETRY_MAX_SECONDS"],
        )
        mail.status, mail.last_answer = MailStatus.DEFERRED, answer
        mail.next_attempt_at = now + timedelta(seconds=delay)
    elif temporary:
        mail.status = MailStatus.FAILED
        mail.last_answer = f"Gave up after {mail.attempts} attempts; the last: {answer}"
    else:
        mail.status, mail.last_answer = MailStatus.FAILED, answer
    db.session.flush()
