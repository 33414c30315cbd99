"""Structured logs: JSON lines on stderr, one per request, with a request id, and warnings for
slow requests and slow queries.

Each request gets an id: a valid `X-Request-ID` it came with (a proxy's), else a new one; it is
sent back in `X-Request-ID` and carried by every line the request logs. The request's line
names its route pattern (`/feed/<feed_token>.ics`), never the path, which may hold a calendar
feed token; the query string is never logged either. A request slower than SLOW_REQUEST_MS is
logged at WARNING instead of INFO; a query of a request slower than SLOW_QUERY_MS gets a WARNING
line of its own, with the route and the statement (its placeholders, never its values).
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id may be: a UUID, a hex or base64url token, a proxy's dotted id. Anything else
# (too long, spaces, quotes, control characters) is replaced, so that no client writes the log.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Load balancers ask these every few seconds: their lines would drown the rest, so they are
# logged only when they fail (and /healthz, the benchmarks' yardstick, costs nothing more).
PROBES = {"/healthz", "/readyz"}

request_log = logging.getLogger("tracker.requests")
query_log = logging.getLogger("tracker.sql")

# The fields a record may carry besides its message, in the order a line shows them.
FIELDS = ("method", "route", "status", "duration_ms", "request_id", "user_id", "statement")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if (value := getattr(record, name, None)) is not None:
                line[name] = value
        if "request_id" not in line and has_request_context():
            line["request_id"] = g.get("request_id")
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner swaps it), not to the one
    there was when the app started."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass  # always the current sys.stderr


def init_app(app: Flask) -> None:
    """JSON lines for the `tracker` logger (Flask's app.logger) and the request hooks."""
    logger = logging.getLogger("tracker")
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        logger.addHandler(StderrHandler())  # before app.logger: Flask then adds no handler
    logger.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def start_request_log() -> None:
        if request.path in PROBES:
            return  # the yardstick of the benchmarks must stay trivial
        g.request_started = time.perf_counter()
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        if request.path in PROBES and response.status_code < 400:
            return response
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")  # None for a probe, or if refused before this hook
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        slow = duration is not None and duration > app.config["SLOW_REQUEST_MS"]
        route = request.url_rule.rule if request.url_rule is not None else None
        request_log.log(
            logging.WARNING if slow else logging.INFO,
            "slow request" if slow else "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration, 1) if duration is not None else None,
                "request_id": request_id,
                "user_id": signed_in_user_id(),
            },
        )
        return response


def signed_in_user_id() -> int | None:
    """The id of the user this request signed in, if it loaded one; never a query (so never
    slower for routes that do not load the user, and never the write lock after a commit)."""
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is None or state.identity is None:
        return None  # anonymous
    return state.identity[0]


@event.listens_for(Engine, "before_cursor_execute")
def _start_query(conn, cursor, statement, parameters, context, executemany):
    conn.info["tracker_query_started"] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _end_query(conn, cursor, statement, parameters, context, executemany):
    if not has_request_context():
        return  # commands and scripts do bulk work on purpose: only requests are watched
    duration = (time.perf_counter() - conn.info["tracker_query_started"]) * 1000
    if duration > current_app.config["SLOW_QUERY_MS"]:
        query_log.warning(
            "slow query",
            extra={
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule is not None else None,
                "duration_ms": round(duration, 1),
                "request_id": g.get("request_id"),
                "statement": " ".join(statement.split())[:500],
            },
        )
