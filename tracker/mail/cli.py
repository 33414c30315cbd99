"""`tracker mail outbox` and `tracker mail send [--loop [--interval SECONDS]]`."""

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.db import db, reading
from tracker.mail import sender, services
from tracker.mail.models import MailStatus

mail_group = AppGroup("mail", help="The outbox, and its delivery over SMTP (MAIL_URL).")


@mail_group.command("outbox")
@click.option("--status", type=click.Choice([s.value for s in MailStatus]), help="Only these.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def outbox_command(status, limit):
    """List the outbox, newest first: id, status, attempts, queued, recipient, subject."""
    query = services.outbox_query(MailStatus(status) if status else None).limit(limit)
    with reading():  # takes no write lock: senders and requests go on meanwhile
        messages = db.session.scalars(query).all()
        counts = services.status_counts()
    click.echo(", ".join(f"{counts.get(s, 0)} {s.value}" for s in MailStatus) + ".")
    for mail in messages:
        click.echo(
            f"{mail.id:>6}  {mail.status.value:<8}  {mail.attempts:>2}  "
            f"{mail.created_at:%Y-%m-%d %H:%M}  {mail.recipient}  {mail.subject}"
        )
        if mail.last_answer and mail.status != MailStatus.SENT:
            click.echo(f"        {mail.last_answer}")


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="Keep delivering until SIGTERM or Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(0.1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds between passes, with --loop.",
)
def send_command(loop, interval):
    """Deliver the outbox over SMTP now (MAIL_URL), or keep delivering it with --loop."""
    url = current_app.config.get("MAIL_URL")
    if not url:
        raise click.ClickException(
            "MAIL_URL is not set: messages stay in the outbox (`tracker mail outbox`). Set it, "
            "e.g. MAIL_URL=smtp://user:pass@host:587?starttls=1, to deliver them."
        )
    try:
        mail_url = sender.parse_mail_url(url)
    except sender.MailConfigError as error:
        raise click.ClickException(str(error)) from None
    if not loop:
        result = sender.deliver_outbox(mail_url)
        with reading():
            waiting = sum(n for s, n in services.status_counts().items() if s.is_waiting)
        click.echo(f"{result}; {waiting} waiting in the outbox.")
        return
    stop = threading.Event()
    stopping = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        sender.run_sender(mail_url, interval=interval, stop=stop)
    finally:
        for signum, handler in stopping.items():
            signal.signal(signum, handler)
