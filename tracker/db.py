"""The database handle, the declarative base and the SQLite settings the tracker relies on."""

import enum
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, Enum, MetaData, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use tracker.db.utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    # A registry rather than class attributes: Flask-SQLAlchemy subclasses this base, and
    # SQLAlchemy 2.1 refuses a per-class type_annotation_map on such a subclass.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            # Statuses are StrEnums stored as their values in a VARCHAR, never a native enum.
            enum.StrEnum: Enum(
                enum.StrEnum,
                native_enum=False,
                create_constraint=False,
                length=32,
                values_callable=lambda e: [m.value for m in e],
            ),
            dict: JSON(),
            list: JSON(),
        },
    )


db = SQLAlchemy(model_class=Base)


class _WholeNumber(TypeDecorator):
    """What exact_sum answers, as a Python int of any size (None over no rows)."""

    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            high, _, low = value.partition(":")
            return int(high) * 2**32 + int(low or 0)
        return int(value)  # PostgreSQL: a NUMERIC (Decimal) that is a whole number


class exact_sum(FunctionElement):  # noqa: N801 - used like func.sum
    """SUM of a BIGINT money column, exact whatever the number of rows and however large the
    total: a Python int.

    PostgreSQL adds it as NUMERIC. SQLite has no exact type wider than 64 bits, and its SUM of
    integers stops with "integer overflow" (a CAST to NUMERIC stays an integer there, and TOTAL
    is a float): it adds the high and the low 32 bits of each value apart, as two sums that
    cannot overflow before 2^31 rows, and Python puts them together."""

    type = _WholeNumber()
    inherit_cache = True
    name = "exact_sum"


@compiles(exact_sum)
def _exact_sum_numeric(element, compiler, **kw):
    return f"sum(CAST({compiler.process(element.clauses, **kw)} AS NUMERIC))"


@compiles(exact_sum, "sqlite")
def _exact_sum_sqlite(element, compiler, **kw):
    value = compiler.process(element.clauses, **kw)
    # >> is an arithmetic shift: value = (value >> 32) * 2^32 + (value & 0xFFFFFFFF), sign and all.
    return f"(sum(({value}) >> 32) || ':' || sum(({value}) & 4294967295))"


def insert_many(model: type, rows: list[dict]) -> list[int]:
    """Insert many rows of `model` at once and return their new ids, in the rows' order.

    Core, not the ORM: a batch (an import) needs no object per row, and the ORM's bookkeeping
    of each would cost more than the INSERT itself. Column defaults apply as usual."""
    if not rows:
        return []
    table = model.__table__
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


MAX_ID = 2**31 - 1  # INTEGER primary keys: a larger id is a database error, not a 404

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the driver, open transactions, so that we choose the BEGIN (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms()}")
    cursor.close()


def _busy_timeout_ms() -> int:
    from flask import current_app

    try:
        return int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    except RuntimeError:
        return 15_000


# Set while a block that only reads runs inside a writing request or command (see `reading`).
_reading: ContextVar[bool] = ContextVar("tracker_reading", default=False)
_READ_ONLY = "_tracker_read_only"  # in `g`: the rest of this request only reads


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another worker wrote in between; IMMEDIATE takes the write lock up front and waits for
    # it (busy timeout). Page reads stay deferred so that they never queue behind writers.
    if _reading.get() or (
        has_request_context() and (request.method in READ_ONLY_METHODS or g.get(_READ_ONLY))
    ):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _end_transaction() -> None:
    """Commit what the session holds without expiring its objects: they stay loaded for what
    follows (thousands of records an import checked would otherwise be reloaded one by one)."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@contextmanager
def reading() -> Iterator[None]:
    """Run a block that only reads (an import reading and checking its whole file) in a
    transaction of its own that takes no write lock.

    A writing request takes SQLite's write lock at its first query (BEGIN IMMEDIATE, above) and
    holds it to the end, so every other writer queues behind its slowest part. Here what the
    request did so far is committed first (reads, and at most its API token's last use), the
    block runs in a deferred transaction that ends with it, and the writes that follow start a
    new, IMMEDIATE one: the services re-check there whatever may have changed in between (a
    version, a unique code, a pledge's totals). The same on PostgreSQL, so that both behave
    alike. The block must not write.
    """
    _end_transaction()
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)
        _end_transaction()


# PRAGMA optimize's mask: 0x02 analyses the tables that might benefit, 0x10000 (SQLite 3.46+)
# checks every table rather than only those this connection has queried (none, for a command
# just started), and 0x01 only lists the ANALYZE statements it would run.
SQLITE_OPTIMIZE_ALL_TABLES = 0x10002
SQLITE_OPTIMIZE_CHECKS_ALL_TABLES = (3, 46, 0)
# Rows ANALYZE samples per index (SQLite 3.32+): recent statistics in milliseconds at any size.
SQLITE_ANALYSIS_LIMIT = 1000


def optimize_database() -> list[str]:
    """Bring the query planner's statistics up to date; return the statements that did it (none
    when they were current).

    SQLite: `PRAGMA optimize`, which analyses only the tables whose statistics are missing or out
    of date. Before 3.46 it looks only at the tables its own connection has queried, which for a
    command just started is none: there `ANALYZE` itself runs, bounded by analysis_limit as
    optimize is. PostgreSQL: `ANALYZE` (autovacuum does it too, in its own time)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql("ANALYZE")
        return ["ANALYZE"]
    connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
    if sqlite3.sqlite_version_info < SQLITE_OPTIMIZE_CHECKS_ALL_TABLES:
        connection.exec_driver_sql("ANALYZE")
        return ["ANALYZE"]
    mask = SQLITE_OPTIMIZE_ALL_TABLES
    statements = list(connection.exec_driver_sql(f"PRAGMA optimize({mask | 0x01})").scalars())
    connection.exec_driver_sql(f"PRAGMA optimize({mask})")
    return statements


def read_only_from_now() -> None:
    """Open every further transaction of this request deferred: after a write failed on a lock,
    the error page (which loads the signed-in user) must not wait for the lock again."""
    setattr(g, _READ_ONLY, True)


def is_lock_timeout(error: BaseException | None) -> bool:
    """Whether `error` is the database giving up waiting for a lock: SQLite's "database is
    locked" after the busy timeout, or PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.orig, "sqlstate", None) == "55P03":
        return True
    return isinstance(error.orig, sqlite3.OperationalError) and "locked" in str(error.orig)


class StaleVersionError(Exception):
    """Someone else saved this record since it was loaded for editing."""

    def __init__(self, record, expected_version: int | None):
        super().__init__(
            f"This record was changed by someone else (version {record.version}, "
            f"you edited version {expected_version}). Review the current values and save again."
        )
        self.record = record
        self.expected_version = expected_version


def check_version(record, expected_version: int | None) -> None:
    """Refuse an edit made on an older version of the record (optimistic locking)."""
    if expected_version != record.version:
        raise StaleVersionError(record, expected_version)


def is_unique_violation(error: IntegrityError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(error.orig)


@contextmanager
def guarded_write(
    *, duplicate: Exception, record: "db.Model | None" = None, version: int | None = None
) -> Iterator[None]:
    """Run the block's writes in a savepoint and turn the database's refusals into clear errors.

    Services check for duplicates and stale versions first, but two writers can pass those checks
    at once (PostgreSQL runs them concurrently): then the unique constraint or the version column
    decides, the savepoint is rolled back, and the loser gets `duplicate` or a StaleVersionError.
    Start it before changing anything: opening a savepoint flushes what is pending.
    """
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise duplicate from exc
    except StaleDataError as exc:
        raise StaleVersionError(record, version) from exc
