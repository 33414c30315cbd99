"""Account mail end to end, through a real SMTP server (tests/mail/conftest.py): the link a
person receives is the one that works."""

import re

from tracker.auth import lifecycle, services
from tracker.auth.models import Role
from tracker.db import db

NEW_PASSWORD = "a fresh passphrase of words"


def delivered_link(smtp_server, address: str) -> str:
    """The path of the link in the last message the server accepted for `address`."""
    [message] = [m for _, to, m in smtp_server.recorder.messages if to == [address]][-1:]
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https://tracker\.example\.org(/auth/\w+/bpl_[\w-]+)", text)[1]


def test_invitation_mail_reaches_the_person_whose_link_sets_the_password(
    app, client, runner, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    monkeypatch.setitem(app.config, "BASE_URL", "https://tracker.example.org")
    invited = runner.invoke(
        args=["user", "invite", "new.focal@example.org", "--role", "focal_point", "--actor", "HU"]
    )
    assert invited.exit_code == 0, invited.output

    sent = runner.invoke(args=["mail", "send"])

    assert "1 sent" in sent.output, sent.output
    [(_, recipients, message)] = smtp_server.recorder.messages
    assert recipients == ["new.focal@example.org"]
    assert message["Subject"] == "Your account on the Budapest Process tracker"
    assert message["Auto-Submitted"] == "auto-generated"
    path = delivered_link(smtp_server, "new.focal@example.org")
    assert invited.output.strip().endswith(path)  # the printed link is the mailed one
    signed_in = client.post(
        "/auth/sign-in", data={"email": "new.focal@example.org", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 200  # no password yet

    assert (
        client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    signed_in = client.post(
        "/auth/sign-in", data={"email": "new.focal@example.org", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.get("/auth/profile").status_code == 200


def test_reset_mail_then_notice_both_delivered(app, client, runner, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    monkeypatch.setitem(app.config, "BASE_URL", "https://tracker.example.org")
    user = services.create_user(
        email="forgetful@example.org",
        name="Forgetful",
        role=Role.MEMBER,
        password="the old long password",
        by="tests",
    )
    lifecycle.request_password_reset(user.email, address="192.0.2.10")
    db.session.commit()
    runner.invoke(args=["mail", "send"])
    path = delivered_link(smtp_server, user.email)

    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    runner.invoke(args=["mail", "send"])

    subjects = [m["Subject"] for _, _, m in smtp_server.recorder.messages]
    assert subjects == ["Reset your password", "Your password was changed"]
    assert (
        client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 410
    )
