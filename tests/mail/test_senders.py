"""Senders running for real, with real commits: two at once on one outbox, and the loop that runs
beside gunicorn, stopped by SIGTERM (as systemd stops it)."""

import os
import signal
import threading
import time
from collections import Counter

from sqlalchemy import select

from tests import factories
from tracker.db import db
from tracker.mail.models import MailStatus, OutgoingMail
from tracker.mail.sender import deliver_outbox, parse_mail_url


def outbox_with(app, count: int) -> list[str]:
    """The outbox table alone on the scratch database, with `count` messages committed."""
    with app.app_context():
        OutgoingMail.__table__.create(db.engine)
        ids = [factories.make_mail(subject=f"Message {n}").message_id for n in range(count)]
        db.session.commit()
    return ids


def test_two_senders_at_once_send_each_message_exactly_once(scratch_app, smtp_server):
    message_ids = outbox_with(scratch_app, 30)
    smtp_server.recorder.delay = 0.01  # each send takes a moment, so the two passes overlap
    url = parse_mail_url(smtp_server.url)
    start = threading.Barrier(2)
    results = []

    def sender():
        with scratch_app.app_context():
            start.wait()
            results.append(deliver_outbox(url))
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    received = Counter(smtp_server.recorder.message_ids())
    assert received == Counter(message_ids)  # every message, each exactly once
    assert sorted(result.sent for result in results) != [0, 30], "the senders did not overlap"
    assert sum(result.sent for result in results) == 30
    with scratch_app.app_context():
        rows = db.session.execute(select(OutgoingMail.status, OutgoingMail.attempts)).all()
    assert set(rows) == {(MailStatus.SENT, 1)}


def test_the_sender_loop_delivers_and_stops_cleanly_on_sigterm(scratch_app, smtp_server):
    [message_id] = outbox_with(scratch_app, 1)
    scratch_app.config["MAIL_URL"] = smtp_server.url

    def systemd_stops_the_unit():
        deadline = time.monotonic() + 30
        while not smtp_server.recorder.messages and time.monotonic() < deadline:
            time.sleep(0.02)  # the loop runs in the main thread: wait for what it sent
        os.kill(os.getpid(), signal.SIGTERM)

    # Ours until the command puts its own in place (and after it gives it back): a signal that
    # came too early or too late fails the test instead of ending pytest.
    missed = []

    def ours(signum, frame):
        missed.append(signum)

    before = signal.signal(signal.SIGTERM, ours)
    stopper = threading.Thread(target=systemd_stops_the_unit)
    stopper.start()
    try:
        result = scratch_app.test_cli_runner().invoke(
            args=["mail", "send", "--loop", "--interval", "0.1"]
        )
        stopper.join()
        restored = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, before)

    assert result.exit_code == 0, result.output
    assert smtp_server.recorder.message_ids() == [message_id]
    assert missed == []  # the loop's handler took the signal
    assert restored is ours  # and gave ours back
