"""Backup and restore of everything the tracker keeps: the database and the uploaded files, in one
archive that carries its own checksums.

The archive is a ZIP file rather than a tar: any unzip tool lists it, its directory lets a restore
read the manifest and each member on its own, and its comment, at the very end, is a place for a
checksum of every byte before it (a tar's headers have checksums, but its padding and end blocks
are covered by nothing):

    database.sqlite | database.pgdump   SQLite's online backup, or pg_dump --format=custom
    files/<sha256>                      every file kept in the upload folder
    manifest.json                       format, backend, schema revision, when it was taken, and
                                        each member's name, size and SHA-256

Its comment, the last bytes of the file, is the seal: "tracker-backup 1 sha256=" and the SHA-256
of every byte before that hash, the manifest included. The manifest and the ZIP's CRCs cover the
members' contents only; the seal also covers the ZIP's own headers and directory, so any byte
changed, cut off or added anywhere is found.

A restore checks all of it first (the seal, the ZIP structure, the manifest, each member's size
and SHA-256, then the database dump's own checks) and changes nothing if anything is wrong. It
then adds the files (each written to a temporary file and renamed; a file already kept with the
right content is left alone), and last replaces the database in one transaction. Files are
named by their content, so adding them first is harmless if the database step then fails: the
old database finds its files where they were. Files kept now but not in the backup stay: the
restored database does not refer to them, and a file nothing refers to is harmless (a rolled-back
upload leaves one too).

A backup taken before an upgrade is at an older schema revision: it is checked against the tables
of that revision, restored as it is (tables it did not have yet are dropped in the same
transaction), then brought to the current revision by the migrations, as `tracker db upgrade`
would. One from a newer tracker, whose revision this code does not know, is refused.
"""

import functools
import hashlib
import json
import os
import re
import sqlite3

# subprocess runs pg_dump and pg_restore only, with argument lists, never through a shell.
import subprocess  # nosec B404
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy.engine import URL

from tracker import MIGRATIONS_DIR
from tracker.db import db
from tracker.uploads import services as uploads
from tracker.uploads.models import StoredFile

FORMAT = "tracker-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
FILES_PREFIX = "files/"
SEAL = b"tracker-backup 1 sha256="
SEAL_LENGTH = len(SEAL) + 64
ZIP_MAGIC = b"PK\x03\x04"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
MANIFEST_LIMIT = 64 * 1024 * 1024  # 300,000 files at ~200 bytes each
CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
# What zipfile and zlib raise for an archive or a member they cannot read.
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError)


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why. Nothing was changed, unless
    the message says otherwise."""


class CommandFailed(BackupError):
    """pg_dump or pg_restore ended with an error; the message is its last line."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass
class BackupSummary:
    files: int
    size: int
    digests: set[str] = field(default_factory=set)  # the files in the backup
    missing: list[str] = field(default_factory=list)  # referenced, not in the upload folder
    damaged: list[str] = field(default_factory=list)  # content no longer matches its name


@dataclass
class CheckedBackup:
    """A backup whose every byte was checked; its database dump, checked too, is in `dump`."""

    path: Path
    archive: zipfile.ZipFile
    backend: str
    schema_revision: str
    taken_at: str
    dump: Path
    files: list[Member]


@dataclass
class RestoreSummary:
    schema_revision: str  # the backup's
    taken_at: str
    files: int
    files_written: int
    upgraded_to: str | None = None  # the head it was brought to, when the backup was older


def _url() -> URL:
    return db.engine.url


def _backend() -> str:
    return "sqlite" if _url().get_backend_name() == "sqlite" else "postgresql"


def _known_revisions() -> set[str]:
    """Every revision of the migrations: the head and its ancestors."""
    return {script.revision for script in ScriptDirectory(MIGRATIONS_DIR).walk_revisions()}


def _head() -> str:
    return ScriptDirectory(MIGRATIONS_DIR).get_current_head()


def _expected_tables(revision: str | None = None) -> set[str]:
    """The tables of a database at `revision` (default: the head, which the models describe)."""
    if revision is None or revision == _head():
        return {*db.metadata.tables, "alembic_version"}
    return set(_tables_at(revision))


@functools.cache
def _tables_at(revision: str) -> frozenset[str]:
    """The tables the migrations make up to `revision`, found by running them on an empty
    SQLite database in memory (a second or two; the names are the same on PostgreSQL)."""
    script = ScriptDirectory(MIGRATIONS_DIR)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))

    def steps(current, context):
        return script._upgrade_revs(revision, current)

    engine = sa.create_engine("sqlite://")
    try:
        with (
            engine.connect() as connection,
            EnvironmentContext(config, script, fn=steps, destination_rev=revision) as context,
        ):
            context.configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
            return frozenset(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


# --- backup ---------------------------------------------------------------------------------


def backup(path: str | Path) -> BackupSummary:
    """Write the database and every uploaded file to the archive `path`, even while the tracker
    is in use; the file appears only once it is complete."""
    path = Path(path)
    try:
        return _backup(path)
    except uploads.StorageUnavailable as error:
        raise BackupError(f"Could not read the uploaded files ({error}).") from None
    except OSError as error:
        raise BackupError(f"Could not write the backup {path} ({error}).") from None


def _backup(path: Path) -> BackupSummary:
    backend = _backend()
    # Read before the dump: each of these files was written before its row was committed, so
    # all are in the folder by the time it is read, after the dump.
    referenced = set(db.session.scalars(sa.select(StoredFile.sha256).distinct()))
    db.session.remove()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        dump = Path(work) / DATABASE_MEMBERS[backend]
        if backend == "sqlite":
            _dump_sqlite(dump)
        else:
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)]
            )
        # The checks a restore makes, made now: a backup that would be refused is not written.
        revision = _check_dump(dump, backend, dump.name)
        partial = Path(work) / "backup.partial"
        # Readable by its owner only: it holds password hashes and every uploaded file.
        with os.fdopen(os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), "w+b") as out:
            summary = _write_archive(out, dump, backend, revision)
            _seal(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    summary.missing = sorted(referenced - summary.digests - set(summary.damaged))
    return summary


def _dump_sqlite(path: Path) -> None:
    source = db.engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            source.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _write_archive(out, dump: Path, backend: str, revision: str) -> BackupSummary:
    taken_at = datetime.now(UTC)
    members: list[Member] = []
    summary = BackupSummary(files=0, size=0)
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        with dump.open("rb") as source:
            members.append(_add(archive, dump.name, source, taken_at))
        for digest in uploads.stored_digests():
            with uploads.open_stored(digest) as source:
                if hashlib.file_digest(source, "sha256").hexdigest() != digest:
                    summary.damaged.append(digest)  # downloads answer 410 for it already
                    continue
                source.seek(0)
                member = _add(archive, FILES_PREFIX + digest, source, taken_at)
            if member.sha256 != digest:
                raise BackupError(f"The uploaded file {digest} changed while it was backed up.")
            members.append(member)
            summary.digests.add(digest)
            summary.files += 1
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "taken_at": taken_at.isoformat(timespec="seconds"),
            "backend": backend,
            "schema_revision": revision,
            "database": dump.name,
            "members": [vars(member) for member in members],
        }
        data = json.dumps(manifest, indent=1).encode("utf-8")
        archive.writestr(_info(MANIFEST, taken_at), data)
        # A placeholder of the seal's length; _seal writes the hash into its last 64 bytes.
        archive.comment = SEAL + b"0" * 64
    summary.size = out.tell()
    return summary


def _info(name: str, taken_at: datetime, size: int = 0) -> zipfile.ZipInfo:
    # Stored, not compressed: a pg_dump and most uploads (PDF, Office, images) are compressed
    # already, and uploads make most of a backup; a stored member is read at disk speed, by the
    # three passes of a restore too, and is the same bytes on every backend.
    info = zipfile.ZipInfo(name, date_time=taken_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16  # unzipped, readable by the operator only
    info.file_size = size  # known in advance: ZIP64 headers for a member past 2 GB
    return info


def _add(archive: zipfile.ZipFile, name: str, source, taken_at: datetime) -> Member:
    size = os.fstat(source.fileno()).st_size
    digest = hashlib.sha256()
    written = 0
    with archive.open(_info(name, taken_at, size), "w") as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
            written += len(chunk)
    return Member(name, written, digest.hexdigest())


def _seal(out) -> None:
    """Write the SHA-256 of every byte before it over the placeholder at the archive's end."""
    end = out.seek(0, os.SEEK_END)
    out.seek(0)
    out.write(_hash_start(out, end - 64).encode("ascii"))


def _hash_start(file, length: int) -> str:
    """The SHA-256 of the next `length` bytes of `file`; raises BackupError if it has fewer."""
    digest = hashlib.sha256()
    while length:
        chunk = file.read(min(CHUNK, length))
        if not chunk:
            raise BackupError(f"{Path(file.name).name} was cut off while it was read.")
        digest.update(chunk)
        length -= len(chunk)
    return digest.hexdigest()


# --- checking a backup ----------------------------------------------------------------------


@contextmanager
def checked_backup(path: str | Path) -> Iterator[CheckedBackup]:
    """Check the whole backup at `path` (raises BackupError, having changed nothing) and hold
    it, with its database dump taken out into a temporary file, until the block ends."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    _check_seal(path)
    try:
        archive = zipfile.ZipFile(path)
    except (*_UNREADABLE, ValueError, OSError) as error:
        raise BackupError(
            f"{path.name} is damaged: it cannot be read as a ZIP file ({error})."
        ) from None
    with archive, tempfile.TemporaryDirectory(prefix="tracker-restore-") as work:
        yield _check_contents(path, archive, Path(work))


def _check_seal(path: Path) -> None:
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
        file.seek(max(size - SEAL_LENGTH, 0))
        tail = file.read()
        sealed = tail.startswith(SEAL) and _SHA256.fullmatch(tail[len(SEAL) :].decode("latin-1"))
        if not sealed:
            if head.startswith(SQLITE_MAGIC) or head.startswith(PG_DUMP_MAGIC):
                raise BackupError(
                    f"{path.name} is a bare database backup, the format written before backups "
                    "held the uploaded files and checksums. Damage in it cannot be found, so it is "
                    "not restored: restore it with the version of the tracker that wrote it, "
                    "then take a new backup."
                )
            if not ZIP_MAGIC.startswith(head[:4]):
                raise BackupError(f"{path.name} is not a tracker backup.")
            raise BackupError(
                f"{path.name} is damaged or cut off (or not a tracker backup): it does not end "
                "with a tracker backup's checksum."
            )
        file.seek(0)
        digest = _hash_start(file, size - 64)
    if digest.encode("ascii") != tail[len(SEAL) :]:
        raise BackupError(
            f"{path.name} is damaged: its content does not match the checksum it was written "
            "with (a byte changed or lost)."
        )


def _check_contents(path: Path, archive: zipfile.ZipFile, work: Path) -> CheckedBackup:
    def damaged(detail: str) -> BackupError:
        return BackupError(f"{path.name} is damaged: {detail}.")

    names = archive.namelist()
    if len(set(names)) != len(names):
        raise damaged("it holds a member twice")
    if MANIFEST not in names:
        raise BackupError(f"{path.name} is not a tracker backup: it has no {MANIFEST}.")
    if archive.getinfo(MANIFEST).file_size > MANIFEST_LIMIT:
        raise damaged(f"its {MANIFEST} is too large")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (*_UNREADABLE, ValueError) as error:
        raise damaged(f"its {MANIFEST} cannot be read ({error})") from None
    backend, revision, taken_at, database, members = _read_manifest(path, manifest, damaged)
    if backend != _backend():
        name = {"sqlite": "an SQLite", "postgresql": "a PostgreSQL"}
        raise BackupError(
            f"{path.name} is a backup of {name[backend]} database; this tracker uses "
            f"{name[_backend()][2:].lstrip()}. A backup restores into the same kind of database."
        )
    _check_revision(path, revision)
    if {m.name for m in members} != set(names) - {MANIFEST}:
        raise damaged(f"its members are not the ones its {MANIFEST} lists")
    dump = work / database
    files = []
    for member in members:
        if archive.getinfo(member.name).file_size != member.size:
            raise damaged(f"{member.name} is not of the size its {MANIFEST} gives")
        if member.name == database:
            with dump.open("wb") as target:
                digest, size = _read_member(archive, member, damaged, target)
        else:
            if member.name != FILES_PREFIX + member.sha256:
                raise damaged(f"{member.name} is not named by its SHA-256")
            digest, size = _read_member(archive, member, damaged)
            files.append(member)
        if (digest, size) != (member.sha256, member.size):
            raise damaged(f"{member.name} does not match its SHA-256 and size in {MANIFEST}")
    dumped_revision = _check_dump(dump, backend, path.name)
    if dumped_revision != revision:
        raise damaged(
            f"its database is at revision {dumped_revision}, its {MANIFEST} says {revision}"
        )
    return CheckedBackup(path, archive, backend, revision, taken_at, dump, files)


def _read_manifest(path: Path, manifest, damaged):
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise damaged(f"its {MANIFEST} is not a tracker backup's")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path.name} is in backup format version {manifest.get('version')!r}; this "
            f"tracker reads version {VERSION} (a backup from a newer tracker?)."
        )
    backend, revision, taken_at, database, listed = (
        manifest.get(key)
        for key in ("backend", "schema_revision", "taken_at", "database", "members")
    )
    if backend not in DATABASE_MEMBERS or database != DATABASE_MEMBERS[backend]:
        raise damaged(f"its {MANIFEST} names no known database")
    if not (isinstance(revision, str) and isinstance(taken_at, str) and isinstance(listed, list)):
        raise damaged(f"its {MANIFEST} lacks the revision, the time or the members")
    members = []
    for item in listed:
        try:
            name, size, sha256 = item["name"], item["size"], item["sha256"]
        except (TypeError, KeyError):
            raise damaged(f"its {MANIFEST} has a member without name, size and SHA-256") from None
        if not (isinstance(name, str) and type(size) is int and size >= 0):
            raise damaged(f"its {MANIFEST} has a member without a name or size")
        if not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
            raise damaged(f"its {MANIFEST} has a member without a SHA-256")
        members.append(Member(name, size, sha256))
    if len({m.name for m in members}) != len(members) or database not in {m.name for m in members}:
        raise damaged(f"its {MANIFEST} lists a member twice, or no database")
    return backend, revision, taken_at, database, members


def _read_member(archive, member: Member, damaged, target=None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(member.name) as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if target is not None:
                    target.write(chunk)
    except _UNREADABLE as error:
        raise damaged(f"{member.name} cannot be read ({error})") from None
    return digest.hexdigest(), size


def _check_dump(dump: Path, backend: str, shown: str) -> str:
    """The database dump's own checks; returns its schema revision."""
    if backend == "sqlite":
        return _check_sqlite_dump(dump, shown)
    return _check_pg_dump(dump, shown)


def _check_sqlite_dump(path: Path, shown: str) -> str:
    with path.open("rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{shown} is damaged: its database is not an SQLite database.")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{shown} is damaged (SQLite integrity check: {problems[0]}).")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables:
                raise BackupError(f"{shown} is not a tracker backup: it lacks alembic_version.")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = _check_revision(shown, row[0] if row else None)
            _check_tables(shown, tables, revision)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{shown} is damaged: its database cannot be read ({error}).") from None
    return revision


def _check_pg_dump(path: Path, shown: str) -> str:
    with path.open("rb") as file:
        if file.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise BackupError(f"{shown} is damaged: its database is not a pg_dump (custom format).")
    try:
        listing = _run(["pg_restore", "--list", str(path)], with_database=False)
        # --list reads only the table of contents; reading every data block into a script finds
        # a truncated or damaged file before anything is dropped.
        _run(["pg_restore", "--file", os.devnull, str(path)], with_database=False)
        data = _run(
            ["pg_restore", "--data-only", "--table", "alembic_version", "--file", "-", str(path)],
            with_database=False,
        )
    except CommandFailed as error:
        raise BackupError(
            f"{shown} is damaged, or its database is from a newer PostgreSQL than this "
            f"pg_restore reads ({error})."
        ) from None
    revision = _check_revision(shown, _copied_revision(data))
    tables = {
        name for name in _expected_tables(revision) if f" TABLE DATA public {name} " in listing
    }
    _check_tables(shown, tables, revision)
    return revision


def _copied_revision(data: str) -> str | None:
    """The revision in pg_restore's script of the alembic_version table: the line after COPY."""
    lines = data.splitlines()
    for number, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and "alembic_version" in line:
            return lines[number + 1].strip() or None
    return None


def _check_tables(shown: str, tables: set[str], revision: str) -> None:
    missing = sorted(_expected_tables(revision) - tables)
    if missing:
        raise BackupError(f"{shown} is not a tracker backup: it lacks {', '.join(missing)}.")


def _check_revision(shown: str | Path, revision: str | None) -> str:
    """The backup's schema revision, if it is this tracker's or an older one's."""
    if revision not in _known_revisions():
        name = shown.name if isinstance(shown, Path) else shown
        raise BackupError(
            f"{name} has the schema revision {str(revision)[:40]}, which this version of the "
            f"tracker does not know (its newest is {_head()}): a backup from a newer version of "
            "the tracker, or not a tracker's. Restore it with that version, or upgrade this one "
            "first."
        )
    return revision


# --- restore --------------------------------------------------------------------------------


def restore_checked(checked: CheckedBackup) -> RestoreSummary:
    """Add the backup's files to the upload folder, then replace the database in one
    transaction. If this fails, the database is as it was (added files are harmless)."""
    written = 0
    for member in checked.files:
        try:
            with checked.archive.open(member.name) as source:
                chunks = iter(lambda source=source: source.read(CHUNK), b"")
                written += uploads.keep_stored(member.sha256, chunks)
        except (*_UNREADABLE, ValueError) as error:
            raise BackupError(
                f"{checked.path.name} changed while it was restored ({error}). The uploaded "
                "files restored so far are kept, unused and harmless."
            ) from None
        except OSError as error:
            raise BackupError(
                f"Could not write the uploaded file {member.sha256} ({error}). The uploaded "
                "files restored so far are kept, unused and harmless."
            ) from None
    db.session.remove()
    if checked.backend == "sqlite":
        _restore_sqlite(checked.dump)
    else:
        _restore_postgresql(checked.dump, checked.schema_revision)
    db.engine.dispose()  # no pooled connection may keep the old database's state
    summary = RestoreSummary(checked.schema_revision, checked.taken_at, len(checked.files), written)
    if checked.schema_revision != _head():
        try:
            upgrade(directory=MIGRATIONS_DIR)
        except Exception as error:  # any failure of a migration: say what to do next
            db.session.remove()
            db.engine.dispose()
            raise RestoreNotUpgraded(checked.schema_revision, error) from error
        summary.upgraded_to = _head()
    return summary


class RestoreNotUpgraded(BackupError):
    """The backup was restored, but bringing it to the current schema failed."""

    def __init__(self, revision: str, error: Exception):
        super().__init__(
            f"The backup was restored (schema revision {revision}), but bringing it up to this "
            f"version's schema failed: {str(error).splitlines()[0][:300]}. Run `tracker db "
            "upgrade` to try again, or restore it with the version of the tracker that took it."
        )


def _restore_sqlite(path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = db.engine.raw_connection()
    try:
        source.backup(target.driver_connection)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore the database ({error}).") from None
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path, revision: str) -> None:
    """Replace the database with the dump in one transaction: pg_restore writes the script and
    psql runs it, after dropping every table of the tracker, of this version and the dump's.

    pg_restore --clean alone drops only what the dump holds: the tables and foreign keys that
    migrations added since the dump's (older) revision would be left behind, and would keep the
    older tables from being dropped."""
    script = dump.with_name("restore.sql")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file",
          str(script), str(dump)], with_database=False)  # fmt: skip
    tables = sorted(_expected_tables() | _expected_tables(revision))
    prelude = dump.with_name("prelude.sql")
    names = ", ".join(f'public."{name}"' for name in tables)
    prelude.write_text(f"DROP TABLE IF EXISTS {names} CASCADE;\n", encoding="utf-8")
    _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
          "--file", str(prelude), "--file", str(script)])  # fmt: skip
    script.unlink()


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
        result = subprocess.run(command, capture_output=True, env=env, check=False)  # nosec B603
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed (apt-get install postgresql-client)."
        ) from None
    # Bytes, decoded leniently: pg_restore echoes whatever a damaged file holds (names, SQL),
    # and that is not always UTF-8.
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace").strip()
        detail = (stderr.splitlines() or ["no message"])[-1]
        raise CommandFailed(f"{command[0]} failed: {detail}")
    return result.stdout.decode("utf-8", "replace")
