"""The `tracker round ...` commands: who has not reported in a round, and reminding them."""

import click
from flask.cli import AppGroup

from tracker.db import MAX_ID, db

round_group = AppGroup("round", help="Reporting rounds: who has not reported, reminders.")


def _round(round_id: int):
    from tracker.progress.models import Round

    round_ = db.session.get(Round, round_id) if 1 <= round_id <= MAX_ID else None
    if round_ is None:
        raise click.ClickException(f"No reporting round {round_id}; see /progress/rounds.")
    return round_


@round_group.command("not-reported")
@click.option("--round", "round_id", required=True, type=int, help="The reporting round's id.")
@click.option("--sort", type=click.Choice(["actor", "action_point"]), default="actor")
def not_reported_command(round_id, sort):
    """List who has not reported on what in a round, one line each (actor, action point)."""
    from tracker.progress import queries

    round_ = _round(round_id)
    rows = db.session.execute(queries.not_reported_query(round_, queries.Filters(), sort)).all()
    for row in rows:
        click.echo(f"{row.actor_code}\t{row.actor_name}\t{row.action_point_code}")
    click.echo(f"{len(rows)} report(s) missing in round {round_.title}.", err=True)


@round_group.command("remind")
@click.option("--round", "round_id", required=True, type=int, help="The reporting round's id.")
@click.option("--actor", "actor_code", help="Remind only this actor (its code).")
def remind_command(round_id, actor_code):
    """Remind who has not reported in an open round (recorded and audited; mail comes with
    notifications)."""
    from tracker.actors.services import get_actor_by_code
    from tracker.progress import services

    round_ = _round(round_id)
    actor = get_actor_by_code(actor_code) if actor_code else None
    if actor_code and actor is None:
        raise click.ClickException(f"No actor {actor_code}.")
    try:
        reminders = services.remind_non_reporters(round_, actor=actor, by="command line")
    except services.ProgressError as error:
        raise click.ClickException(f"Not sent: {error}") from None
    db.session.commit()
    for reminder in reminders:
        codes = ", ".join(reminder.action_points)
        click.echo(f"Reminded {reminder.actor.code} of {codes}")
