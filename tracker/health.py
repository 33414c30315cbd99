"""Readiness: may this app server take requests? The database answers, its schema is at the
migrations' head, and the upload storage keeps files. `/readyz` reports it for load balancers;
`/healthz` stays the trivial liveness probe (it must not touch the database)."""

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.db import db

log = logging.getLogger("tracker.health")


def _migration_heads() -> set[str]:
    """The head revisions of the migrations shipped with this code, read once per process."""
    heads = current_app.extensions.get("tracker_migration_heads")
    if heads is None:
        from tracker import MIGRATIONS_DIR

        heads = set(ScriptDirectory(MIGRATIONS_DIR).get_heads())
        current_app.extensions["tracker_migration_heads"] = heads
    return heads


def check_database() -> str | None:
    db.session.execute(text("SELECT 1"))
    return None


def check_migrations() -> str | None:
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    if current != _migration_heads():
        return "the database is not at the migrations' head: run `tracker db upgrade`"
    return None


def check_storage() -> str | None:
    from tracker.uploads.services import check_writable

    check_writable()
    return None


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check: (all passed, {check: "ok" or what is wrong}). What is wrong is said in
    general terms (the page is public); the details go to the log."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "not checked: the database does not answer"
            continue
        try:
            problem = check()
        except (SQLAlchemyError, OSError) as error:
            db.session.rollback()
            log.warning("Readiness check %s failed: %s", name, error)
            problem = {
                "database": "the database does not answer",
                "migrations": "the migrations could not be read",
                "storage": "the upload storage cannot keep files",
            }[name]
        results[name] = problem or "ok"
    return all(value == "ok" for value in results.values()), results
