"""A returned update reaches its author by mail within one sender pass, over real SMTP."""

from tests import factories
from tracker.db import db
from tracker.progress import services as progress


def test_a_returned_update_reaches_its_author_in_one_sender_pass(
    app, runner, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    monkeypatch.setitem(app.config, "BASE_URL", "https://tracker.example.org")
    author = factories.make_user(role="focal_point", name="Ágnes Kovács")
    update = factories.make_update(by=author, workflow="submitted")
    admin = factories.make_user(role="admin")
    progress.return_update(update, reason="Attach the workshop report, please.", by=admin)
    db.session.commit()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    mine = [m for _, to, m in smtp_server.recorder.messages if to == [author.email]]
    [message] = mine
    assert "was returned" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",)).get_content()
    assert "Attach the workshop report, please." in body
    assert f"https://tracker.example.org/progress/updates/{update.id}" in body
    assert message["List-Unsubscribe"] == "<https://tracker.example.org/notifications/settings>"
