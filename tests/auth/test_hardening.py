"""Sign-in hardening: throttling kept in the database, the password policy, sessions renewed at
sign-in and ended by sign-out, password changes, deactivation and timeouts, and the audit trail
of all of it."""

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import build_schema, create_test_app
from tracker import create_app
from tracker.audit.models import AuditEvent
from tracker.auth import services, sessions, throttle
from tracker.auth.models import SignInAttempt, User
from tracker.db import db, utcnow

PASSWORD = "a-long-test-password"
HERE = "203.0.113.9"
ELSEWHERE = "198.51.100.7"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def fail(email: str, address: str = HERE, *, now=None, times: int = 1) -> None:
    for _ in range(times):
        assert services.authenticate(email, "wrong-password!", address=address, now=now) is None


def sign_in_page(client, email: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        "/auth/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


# Throttling --------------------------------------------------------------------------------------


def test_fifth_failure_refuses_even_the_right_password_with_429(client):
    user = factories.make_user(password=PASSWORD)
    for _ in range(5):
        assert sign_in_page(client, user.email, "wrong-password!").status_code == 200

    response = sign_in_page(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed attempts. Wait 15 minutes, then try again." in response.text
    assert response.headers["Retry-After"] == "900"
    assert client.get("/plans/").status_code == 302  # not signed in
    assert count(SignInAttempt, SignInAttempt.email == user.email) == 5  # the 6th checked nothing
    assert events("sign_in") == []


def test_lock_on_one_address_leaves_the_owner_free_elsewhere():
    user = factories.make_user(password=PASSWORD)
    fail(user.email, HERE, times=5)

    with pytest.raises(services.SignInThrottled):
        services.authenticate(user.email, PASSWORD, address=HERE)
    assert services.authenticate(user.email, PASSWORD, address=ELSEWHERE) == user


def test_address_limit_refuses_every_account_from_that_address():
    victims = [factories.make_user() for _ in range(8)]
    for i in range(30):
        fail(victims[i % 8].email, HERE)
    fresh = factories.make_user(password=PASSWORD)

    with pytest.raises(services.SignInThrottled):
        services.authenticate(fresh.email, PASSWORD, address=HERE)
    assert services.authenticate(fresh.email, PASSWORD, address=ELSEWHERE) == fresh


def test_account_limit_refuses_new_addresses_but_not_those_it_signed_in_from(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 6)
    user = factories.make_user(password=PASSWORD)
    assert services.authenticate(user.email, PASSWORD, address=HERE) == user
    for i in range(6):  # a botnet: one guess from each of many addresses
        fail(user.email, f"192.0.2.{i + 1}")

    with pytest.raises(services.SignInThrottled):
        services.authenticate(user.email, PASSWORD, address="192.0.2.200")
    assert services.authenticate(user.email, PASSWORD, address=HERE) == user


def test_the_window_slides_so_a_lock_ends_after_15_minutes():
    user = factories.make_user(password=PASSWORD)
    start = utcnow() - timedelta(hours=1)
    fail(user.email, now=start, times=5)

    with pytest.raises(services.SignInThrottled):
        services.authenticate(user.email, PASSWORD, address=HERE, now=start + timedelta(minutes=14))
    later = start + timedelta(minutes=15, seconds=1)
    assert services.authenticate(user.email, PASSWORD, address=HERE, now=later) == user


def test_knocking_while_locked_does_not_make_the_lock_longer():
    user = factories.make_user(password=PASSWORD)
    start = utcnow() - timedelta(hours=1)
    fail(user.email, now=start, times=5)
    for minute in range(1, 15):  # the attacker keeps trying, once a minute
        with pytest.raises(services.SignInThrottled):
            services.authenticate(
                user.email, "guess", address=HERE, now=start + timedelta(minutes=minute)
            )

    later = start + timedelta(minutes=15, seconds=1)
    assert services.authenticate(user.email, PASSWORD, address=HERE, now=later) == user


def test_unknown_email_is_counted_and_refused_in_the_same_words(client):
    real = factories.make_user(password=PASSWORD)
    answers = {}
    for email in (real.email, "nobody@example.org"):
        pages = [sign_in_page(client, email, "wrong-password!") for _ in range(6)]
        answers[email] = [
            (page.status_code, re.findall(r'role="alert">([^<]+)<', page.text)) for page in pages
        ]
    assert answers[real.email] == answers["nobody@example.org"]
    assert answers[real.email][0] == (200, ["Wrong email or password."])
    assert answers[real.email][5][0] == 429


def test_email_is_counted_as_normalised():
    user = factories.make_user(password=PASSWORD)
    for variant in (
        user.email.upper(),
        f"  {user.email} ",
        user.email.title(),
        user.email,
        "\t" + user.email,
    ):
        fail(variant)
    with pytest.raises(services.SignInThrottled):
        services.authenticate(user.email, PASSWORD, address=HERE)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", "unknown"),
        (None, "unknown"),
        ("not an address", "unknown"),
        ("1.2.3.4\x00", "unknown"),
    ],
)
def test_addresses_are_counted_by_ipv4_address_or_ipv6_64_network(address, key):
    assert throttle.address_key(address) == key


def test_one_ipv6_subscriber_cannot_dodge_the_limit_by_changing_addresses():
    user = factories.make_user(password=PASSWORD)
    for i in range(5):
        fail(user.email, f"2001:db8:1:2::{i + 1}")
    with pytest.raises(services.SignInThrottled):
        services.authenticate(user.email, PASSWORD, address="2001:db8:1:2:ffff::1")
    assert services.authenticate(user.email, PASSWORD, address="2001:db8:1:3::1") == user


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(client):
    user = factories.make_user(password=PASSWORD)
    for i in range(5):
        client.post(
            "/auth/sign-in",
            data={"email": user.email, "password": "wrong-password!"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        )
    response = client.post(
        "/auth/sign-in",
        data={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.99"},
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database_url):
    app = create_test_app(database_url, TRUSTED_PROXY_COUNT=1)
    user = factories.make_user(password=PASSWORD)
    client = app.test_client()
    for _ in range(5):
        client.post(
            "/auth/sign-in",
            data={"email": user.email, "password": "wrong-password!"},
            headers={"X-Forwarded-For": "192.0.2.1"},
        )
    elsewhere = client.post(
        "/auth/sign-in",
        data={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.2"},
    )
    assert elsewhere.status_code == 302
    assert {e.address for e in events("sign_in_failed")} == {"192.0.2.1"}


def test_old_attempts_are_deleted_when_an_attempt_is_recorded():
    now = utcnow()
    for age, succeeded in [(timedelta(days=2), False), (timedelta(days=40), True)]:
        db.session.add(
            SignInAttempt(
                email="old@x.org", address=HERE, succeeded=succeeded, occurred_at=now - age
            )
        )
    db.session.add(
        SignInAttempt(
            email="kept@x.org", address=HERE, succeeded=True, occurred_at=now - timedelta(days=10)
        )
    )
    db.session.flush()

    fail("someone@example.org", now=now)

    assert count(SignInAttempt, SignInAttempt.email == "old@x.org") == 0
    assert count(SignInAttempt, SignInAttempt.email == "kept@x.org") == 1


@pytest.mark.no_db_session
def test_throttle_holds_across_two_workers_sharing_the_database(scratch_app):
    build_schema(scratch_app)
    other_worker = create_test_app(scratch_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with scratch_app.app_context():
            email = factories.make_user(password=PASSWORD).email
            db.session.commit()
        clients = [scratch_app.test_client(), other_worker.test_client()]
        for i in range(5):
            assert sign_in_page(clients[i % 2], email, "wrong-password!").status_code == 200

        assert sign_in_page(clients[0], email, PASSWORD).status_code == 429
        assert sign_in_page(clients[1], email, PASSWORD).status_code == 429
        with scratch_app.app_context():  # the failed requests committed their audit events
            assert len(events("sign_in_failed")) == 5
            assert len(events("sign_in_throttled")) == 1
    finally:
        with other_worker.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.no_db_session
def test_concurrent_guesses_never_get_past_the_limit(scratch_app):
    build_schema(scratch_app)
    with scratch_app.app_context():
        email = factories.make_user(password=PASSWORD).email
        db.session.commit()
    statuses = []

    def guess():
        statuses.append(
            sign_in_page(scratch_app.test_client(), email, "wrong-password!").status_code
        )

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] * 5 + [429] * 5
    with scratch_app.app_context():
        assert count(SignInAttempt, SignInAttempt.email == email) == 5


# Audit of sign-ins -------------------------------------------------------------------------------


def test_failed_sign_in_is_audited_and_kept_though_the_request_fails(client):
    user = factories.make_user(password=PASSWORD)
    sign_in_page(client, user.email, "wrong-password!", address=HERE)
    sign_in_page(client, "ghost@example.org", "wrong-password!", address=ELSEWHERE)

    known, unknown = events("sign_in_failed")
    assert (known.entity_type, known.entity_id, known.address) == ("users", user.id, HERE)
    assert known.user_id is None and known.agent == "anonymous"
    assert (unknown.entity_type, unknown.entity_id, unknown.address) == (None, None, ELSEWHERE)
    assert "ghost@example.org" in unknown.summary


def test_successful_sign_in_is_audited_with_its_address_and_time(client):
    user = factories.make_user(password=PASSWORD)
    sign_in_page(client, user.email, PASSWORD, address=HERE)

    (event,) = events("sign_in")
    assert (event.user_id, event.entity_id, event.address) == (user.id, user.id, HERE)
    assert db.session.get(User, user.id).last_sign_in_at is not None


def test_a_lock_is_audited_once_not_once_per_refused_attempt():
    user = factories.make_user(password=PASSWORD)
    fail(user.email, times=5)
    for _ in range(20):
        with pytest.raises(services.SignInThrottled):
            services.authenticate(user.email, PASSWORD, address=HERE)

    (lock,) = events("sign_in_throttled")
    assert lock.entity_id == user.id and lock.address == HERE
    assert "from this address" in lock.summary
    assert len(events("sign_in_failed")) == 5


# Password policy ---------------------------------------------------------------------------------


def test_common_password_list_is_shipped_and_read_once():
    services.common_passwords.cache_clear()
    first = services.common_passwords()
    assert len(first) == 19_640
    assert {"password", "qwerty123456", "1q2w3e4r5t6y"} <= first
    assert services.common_passwords() is first
    assert services.common_passwords.cache_info().hits >= 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-one", "Use at least 12 characters."),
        ("x" * 257, "Use at most 256 characters."),
        ("qwerty123456", "This password is too common: choose another."),
        ("QWERTY123456", "This password is too common: choose another."),
        (" 1q2w3e4r5t6y ", "This password is too common: choose another."),
        ("maria.lopez@example.org", "The password must not be your email address or your name."),
        ("MARIA.LOPEZ@EXAMPLE.ORG", "The password must not be your email address or your name."),
        ("maria.lopez.budapest", None),
        ("Maria Lopez Garcia", "The password must not be your email address or your name."),
        ("twelve chars\x00", "The password must not contain NUL characters."),
    ],
)
def test_password_policy(password, message):
    check = lambda: services.check_password_policy(  # noqa: E731
        password, email="Maria.Lopez@example.org", name="Maria Lopez Garcia"
    )
    if message is None:
        check()
    else:
        with pytest.raises(services.AuthError, match=re.escape(message)) as error:
            check()
        assert error.value.field == "password"


@pytest.mark.parametrize(
    "password",
    [
        "x" * 256,
        "correct horse battery staple",
        "пароль-который-длинный",
        "🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑",
        "a b c d e f ",
    ],
)
def test_long_passphrases_and_any_characters_are_allowed(password):
    services.check_password_policy(password, email="x@example.org", name="X")
    user = factories.make_user(password=password)
    assert services.authenticate(user.email, password, address=HERE) == user


def test_email_local_part_is_refused_when_long_enough():
    with pytest.raises(services.AuthError, match="email address or your name"):
        services.check_password_policy(
            "maria.lopez.garcia", email="Maria.Lopez.Garcia@x.org", name="M"
        )


def test_create_user_and_set_password_apply_the_policy():
    with pytest.raises(services.AuthError, match="too common"):
        factories.make_user(email="new@example.org", password="qwerty123456")
    assert count(User, User.email == "new@example.org") == 0
    user = factories.make_user(password=PASSWORD)
    with pytest.raises(services.AuthError, match="email address"):
        services.set_password(user, user.email, by="tests")
    assert services.authenticate(user.email, PASSWORD, address=HERE) == user


def test_a_huge_password_at_sign_in_is_refused_without_a_500(client):
    user = factories.make_user(password=PASSWORD)
    response = sign_in_page(client, user.email, "x" * 1_000_000)
    assert response.status_code == 200
    assert "cannot be longer than 1024 characters" in response.text


# Sessions ----------------------------------------------------------------------------------------


def test_sign_in_starts_a_new_session_without_anything_planted_before(client):
    user = factories.make_user(password=PASSWORD)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "fixed-by-an-attacker"
    sign_in_page(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "fixed-by-an-attacker"
        assert session["_user_id"] == f"{user.id}:{user.session_version}"
        assert abs(session[sessions.SIGNED_IN_AT] - time.time()) < 60


def replay(app, cookie: str, path: str = "/plans/"):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get(path)


def assert_sent_to_sign_in(response):
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in")


def test_sign_out_ends_the_session_and_is_audited(app, client, login):
    user = login.as_role("viewer")
    stolen = client.get_cookie("session").value
    client.post("/auth/sign-out")

    assert_sent_to_sign_in(replay(app, stolen))
    assert [e.entity_id for e in events("sign_out")] == [user.id]


def test_deactivation_ends_every_session_for_good(app, client, login):
    user = login.as_role("viewer")
    stolen = client.get_cookie("session").value
    admin = factories.make_user(role="admin")
    services.deactivate_user(user, by=admin)
    db.session.commit()
    assert_sent_to_sign_in(replay(app, stolen))

    services.update_user(user, name=user.name, role=user.role, actor=None, is_active=True, by=admin)
    db.session.commit()
    assert_sent_to_sign_in(replay(app, stolen))  # reactivating does not bring old cookies back


def test_password_change_keeps_this_session_and_ends_the_others(app, client, login):
    user = login.as_role("member", actor=factories.get_actor("HU"))
    other_device = client.get_cookie("session").value
    response = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )

    assert response.status_code == 302
    assert client.get("/plans/").status_code == 200
    assert_sent_to_sign_in(replay(app, other_device))
    assert services.authenticate(user.email, "a new long passphrase", address=HERE) == user
    assert [e.action for e in events("password_change")] == ["password_change"]


def test_admin_password_reset_ends_the_users_sessions(app, client, login):
    user = login.as_role("viewer")
    stolen = client.get_cookie("session").value
    services.set_password(user, "set by the secretariat", by=factories.make_user(role="admin"))
    db.session.commit()
    assert_sent_to_sign_in(replay(app, stolen))
    assert len(events("password_reset")) == 1


def set_session_clock(client, *, signed_in_ago: float, seen_ago: float) -> None:
    now = int(time.time())
    with client.session_transaction() as session:
        session[sessions.SIGNED_IN_AT] = now - int(signed_in_ago)
        session[sessions.SEEN_AT] = now - int(seen_ago)


@pytest.mark.parametrize(
    ("signed_in_ago", "seen_ago"),
    [(3600, 30 * 60 + 1), (12 * 3600 + 1, 10)],
    ids=["idle", "absolute"],
)
def test_expired_session_goes_back_to_sign_in_saying_so(client, login, signed_in_ago, seen_ago):
    login.as_role("viewer")
    set_session_clock(client, signed_in_ago=signed_in_ago, seen_ago=seen_ago)

    response = client.get("/actors/?kind=x")

    assert response.headers["Location"] == "/auth/sign-in?next=%2Factors%2F%3Fkind%3Dx"
    page = client.get(response.headers["Location"]).text
    assert "Your session expired. Please sign in again." in page
    assert client.get("/plans/").status_code == 302


def test_session_within_both_timeouts_goes_on(client, login):
    login.as_role("viewer")
    set_session_clock(client, signed_in_ago=11 * 3600, seen_ago=29 * 60)
    assert client.get("/plans/").status_code == 200


def test_expired_session_cannot_post_either(client, login):
    login.as_role("admin")
    set_session_clock(client, signed_in_ago=60, seen_ago=31 * 60)
    response = client.post("/auth/tokens", data={"name": "after expiry"})
    assert_sent_to_sign_in(response)
    assert count(AuditEvent, AuditEvent.entity_type == "api_tokens") == 0


def test_session_without_its_clock_counts_as_expired(client, login):
    login.as_role("viewer")
    with client.session_transaction() as session:
        del session[sessions.SIGNED_IN_AT]
    assert_sent_to_sign_in(client.get("/plans/"))


def test_activity_is_noted_at_most_once_a_minute(client, login):
    login.as_role("viewer")
    client.get("/plans/")  # the first page also stores the session's CSRF secret
    set_session_clock(client, signed_in_ago=100, seen_ago=10)
    assert "Set-Cookie" not in client.get("/plans/").headers

    set_session_clock(client, signed_in_ago=100, seen_ago=120)
    assert "Set-Cookie" in client.get("/plans/").headers
    with client.session_transaction() as session:
        assert abs(session[sessions.SEEN_AT] - time.time()) < 5


def test_session_cookie_is_httponly_and_samesite_lax(client):
    user = factories.make_user(password=PASSWORD)
    cookie = sign_in_page(client, user.email, PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.no_db_session
def test_production_session_cookie_is_secure_and_host_only():
    app = create_app(
        {
            "TRACKER_ENV": "production",
            "SECRET_KEY": "k" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    cookie = app.test_client().get("/auth/sign-in").headers["Set-Cookie"]  # the CSRF secret
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
