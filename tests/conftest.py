"""Fixtures: one schema per session (built by the migrations), one SAVEPOINT-isolated session per
test, and scratch databases for tests that need real commits (live server, concurrency)."""

import contextlib
import os
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from tests import factories
from tests.object_storage import s3_server, storage  # noqa: F401  (fixtures: a real S3 server)
from tracker import MIGRATIONS_DIR, create_app
from tracker.db import db
from tracker.plan.shipped import load_shipped_data

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# The pytest-xdist worker this process is ("gw0", "gw1"...), empty without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Files uploaded by any test app land here, never in the instance folder; removed after the run.
TEST_UPLOAD_FOLDER = Path(tempfile.gettempdir()) / f"tracker-test-uploads-{os.getpid()}"


def app_settings(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "WTF_CSRF_ENABLED": False,
        # Cheap argon2id: the real cost (~170 ms a hash) would make the suite take minutes.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        "UPLOAD_FOLDER": str(TEST_UPLOAD_FOLDER),
        "STORAGE_URL": None,  # never the bucket of the shell's STORAGE_URL
        **overrides,
    }


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as each request does in
    production. The tests hold one app context (to share the rolled-back session), and Flask
    reuses it for requests: without this, the user Flask-Login cached in `g` by one request would
    answer for the next, and a sign-out or a revoked session would seem to work when it did not.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        try:
            return super().open(*args, **kwargs)
        finally:
            # Werkzeug spools a large multipart body (an upload) to a temporary file that it
            # never closes; a server would own and close that stream, so the test client does.
            body = getattr(self, "_body_stream", None)
            if body is not None and not body.closed:
                body.close()
            self._body_stream = None

    def _request_from_builder_args(self, args, kwargs):
        request = super()._request_from_builder_args(args, kwargs)
        self._body_stream = request.environ.get("wsgi.input")
        return request


def create_test_app(database_url: str, **overrides):
    app = create_app(app_settings(database_url, **overrides))
    app.test_client_class = FreshRequestClient
    return app


@contextlib.contextmanager
def scratch_database_url():
    """An empty database of the backend under test, dropped afterwards."""
    if not TEST_DATABASE_URL:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'scratch.sqlite'}"
            _scratch_urls.add(url)
            try:
                yield url
            finally:
                _scratch_urls.discard(url)
        return
    name = f"tracker_scratch_{uuid.uuid4().hex[:12]}"
    url = sa.engine.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(False)
    with _admin_connection() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    _scratch_urls.add(url)
    try:
        yield url
    finally:
        _scratch_urls.discard(url)
        with _admin_connection() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _admin_connection():
    """A connection to the PostgreSQL test database, for CREATE and DROP DATABASE."""
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


# The scratch databases that exist now: build_schema gives each a copy of the template.
_scratch_urls: set[str] = set()
# A database migrated once per run, with the shipped data: migrating takes seconds on every
# database (more on PostgreSQL), a copy of the result a small part of that.
_template: dict[str, str] = {}


def _migrate(app) -> None:
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        load_shipped_data()
        db.session.commit()


def dispose(app) -> None:
    """Close the app's session and pooled connections (before its database is dropped, say)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _template_url() -> str:
    if "url" not in _template:
        if TEST_DATABASE_URL:
            name = f"tracker_template_{uuid.uuid4().hex[:12]}"
            with _admin_connection() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            _template["name"] = name
            url = sa.engine.make_url(TEST_DATABASE_URL).set(database=name)
            _template["url"] = url.render_as_string(False)
        else:
            folder = tempfile.mkdtemp(prefix="tracker-test-template-")
            _template["folder"] = folder
            _template["url"] = f"sqlite:///{Path(folder) / 'template.sqlite'}"
        app = create_test_app(_template["url"])
        _migrate(app)
        dispose(app)  # PostgreSQL copies a template only while no one is connected to it
    return _template["url"]


def _drop_template() -> None:
    if "name" in _template:
        with _admin_connection() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{_template["name"]}" WITH (FORCE)')
    if "folder" in _template:
        shutil.rmtree(_template["folder"], ignore_errors=True)
    _template.clear()


def _copy_template_into(url: str) -> None:
    template = sa.engine.make_url(_template_url()).database
    target = sa.engine.make_url(url).database
    if TEST_DATABASE_URL:
        with _admin_connection() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{target}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
        return
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(template)) as source:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            source.backup(copy)


def build_schema(app) -> None:
    """Run every migration on an empty database and load the shipped data, committed. A scratch
    database gets a copy of a template database that went through the same once per run."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url not in _scratch_urls:
        _migrate(app)
        return
    dispose(app)  # the copy replaces the database: no connection may stay open on it
    _copy_template_into(url)


@contextlib.contextmanager
def app_on_own_database(**settings):
    """An app on a migrated database of its own (a copy of the template), for real commits and
    for several threads or processes at once; dropped at the end. A test using one runs without
    the rolled-back session (mark it no_db_session, or use it in a module-scoped fixture)."""
    with scratch_database_url() as url:
        app = create_test_app(url, **settings)
        build_schema(app)
        try:
            yield app
        finally:
            dispose(app)


@pytest.fixture(scope="session", autouse=True)
def remove_test_uploads():
    yield
    shutil.rmtree(TEST_UPLOAD_FOLDER, ignore_errors=True)
    _drop_template()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not TEST_DATABASE_URL:
        # Under pytest-xdist, each worker has a base temporary folder of its own.
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    if not WORKER:
        engine = sa.create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
        yield TEST_DATABASE_URL
        return
    # Each pytest-xdist worker (see the Makefile) has a database of its own, beside the given
    # one: a schema dropped and built again by one worker would vanish under the others' tests.
    url = sa.engine.make_url(TEST_DATABASE_URL)
    name = f"{url.database}_{WORKER}"
    with _admin_connection() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(False)
    with _admin_connection() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(database_url):
    app = create_test_app(database_url)
    build_schema(app)
    yield app
    with app.app_context():  # close pooled connections: psycopg warns about any left open
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Each test runs inside a transaction that is rolled back; commits become savepoints. Where
    the test asks for a `shared_connection` (data built once for a module, see shared_data), the
    test's transaction is a savepoint of that connection's, rolled back after the test."""
    if "no_db_session" in request.keywords or "scratch_app" in request.fixturenames:
        yield None
        return
    shared = None
    if "shared_connection" in request.fixturenames:
        shared = request.getfixturevalue("shared_connection")
    with rolled_back_session(app, shared) as (session, _):
        yield session


@contextlib.contextmanager
def rolled_back_session(app, connection=None):
    """(session, connection): `db.session` inside a transaction of the connection that is rolled
    back at the end; the session's commits become savepoints. A module that shares costly data
    among its tests opens one of its own (see tests/test_demo.py and shared_data); given that
    connection, the transaction is a savepoint of it."""
    with app.app_context():
        own = connection is None
        if own:
            connection = db.engine.connect()
        transaction = connection.begin() if own else connection.begin_nested()
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        session = scoped_session(factory, scopefunc=_app_ctx_id)
        original, db.session = db.session, session
        try:
            yield session, connection
        finally:
            session.remove()
            db.session = original
            transaction.rollback()
            if own:
                connection.close()


@contextlib.contextmanager
def shared_data(app, build):
    """(connection, what build() returned): data that the tests of a module share, built once in
    a transaction of a connection of its own that is rolled back when the module ends. A test
    that asks for a `shared_connection` fixture returning this connection runs in a savepoint of
    it (see db_session): it sees the data as built, and what it writes is rolled back after it.
    On SQLite the connection holds the write lock: every test of the module must use it."""
    with rolled_back_session(app) as (session, connection):
        built = build()
        session.commit()
        session.remove()  # the tests read the records again in sessions of their own
        yield connection, built


@pytest.fixture
def scratch_app():
    """An app on its own empty database (no schema yet), for real commits. A test using it runs
    without the rolled-back session (see db_session), so `db.session` follows this app."""
    with scratch_database_url() as url:
        app = create_test_app(url)
        try:
            yield app
        finally:
            dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign in through the real sign-in page, as a fresh user of a given role."""

    def __init__(self, client):
        self.client = client

    def as_role(self, role: str, **overrides):
        password = "a-long-test-password"
        user = factories.make_user(role=role, password=password, **overrides)
        db.session.commit()
        self.sign_in(user.email, password)
        return user

    def sign_in(self, email: str, password: str):
        response = self.client.post("/auth/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302, "sign-in failed"
        return response


@pytest.fixture
def login(client):
    return AuthActions(client)


@pytest.fixture
def api(app):
    """A JSON client with a Bearer token for a user of the given role: api.as_role('admin')."""
    return factories.ApiClient(app.test_client())
