"""Health and logs (issue 13, operations): /healthz stays trivial, /readyz checks what a load
balancer needs, and every request leaves one JSON line with its route (never its path), status,
duration, request id and user; slow requests and slow queries are warnings."""

import json
import logging

import pytest
from sqlalchemy import event, text

from config import from_environ
from tests import factories
from tests.conftest import create_test_app
from tracker.auth import services as auth_services
from tracker.db import db
from tracker.logs import JsonFormatter

PLAN_PAGE = "/plans/BP-CFA-2019"


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracker.requests"]


def as_json(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def all_log_text(caplog) -> str:
    """Every line as it is written: the JSON of each record, with its fields."""
    return "\n".join(JsonFormatter().format(r) for r in caplog.records)


# /healthz and /readyz -----------------------------------------------------------------------


def test_healthz_stays_trivial_no_query_and_no_log_line(app, client, caplog):
    queries = []
    listener = lambda *args: queries.append(args[2])  # noqa: E731

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    caplog.clear()
    try:
        with caplog.at_level(logging.INFO):
            response = client.get("/healthz")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)

    assert response.get_json() == {"status": "ok"}
    assert queries == []
    assert request_lines(caplog) == []  # load balancers probe it every few seconds


def test_readyz_reports_each_check_when_ready(client, storage):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_not_ready_when_the_database_is_behind_the_migrations(client):
    db.session.execute(text("UPDATE alembic_version SET version_num = '724939cd4301'"))

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert "tracker db upgrade" in body["checks"]["migrations"]
    assert body["checks"]["database"] == "ok"


def test_readyz_is_not_ready_when_the_upload_storage_cannot_keep_files(
    app, client, monkeypatch, tmp_path, caplog
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the upload folder should be")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocked))

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["checks"]["storage"] == "the upload storage cannot keep files"
    assert str(blocked) not in response.get_data(as_text=True)  # the details go to the log
    assert str(blocked) in caplog.text
    assert [r.status for r in request_lines(caplog)] == [503]  # a failing probe is logged


@pytest.mark.no_db_session
def test_readyz_is_not_ready_when_the_database_does_not_answer(tmp_path):
    app = create_test_app(f"sqlite:///{tmp_path / 'missing-folder' / 'tracker.sqlite'}")

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "the database does not answer"
    assert checks["migrations"].startswith("not checked")
    with app.app_context():
        db.engine.dispose()


# One JSON line per request ------------------------------------------------------------------


def test_each_request_is_one_json_line_with_route_status_duration_request_id_and_user(
    client, login, caplog
):
    user = login.as_role("viewer")

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        response = client.get(PLAN_PAGE)

    [record] = request_lines(caplog)
    line = as_json(record)
    assert line["level"] == "INFO"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/plans/<code>", 200)
    assert line["user_id"] == user.id
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "BP-CFA-2019" not in JsonFormatter().format(record)  # the pattern, not the path


def test_an_anonymous_request_and_an_unknown_path_are_logged_without_user_or_route(client, caplog):
    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        client.get("/no/such/page/secret-looking-part")

    [line] = [as_json(r) for r in request_lines(caplog)]
    assert (line["status"], line.get("route"), line.get("user_id")) == (404, None, None)
    assert "secret-looking-part" not in all_log_text(caplog)


def test_an_api_request_names_the_token_user(client, api, caplog):
    user = api.as_role("viewer")

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        api.get("/api/v1/plans")

    [line] = [as_json(r) for r in request_lines(caplog)]
    assert (line["route"], line["user_id"]) == ("/api/v1/plans", user.id)


def test_a_valid_incoming_request_id_is_kept_and_returned(client, caplog):
    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        response = client.get("/auth/sign-in", headers={"X-Request-ID": "lb-7f3a.42:1"})

    assert response.headers["X-Request-ID"] == "lb-7f3a.42:1"
    assert as_json(request_lines(caplog)[0])["request_id"] == "lb-7f3a.42:1"


@pytest.mark.parametrize(
    "given", ["", "has spaces", 'quote"and\\slash', "x" * 129, "tab\there", "{json}", "é"]
)
def test_an_invalid_incoming_request_id_is_replaced_by_a_new_one(client, caplog, given):
    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        response = client.get("/auth/sign-in", headers={"X-Request-ID": given})

    request_id = response.headers["X-Request-ID"]
    assert request_id != given and len(request_id) == 32
    assert as_json(request_lines(caplog)[0])["request_id"] == request_id


def test_a_calendar_feed_token_in_the_path_never_reaches_the_log(client, caplog):
    user = factories.make_user(role="viewer")
    _, plain = auth_services.create_calendar_feed(user, by="tests")
    db.session.commit()

    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        good = client.get(f"/meetings/feed/{plain}.ics")
        wrong = client.get(f"/meetings/feed/{plain[:-4]}XXXX.ics")

    assert (good.status_code, wrong.status_code) == (200, 404)
    routes = [as_json(r)["route"] for r in request_lines(caplog)]
    assert routes == ["/meetings/feed/<feed_token>.ics"] * 2
    written = all_log_text(caplog)
    assert plain not in written and plain[:-4] not in written


# Slow requests and slow queries --------------------------------------------------------------


def test_a_slow_request_is_logged_at_warning_with_its_route(
    app, client, login, monkeypatch, caplog
):
    login.as_role("viewer")
    monkeypatch.setitem(app.config, "SLOW_REQUEST_MS", 0)

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        client.get(PLAN_PAGE)

    [record] = request_lines(caplog)
    assert (record.levelno, record.getMessage()) == (logging.WARNING, "slow request")
    assert as_json(record)["route"] == "/plans/<code>"


def test_a_fast_request_is_logged_at_info(client, login, caplog):
    login.as_role("viewer")

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        client.get(PLAN_PAGE)

    assert [r.levelno for r in request_lines(caplog)] == [logging.INFO]


def test_a_slow_query_is_logged_at_warning_with_its_route_and_without_its_values(
    app, client, login, monkeypatch, caplog
):
    login.as_role("viewer")
    monkeypatch.setitem(app.config, "SLOW_QUERY_MS", 0)  # every query counts as slow

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        response = client.get(PLAN_PAGE)

    slow = [as_json(r) for r in caplog.records if r.name == "tracker.sql"]
    assert slow and all(line["level"] == "WARNING" for line in slow)
    assert {line["route"] for line in slow} == {"/plans/<code>"}
    assert {line["request_id"] for line in slow} == {response.headers["X-Request-ID"]}
    assert any("FROM plans" in line["statement"] for line in slow)
    assert not any("BP-CFA-2019" in line["statement"] for line in slow)


def test_no_query_is_reported_slow_under_the_threshold(client, login, caplog):
    login.as_role("viewer")

    caplog.clear()  # what set the test up was logged too
    with caplog.at_level(logging.INFO):
        client.get(PLAN_PAGE)

    assert [r for r in caplog.records if r.name == "tracker.sql"] == []


def test_the_log_settings_come_from_the_environment():
    settings = from_environ(
        {"SLOW_REQUEST_MS": "2500", "SLOW_QUERY_MS": "50", "LOG_LEVEL": "warning"}
    )
    assert (settings["SLOW_REQUEST_MS"], settings["SLOW_QUERY_MS"]) == (2500, 50)
    assert settings["LOG_LEVEL"] == "WARNING"
    assert from_environ({"SLOW_QUERY_MS": "fast", "LOG_LEVEL": "LOUD"}) == {}
