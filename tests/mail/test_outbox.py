"""Queueing mail, and the outbox: its pages (admins only), its claims."""

from datetime import timedelta
from email import message_from_string, policy

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.db import db, utcnow
from tracker.mail.models import MailStatus, OutgoingMail
from tracker.mail.services import MailError, claim_next_mail, queue_mail


def outbox_size() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def test_a_queued_message_has_its_headers_and_both_parts(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DOMAIN", "tracker.example.org")
    monkeypatch.setitem(app.config, "MAIL_FROM", "noreply@example.org")
    mail = queue_mail(
        "focal@example.org",
        "Руки вверх: update returned",
        "Please add evidence.",
        "<p>Please add evidence.</p>",
        to_name="Focal, Point",
        reply_to="secretariat@example.org",
    )

    message = message_from_string(mail.content, policy=policy.default)
    assert mail.content.isascii()  # non-ASCII only in encoded words and encoded parts
    assert message["From"] == "Budapest Process tracker <noreply@example.org>"
    assert message["To"] == '"Focal, Point" <focal@example.org>'
    assert message["Subject"] == "Руки вверх: update returned"
    assert message["Reply-To"] == "secretariat@example.org"
    assert message["Message-ID"] == mail.message_id
    assert mail.message_id.endswith("@tracker.example.org>")
    assert abs(message["Date"].datetime - utcnow()) < timedelta(minutes=1)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert (mail.status, mail.attempts, mail.recipient) == (
        MailStatus.QUEUED,
        0,
        "focal@example.org",
    )


def test_a_message_without_html_is_plain_text():
    mail = factories.make_mail(html=None)
    message = message_from_string(mail.content, policy=policy.default)
    assert message.get_content_type() == "text/plain"


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("subject", "Hello\r\nBcc: victim@example.org", "subject must be on one line"),
        ("subject", "Hello\nBcc: victim@example.org", "subject must be on one line"),
        ("to_name", "Eve\r\nBcc: victim@example.org", "recipient's name must be on one line"),
        ("to", "eve@example.org\r\nBcc: victim@example.org", "address must be on one line"),
        ("to", "eve@example.org, victim@example.org", "not a plain email address"),
        ("to", "Eve <eve@example.org>", "not a plain email address"),
        ("list_unsubscribe", "https://x.example/u>\r\nBcc: v@example.org", "on one line"),
        ("list_unsubscribe", "javascript:alert(1)", "one https:// or mailto: URL"),
        ("reply_to", "a@example.org\nBcc: v@example.org", "on one line"),
    ],
)
def test_header_injection_is_refused_and_nothing_is_queued(field, value, complaint):
    before = outbox_size()
    with pytest.raises(MailError, match=complaint):
        factories.make_mail(**{field: value})
    assert outbox_size() == before


def test_a_message_is_claimed_by_one_sender_only():
    mail = factories.make_mail()
    assert claim_next_mail("sender-a") is mail
    assert claim_next_mail("sender-b") is None
    assert (mail.status, mail.claimed_by, mail.attempts) == (MailStatus.SENDING, "sender-a", 1)


def test_a_claim_left_by_a_dead_sender_is_taken_again_after_its_lease():
    mail = factories.make_mail()
    claim_next_mail("died-mid-message")
    mail.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert claim_next_mail("next-sender") is mail
    assert (mail.claimed_by, mail.attempts) == ("next-sender", 2)


def test_the_outbox_page_lists_messages_with_their_status(client, login):
    login.as_role("admin")
    mail = factories.make_mail(to="listed@example.org", subject="Listed & <escaped>")
    db.session.commit()

    page = client.get("/admin/mail/")
    queued = client.get("/admin/mail/?status=queued")
    sent = client.get("/admin/mail/?status=sent")
    unknown = client.get("/admin/mail/?status=lost")

    assert page.status_code == 200
    assert b"MAIL_URL is not set: messages stay here" in page.data
    assert f'id="mail-{mail.id}"'.encode() in page.data
    assert b"Listed &amp; &lt;escaped&gt;" in page.data
    assert f'id="mail-{mail.id}"'.encode() in queued.data
    assert f'id="mail-{mail.id}"'.encode() not in sent.data
    assert b"There is no status &#39;lost&#39;" in unknown.data


def test_a_message_page_shows_its_headers_and_the_html_as_source(client, login):
    login.as_role("admin")
    mail = factories.make_mail(html="<p>Hi</p><script>alert(1)</script>")
    db.session.commit()

    page = client.get(f"/admin/mail/{mail.id}")

    assert page.status_code == 200
    assert mail.message_id.replace("<", "&lt;").replace(">", "&gt;").encode() in page.data
    assert b"Auto-Submitted" in page.data
    assert b"Please add evidence." in page.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.data
    assert b"<script>alert(1)" not in page.data
    assert client.get("/admin/mail/2147483647").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "focal_point", "member"])
def test_only_admins_read_the_outbox(client, login, role):
    login.as_role(role)
    mail = factories.make_mail()
    db.session.commit()
    assert client.get("/admin/mail/").status_code == 403
    assert client.get(f"/admin/mail/{mail.id}").status_code == 403
    assert b"Outbox" not in client.get("/").data


@pytest.mark.parametrize(
    ("settings", "domain"),
    [
        (
            {"MAIL_DOMAIN": "mail.example.org", "SERVER_NAME": "tracker.example.org"},
            "mail.example.org",
        ),
        ({"SERVER_NAME": "tracker.example.org:8443"}, "tracker.example.org"),
        ({"MAIL_FROM": "noreply@bp.example.org"}, "bp.example.org"),
    ],
)
def test_message_ids_are_of_our_own_domain(app, monkeypatch, settings, domain):
    for name in ("MAIL_DOMAIN", "SERVER_NAME"):
        monkeypatch.setitem(app.config, name, None)
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    assert factories.make_mail().message_id.endswith(f"@{domain}>")


def test_the_outbox_is_paged_newest_first(client, login):
    login.as_role("admin")
    oldest = factories.make_mail(subject="The oldest")
    for _ in range(50):
        factories.make_mail()
    db.session.commit()

    first, second = client.get("/admin/mail/"), client.get("/admin/mail/?page=2")

    assert first.data.count(b'id="mail-') == 50 and b"The oldest" not in first.data
    assert f'id="mail-{oldest.id}"'.encode() in second.data
    assert second.data.count(b'id="mail-') == 1
