"""Fixtures of the attack tests: apps that serve requests in sessions of their own (as in
production, each request's session is removed at its end), a World of records, signed-in clients,
and the hypothesis profiles."""

import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, seed, settings

from tests.conftest import TEST_DATABASE_URL, create_test_app, shared_data
from tests.security.routes import PASSWORD, World
from tracker.auth.models import User
from tracker.db import db

settings.register_profile(
    "security",
    max_examples=25,
    deadline=None,
    print_blob=True,
    database=None,  # nothing written into the working tree; print_blob says how to replay
    # Each example checks the database before and after itself, so a test's fixtures may be
    # shared by all its examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("security-ci", parent=settings.get_profile("security"), derandomize=True)


def fuzz_settings() -> settings:
    """Random examples at a desk; the same examples every run in CI, so a red run reproduces."""
    return settings.get_profile("security-ci" if os.environ.get("CI") else "security")


def fuzz_seed(route) -> Callable:
    """In CI, a seed of the route and the database under test. derandomize alone gives every
    route's test one seed (they share their source) and both databases the same examples; with
    this, each database's run tries examples of its own, and a red run still reproduces."""
    if not os.environ.get("CI"):
        return lambda test: test  # random examples
    backend = (
        sa.engine.make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"
    )
    return seed(zlib.crc32(f"{backend} {route}".encode()))


def _request_app(app, database_url, **overrides):
    # A second app on the test database: its requests push their own app context, so they get a
    # session of their own on the test's connection, removed (rolled back) when the request ends.
    # The test's own session (db.session in the test) reads what they committed.
    del app  # the session app builds the schema first
    request_app = create_test_app(database_url, **overrides)
    yield request_app
    with request_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def sec_app(app, database_url):
    yield from _request_app(app, database_url)


@pytest.fixture(scope="session")
def csrf_app(app, database_url):
    yield from _request_app(app, database_url, WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="module")
def shared_world(app, sec_app):
    """One World per module, built once: building it takes longer than most tests. Its admin
    and its viewer sign in once too (see sign_in)."""

    def build() -> World:
        world = World().build()
        world.sessions = {}
        for user in (world.admin, world.viewer):
            client = sec_app.test_client()
            sign_in_on_the_page(client, user)
            cookie = client.get_cookie(sec_app.config["SESSION_COOKIE_NAME"])
            world.sessions[user.id] = SignedIn(cookie.key, cookie.value, _session_version(user))
        return world

    with shared_data(app, build) as shared:
        yield shared


@pytest.fixture(autouse=True)
def shared_connection(shared_world):
    """Every test here runs in a savepoint of the world's transaction (see db_session): it sees
    the world as built, and nothing that another test wrote."""
    return shared_world[0]


@pytest.fixture
def world(shared_world, db_session):
    """The module's World, its records read again in the test's own session."""
    return shared_world[1].reloaded()


_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client) -> str | None:
    """The CSRF token of the client's session, as a page form carries it (None: CSRF is off)."""
    page = client.get("/auth/sign-in", follow_redirects=True)  # signed in: the plans page
    match = _CSRF_INPUT.search(page.get_data(as_text=True))
    return match[1] if match else None


@dataclass(frozen=True)
class SignedIn:
    """A session cookie of a user's, made by signing in on the page when the world was built."""

    cookie_name: str
    value: str
    session_version: int  # the user's when it was made: a higher one has ended the session


def sign_in(client, world: World, user=None) -> None:
    """Sign the client in as `user` (the admin by default): with the cookie of the sign-in the
    module made when it built the world (each test's writes are rolled back, so it stays good),
    unless the user's sessions have ended since (a password change, say); then through the real
    sign-in page. Signing in takes two requests: a thousand tests do it."""
    user = user or world.admin
    world.restore()
    signed_in = getattr(world, "sessions", {}).get(user.id)
    if signed_in and signed_in.session_version == _session_version(user):
        client.set_cookie(signed_in.cookie_name, signed_in.value)
        return
    sign_in_on_the_page(client, user)


def _session_version(user) -> int:
    return db.session.scalar(sa.select(User.session_version).where(User.id == user.id))


def sign_in_on_the_page(client, user) -> None:
    """Sign in through the real sign-in page (with its CSRF token when the app wants one)."""
    data = {"email": user.email, "password": PASSWORD}
    if token := csrf_token(client):
        data["csrf_token"] = token
    response = client.post("/auth/sign-in", data=data)
    assert response.status_code == 302, f"sign-in as {user.email} failed: {response.status}"


@pytest.fixture
def admin_client(sec_app, world):
    client = sec_app.test_client()
    sign_in(client, world)
    return client
