"""Failed tokens are throttled per address, as sign-ins are (tracker/auth/throttle.py): after
TOKEN_MAX_FAILURES_PER_ADDRESS failures from one address in the window, every request from it
that presents a token gets 429 with Retry-After, checking nothing; other addresses go on."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.api.test_basics import assert_error
from tests.conftest import build_schema, create_test_app
from tracker.audit.models import AuditEvent
from tracker.auth import services
from tracker.auth.models import ApiToken, SignInAttempt
from tracker.db import db, utcnow

LIMIT = 4
HERE = "203.0.113.9"
ELSEWHERE = "198.51.100.7"
WRONG = "bpt_" + "x" * 40


@pytest.fixture(autouse=True)
def small_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_MAX_FAILURES_PER_ADDRESS", LIMIT)


def api_get(client, token: str | None, address: str = HERE, url: str = "/api/v1/plans"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers, environ_base={"REMOTE_ADDR": address})


def token_failures() -> int:
    return db.session.scalar(
        select(func.count()).select_from(SignInAttempt).where(SignInAttempt.email == "(token)")
    )


def make_token() -> tuple[str, int]:
    token, plain = services.create_token(factories.make_user(role="viewer"), by="tests")
    db.session.commit()
    return plain, token.id


def test_after_the_limit_even_a_valid_token_from_that_address_gets_429_and_is_not_checked(client):
    plain, token_id = make_token()
    for _ in range(LIMIT):
        assert_error(api_get(client, WRONG), 401)

    refused = api_get(client, plain)

    error = assert_error(refused, 429, "too_many_requests")
    assert "Too many failed tokens from this address" in error["message"]
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert db.session.get(ApiToken, token_id).last_used_at is None  # nothing was checked
    assert token_failures() == LIMIT  # a refused request is not counted


def test_a_valid_token_from_another_address_still_works(client):
    plain, _ = make_token()
    for _ in range(LIMIT):
        api_get(client, WRONG, HERE)
    assert api_get(client, plain, HERE).status_code == 429

    assert api_get(client, plain, ELSEWHERE).status_code == 200
    assert api_get(client, WRONG, ELSEWHERE).status_code == 401  # and is counted there alone


def test_retry_after_is_when_the_failure_completing_the_limit_leaves_the_window(client):
    plain, _ = make_token()
    for _ in range(LIMIT):
        api_get(client, WRONG)
    # Move the failures back: the oldest 16 minutes ago (out of the window), the rest 10.
    rows = db.session.scalars(select(SignInAttempt).order_by(SignInAttempt.id)).all()
    now = utcnow()
    rows[0].occurred_at = now - timedelta(minutes=16)
    for row in rows[1:]:
        row.occurred_at = now - timedelta(minutes=10)
    db.session.commit()
    assert api_get(client, plain).status_code == 200  # three in the window: under the limit

    api_get(client, WRONG)
    refused = api_get(client, plain)
    assert refused.status_code == 429
    assert 4 * 60 < int(refused.headers["Retry-After"]) <= 5 * 60  # the 10-minute-old ones go

    for row in db.session.scalars(select(SignInAttempt)):
        row.occurred_at -= timedelta(minutes=6)
    db.session.commit()
    assert api_get(client, plain).status_code == 200


def test_requests_without_a_token_are_not_counted_but_are_refused_while_throttled(client):
    for _ in range(LIMIT + 2):
        assert_error(api_get(client, None), 401)
    assert token_failures() == 0
    for _ in range(LIMIT):
        api_get(client, WRONG)
    assert api_get(client, None).status_code == 429


def test_the_lock_is_audited_once_with_the_address(client):
    for _ in range(LIMIT + 3):
        api_get(client, WRONG)
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "token_throttled")
    ).all()
    assert event.address == HERE and event.agent == "anonymous"
    assert f"{LIMIT} failed" in event.summary


def test_failed_calendar_feed_addresses_count_and_are_refused_the_same_way(client):
    user = factories.make_user(role="viewer")
    _, feed_plain = services.create_calendar_feed(user, by="tests")
    db.session.commit()
    url = f"/meetings/feed/{feed_plain}.ics"
    assert client.get(url, environ_base={"REMOTE_ADDR": HERE}).status_code == 200
    for _ in range(LIMIT):
        response = client.get("/meetings/feed/bpf_guess.ics", environ_base={"REMOTE_ADDR": HERE})
        assert response.status_code == 404

    refused = client.get(url, environ_base={"REMOTE_ADDR": HERE})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert api_get(client, WRONG).status_code == 429  # one count for every kind of token
    assert client.get(url, environ_base={"REMOTE_ADDR": ELSEWHERE}).status_code == 200


def test_failed_tokens_do_not_lock_sign_ins_from_the_address_nor_the_other_way(
    app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGN_IN_MAX_FAILURES_PER_ADDRESS", 3)
    password = "a-long-test-password"
    user = factories.make_user(password=password)
    db.session.commit()
    for _ in range(LIMIT):
        api_get(client, WRONG)
    assert services.authenticate(user.email, password, address=HERE) == user

    for i in range(3):
        services.authenticate(f"nobody{i}@example.org", "wrong-password!", address=ELSEWHERE)
    with pytest.raises(services.SignInThrottled):
        services.authenticate(user.email, password, address=ELSEWHERE)
    plain, _ = make_token()
    assert api_get(client, plain, ELSEWHERE).status_code == 200


@pytest.mark.no_db_session
def test_failed_tokens_count_across_two_workers_sharing_the_database(scratch_app):
    build_schema(scratch_app)
    other_worker = create_test_app(scratch_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        for worker in (scratch_app, other_worker):
            worker.config["TOKEN_MAX_FAILURES_PER_ADDRESS"] = LIMIT
        with scratch_app.app_context():
            plain, _ = make_token()
        clients = [scratch_app.test_client(), other_worker.test_client()]
        for i in range(LIMIT):  # the guesses alternate between the two workers
            assert api_get(clients[i % 2], WRONG).status_code == 401

        assert api_get(clients[0], plain).status_code == 429
        assert api_get(clients[1], plain).status_code == 429
        assert api_get(clients[1], plain, ELSEWHERE).status_code == 200
    finally:
        with other_worker.app_context():
            db.session.remove()
            db.engine.dispose()
