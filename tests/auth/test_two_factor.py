"""Two-factor sign-in: enrolment, the code step after the password, replays, recovery codes, the
throttle, the admin requirement and the admin's reset."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.auth import two_factor
from tracker.auth.models import RecoveryCode, User
from tracker.db import db, utcnow

PASSWORD = "a-long-test-password"


def enrol(client, user: User) -> tuple[str, list[str]]:
    """Turn on the second factor through the pages; returns the secret and recovery codes."""
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert '<svg width="' in page and 'class="qr-code"' in page
    secret = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    response = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/two-factor/recovery-codes")
    codes_page = client.get("/auth/two-factor/recovery-codes").get_data(as_text=True)
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", codes_page)
    db.session.refresh(user)
    return secret, codes


def later_code(secret: str) -> str:
    """The code of the next 30-second step: accepted (clocks drift), and not the one that
    enrolment used a moment ago, which is never accepted again."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def password_step(client, user: User):
    return client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})


def signed_in(client) -> bool:
    return client.get("/auth/tokens").status_code == 200


@pytest.fixture
def enrolled(client, login):
    user = login.as_role("focal_point", actor=factories.get_actor("HU"))
    secret, codes = enrol(client, user)
    client.post("/auth/sign-out")
    return user, secret, codes


def test_enrolment_shows_the_qr_code_and_ten_recovery_codes_once(client, login):
    user = login.as_role("member")
    secret, codes = enrol(client, user)
    assert user.has_second_factor and user.totp_secret == secret
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    )
    assert all(code.replace("-", "") not in list(stored) for code in codes)  # digests only
    # Shown once: the page does not show them again.
    again = client.get("/auth/two-factor/recovery-codes")
    assert again.status_code == 302 and again.headers["Location"].endswith("/auth/two-factor")
    assert 'Recovery codes left: <strong id="codes-left">10</strong>' in client.get(
        "/auth/two-factor"
    ).get_data(as_text=True)


def test_a_wrong_code_does_not_turn_it_on(client, login):
    user = login.as_role("member")
    client.get("/auth/two-factor")
    response = client.post("/auth/two-factor", data={"code": "000000"}, follow_redirects=True)
    assert "not the one your app shows now" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.has_second_factor


def test_sign_in_asks_for_the_code_after_the_password(client, enrolled):
    user, secret, _ = enrolled
    response = password_step(client, user)
    assert response.headers["Location"].endswith("/auth/second-factor")
    assert not signed_in(client)  # the password alone signs nobody in
    response = client.post("/auth/second-factor", data={"code": later_code(secret)})
    assert response.status_code == 302
    assert signed_in(client)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == user.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["password_accepted", "sign_in"]


def test_a_code_is_accepted_once(client, enrolled):
    user, secret, _ = enrolled
    code = later_code(secret)
    password_step(client, user)
    assert client.post("/auth/second-factor", data={"code": code}).status_code == 302
    client.post("/auth/sign-out")
    password_step(client, user)
    replay = client.post("/auth/second-factor", data={"code": code})
    assert replay.status_code == 200
    assert "one used already" in replay.get_data(as_text=True)
    assert not signed_in(client)


def test_codes_of_the_neighbouring_steps_count_and_no_further(app, enrolled):
    user, secret, _ = enrolled
    now = utcnow()
    totp = pyotp.TOTP(secret)
    user.totp_last_step = None
    assert not two_factor.check_code(
        user, totp.at(now - timedelta(seconds=90)), address="h", now=now
    )
    assert two_factor.check_code(user, totp.at(now - timedelta(seconds=30)), address="h", now=now)
    # A later step still works after an earlier one; the earlier one never again.
    assert two_factor.check_code(user, totp.at(now), address="h", now=now)
    assert not two_factor.check_code(
        user, totp.at(now - timedelta(seconds=30)), address="h", now=now
    )


def test_a_recovery_code_signs_in_once(client, enrolled):
    user, _, codes = enrolled
    password_step(client, user)
    assert client.post("/auth/second-factor", data={"code": codes[3].upper()}).status_code == 302
    assert signed_in(client)
    client.post("/auth/sign-out")
    password_step(client, user)
    assert client.post("/auth/second-factor", data={"code": codes[3]}).status_code == 200
    assert not signed_in(client)
    assert two_factor.recovery_codes_left(user) == 9


def test_guessing_codes_is_throttled(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        assert client.post("/auth/second-factor", data={"code": guess}).status_code == 200
    refused = client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert not signed_in(client)


def test_the_code_step_expires(app, client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    with client.session_transaction() as session:
        pending = session["second_factor_pending"]
        session["second_factor_pending"] = {**pending, "at": pending["at"] - 6 * 60}
    response = client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/auth/sign-in")
    assert not signed_in(client)


def test_no_code_step_without_the_password_step(client, enrolled):
    user, secret, _ = enrolled
    with client.session_transaction() as session:
        session["second_factor_pending"] = {"user": f"{user.id}:999", "at": 2**40, "next": "/"}
    response = client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].endswith("/auth/sign-in")
    assert not signed_in(client)


def test_turning_it_off_needs_the_password(client, login):
    user = login.as_role("member")
    enrol(client, user)
    refused = client.post("/auth/two-factor/off", data={"current_password": "not the password"})
    assert refused.status_code == 200
    assert "The current password is wrong." in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.has_second_factor
    client.post("/auth/two-factor/off", data={"current_password": PASSWORD})
    db.session.refresh(user)
    assert not user.has_second_factor
    assert two_factor.recovery_codes_left(user) == 0


def test_admins_must_set_it_up_when_the_setting_says_so(app, client, login):
    app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"] = True
    try:
        user = login.as_role("admin")
        response = client.get("/plans/")
        assert response.headers["Location"].endswith("/auth/two-factor")
        enrol(client, user)
        assert client.get("/plans/").status_code == 200
        client.post("/auth/two-factor/off", data={"current_password": PASSWORD})
        db.session.refresh(user)
        assert user.has_second_factor  # required: it cannot be turned off
    finally:
        app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"] = False


def test_an_admin_resets_a_lost_second_factor_and_their_sessions_end(app, client, enrolled):
    user, secret, _ = enrolled
    other = app.test_client()
    password_step(other, user)
    other.post("/auth/second-factor", data={"code": later_code(secret)})
    assert signed_in(other)
    admin = factories.make_user(role="admin", password=PASSWORD)
    db.session.commit()
    client.post("/auth/sign-in", data={"email": admin.email, "password": PASSWORD})
    response = client.post(f"/admin/users/{user.id}/two-factor/reset")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.has_second_factor
    assert not signed_in(other)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "two_factor_reset")
    ).one()
    assert event.user_id == admin.id and event.entity_id == user.id


def test_the_command_line_resets_a_second_factor(runner, enrolled):
    user, _, _ = enrolled
    result = runner.invoke(args=["user", "reset-two-factor", user.email])
    assert result.exit_code == 0, result.output
    assert "reset" in result.output
    db.session.refresh(user)
    assert not user.has_second_factor
    again = runner.invoke(args=["user", "reset-two-factor", user.email])
    assert "nothing changed" in again.output
