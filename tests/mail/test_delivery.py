"""Delivery over SMTP, against real servers started by the tests (tests/mail/conftest.py)."""

from datetime import timedelta

import pytest

from tests import factories
from tests.ports import held_port, port_of
from tracker.db import db, utcnow
from tracker.mail.models import MailStatus
from tracker.mail.sender import MailConfigError, deliver_outbox, parse_mail_url


def deliver(url: str):
    return deliver_outbox(parse_mail_url(url))


def back_off(mail) -> int:
    """Seconds from the last attempt to the next (counted from the failure, a moment later)."""
    return int((mail.next_attempt_at - mail.last_attempt_at).total_seconds())


def make_due(mail) -> None:
    """Let the back-off pass, without waiting for it."""
    mail.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_send_delivers_with_the_headers_and_both_parts(app, runner, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    mail = factories.make_mail(
        to="focal@example.org",
        to_name="Ágnes Kovács",
        subject="Round 2025 opens — Hungary",
        text="Dear Ágnes,\nthe round is open.",
        html="<p>Dear Ágnes,<br>the round is <b>open</b>.</p>",
        list_unsubscribe="https://tracker.example.org/notifications",
    )
    db.session.commit()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "1 sent, 0 deferred, 0 failed; 0 waiting" in result.output
    [(sender, recipients, message)] = smtp_server.recorder.messages
    assert (sender, recipients) == ("tracker@localhost", ["focal@example.org"])
    assert message["To"] == "Ágnes Kovács <focal@example.org>"
    assert message["Subject"] == "Round 2025 opens — Hungary"
    assert message["Message-ID"] == mail.message_id
    assert mail.message_id.endswith("@localhost>")
    assert message["Date"].datetime is not None
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == "<https://tracker.example.org/notifications>"
    assert message.get_body(("plain",)).get_content() == "Dear Ágnes,\nthe round is open.\n"
    assert "<b>open</b>" in message.get_body(("html",)).get_content()
    db.session.refresh(mail)
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 1)
    assert mail.last_answer == "250 2.0.0 Ok: queued as TEST1"
    assert mail.sent_at is not None and mail.claimed_by is None


def test_mail_a_person_wrote_is_not_marked_automatic(app, smtp_server, monkeypatch):
    factories.make_mail(automatic=False)
    deliver(smtp_server.url)
    [(_, _, message)] = smtp_server.recorder.messages
    assert message["Auto-Submitted"] is None
    assert message["List-Unsubscribe"] is None


def test_a_refused_recipient_fails_for_good(smtp_server):
    smtp_server.recorder.rcpt_answers.append("550 5.1.1 <gone@example.org>: no such user")
    mail = factories.make_mail(to="gone@example.org")
    second = factories.make_mail()

    result = deliver(smtp_server.url)

    assert (result.sent, result.failed) == (1, 1)  # the next message went on the same connection
    assert mail.status == MailStatus.FAILED
    assert mail.last_answer == "550 5.1.1 <gone@example.org>: no such user"
    assert second.status == MailStatus.SENT
    make_due(mail)
    assert deliver(smtp_server.url).sent == 0  # a failed message is never tried again
    assert smtp_server.recorder.message_ids() == [second.message_id]


def test_a_451_is_deferred_with_back_off_then_delivered_once(smtp_server):
    smtp_server.recorder.data_answers.extend(["451 4.3.0 Try again later"] * 2)
    mail = factories.make_mail()

    assert deliver(smtp_server.url).deferred == 1
    assert (mail.status, mail.attempts) == (MailStatus.DEFERRED, 1)
    assert mail.last_answer == "451 4.3.0 Try again later"
    assert back_off(mail) == 60
    assert deliver(smtp_server.url).deferred == 0  # not due yet: nothing tried
    make_due(mail)
    deliver(smtp_server.url)
    assert back_off(mail) == 120  # doubled

    make_due(mail)
    assert deliver(smtp_server.url).sent == 1
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 3)
    assert smtp_server.recorder.message_ids() == [mail.message_id]


def test_a_refused_connection_is_deferred_then_delivered_once(smtp_server):
    mail = factories.make_mail()
    later = factories.make_mail()

    with held_port() as down:  # nothing listens there
        port = port_of(down)
        result = deliver(f"smtp://127.0.0.1:{port}")

    # The server is away: the pass ends there, the other message waits for the next one.
    assert (result.deferred, later.attempts) == (1, 0)
    assert mail.status == MailStatus.DEFERRED
    assert mail.last_answer == f"Connection refused by 127.0.0.1:{port}."
    make_due(mail)  # the server is back (at another address: the mail does not keep one)
    assert deliver(smtp_server.url).sent == 2
    assert sorted(smtp_server.recorder.message_ids()) == sorted([mail.message_id, later.message_id])


def test_a_connection_dropped_mid_message_is_deferred_then_delivered_once(
    hang_up_server, smtp_server
):
    mail = factories.make_mail()
    port = hang_up_server.server_address[1]

    assert deliver(f"smtp://127.0.0.1:{port}").deferred == 1

    assert hang_up_server.hung_up == 1
    assert mail.status == MailStatus.DEFERRED
    assert mail.last_answer.startswith("The server closed the connection")
    make_due(mail)
    assert deliver(smtp_server.url).sent == 1
    assert smtp_server.recorder.message_ids() == [mail.message_id]
    assert mail.attempts == 2


def test_a_server_that_never_answers_times_out_and_is_deferred(silent_server):
    mail = factories.make_mail()
    deliver(f"smtp://127.0.0.1:{silent_server}?timeout=0.2")
    assert mail.status == MailStatus.DEFERRED
    assert mail.last_answer == f"No answer from 127.0.0.1:{silent_server} within 0.2 s."


def test_temporary_failures_give_up_after_the_last_attempt(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    smtp_server.recorder.data_answers.extend(["452 4.3.1 Mailbox full"] * 2)
    mail = factories.make_mail()
    deliver(smtp_server.url)
    make_due(mail)
    deliver(smtp_server.url)
    assert mail.status == MailStatus.FAILED
    assert mail.last_answer == "Gave up after 2 attempts; the last: 452 4.3.1 Mailbox full"


def test_without_mail_url_send_refuses_and_the_messages_stay(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    mail = factories.make_mail(subject="Kept in the outbox")
    db.session.commit()

    sent = runner.invoke(args=["mail", "send"])
    listed = runner.invoke(args=["mail", "outbox", "--status", "queued"])

    assert sent.exit_code == 1
    assert "MAIL_URL is not set: messages stay in the outbox" in sent.output
    assert mail.status == MailStatus.QUEUED and mail.attempts == 0
    assert listed.exit_code == 0
    assert f"{mail.id:>6}  queued" in listed.output and "Kept in the outbox" in listed.output


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.org", "must start with smtp://"),
        ("smtp://", "names no host"),
        ("smtp://user:secret@mail.example.org:587", "no TLS"),
        ("smtps://mail.example.org?starttls=1", "TLS already"),
        ("smtp://mail.example.org?timeout=soon", "timeout must be"),
        ("smtp://mail.example.org?timeout=0", "timeout must be"),
        ("smtp://mail.example.org?timeout=61", "from 0 to 60"),
        ("smtp://mail.example.org?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example.org:99999", "not a valid URL"),
        ("smtp://mail.example.org?starttls=maybe", "starttls must be"),
    ],
)
def test_a_mail_url_that_would_not_work_is_refused(url, complaint):
    with pytest.raises(MailConfigError, match=complaint):
        parse_mail_url(url)


def test_mail_urls_are_read_with_their_defaults_and_shown_without_password():
    url = parse_mail_url("smtp://bp%40example.org:p%40ss@mail.example.org?starttls=1&timeout=5")
    assert (url.host, url.port, url.starttls, url.timeout) == ("mail.example.org", 587, True, 5.0)
    assert (url.username, url.password) == ("bp@example.org", "p@ss")
    assert str(url) == "smtp://bp@example.org@mail.example.org:587?starttls=1"
    assert parse_mail_url("smtps://mail.example.org").port == 465
    assert parse_mail_url("smtp://localhost").port == 25
