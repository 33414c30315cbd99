"""Settings from the environment, production's refusals, and SQLite under concurrent writers."""

import threading
import time
from pathlib import Path

import flask
import pytest
from sqlalchemy import text

from config import DEV_SECRET_KEY
from tests.conftest import app_settings, scratch_database_url
from tracker import create_app
from tracker.db import db

GOOD_KEY = "k" * 16 + "0123456789abcdef0123"

pytestmark = pytest.mark.no_db_session  # every app here is our own, never the shared test app


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "TRACKER_ENV", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def instance_folder(tmp_path, monkeypatch):
    """Where create_app puts the default SQLite file: a temporary folder, not the checkout."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(folder))
    return folder


# TRACKER_ENV and production's refusals ----------------------------------------------------------


def production(**settings) -> dict:
    return {"TRACKER_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings}


def test_development_is_the_default():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["TRACKER_ENV"] == "development"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_the_default_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production())
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production(SECRET_KEY=DEV_SECRET_KEY))


def test_production_refuses_a_short_secret_key():
    with pytest.raises(RuntimeError, match="32"):
        create_app(production(SECRET_KEY="s3cret-but-only-24-chars"))


def test_production_refuses_debug():
    with pytest.raises(RuntimeError, match="debug"):
        create_app(production(SECRET_KEY=GOOD_KEY, DEBUG=True))


def test_unknown_tracker_env_is_refused(monkeypatch):
    with pytest.raises(RuntimeError, match="TRACKER_ENV"):
        create_app({"TRACKER_ENV": "staging", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("TRACKER_ENV", "prod")
    with pytest.raises(RuntimeError, match="TRACKER_ENV"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_from_the_environment_sets_secure_cookies(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")

    app = create_app()

    assert app.config["TRACKER_ENV"] == "production"
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_production_from_the_environment_refuses_the_default_key(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_app_settings_passed_to_create_app_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/from-environment.sqlite")

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


# DATABASE_URL ------------------------------------------------------------------------------------


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)

    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == url


def test_without_database_url_sqlite_in_the_instance_folder_with_wal(instance_folder):
    app = create_app({"SECRET_KEY": GOOD_KEY})

    expected = instance_folder / "tracker.sqlite"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{expected}"
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        finally:
            db.engine.dispose()
    assert journal_mode == "wal"
    assert busy_timeout == app.config["SQLITE_BUSY_TIMEOUT_MS"] > 0
    assert foreign_keys == 1
    assert Path(expected).exists()


def test_concurrent_read_then_write_transactions_on_sqlite_never_fail(instance_folder):
    """Several workers on one SQLite file: each transaction reads, then writes. With a deferred
    BEGIN the second writer fails at once with "database is locked"; BEGIN IMMEDIATE, WAL and the
    busy timeout make them queue instead, and no update is lost."""
    threads_count, transactions = 2, 50
    with scratch_database_url() as url:
        if not url.startswith("sqlite"):
            url = f"sqlite:///{instance_folder / 'concurrency.sqlite'}"
            instance_folder.mkdir(parents=True)
        app = create_app(app_settings(url))
        with app.app_context():
            db.session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
            db.session.execute(text("INSERT INTO counter (id, value) VALUES (1, 0)"))
            db.session.commit()

        errors: list[BaseException] = []
        start = threading.Barrier(threads_count)

        def worker():
            try:
                with app.app_context():
                    start.wait(timeout=10)
                    for _ in range(transactions):
                        value = db.session.execute(
                            text("SELECT value FROM counter WHERE id = 1")
                        ).scalar_one()
                        time.sleep(0.001)  # let the other worker try to write in between
                        db.session.execute(
                            text("UPDATE counter SET value = :value WHERE id = 1"),
                            {"value": value + 1},
                        )
                        db.session.commit()
                    db.session.remove()
            except BaseException as error:  # reported below, with the thread's traceback
                errors.append(error)

        workers = [threading.Thread(target=worker) for _ in range(threads_count)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=120)

        with app.app_context():
            final = db.session.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
            db.session.remove()
            db.engine.dispose()

    assert not any(thread.is_alive() for thread in workers)
    assert errors == []
    assert final == threads_count * transactions


def test_production_from_a_settings_dict_sets_secure_cookies():
    app = create_app(
        {
            "TRACKER_ENV": "production",
            "SECRET_KEY": GOOD_KEY,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
