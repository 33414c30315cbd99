"""Invitations, password resets, email changes and the profile page: single-use links mailed
through the outbox (tracker/auth/links.py, tracker/auth/lifecycle.py)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from tests import factories
from tracker.auth import lifecycle, links, services
from tracker.auth.models import LinkPurpose, Role, User
from tracker.db import db, utcnow
from tracker.mail.models import OutgoingMail

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "a fresh passphrase of words"
LINK = re.compile(r"http://127\.0\.0\.1:5000(/auth/(?:invitation|reset|email)/bpl_[\w-]+)")


def outbox_to(address: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.recipient == address).order_by(OutgoingMail.id)
        )
    )


def body(mail: OutgoingMail) -> str:
    from email import message_from_string, policy

    message = message_from_string(mail.content, policy=policy.default)
    return message.get_body(("plain",)).get_content()


def link_in(mail: OutgoingMail) -> str:
    """The path of the link in a message (the tests' client speaks to the app directly)."""
    return LINK.search(body(mail))[1]


def invite(email: str = "new.person@example.org", **overrides) -> tuple[User, str]:
    values = {"name": "New Person", "role": Role.FOCAL_POINT, "actor": factories.get_actor("HU")}
    return lifecycle.invite_user(email=email, by="tests", **(values | overrides))


def sign_in(client, email: str, password: str):
    return client.post("/auth/sign-in", data={"email": email, "password": password})


# Invitations ---------------------------------------------------------------------------------


def test_an_invited_account_cannot_sign_in_until_its_person_sets_a_password(client):
    user, url = invite()
    db.session.commit()
    [mail] = outbox_to("new.person@example.org")
    assert mail.subject == "Your account on the Budapest Process tracker"
    assert url in body(mail) and "72 hours" in body(mail)
    assert not user.has_password and user.is_active
    assert sign_in(client, user.email, "!").status_code == 200  # refused: no password yet

    page = client.get(link_in(mail))
    assert page.status_code == 200 and b"Welcome, New Person" in page.data
    done = client.post(link_in(mail), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert done.status_code == 302 and done.headers["Location"] == "/auth/sign-in"
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_the_invitation_link_applies_the_password_policy_and_stays_usable(client):
    _, url = invite()
    db.session.commit()
    path = link_in(outbox_to("new.person@example.org")[0])
    refused = client.post(path, data={"password": "short", "confirm": "short"})
    assert refused.status_code == 200 and b"Use at least 12 characters" in refused.data
    common = client.post(path, data={"password": "password1234", "confirm": "password1234"})
    assert b"too common" in common.data
    ok = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 302


def test_an_invitation_link_works_once(client):
    invite()
    db.session.commit()
    path = link_in(outbox_to("new.person@example.org")[0])
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    user = services.get_user_by_email("new.person@example.org")
    hash_after_first = user.password_hash

    again = client.post(path, data={"password": "another passphrase here", "confirm": "x"})

    assert again.status_code == 410
    assert b"This link was used already" in again.data
    db.session.refresh(user)
    assert user.password_hash == hash_after_first


def test_an_expired_invitation_link_changes_nothing(client):
    user, _ = invite()
    db.session.commit()
    path = link_in(outbox_to(user.email)[0])
    link = links.pending_link(user, LinkPurpose.INVITATION)
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    page = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert page.status_code == 410 and b"This link has expired" in page.data
    db.session.refresh(user)
    assert not user.has_password


def test_a_newer_invitation_voids_the_older_link(client):
    user, _ = invite()
    db.session.commit()
    old = link_in(outbox_to(user.email)[0])
    lifecycle.reinvite_user(user, by="tests")
    db.session.commit()
    new = link_in(outbox_to(user.email)[1])

    refused = client.post(old, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 410 and b"A newer link was sent" in refused.data
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"),  # one character changed
        lambda p: p + "x",
        lambda p: p.replace("bpl_", "bpt_"),
        lambda p: "/auth/invitation/" + "é" * 10,
        lambda p: "/auth/invitation/bpl_" + "a" * 300,
    ],
)
def test_a_tampered_link_is_not_valid_and_changes_nothing(client, tamper):
    user, _ = invite()
    db.session.commit()
    path = tamper(link_in(outbox_to(user.email)[0]))
    page = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert page.status_code == 404 and b"This link is not valid" in page.data
    db.session.refresh(user)
    assert not user.has_password


def test_a_reset_link_does_not_work_as_an_invitation(client):
    user = factories.make_user(email="someone@example.org")
    lifecycle.request_password_reset(user.email, address="192.0.2.1")
    db.session.commit()
    reset_path = link_in(outbox_to(user.email)[0])
    as_invitation = reset_path.replace("/auth/reset/", "/auth/invitation/")
    assert client.get(as_invitation).status_code == 404


def test_a_withdrawn_invitation_deactivates_and_its_link_stops(client):
    user, _ = invite()
    db.session.commit()
    path = link_in(outbox_to(user.email)[0])
    lifecycle.revoke_invitation(user, by="tests")
    db.session.commit()
    assert not user.is_active
    assert client.get(path).status_code == 410
    lifecycle.reinvite_user(user, by="tests")  # invited again: active again, with a new link
    assert user.is_active


def test_an_account_with_a_password_is_not_invited_again():
    user = factories.make_user()
    with pytest.raises(services.AuthError, match="set a password already"):
        lifecycle.reinvite_user(user, by="tests")
    with pytest.raises(services.AuthError, match="set a password already"):
        lifecycle.revoke_invitation(user, by="tests")


def test_inviting_an_existing_email_is_refused_and_queues_nothing():
    factories.make_user(email="taken@example.org")
    before = db.session.scalar(select(func.count()).select_from(OutgoingMail))
    with pytest.raises(services.AuthError, match="already exists"):
        invite("taken@example.org")
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == before


@pytest.mark.parametrize(
    "name", ["Eve\r\nBcc: all@example.org", "Eve\nBcc: x@example.org", "E\x85"]
)
def test_a_name_with_a_line_break_is_refused(name):
    with pytest.raises(services.AuthError, match="one line"):
        invite(name=name)


def test_admin_invites_from_the_users_page_and_sees_it_waiting(client, login):
    login.as_role("admin")
    page = client.get("/admin/users/")
    assert b'href="/admin/users/invite"' in page.data
    done = client.post(
        "/admin/users/invite",
        data={"email": "Invitee@Example.org", "name": "Invitee", "role": "viewer", "actor": ""},
    )
    assert done.status_code == 302
    [mail] = outbox_to("invitee@example.org")
    assert "Test admin has made you an account" in body(mail)
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert "invited, waiting" in listing and "Withdraw invitation" in listing


def test_admin_invite_page_shows_a_taken_email_at_the_field(client, login):
    admin = login.as_role("admin")
    page = client.post(
        "/admin/users/invite", data={"email": admin.email, "name": "", "role": "viewer"}
    )
    assert page.status_code == 200 and b"already exists" in page.data


def test_admin_reinvites_and_withdraws_from_the_users_page(client, login):
    login.as_role("admin")
    user, _ = invite()
    db.session.commit()
    client.post(f"/admin/users/{user.id}/invite")
    assert len(outbox_to(user.email)) == 2
    client.post(f"/admin/users/{user.id}/invitation/revoke")
    db.session.refresh(user)
    assert not user.is_active
    assert "invitation withdrawn" in client.get("/admin/users/").get_data(as_text=True)


def test_cli_invite_prints_the_link_that_works(runner, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://tracker.example.org/")
    result = runner.invoke(
        args=["user", "invite", "first@example.org", "--role", "admin", "--name", "First"]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("https://tracker.example.org/auth/invitation/bpl_")
    [mail] = outbox_to("first@example.org")
    assert url in body(mail)
    path = url.removeprefix("https://tracker.example.org")
    assert (
        client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )


def test_cli_invite_refuses_an_unknown_actor_and_an_account_with_a_password(runner):
    assert (
        "No actor"
        in runner.invoke(
            args=["user", "invite", "x@example.org", "--role", "focal_point", "--actor", "ZZ"]
        ).output
    )
    user = factories.make_user()
    db.session.commit()
    result = runner.invoke(args=["user", "invite", user.email, "--role", "viewer"])
    assert result.exit_code == 1 and "already exists" in result.output


def test_production_without_base_url_makes_no_invitation(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_ENV", "production")
    monkeypatch.setitem(app.config, "BASE_URL", None)
    with pytest.raises(lifecycle.BaseUrlMissing, match="BASE_URL"):
        invite()
    assert services.get_user_by_email("new.person@example.org") is None


# Password reset ------------------------------------------------------------------------------


def ask_reset(client, email: str, address: str = "192.0.2.7"):
    """Ask for a reset link as the page does; the answer after its redirect."""
    return client.post(
        "/auth/forgot-password",
        data={"email": email},
        environ_base={"REMOTE_ADDR": address},
        follow_redirects=True,
    )


def test_sign_in_page_links_to_forgotten_password(client):
    assert b'href="/auth/forgot-password">Forgot your password?' in client.get("/auth/sign-in").data


def test_reset_for_an_unknown_email_answers_the_same_and_queues_nothing(client):
    user = factories.make_user(email="known@example.org")
    db.session.commit()
    count = select(func.count()).select_from(OutgoingMail)
    before = db.session.scalar(count)
    unknown = ask_reset(client, "nobody@example.org")
    assert db.session.scalar(count) == before
    known = ask_reset(client, user.email)
    assert db.session.scalar(count) == before + 1

    def answer(response):
        # The CSRF token (of the language switch) carries the second it was made in: two answers
        # a second apart differ there, whatever the address.
        page = response.get_data(as_text=True).replace("nobody@example.org", "known@example.org")
        return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1…", page)

    assert unknown.status_code == known.status_code == 200
    assert answer(unknown) == answer(known)


def test_reset_does_the_same_work_whether_or_not_the_email_exists(app, client):
    """What could tell the two apart by timing: the unknown email's request runs the same reads
    as the known one's, and the known one adds only a few small writes (its link and its mail);
    neither hashes a password. Compared statement by statement, not by a clock, which a loaded
    machine would make flaky."""
    factories.make_user(email="timed@example.org")
    db.session.commit()

    def statements(email: str) -> list[str]:
        seen = []

        def record(conn, cursor, statement, *args):
            if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")):
                seen.append(statement.split()[0].upper())

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            ask_reset(client, email, address=f"198.51.100.{len(email)}")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return seen

    known, unknown = statements("timed@example.org"), statements("untimed@example.org")
    reads = [s for s in known if s == "SELECT"]
    assert reads == [s for s in unknown if s == "SELECT"]
    assert 0 < len(known) - len(unknown) <= 4
    assert {s for s in known if s != "SELECT"} <= {"INSERT", "UPDATE", "DELETE"}


def test_reset_link_sets_a_new_password_ends_sessions_and_sends_a_notice(app, client, login):
    user = login.as_role("member")
    other_device = app.test_client()
    sign_in(other_device, user.email, PASSWORD)
    ask_reset(client, user.email)
    [reset] = outbox_to(user.email)
    assert reset.subject == "Reset your password" and "60 minutes" in body(reset)

    done = client.post(link_in(reset), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert done.status_code == 302
    assert other_device.get("/auth/tokens").status_code == 302  # signed out everywhere
    notice = outbox_to(user.email)[-1]
    assert notice.subject == "Your password was changed"
    assert "from the address 127.0.0.1" in body(notice)
    assert sign_in(client, user.email, PASSWORD).status_code == 200
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_reset_link_used_twice_or_after_a_newer_one_is_refused(client):
    user = factories.make_user(email="twice@example.org")
    db.session.commit()
    ask_reset(client, user.email)
    ask_reset(client, user.email)
    first, second = (link_in(m) for m in outbox_to(user.email))
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    assert b"A newer link was sent" in client.post(first, data=data).data
    assert client.post(second, data=data).status_code == 302
    again = client.post(second, data={"password": "yet another passphrase", "confirm": "x"})
    assert again.status_code == 410 and b"used already" in again.data


def test_an_expired_reset_link_is_refused(client):
    user = factories.make_user(email="late@example.org")
    lifecycle.request_password_reset(user.email, address=None, now=utcnow() - timedelta(hours=2))
    db.session.commit()
    page = client.get(link_in(outbox_to(user.email)[0]))
    assert page.status_code == 410 and b"expired" in page.data


def test_changing_the_password_otherwise_voids_a_reset_link(client):
    user = factories.make_user(email="voided@example.org")
    lifecycle.request_password_reset(user.email, address=None)
    services.set_password(user, "an admin chose this one", by="tests")
    db.session.commit()
    assert client.get(link_in(outbox_to(user.email)[0])).status_code == 410


def test_reset_requests_are_throttled_per_email_and_address(client, app):
    limit = app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        assert ask_reset(client, "flood@example.org").status_code == 200
    refused = ask_reset(client, "flood@example.org")
    assert refused.status_code == 429 and b"Too many" in refused.data
    assert ask_reset(client, "flood@example.org", address="203.0.113.9").status_code == 200


def test_reset_keeps_the_second_factor(client):
    import pyotp

    from tracker.auth import two_factor

    user = factories.make_user(email="twofactor@example.org")
    secret = two_factor.new_secret()
    two_factor.enable(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    ask_reset(client, user.email)
    client.post(
        link_in(outbox_to(user.email)[0]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    response = sign_in(client, user.email, NEW_PASSWORD)
    assert response.headers["Location"] == "/auth/second-factor"


def test_an_invited_person_may_use_a_reset_link_instead(client):
    user, _ = invite()
    db.session.commit()
    ask_reset(client, user.email)
    invitation, reset = outbox_to(user.email)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(link_in(reset), data=data).status_code == 302
    assert client.get(link_in(invitation)).status_code == 410  # the invitation is done with


def test_a_reset_link_uses_base_url_not_the_host_header(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://tracker.example.org")
    factories.make_user(email="poison@example.org")
    db.session.commit()
    client.post(
        "/auth/forgot-password",
        data={"email": "poison@example.org"},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    text = body(outbox_to("poison@example.org")[0])
    assert "https://tracker.example.org/auth/reset/bpl_" in text and "evil" not in text


# Profile and email change --------------------------------------------------------------------


def test_profile_shows_the_account_and_links_to_its_settings(client, login):
    login.as_role("focal_point", name="Ágnes")
    page = client.get("/auth/profile").get_data(as_text=True)
    for part in (
        "Ágnes",
        "Focal point",
        "Hungary",
        'href="/auth/password"',
        'href="/auth/two-factor"',
        'href="/auth/tokens"',
        'href="/meetings/calendar"',
    ):
        assert part in page
    assert 'href="/auth/profile"' in client.get("/").get_data(as_text=True)  # the account menu


def test_profile_changes_the_name_and_refuses_a_line_break(client, login):
    user = login.as_role("viewer")
    assert client.post("/auth/profile", data={"name": "New Name"}).status_code == 302
    assert user.name == "New Name"
    page = client.post("/auth/profile", data={"name": "Eve\r\nBcc: x@example.org"})
    assert page.status_code == 200 and b"one line" in page.data
    db.session.refresh(user)
    assert user.name == "New Name"


def test_profile_cannot_change_role_or_actor(client, login):
    user = login.as_role("viewer")
    client.post("/auth/profile", data={"name": "Same", "role": "admin", "actor": "HU"})
    db.session.refresh(user)
    assert user.role == Role.VIEWER and user.actor is None


def ask_email_change(client, new_email: str, password: str = PASSWORD):
    return client.post(
        "/auth/profile/email", data={"new_email": new_email, "current_password": password}
    )


def test_email_change_happens_only_when_the_link_is_opened(client, login):
    user = login.as_role("member")
    old = user.email
    assert ask_email_change(client, "Moved@Example.org").status_code == 302
    assert user.email == old
    [confirm] = outbox_to("moved@example.org")
    assert confirm.subject == "Confirm your new email address"
    assert b"moved@example.org" in client.get("/auth/profile").data  # shown as waiting

    page = client.get(link_in(confirm))
    assert page.status_code == 200 and user.email == old  # a GET changes nothing
    assert client.post(link_in(confirm)).status_code == 302

    db.session.refresh(user)
    assert user.email == "moved@example.org"
    [notice] = outbox_to(old)
    assert notice.subject == "Your email address was changed"
    assert "moved@example.org" in body(notice)
    assert client.post(link_in(confirm)).status_code == 410


def test_email_change_to_an_address_another_account_has_is_refused(client, login):
    other = factories.make_user(email="other@example.org")
    user = login.as_role("member")
    page = ask_email_change(client, "Other@example.org")
    assert (
        page.status_code == 200 and b"Another account has the email other@example.org" in page.data
    )
    assert outbox_to(other.email) == [] and user.email != other.email


def test_email_change_taken_meanwhile_is_refused_when_confirmed(client, login):
    user = login.as_role("member")
    ask_email_change(client, "race@example.org")
    path = link_in(outbox_to("race@example.org")[0])
    factories.make_user(email="race@example.org")
    db.session.commit()
    page = client.post(path)
    assert page.status_code == 409 and b"Another account has the email" in page.data
    db.session.refresh(user)
    assert user.email != "race@example.org"


def test_email_change_needs_the_current_password(client, login):
    login.as_role("member")
    page = ask_email_change(client, "new@example.org", password="not my password")
    assert b"The current password is wrong" in page.data
    assert outbox_to("new@example.org") == []


def test_email_change_link_of_another_account_is_refused(client, app, login):
    login.as_role("member")
    ask_email_change(client, "mine@example.org")
    path = link_in(outbox_to("mine@example.org")[0])
    stranger = app.test_client()
    other = factories.make_user(email="stranger@example.org")
    db.session.commit()
    sign_in(stranger, other.email, PASSWORD)
    page = stranger.post(path)
    assert page.status_code == 403 and b"another account" in page.data
    db.session.refresh(other)
    assert other.email == "stranger@example.org"


def test_email_change_link_needs_sign_in(client, app, login):
    login.as_role("member")
    ask_email_change(client, "later@example.org")
    path = link_in(outbox_to("later@example.org")[0])
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/auth/sign-in?next=" in response.headers["Location"]


# API -----------------------------------------------------------------------------------------


def test_admin_invites_through_the_api_and_the_answer_holds_no_link(api):
    api.as_role("admin")
    response = api.post(
        "/api/v1/users/invitations",
        json={"email": "api.invitee@example.org", "role": "focal_point", "actor": "AT"},
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["has_password"] is False and answer["actor"] == "AT"
    assert "bpl_" not in response.get_data(as_text=True)
    assert response.headers["Location"] == f"/api/v1/users/{answer['id']}"
    [mail] = outbox_to("api.invitee@example.org")
    assert "/auth/invitation/bpl_" in body(mail)


def test_api_invitation_is_refused_to_others_and_checks_its_input(api):
    api.as_role("member")
    body_ = {"email": "x@example.org", "role": "viewer"}
    assert api.post("/api/v1/users/invitations", json=body_).status_code == 403
    api.as_role("admin")
    refused = api.post("/api/v1/users/invitations", json={**body_, "password": "x" * 20})
    assert refused.status_code == 422 and "password" in refused.get_json()["error"]["fields"]
    focal = api.post("/api/v1/users/invitations", json={**body_, "role": "focal_point"})
    assert focal.status_code == 422 and "actor" in focal.get_json()["error"]["fields"]
    assert outbox_to("x@example.org") == []


def test_link_pages_are_not_cached_and_send_no_referrer(client):
    user, _ = invite()
    db.session.commit()
    for path in (link_in(outbox_to(user.email)[0]), "/auth/reset/bpl_unknown"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/auth/forgot-password").headers["Referrer-Policy"] == "same-origin"


def test_a_name_with_a_line_break_is_refused_on_every_way_in(client, login, api):
    login.as_role("admin")
    page = client.post(
        "/admin/users/new",
        data={"email": "n@example.org", "name": "N\r\nBcc: x@example.org", "role": "viewer"}
        | {"password": NEW_PASSWORD},
    )
    assert page.status_code == 200 and b"one line" in page.data
    api.as_role("admin")
    answer = api.post(
        "/api/v1/users/invitations",
        json={"email": "m@example.org", "name": "M\nBcc: x@example.org", "role": "viewer"},
    )
    assert answer.status_code == 422 and "name" in answer.get_json()["error"]["fields"]
    assert services.get_user_by_email("n@example.org") is None
    assert services.get_user_by_email("m@example.org") is None


def test_of_two_requests_holding_one_link_only_the_first_uses_it():
    user, _ = invite()
    plain = links.issue_link(user, LinkPurpose.PASSWORD_RESET)[1]
    link = links.find_link(plain, LinkPurpose.PASSWORD_RESET)  # both requests got this far
    links.use_link(link)
    with pytest.raises(links.LinkError, match="used already"):
        links.use_link(link)  # the claim is the database's: the second UPDATE changes no row


def test_the_users_page_says_when_an_invitation_expired(client, login):
    login.as_role("admin")
    user, _ = invite()
    links.pending_link(user, LinkPurpose.INVITATION).expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert "invited, link expired" in client.get("/admin/users/").get_data(as_text=True)
