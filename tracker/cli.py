"""The `tracker` command line: Flask's commands (run, shell, db …) plus ours."""

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from tracker import MIGRATIONS_DIR, create_app
from tracker.actors.services import get_actor_by_code
from tracker.auth import lifecycle
from tracker.auth import services as auth
from tracker.auth.models import ApiToken, Role
from tracker.db import MAX_ID, db, reading
from tracker.progress.cli import round_group
from tracker.tables import FileError, read_capped


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database and load the shipped plans and actors (idempotent)."""
    upgrade(directory=MIGRATIONS_DIR)
    from tracker.plan.shipped import load_shipped_data

    created = load_shipped_data(by="tracker init")
    db.session.commit()
    if created:
        click.echo(f"Database ready; loaded {len(created)} shipped records.")
    else:
        click.echo("Database ready; shipped data already loaded, nothing changed.")


user_group = AppGroup("user", help="Manage accounts.")
token_group = AppGroup("token", help="Manage API tokens and calendar feed addresses.")


@user_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--actor", "actor_code", help="Code of the user's state or organisation (HU, ICMPD…)")
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
def create_user_command(email, role, actor_code, name, password_stdin):
    """Create an account. The password is asked for, or read from stdin."""
    actor = None
    if actor_code:
        actor = get_actor_by_code(actor_code)
        if actor is None:
            raise click.ClickException(f"No actor with the code {actor_code!r}.")
    password = _read_password(password_stdin)
    with refused(auth.AuthError):
        user = auth.create_user(
            email=email,
            name=name,
            role=Role(role),
            password=password,
            actor=actor,
            by="command line",
        )
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@user_group.command("invite")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--actor", "actor_code", help="Code of the user's state or organisation (HU, ICMPD…)")
@click.option("--name", default="", help="Display name (defaults to the email).")
def invite_user_command(email, role, actor_code, name):
    """Invite EMAIL: an account without a password, and a mail with a link to choose one. The
    link is printed alone on the last line too (for a machine without mail). Inviting an
    invited account again sends a new link; the old one stops working. Links start with
    BASE_URL."""
    actor = None
    if actor_code:
        actor = get_actor_by_code(actor_code)
        if actor is None:
            raise click.ClickException(f"No actor with the code {actor_code!r}.")
    existing = auth.get_user_by_email(email)
    with refused(auth.AuthError, lifecycle.BaseUrlMissing):
        if existing is not None and not existing.has_password:
            user, url = existing, lifecycle.reinvite_user(existing, by="command line")
        else:
            user, url = lifecycle.invite_user(
                email=email, name=name, role=Role(role), actor=actor, by="command line"
            )
    db.session.commit()
    hours = current_app.config["INVITATION_LINK_HOURS"]
    click.echo(f"Invited {user.role.value} {user.email}; the link works once, for {hours} hours:")
    click.echo(url)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user_by_email(email: str):
    user = auth.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email!r}.")
    return user


@user_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
def set_password_command(email, password_stdin):
    """Give an account a new password (the policy applies); every session of it ends."""
    user = _user_by_email(email)
    with refused(auth.AuthError):
        auth.set_password(user, _read_password(password_stdin), by="command line")
    db.session.commit()
    click.echo(f"New password set for {user.email}; its sessions have ended.")


@user_group.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Deactivate an account: it can no longer sign in or use its API tokens; sessions end."""
    user = _user_by_email(email)
    with refused(auth.AuthError):
        changed = auth.deactivate_user(user, by="command line")
    if not changed:
        click.echo(f"{user.email} was already deactivated; nothing changed.")
        return
    db.session.commit()
    click.echo(f"Deactivated {user.email}; its sessions have ended.")


@user_group.command("hand-over")
@click.argument("email")
@click.option("--to", "successor_email", required=True, help="Email of the successor.")
def hand_over_command(email, successor_email):
    """Give a departing focal point's open work (draft and returned updates, pledges in
    progress) to a successor of the same actor, and deactivate the departing account."""
    from tracker.auth import handover

    user = _user_by_email(email)
    successor = _user_by_email(successor_email)
    with refused(handover.HandOverError):
        done = handover.hand_over(user, successor, by="command line")
    db.session.commit()
    click.echo(
        f"Handed over {len(done.work.updates)} open update(s) and {len(done.work.pledges)} "
        f"pledge(s) of {user.email} to {successor.email}; {user.email} is deactivated."
    )


@user_group.command("reset-two-factor")
@click.argument("email")
def reset_two_factor_command(email):
    """Forget an account's second factor and recovery codes (a lost phone); its sessions end."""
    from tracker.auth import two_factor

    user = _user_by_email(email)
    if not user.has_second_factor:
        click.echo(f"{user.email} has no second factor; nothing changed.")
        return
    two_factor.turn_off(user, by="command line")
    db.session.commit()
    click.echo(f"Second factor of {user.email} reset; its sessions have ended.")


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="command line", help="What the token is for.")
def create_token_command(email, name):
    """Create an API token; it is printed alone on the last line, once."""
    user = _user_by_email(email)
    token, plain = auth.create_token(user, name=name, by="command line")
    db.session.commit()
    click.echo(f"Token {token.prefix}… for {user.email} (shown once, keep it safe):")
    click.echo(plain)


@token_group.command("revoke")
@click.argument("prefix")
def revoke_token_command(prefix):
    """Revoke the API token whose shown prefix (bpt_…) is PREFIX."""
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix[:12])))
    if len(tokens) != 1:
        raise click.ClickException(f"No single token has the prefix {prefix!r}.")
    auth.revoke_token(tokens[0], by="command line")
    db.session.commit()
    click.echo(f"Revoked token {tokens[0].prefix}….")


@token_group.command("feed")
@click.argument("email")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where users reach the tracker (the address starts with it).",
)
def create_feed_command(email, base_url):
    """Make EMAIL's calendar feed address, replacing any earlier one; printed alone on the last
    line, once."""
    user = _user_by_email(email)
    if not user.is_active:
        raise click.ClickException(f"{user.email} is deactivated: its feed would not work.")
    _, plain = auth.create_calendar_feed(user, by="command line")
    db.session.commit()
    with current_app.test_request_context(base_url=base_url):
        url = url_for("meetings.feed", feed_token=plain, _external=True)
    click.echo(f"Calendar feed address for {user.email} (shown once, keep it secret):")
    click.echo(url)


@token_group.command("revoke-feed")
@click.argument("email")
def revoke_feed_command(email):
    """Revoke EMAIL's calendar feed address."""
    user = _user_by_email(email)
    if not auth.revoke_calendar_feed(user, by="command line"):
        click.echo(f"{user.email} has no calendar feed address; nothing changed.")
        return
    db.session.commit()
    click.echo(f"Revoked the calendar feed address of {user.email}.")


@click.command("demo")
@with_appcontext
@click.option("--years", default=1, type=click.IntRange(1, 20), help="Years of synthetic history.")
@click.option(
    "--reset",
    is_flag=True,
    help="Make the demo plan anew and give the demo accounts new passwords.",
)
def demo_command(years, reset):
    """Load a separate DEMO plan with synthetic data and demo accounts."""
    from tracker.demo import load_demo

    with refused(RuntimeError):
        result = load_demo(years=years, reset=reset)
    db.session.commit()
    click.echo(result.message)
    for email, password, role in result.accounts:
        click.echo(f"  {role:<12} {email:<32} {password}")


import_group = AppGroup("import", help="Load data from files.")
export_group = AppGroup("export", help="Write data to files.")
rates_group = AppGroup("rates", help="Exchange rates into the reporting currency.")
pledges_group = AppGroup("pledges", help="Pledges and their ledgers.")
report_group = AppGroup("report", help="Published progress reports.")


@import_group.command("plan")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--plan", "plan_code", help="Plan code (default: the file's own, or BP-CFA-2019).")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change.")
def import_plan_command(path, plan_code, dry_run):
    """Import goals, action points and activities from a .csv, .xlsx or .yaml file."""
    from tracker.plan import transfer

    try:
        with open(path, "rb") as file:
            data = read_capped(file)  # a 50 MB file is refused before it is read whole
        with reading():  # the checks, outside the write lock; then the writes, in bulk
            preview = transfer.preview_import(data, path, plan_code)
        if not dry_run:
            transfer.apply_import(preview, by="command line")
    except transfer.FileError as error:
        db.session.rollback()
        click.echo(f"{Path(path).name}: not imported, nothing changed.", err=True)
        for message in error.messages:
            click.echo(f"  {message}", err=True)
        raise SystemExit(1) from None
    for line in preview.lines():
        click.echo(f"  {line}")
    if dry_run:
        click.echo(f"Dry run, nothing changed. {preview.summary()}")
        return
    db.session.commit()
    click.echo(f"Imported. {preview.summary(done=True)}")


@export_group.command("plan")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--plan", "plan_code", default="BP-CFA-2019", show_default=True)
def export_plan_command(path, plan_code):
    """Export a plan's goals, action points and activities; the extension picks the format."""
    from tracker.plan import services, transfer

    plan = services.get_plan(plan_code)
    if plan is None:
        raise click.ClickException(f"There is no plan {plan_code}.")
    try:
        fmt = transfer.format_of(path)
    except transfer.FileError as error:
        raise click.ClickException(error.messages[0]) from None
    Path(path).write_bytes(transfer.export_plan(plan, fmt))
    click.echo(f"Exported {plan.code} to {path}.")


@export_group.command("report")
@click.option("--format", "fmt", required=True, type=click.Choice(["pdf", "xlsx", "csv", "json"]))
@click.option("--plan", "plan_code", default="BP-CFA-2019", show_default=True)
@click.option("--as-of", "as_of", help="A past day, YYYY-MM-DD (default: today).")
@click.option("--goal", "goals", multiple=True, help="A priority goal's number (repeatable).")
@click.option("--actor", "actors", multiple=True, help="An actor's code (repeatable).")
@click.option("--working-group", "working_group", help="A working group's code.")
@click.option("--from", "period_from", help="The period's first day (default: a year back).")
@click.option("--to", "period_to", help="The period's last day (default: the as-of day).")
@click.option("--language", help="The report's language, e.g. ru (default: English).")
@click.option("--out", "path", required=True, type=click.Path(dir_okay=False, writable=True))
def export_report_command(
    fmt, plan_code, as_of, goals, actors, working_group, period_from, period_to, language, path
):
    """Write the progress report (csv: a zip of one CSV per table)."""
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict

    from tracker.reports import formats
    from tracker.reports.filters import ReportFilterError, parse_filters
    from tracker.reports.queries import build_progress_report

    args = MultiDict(
        [("plan", plan_code), ("as_of", as_of or ""), ("working_group", working_group or "")]
        + [("goal", goal) for goal in goals]
        + [("actor", actor) for actor in actors]
        + [("from", period_from or ""), ("to", period_to or ""), ("language", language or "")]
    )
    with refused(ReportFilterError):
        filters = parse_filters(args)
    # Written beside the target and renamed into place: a failed run leaves no half file.
    partial = Path(path).with_name(Path(path).name + ".partial")
    with force_locale(filters.language or "en"), partial.open("wb") as out:
        report = build_progress_report(filters, generated_by="command line")
        for chunk in formats.chunks(report, filters, fmt):
            out.write(chunk)
    partial.replace(path)
    click.echo(f"Wrote the progress report of {filters.plan.code} as of {filters.day} to {path}.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path):
    """Write the database and every uploaded file into one archive, with checksums."""
    from tracker import backup
    from tracker.uploads.files import format_size

    with refused(backup.BackupError):
        summary = backup.backup(path)
    for digest in summary.missing:
        click.echo(f"Warning: the uploaded file {digest} is not in the upload folder.", err=True)
    for digest in summary.damaged:
        click.echo(f"Warning: the uploaded file {digest} is damaged; left out.", err=True)
    click.echo(
        f"Backed up the database and {summary.files} uploaded files to {path} "
        f"({format_size(summary.size)})."
    )


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(path, yes):
    """Replace the database with a backup and add its uploaded files, after checking all of it."""
    from tracker import backup

    try:
        with backup.checked_backup(path) as checked:
            if not yes:
                click.confirm(
                    f"Replace everything in the database with this backup, taken at "
                    f"{checked.taken_at}?",
                    abort=True,
                )
            try:
                summary = backup.restore_checked(checked)
            except backup.RestoreNotUpgraded as error:
                raise click.ClickException(str(error)) from None
            except backup.BackupError as error:
                raise click.ClickException(f"{error} The database was not changed.") from None
    except backup.BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    click.echo(
        f"Restored the database (schema revision {summary.schema_revision}, taken at "
        f"{summary.taken_at}) and {summary.files} uploaded files ({summary.files_written} "
        f"written, {summary.files - summary.files_written} there already) from {path}."
    )
    click.echo(
        "Uploaded files that are not in the backup were kept: they are named by their content, "
        "and files nothing refers to are harmless."
    )
    if summary.upgraded_to:
        click.echo(
            f"The backup was older than this tracker: brought its database up to schema "
            f"revision {summary.upgraded_to}, as `tracker db upgrade` would."
        )


@contextmanager
def refused(*errors: type[Exception]):
    """A broken rule (one of `errors`) ends the command with its message, exit status 1."""
    try:
        yield
    except errors as error:
        raise click.ClickException(str(error)) from None


def _import_file(path: str, check, apply, what: str) -> None:
    """Import a file's rows, all or none: `check` them outside the write lock, then `apply`
    them in bulk, and say how it went."""
    with reading():
        checked = check(_read_upload(path), path)
    _report_import(apply(checked, by="command line"), what)


def _report_import(result, what: str) -> None:
    if result.errors:
        db.session.rollback()
        for error in result.errors:
            click.echo(f"{error}", err=True)
        raise click.ClickException(f"Nothing imported: {len(result.errors)} error(s).")
    db.session.commit()
    click.echo(f"Imported {result.count} {what}.")


def _read_upload(path: str) -> bytes:
    """A file to import, refused (nothing changed) before it is read whole if it is too large."""
    try:
        with open(path, "rb") as file:
            return read_capped(file)
    except FileError as error:
        raise click.ClickException(f"Nothing imported: {' '.join(error.messages)}") from None


@import_group.command("pledges")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_pledges_command(path):
    """Import pledges and ledger entries from a CSV or XLSX file (all rows or none)."""
    from tracker.pledges.transfer import apply_pledges, check_pledges

    _import_file(path, check_pledges, apply_pledges, "pledge rows")


@export_group.command("pledges")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--plan", "plan_code", default="BP-CFA-2019", show_default=True)
def export_pledges_command(path, plan_code):
    """Export a plan's pledge ledger to FILE (.csv or .xlsx) with IATI transaction types."""
    from tracker.plan.services import get_plan
    from tracker.pledges.transfer import export_pledges

    plan = get_plan(plan_code)
    if plan is None:
        raise click.ClickException(f"No plan {plan_code!r}.")
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise click.ClickException("The file name must end in .csv or .xlsx.")
    data, _ = export_pledges(plan, fmt)
    Path(path).write_bytes(data)
    click.echo(f"Wrote the ledger of {plan.code} to {path}.")


@rates_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_rates_command(path):
    """Import exchange rates (columns currency, rate, valid_on[, source]) from CSV or XLSX."""
    from tracker.pledges.transfer import apply_rates, check_rates

    _import_file(path, check_rates, apply_rates, "rates")


@pledges_group.command("reconvert")
def reconvert_command():
    """Convert every ledger entry again into REPORTING_CURRENCY from the stored rates.

    Run it after changing REPORTING_CURRENCY: until then, the totals leave out (and flag) the
    entries converted into the previous one. Rate changes made through the tracker need no run.
    """
    from tracker.pledges.conversion import ConversionTooLarge, reconvert, reporting_currency

    try:
        changed = reconvert()
    except ConversionTooLarge as error:
        raise click.ClickException(f"{error} Nothing was converted.") from None
    db.session.commit()
    click.echo(f"Converted {changed} ledger entries again into {reporting_currency()}.")


@report_group.command("publish")
@click.option("--round", "round_id", required=True, type=int, help="The reporting round's id.")
@click.option("--language", help="The report's language, e.g. ru (default: English).")
def publish_report_command(round_id, language):
    """Publish a round's progress report: PDF, XLSX, CSV zip and JSON, stored for good."""
    from tracker.progress.models import Round
    from tracker.reports import services
    from tracker.reports.filters import ReportFilterError, report_language

    round_ = db.session.get(Round, round_id) if 1 <= round_id <= MAX_ID else None
    if round_ is None:
        raise click.ClickException(f"No reporting round {round_id}; see /progress/rounds.")
    with refused(ReportFilterError, services.PublishError):
        language = report_language(language) or "en"
        published = services.publish_report(round_, by="command line", language=language)
    db.session.commit()
    click.echo(
        f"Published the progress report of {round_.plan.code} for round {round_.title} "
        f"(report {published.id}, as of {published.as_of}, in {published.language}):"
    )
    for fmt, stored in published.files.items():
        click.echo(f"  {fmt:<4} {stored.filename}  {stored.size} bytes  sha256 {stored.sha256}")


@click.command("optimize")
@with_appcontext
def optimize_command():
    """Bring the query planner's statistics up to date: PRAGMA optimize on SQLite, ANALYZE on
    PostgreSQL. Takes seconds; run it on a schedule and after a large import."""
    import sqlite3

    from tracker.db import optimize_database

    statements = optimize_database()
    db.session.commit()
    if db.engine.dialect.name != "sqlite":
        click.echo("Ran ANALYZE on the PostgreSQL database: its statistics are up to date.")
    elif statements == ["ANALYZE"]:
        click.echo(
            f"Ran ANALYZE on the SQLite database (SQLite {sqlite3.sqlite_version}'s PRAGMA "
            "optimize sees only the tables a connection has queried): its statistics are up "
            "to date."
        )
    elif statements:
        click.echo(f"Ran PRAGMA optimize on the SQLite database: {'; '.join(statements)}.")
    else:
        click.echo("Ran PRAGMA optimize on the SQLite database: its statistics were current.")


def db_group() -> click.Group:
    """Flask-Migrate's `db` group (upgrade, check, …) with our `optimize` added, in a copy:
    Flask-Migrate's own group is a module global that every app shares."""
    import copy

    from flask_migrate.cli import db as migrate_db

    group = copy.copy(migrate_db)  # its callback and options (--directory, -x) included
    group.commands = {**migrate_db.commands, "optimize": optimize_command}
    return group


def init_app(app: Flask) -> None:
    from tracker.mail.cli import mail_group
    from tracker.notifications.cli import notify_group

    for command in (
        init_command,
        user_group,
        token_group,
        demo_command,
        import_group,
        export_group,
        rates_group,
        pledges_group,
        round_group,
        report_group,
        backup_command,
        restore_command,
        mail_group,
        notify_group,
        db_group(),  # replaces the one Flask-Migrate registered
    ):
        app.cli.add_command(command)


cli = FlaskGroup(create_app=create_app, help="The Budapest Process implementation tracker.")
