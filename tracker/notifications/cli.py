"""`tracker notify due`: the scheduled notifications, safe to run from cron every few minutes."""

from datetime import date

import click
from flask.cli import AppGroup

from tracker.db import db
from tracker.notifications import services

notify_group = AppGroup("notify", help="Scheduled notifications and daily digests.")


@notify_group.command("due")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Run as if on this UTC date (to catch up, or to try it out); default: today.",
)
def due_command(today):
    """Make the reminders that are due (round deadlines in 7 and 1 days, follow-ups due in 7
    days or overdue) and queue yesterday's daily digests; each once, however often it runs."""
    day: date | None = today.date() if today else None
    counts = services.run_due(day)
    db.session.commit()
    click.echo("; ".join(f"{n} {what}" for what, n in counts.items()) + ".")
