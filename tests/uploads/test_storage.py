"""Object storage (issue 13, more than one app server): STORAGE_URL puts the files in a bucket of
an S3-compatible server, here a real SeaweedFS (tests/object_storage.py); a bad setting stops
the app at start; a storage that does not answer is a 503 or "not ready", never a 500, with
nothing half-saved; and two app servers on one database and one bucket serve each other's
uploads."""

import contextlib
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from config import from_environ
from tests import factories
from tests.conftest import app_on_own_database, create_test_app
from tests.object_storage import BUCKET
from tests.ports import held_port, port_of
from tracker import PROJECT_ROOT
from tracker.audit.models import AuditEvent
from tracker.auth import services as auth_services
from tracker.db import db
from tracker.plan.documents import attach_document
from tracker.plan.models import ActionPointDocument
from tracker.uploads import services
from tracker.uploads.models import StoredFile
from tracker.uploads.storage import S3Bucket, StorageUnavailable, parse_storage_url

PDF = factories.PDF_BYTES


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def bucket(app, s3_server, monkeypatch) -> S3Bucket:
    """The app's files in a prefix of the tests' bucket of their own, for this test."""
    monkeypatch.setitem(app.config, "STORAGE_URL", s3_server.url())
    kept = services.storage()
    assert isinstance(kept, S3Bucket)
    return kept


def keys(bucket: S3Bucket) -> list[str]:
    listing = bucket.client.list_objects_v2(Bucket=bucket.bucket, Prefix=bucket.prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


# The setting -------------------------------------------------------------------------------


def test_storage_url_is_read_from_the_environment():
    url = "s3://tracker-files/uploads?endpoint=http://127.0.0.1:8333"
    assert from_environ({"STORAGE_URL": url})["STORAGE_URL"] == url
    assert "STORAGE_URL" not in from_environ({"STORAGE_URL": ""})


def test_a_storage_url_names_bucket_prefix_endpoint_and_region():
    url = "s3://tracker-files/prod/uploads/?endpoint=https://s3.example.org:9000/&region=eu-1"
    assert parse_storage_url(url) == {
        "bucket": "tracker-files",
        "prefix": "prod/uploads",
        "endpoint": "https://s3.example.org:9000",
        "region": "eu-1",
    }
    assert parse_storage_url("s3://tracker-files") == {
        "bucket": "tracker-files",
        "prefix": "",
        "endpoint": None,
        "region": None,
    }


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://tracker-files/uploads", "must start with s3://"),
        ("/srv/tracker/uploads", "must start with s3://"),
        ("s3:///uploads", "names no bucket"),
        ("s3://Tracker_Files/uploads", "names no bucket, or a name S3 does not allow"),
        ("s3://key:secret@tracker-files/uploads", "credentials do not go in it"),
        ("s3://tracker-files/up//loads", "no empty part"),
        ("s3://tracker-files/uploads?endpoint=127.0.0.1:9000", "must be an http:// or https://"),
        ("s3://tracker-files/uploads?endpont=http://h", "may set endpoint and region only"),
    ],
)
def test_a_bad_storage_url_is_refused_with_the_reason(url, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_storage_url(url)


@pytest.mark.no_db_session
def test_a_bad_storage_url_stops_the_app_at_start():
    with pytest.raises(RuntimeError, match="STORAGE_URL is not usable: it names no bucket"):
        create_test_app("sqlite://", STORAGE_URL="s3:///uploads")


# Files as objects --------------------------------------------------------------------------


def test_files_are_objects_named_by_their_sha256_and_kept_once(bucket):
    first = services.store_upload(PDF, "first.pdf", by="tests")
    second = services.store_upload(PDF, "second.pdf", by="tests")

    digest = sha(PDF)
    assert first.sha256 == second.sha256 == digest
    assert keys(bucket) == [f"{bucket.prefix}{digest[:2]}/{digest[2:4]}/{digest}"]
    assert bucket.read(digest) == PDF
    assert list(services.stored_digests()) == [digest]
    with services.open_stored(digest) as file:
        assert file.read() == PDF


def test_the_server_refuses_an_object_whose_bytes_do_not_have_its_sha256(bucket):
    # The tracker sends each object's SHA-256 with it: bytes damaged on the way are refused.
    with pytest.raises(StorageUnavailable, match="BadDigest|XAmzContentChecksumMismatch"):
        bucket._put(sha(b"what was meant"), b"what arrived")
    assert keys(bucket) == []


def test_keep_stored_checks_the_content_replaces_a_damaged_object_and_skips_a_good_one(bucket):
    digest = sha(PDF)
    with pytest.raises(ValueError, match="content's SHA-256"):
        services.keep_stored(digest, [b"other bytes"])
    assert keys(bucket) == []

    assert services.keep_stored(digest, [PDF[:10], PDF[10:]]) is True
    assert services.keep_stored(digest, [PDF]) is False  # the same bytes are kept already
    bucket.client.put_object(Bucket=bucket.bucket, Key=bucket.key(digest), Body=b"damaged")
    assert services.keep_stored(digest, [PDF]) is True
    assert bucket.read(digest) == PDF


def test_stored_digests_lists_only_objects_named_by_a_sha256_in_place(bucket):
    digest = sha(PDF)
    services.keep_stored(digest, [PDF])
    other = sha(b"other")
    for stray in ("notes.txt", f"{other[:2]}/{other[2:4]}/{other}.tmp", f"zz/{other}", ".ready-1"):
        bucket.client.put_object(Bucket=bucket.bucket, Key=bucket.prefix + stray, Body=b"x")
    assert list(services.stored_digests()) == [digest]


def test_a_missing_object_is_file_not_found(bucket):
    with pytest.raises(FileNotFoundError):
        services.open_stored(sha(b"never kept"))


# Storage that does not answer --------------------------------------------------------------


@pytest.fixture
def unreachable(app, s3_server, monkeypatch):
    """The app's files on an S3 server that does not answer (nothing listens on its port)."""
    with held_port() as down:
        url = f"s3://{BUCKET}/down?endpoint=http://127.0.0.1:{port_of(down)}"
        monkeypatch.setitem(app.config, "STORAGE_URL", url)
        yield url


def test_readyz_is_not_ready_when_the_object_storage_does_not_answer(client, unreachable):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["storage"] == "the upload storage cannot keep files"
    assert checks["database"] == "ok"


def test_an_upload_while_the_storage_does_not_answer_is_a_503_and_saves_nothing(
    client, login, api, unreachable
):
    ap = factories.make_action_point()
    login.as_role("admin")
    api.as_role("admin")
    before = count(StoredFile), count(ActionPointDocument), count(AuditEvent)

    page = client.post(
        f"/plans/action-points/{ap.id}/documents",
        data={"file": (io.BytesIO(PDF), "report.pdf"), "title": "Report"},
    )
    answer = api.post(
        f"/api/v1/action-points/{ap.id}/documents", data={"file": (io.BytesIO(PDF), "r.pdf")}
    )

    assert page.status_code == 503 and "file storage does not answer" in page.get_data(True)
    assert "nothing was saved" in page.get_data(as_text=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    error = answer.get_json()["error"]
    assert error["code"] == "unavailable" and "nothing was saved" in error["message"]
    assert (count(StoredFile), count(ActionPointDocument), count(AuditEvent)) == before


def test_a_download_while_the_storage_does_not_answer_is_a_503_not_a_410(
    app, client, login, s3_server, monkeypatch
):
    monkeypatch.setitem(app.config, "STORAGE_URL", s3_server.url())
    ap = factories.make_action_point()
    document = attach_document(ap, services.store_upload(PDF, "r.pdf", by="tests"), by="tests")
    db.session.commit()
    login.as_role("viewer")
    with held_port() as down:  # nothing listens there
        url = f"s3://{BUCKET}/x?endpoint=http://127.0.0.1:{port_of(down)}"
        monkeypatch.setitem(app.config, "STORAGE_URL", url)

        response = client.get(f"/plans/documents/{document.id}/r.pdf")

    assert response.status_code == 503
    assert "the file cannot be sent" in response.get_data(as_text=True)


def test_a_stored_file_the_folder_cannot_read_is_a_503_not_a_500(client, login):
    ap = factories.make_action_point()
    data = b"unreadable soon\n"
    document = attach_document(ap, services.store_upload(data, "u.txt", by="tests"), by="tests")
    db.session.commit()
    path = services.stored_path(sha(data))
    path.unlink()
    path.mkdir()  # read as root too, a folder where the file should be cannot be read
    try:
        login.as_role("viewer")
        response = client.get(f"/plans/documents/{document.id}/u.txt")
        assert response.status_code == 503
        assert "the file cannot be sent" in response.get_data(as_text=True)
    finally:
        path.rmdir()


# Two app servers, one database, one bucket -------------------------------------------------


class AppServer:
    """`gunicorn 'tracker:create_app()'` in a process of its own, set up by the environment
    only, as in production."""

    def __init__(self, environ: dict, folder: Path):
        with held_port() as sock:  # gunicorn listens on this very socket: no other can take it
            self.port = port_of(sock)
            self.log = folder / f"server-{self.port}.log"
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", "1", "--no-control-socket",
                     "--bind", f"fd://{sock.fileno()}", "--chdir", str(PROJECT_ROOT),
                     "tracker:create_app()"],
                    env={**os.environ, **environ}, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=[sock.fileno()],
                )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=5) as response:
                    if response.status == 200:
                        return
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The app server did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def request(self, path: str, token: str, **kwargs) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        request = urllib.request.Request(self.url + path, headers=headers, **kwargs)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def upload(server: AppServer, token: str, action_point_id: int, data: bytes, name: str) -> dict:
    body, _, boundary = stream_encode_multipart(
        {"file": FileStorage(io.BytesIO(data), name)}, use_tempfile=False
    )
    status, answer = server.request(
        f"/api/v1/action-points/{action_point_id}/documents",
        token,
        data=body.getvalue(),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 201, answer
    return json.loads(answer)


@pytest.mark.no_db_session
def test_two_app_servers_on_one_database_and_one_bucket_serve_each_others_uploads(s3_server):
    """The database under test (PostgreSQL under scripts/with-postgres), two gunicorn
    processes, each with an upload folder of its own that must stay empty."""
    storage_url = s3_server.url()
    with (
        app_on_own_database(STORAGE_URL=storage_url) as app,  # dropped last: after the servers
        tempfile.TemporaryDirectory() as work,
        contextlib.ExitStack() as stack,
    ):
        folder = Path(work)
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
            admin = factories.make_user(role="admin")
            _, token = auth_services.create_token(admin, by="tests")
            action_point_id = factories.make_action_point().id
            db.session.commit()
            db.session.remove()
        servers = []
        for name in ("first", "second"):
            environ = {
                "DATABASE_URL": database_url,
                "STORAGE_URL": storage_url,
                "UPLOAD_FOLDER": str(folder / f"uploads-{name}"),
                "SECRET_KEY": "two-servers-test-secret-key-0123456789",
                "TRACKER_ENV": "development",
            }
            server = AppServer(environ, folder)
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            server.wait_until_ready()
        first, second = servers

        evidence = PDF + b"% uploaded through the first server\n"
        minutes = "Протокол: uploaded through the second server.\n".encode()
        on_first = upload(first, token, action_point_id, evidence, "evidence.pdf")
        on_second = upload(second, token, action_point_id, minutes, "минуты.txt")

        assert second.request(f"/api/v1/documents/{on_first['id']}/file", token) == (200, evidence)
        assert first.request(f"/api/v1/documents/{on_second['id']}/file", token) == (200, minutes)
        listed = json.loads(second.request(f"/api/v1/action-points/{action_point_id}/documents",
                                           token)[1])  # fmt: skip
        assert {item["id"] for item in listed["items"]} == {on_first["id"], on_second["id"]}
        # The files are in the bucket, and in neither server's folder.
        with app.app_context():
            assert set(services.stored_digests()) == {sha(evidence), sha(minutes)}
        assert not [p for p in folder.rglob("*") if p.is_file() and "uploads-" in str(p)]
