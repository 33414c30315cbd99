"""Whole-database backup and restore: SQLite's online backup API, or pg_dump / pg_restore.

A restore checks the backup file completely before it touches the database: a truncated or
foreign file is refused and nothing changes. The restore itself is one transaction (SQLite's
backup API copies all pages at once; pg_restore runs with --single-transaction).
"""

import os
import sqlite3

# subprocess runs pg_dump and pg_restore only, with argument lists, never through a shell.
import subprocess  # nosec B404
import tempfile
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from tracker import MIGRATIONS_DIR
from tracker.db import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why. Nothing was changed."""


def _url() -> URL:
    return db.engine.url


def _known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(MIGRATIONS_DIR).walk_revisions()}


def _expected_tables() -> set[str]:
    return {*db.metadata.tables, "alembic_version"}


def backup(path: str | Path) -> None:
    """Write a consistent copy of the whole database to `path`, even while it is in use."""
    path = Path(path)
    if _url().get_backend_name() == "sqlite":
        _backup_sqlite(path)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(path)])


def restore(path: str | Path) -> str:
    """Replace the database's contents with a checked backup; returns its schema revision."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    db.session.remove()
    if _url().get_backend_name() == "sqlite":
        revision = _check_sqlite_backup(path)
        _restore_sqlite(path)
    else:
        revision = _check_pg_backup(path)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname", _libpq_dbname(), str(path)],
             with_database=False)  # fmt: skip
    db.engine.dispose()  # no pooled connection may keep the old database's state
    return revision


def _backup_sqlite(path: Path) -> None:
    # Into a temporary file beside the target, renamed at the end: never a half-written backup.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".backup-", suffix=".sqlite")
    os.close(handle)
    try:
        source = db.engine.raw_connection()
        try:
            with sqlite3.connect(temporary) as target:
                source.driver_connection.backup(target)
            target.close()
        finally:
            source.close()
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _check_sqlite_backup(path: Path) -> str:
    with open(path, "rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{path.name} is not an SQLite backup of the tracker.")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(
                    f"{path.name} is damaged (SQLite integrity check: {problems[0]})."
                )
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            _check_tables(path, tables)
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path.name} is damaged or not a database ({error}).") from None
    return _check_revision(path, revision[0] if revision else None)


def _restore_sqlite(path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = db.engine.raw_connection()
    try:
        source.backup(target.driver_connection)
    finally:
        target.close()
        source.close()


def _check_tables(path: Path, tables: set[str]) -> None:
    missing = sorted(_expected_tables() - tables)
    if missing:
        raise BackupError(f"{path.name} is not a tracker backup: it lacks {', '.join(missing)}.")


def _check_revision(path: Path, revision: str | None) -> str:
    if revision not in _known_revisions():
        raise BackupError(
            f"{path.name} has the schema revision {revision}, which this version of the tracker "
            "does not know (a backup from a newer version?)."
        )
    return revision


def _check_pg_backup(path: Path) -> str:
    with open(path, "rb") as file:
        if file.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise BackupError(f"{path.name} is not a pg_dump backup (custom format).")
    listing = _run(["pg_restore", "--list", str(path)], with_database=False)
    tables = {name for name in _expected_tables() if f" TABLE DATA public {name} " in listing}
    _check_tables(path, tables)
    # --list reads only the table of contents; reading every data block into a script finds a
    # truncated or damaged file before anything is dropped.
    _run(["pg_restore", "--file", os.devnull, str(path)], with_database=False)
    data = _run(
        ["pg_restore", "--data-only", "--table", "alembic_version", "--file", "-", str(path)],
        with_database=False,
    )
    revisions = [r for r in _known_revisions() if f"\n{r}\n" in data]
    return _check_revision(path, revisions[0] if revisions else None)


def _libpq_dbname() -> str:
    """The database as a libpq connection string, without the password (that goes by PGPASSWORD)."""
    return _url().set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], with_database: bool = True) -> str:
    env = {**os.environ}
    if _url().password:
        env["PGPASSWORD"] = str(_url().password)
    if with_database:
        command = [*command, "--dbname", _libpq_dbname()]
    try:
        # A fixed program and our own arguments (paths, a URL) as a list: no shell.
        result = subprocess.run(  # nosec B603
            command, capture_output=True, text=True, env=env, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed (apt-get install postgresql-client)."
        ) from None
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {detail}")
    return result.stdout
