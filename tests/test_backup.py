"""`tracker backup` / `tracker restore` on the backend under test (SQLite, or PostgreSQL with
pg_dump): one archive holds the database and the uploaded files; a restore brings back both,
byte for byte; a backup with any byte changed or cut off is refused, and nothing changes."""

import contextlib
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade

from tests import factories
from tests.conftest import (
    TEST_DATABASE_URL,
    app_on_own_database,
)
from tests.object_storage import BUCKET, Kept
from tests.ports import held_port, port_of
from tracker import MIGRATIONS_DIR, backup
from tracker.db import db
from tracker.uploads.services import store_upload, stored_digests, stored_path

# Every app here has its own database and upload folder, never the shared test app's.
pytestmark = pytest.mark.no_db_session

PLAN_FILE = (
    "type,number,code,goal,action_point,title,description,lead_actor,partners,target_on,"
    "starts_on,ends_on,budget_amount,budget_currency\r\n"
    "action_point,,17,1,,Руководство,Göç,HU,AT; TR,2026-06-30,,,,\r\n"
    "activity,,A1,,17,Workshop,,TR,,,2026-01-15,2026-02-01,1250000.00,EUR\r\n"
)
TEXT_VALUE = "Руководство".encode()
EVIDENCE = factories.PDF_BYTES
# Large enough that many of the damaged positions below land inside it.
MINUTES = ("Протокол заседания, пункт 3: решение принято.\n" * 3000).encode()
REFUSED = "Nothing was changed."


def new_app(stack: contextlib.ExitStack, folder: Path, **settings):
    """An app on its own empty database with its own upload folder (or STORAGE_URL),
    initialised."""
    # A copy of the migrated template database: running every migration for each of the
    # module's apps took seconds each; `tracker init` then finds the database ready.
    app = stack.enter_context(app_on_own_database(UPLOAD_FOLDER=str(folder), **settings))
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    return app


def filled_app(stack: contextlib.ExitStack, folder: Path, **settings):
    """A tracker with a plan (non-ASCII text), an update with evidence, and a large file."""
    app = new_app(stack, folder / "uploads", **settings)
    folder.mkdir(exist_ok=True)
    plan_file = folder / "plan.csv"
    plan_file.write_text(PLAN_FILE, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "plan", str(plan_file)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = factories.make_user(role="admin")
        factories.make_evidence(factories.make_update(by=admin), by=admin, content=EVIDENCE)
        store_upload(MINUTES, "протокол.txt", by=admin)
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A tracker with its files in a folder, filled; the tests only read it."""
    with contextlib.ExitStack() as stack:
        yield filled_app(stack, tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def good_archive(source, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "tracker.backup"
    result = source.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "and 2 uploaded files" in result.output
    return path


@pytest.fixture
def archive(good_archive, tmp_path) -> Path:
    """A copy of the source's backup, for this test to damage."""
    path = tmp_path / "tracker.backup"
    path.write_bytes(good_archive.read_bytes())
    return path


@pytest.fixture
def target(tmp_path):
    """Another tracker, with one uploaded file of its own, that backups are restored into."""
    with contextlib.ExitStack() as stack:
        app = new_app(stack, tmp_path / "uploads-target")
        with app.app_context():
            store_upload(b"Only in the target.\n", "own.txt", by="tests")
            db.session.commit()
        yield app


def table_counts(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        counts = {
            t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables
        }
        counts["alembic_version"] = connection.scalar(
            sa.text("SELECT count(*) FROM alembic_version")
        )
    return counts


def sample(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT ap.code, ap.title, ap.description, a.code, a.budget_minor "
                "FROM action_points ap JOIN activities a ON a.action_point_id = ap.id"
            )
        ).all()


def folder_contents(app) -> dict[str, bytes]:
    """Every file in the app's upload folder or bucket (temporary ones too), by its path in the
    folder or under the bucket's prefix."""
    with app.app_context():
        return Kept("app's").everything()


def state(app) -> tuple:
    return table_counts(app), sample(app), folder_contents(app)


def restore(app, path: Path):
    return app.test_cli_runner().invoke(args=["restore", "--yes", str(path)])


def assert_refused(result, *, says: str = "damaged") -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a message, no traceback
    assert says in result.output and REFUSED in result.output, result.output


def test_backup_holds_the_database_and_every_uploaded_file_with_checksums(source, good_archive):
    archive = good_archive
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        members = {m["name"]: m for m in manifest["members"]}
        for name, member in members.items():
            data = zipped.read(name)
            assert (len(data), hashlib.sha256(data).hexdigest()) == (
                member["size"],
                member["sha256"],
            )
        assert set(zipped.namelist()) == {*members, "manifest.json"}
    with source.app_context():
        digests = set(stored_digests())
        assert {f"files/{d}" for d in digests} == {n for n in members if n.startswith("files/")}
        assert manifest["schema_revision"] == db.session.scalar(
            sa.text("SELECT version_num FROM alembic_version")
        )
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds password hashes
    backend = "postgresql" if TEST_DATABASE_URL else "sqlite"
    assert manifest["backend"] == backend and manifest["database"] in members
    assert manifest["format"] == "tracker-backup" and manifest["taken_at"].startswith("20")
    # The seal: the SHA-256 of every byte before it, at the very end.
    data = archive.read_bytes()
    assert data[-88:-64] == b"tracker-backup 1 sha256="
    assert data[-64:].decode() == hashlib.sha256(data[:-64]).hexdigest()


def test_backup_restored_has_every_row_and_every_file_byte_for_byte(source, target, archive):
    own_files = folder_contents(target)

    result = restore(target, archive)

    assert result.exit_code == 0, result.output
    assert "2 uploaded files (2 written" in result.output
    assert table_counts(target) == table_counts(source)
    assert table_counts(source)["stored_files"] == 2
    assert sample(target) == sample(source) == [("17", "Руководство", "Göç", "A1", 125_000_000)]
    # The source's files byte for byte, and the target's own file kept beside them.
    assert folder_contents(target) == {**own_files, **folder_contents(source)}
    with target.app_context():
        rows = db.session.execute(sa.text("SELECT sha256, size FROM stored_files")).all()
        for digest, size in rows:
            assert len(stored_path(digest).read_bytes()) == size
        assert {stored_path(d).read_bytes() for d, _ in rows} == {EVIDENCE, MINUTES}


def test_restored_files_can_be_downloaded(source, target, archive):
    assert restore(target, archive).exit_code == 0
    with target.app_context():
        evidence_id, update_id = db.session.execute(
            sa.text("SELECT id, update_id FROM update_evidence")
        ).one()
        admin = factories.make_user(role="admin", password="a-long-test-password")
        db.session.commit()
        email = admin.email
    client = target.test_client()
    signed_in = client.post(
        "/auth/sign-in", data={"email": email, "password": "a-long-test-password"}
    )
    assert signed_in.status_code == 302
    response = client.get(f"/progress/updates/{update_id}/evidence/{evidence_id}")
    assert response.status_code == 200 and response.data == EVIDENCE


def test_files_kept_with_the_right_content_are_left_alone_and_damaged_ones_replaced(
    source, target, archive
):
    assert restore(target, archive).exit_code == 0
    with target.app_context():
        evidence = stored_path(hashlib.sha256(EVIDENCE).hexdigest())
        minutes = stored_path(hashlib.sha256(MINUTES).hexdigest())
    minutes.write_bytes(b"damaged")
    kept = evidence.stat().st_ino

    result = restore(target, archive)

    assert result.exit_code == 0, result.output
    assert "(1 written" in result.output
    assert evidence.stat().st_ino == kept
    assert minutes.read_bytes() == MINUTES


def test_a_file_that_cannot_be_written_stops_the_restore_before_the_database(archive, target):
    with target.app_context():
        blocked = stored_path(hashlib.sha256(MINUTES).hexdigest()).parent.parent
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_bytes(b"a file where a folder must go")  # a folder root cannot write into
    before = table_counts(target), sample(target)

    result = restore(target, archive)

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Could not write the uploaded file" in result.output
    assert "The database was not changed." in result.output
    assert (table_counts(target), sample(target)) == before


def damage_positions(data: bytes, *values: bytes) -> list[int]:
    """Every Nth byte (300 of them), the first and last 64, and a few inside each of `values`
    (a text value of the dump, a stored file) where they lie in the archive."""
    step = len(data) // 300
    positions = {*range(0, len(data), step), *range(64), *range(len(data) - 64, len(data))}
    for value in values:
        start = data.find(value)
        assert start > 0, value[:20]
        positions |= {start, start + len(value) // 2, start + len(value) - 1}
    return sorted(positions)


def test_a_backup_with_any_byte_changed_or_cut_off_is_refused_and_nothing_changes(
    archive, target, tmp_path
):
    data = archive.read_bytes()
    # SQLite's file holds the text as it is; pg_dump compresses its data, but not the names.
    in_dump = b"action_points" if TEST_DATABASE_URL else TEXT_VALUE
    positions = damage_positions(data, in_dump, EVIDENCE, MINUTES[:200])
    assert len(positions) > 400
    before = state(target)
    damaged = tmp_path / "damaged.backup"

    for position in positions:
        changed = bytearray(data)
        changed[position] ^= 0x01 if position % 2 else 0xFF
        damaged.write_bytes(changed)
        assert_refused(restore(target, damaged))
        damaged.write_bytes(data[:position])
        assert_refused(restore(target, damaged))
    assert state(target) == before

    assert restore(target, archive).exit_code == 0  # the undamaged one still restores


def test_a_backup_damaged_near_its_start_is_refused(archive, target, tmp_path):
    # On PostgreSQL this once ended in a UnicodeDecodeError traceback from pg_restore's output.
    data = archive.read_bytes()
    damaged = tmp_path / "damaged.backup"
    before = state(target)
    for position in range(4, 200, 7):
        changed = bytearray(data)
        changed[position] ^= 0xFF
        damaged.write_bytes(changed)
        assert_refused(restore(target, damaged))
    assert state(target) == before


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="pg_restore reads PostgreSQL backups only")
def test_pg_restore_output_that_is_not_utf8_gives_a_message_not_a_traceback(archive, target):
    """The class behind the traceback: pg_restore echoes a damaged dump's names, not always in
    UTF-8. Reached here without the seal, which finds such damage first."""
    with zipfile.ZipFile(archive) as zipped:
        dump = zipped.read("database.pgdump")
    path = archive.with_name("damaged.pgdump")
    refused = 0
    with target.app_context():
        for position in range(5, 200, 4):
            changed = bytearray(dump)
            changed[position] ^= 0xFF
            path.write_bytes(changed)
            try:
                backup._check_pg_dump(path, "damaged.pgdump")
            except backup.BackupError as error:
                refused += 1
                assert "damaged" in str(error) or "revision" in str(error)
    assert refused > 10


def reseal(path: Path, change) -> None:
    """Rewrite the archive at `path` with `change(manifest, members)` applied, sealed anew: the
    damage a seal cannot see (made before it was written), for the checks behind it."""
    with zipfile.ZipFile(path) as zipped:
        members = {name: zipped.read(name) for name in zipped.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    change(manifest, members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
        zipped.writestr("manifest.json", json.dumps(manifest))
        zipped.comment = backup.SEAL + b"0" * 64
    backup._seal(buffer)
    path.write_bytes(buffer.getvalue())


def flip_in_member(name_start: str, value: bytes | None = None):
    def change(manifest, members):
        name = next(n for n in members if n.startswith(name_start))
        data = bytearray(members[name])
        position = data.find(value) if value else len(data) // 2
        data[position] ^= 0x01
        members[name] = bytes(data)

    return change


def rehash(change):
    """`change`, then the manifest made to agree with the changed members."""

    def changed(manifest, members):
        change(manifest, members)
        manifest["members"] = [
            {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
        ]

    return changed


def drop_file(manifest, members):
    name = next(n for n in members if n.startswith("files/"))
    del members[name]


def extra_member(manifest, members):
    members["files/notes.txt"] = b"not listed"


def other_backend(manifest, members):
    manifest["backend"] = "sqlite" if manifest["backend"] == "postgresql" else "postgresql"
    renamed = backup.DATABASE_MEMBERS[manifest["backend"]]
    members[renamed] = members.pop(manifest["database"])
    for member in manifest["members"]:
        if member["name"] == manifest["database"]:
            member["name"] = renamed
    manifest["database"] = renamed


def newer_format(manifest, members):
    manifest["version"] = 2


def unknown_revision(manifest, members):
    manifest["schema_revision"] = "ffffffffffff"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (flip_in_member("files/"), "does not match its SHA-256"),
        (flip_in_member("database."), "does not match its SHA-256"),
        (rehash(flip_in_member("files/")), "is not named by its SHA-256"),
        (drop_file, "not the ones its manifest.json lists"),
        (extra_member, "not the ones its manifest.json lists"),
        (other_backend, "A backup restores into the same kind of database"),
        (newer_format, "a backup from a newer tracker?"),
        (unknown_revision, "does not know (its newest is"),
    ],
)
def test_checks_behind_the_seal_refuse_what_it_cannot_see(archive, target, change, says):
    reseal(archive, change)
    before = state(target)
    assert_refused(restore(target, archive), says=says)
    assert state(target) == before


def test_a_bare_database_file_of_the_old_format_is_refused_with_the_reason(
    archive, target, tmp_path
):
    with zipfile.ZipFile(archive) as zipped:
        name = next(n for n in zipped.namelist() if n.startswith("database."))
        old = tmp_path / "old.backup"
        old.write_bytes(zipped.read(name))
    before = state(target)
    assert_refused(restore(target, old), says="bare database backup, the format written before")
    assert state(target) == before


def test_a_file_that_is_not_a_backup_is_refused(target, tmp_path):
    path = tmp_path / "notes.backup"
    path.write_text("type,code\n", encoding="utf-8")
    assert_refused(restore(target, path), says="is not a tracker backup")


def test_backup_warns_of_a_referenced_file_missing_from_the_folder(tmp_path):
    with contextlib.ExitStack() as stack:
        app = new_app(stack, tmp_path / "uploads")
        with app.app_context():
            stored = store_upload(EVIDENCE, "report.pdf", by="tests")
            db.session.commit()
            stored_path(stored.sha256).unlink()
        path = tmp_path / "tracker.backup"
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert f"the uploaded file {stored.sha256} is not in the upload folder" in result.output
    assert "and 0 uploaded files" in result.output


def test_a_failed_backup_leaves_no_file(source, tmp_path):
    path = tmp_path / "missing-folder" / "tracker.backup"
    result = source.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 1 and "Could not write the backup" in result.output
    assert isinstance(result.exception, SystemExit)
    assert not path.parent.exists() and not list(tmp_path.glob(".backup-*"))


def test_restore_asks_before_replacing_the_database(archive, target):
    before = state(target)
    result = target.test_cli_runner().invoke(args=["restore", str(archive)], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "taken at 20" in result.output
    assert state(target) == before


# A backup taken before an upgrade: an older schema revision, without the tables added since

# Before published reports, the outbox, two-factor sign-in and hand-over.
OLDER_REVISION = "a3c5e7f90b12"


@pytest.fixture(scope="module")
def old_archive(tmp_path_factory) -> Path:
    """A backup of a tracker at OLDER_REVISION (migrated down to it), HU renamed."""
    folder = tmp_path_factory.mktemp("old")
    path = folder / "old.backup"
    with contextlib.ExitStack() as stack:
        app = new_app(stack, folder / "uploads")
        with app.app_context():
            downgrade(directory=MIGRATIONS_DIR, revision=OLDER_REVISION)
            db.session.execute(sa.text("UPDATE actors SET name = 'Old Hungary' WHERE code = 'HU'"))
            db.session.commit()
            assert "published_reports" not in sa.inspect(db.engine).get_table_names()
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
        assert result.exit_code == 0, result.output
    return path


def test_a_backup_from_before_an_upgrade_is_restored_and_brought_to_the_head(old_archive, target):
    result = restore(target, old_archive)
    assert result.exit_code == 0, result.output
    assert f"schema revision {OLDER_REVISION}" in result.output
    assert "brought its database up to schema revision" in result.output
    with target.app_context(), db.engine.connect() as connection:
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert revision == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert "published_reports" in sa.inspect(connection).get_table_names()
        hungary = connection.scalar(sa.text("SELECT name FROM actors WHERE code = 'HU'"))
        assert hungary == "Old Hungary"
    checked = target.test_cli_runner().invoke(args=["db", "check"])
    assert checked.exit_code == 0, checked.output


# On object storage (STORAGE_URL): the same archive, the files read from and written to a bucket


@pytest.fixture
def s3_target(s3_server, tmp_path):
    """Another tracker, its files in a bucket, one of them its own, to restore backups into."""
    with contextlib.ExitStack() as stack:
        app = new_app(stack, tmp_path / "unused", STORAGE_URL=s3_server.url())
        with app.app_context():
            store_upload(b"Only in the target.\n", "own.txt", by="tests")
            db.session.commit()
        yield app


def unreachable_storage(stack: contextlib.ExitStack) -> str:
    down = stack.enter_context(held_port())  # nothing listens there
    return f"s3://{BUCKET}/down?endpoint=http://127.0.0.1:{port_of(down)}"


def test_a_backup_from_a_bucket_restores_into_a_bucket_and_any_damage_is_refused(
    s3_server, s3_target, tmp_path
):
    with contextlib.ExitStack() as stack:
        s3_source = filled_app(stack, tmp_path / "source", STORAGE_URL=s3_server.url())
        path = tmp_path / "tracker.backup"
        result = s3_source.test_cli_runner().invoke(args=["backup", str(path)])
        assert result.exit_code == 0 and "and 2 uploaded files" in result.output, result.output
        source_files = folder_contents(s3_source)
        source_counts, source_sample = table_counts(s3_source), sample(s3_source)
    assert sorted(source_files.values()) == sorted([EVIDENCE, MINUTES])
    assert not list((tmp_path / "source").glob("uploads*"))  # in the bucket, not in the folder

    # Fewer positions than on the folder above: the checks are the same, the storage is not.
    data = path.read_bytes()
    positions = damage_positions(data, EVIDENCE, MINUTES[:200])[::8]
    before = state(s3_target)
    damaged = tmp_path / "damaged.backup"
    for position in positions:
        changed = bytearray(data)
        changed[position] ^= 0xFF
        damaged.write_bytes(changed)
        assert_refused(restore(s3_target, damaged))
        damaged.write_bytes(data[:position])
        assert_refused(restore(s3_target, damaged))
    assert state(s3_target) == before

    result = restore(s3_target, path)

    assert result.exit_code == 0, result.output
    assert "2 uploaded files (2 written" in result.output
    assert folder_contents(s3_target) == {**before[2], **source_files}
    assert (table_counts(s3_target), sample(s3_target)) == (source_counts, source_sample)


def test_a_backup_of_a_folder_restores_into_a_bucket(source, archive, s3_target):
    """The way from one app server to several: back up the folder, restore into the bucket."""
    result = restore(s3_target, archive)
    assert result.exit_code == 0, result.output
    assert folder_contents(source).items() <= folder_contents(s3_target).items()
    assert table_counts(s3_target) == table_counts(source)


def test_a_restore_into_a_bucket_that_does_not_answer_changes_nothing(archive, tmp_path):
    with contextlib.ExitStack() as stack:
        target = new_app(stack, tmp_path / "unused", STORAGE_URL=unreachable_storage(stack))
        before = table_counts(target), sample(target)

        result = restore(target, archive)

        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert "Could not write the uploaded file" in result.output
        assert "The database was not changed." in result.output
        assert (table_counts(target), sample(target)) == before


def test_a_backup_while_the_bucket_does_not_answer_writes_no_file(tmp_path):
    with contextlib.ExitStack() as stack:
        app = new_app(stack, tmp_path / "unused", STORAGE_URL=unreachable_storage(stack))
        path = tmp_path / "tracker.backup"
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Could not read the uploaded files" in result.output
    assert not path.exists() and not list(tmp_path.glob(".backup-*"))
