"""Security headers on every GET route, and error pages that say nothing about the inside."""

import pytest
from flask import abort
from sqlalchemy import text

from tests.conftest import create_test_app
from tests.security import walk
from tests.security.checks import header_problems, leak_problems
from tests.security.conftest import sign_in, sign_in_on_the_page
from tests.security.routes import CACHEABLE
from tracker.db import db

GETS = walk.get_routes()


@pytest.mark.parametrize("route", GETS, ids=str)
def test_every_get_route_sends_the_security_headers(route, sec_app, world):
    for signed_in in (False, True):
        client = sec_app.test_client()
        headers = {}
        if signed_in and route.is_api:
            headers = world.bearer
        elif signed_in:
            sign_in(client, world)
        with client.get(walk.url_of(route, world), headers=headers) as response:
            private = signed_in and route.endpoint not in CACHEABLE
            problems = header_problems(response, signed_in=private)
        who = "signed in" if signed_in else "anonymous"
        assert not problems, f"{route} {who} ({response.status}): {problems}"


def test_session_cookie_is_httponly_and_samesite(sec_app, world):
    client = sec_app.test_client()
    world.restore()
    sign_in_on_the_page(client, world.admin)  # the cookie as the server sets it
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


SECRET = "secret-detail /work/main/tracker/x.py SELECT password_hash FROM users"


@pytest.fixture
def error_app(app, database_url):
    """A throwaway app with routes that fail in each way (never part of the real app)."""
    broken = create_test_app(database_url)

    @broken.get("/__test__/crash")
    def crash():
        raise RuntimeError(SECRET)

    @broken.get("/__test__/bad-sql")
    def bad_sql():
        db.session.execute(text("SELECT password_hash FROM no_such_table"))

    @broken.get("/__test__/conflict")
    def conflict():
        abort(409)

    @broken.get("/api/v1/__test__/crash")
    def api_crash():
        raise RuntimeError(SECRET)

    yield broken
    with broken.app_context():
        db.engine.dispose()


ERRORS = [
    ("/no/such/page", "admin", 404, "Not found"),
    ("/plans/BP-CFA-2019/action-points/new", "viewer", 403, "Not allowed"),
    ("/__test__/conflict", "admin", 409, "Conflict"),
    ("/__test__/crash", "admin", 500, "Something went wrong"),
    ("/__test__/bad-sql", "admin", 500, "Something went wrong"),
    ("/__test__/crash", "anonymous", 500, "Something went wrong"),
    ("/api/v1/__test__/crash", "anonymous", 500, "server_error"),
    ("/api/v1/no-such-thing", "anonymous", 404, "not_found"),
    ("/plans/", "anonymous-post", 405, "Method Not Allowed"),
]


@pytest.mark.parametrize(("path", "caller", "status", "says"), ERRORS)
def test_error_answers_are_generic(path, caller, status, says, error_app, world):
    client = error_app.test_client()
    if caller in ("admin", "viewer"):
        sign_in(client, world, getattr(world, caller))
    method = "POST" if caller == "anonymous-post" else "GET"
    response = client.open(path, method=method)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert says in body
    assert not leak_problems(body, SECRET, "no_such_table", "RuntimeError"), body
    assert not header_problems(response, signed_in=caller in ("admin", "viewer"))
    if path.startswith("/api/"):
        assert response.is_json and set(response.get_json()) == {"error"}
    else:
        assert response.mimetype == "text/html"
