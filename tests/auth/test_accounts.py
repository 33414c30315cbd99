"""Accounts: the Secretariat's user pages, the account API, API tokens and the `tracker user`
commands. Same rules and messages whichever door is used."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests import factories
from tests.conftest import build_schema
from tracker.audit.models import AuditEvent
from tracker.auth import services
from tracker.auth.models import ApiToken, Role, SignInAttempt, User
from tracker.db import db, utcnow

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "a brand new passphrase"
COMMON = "qwerty123456"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def field_errors(page: str) -> list[str]:
    return re.findall(r'class="invalid-feedback" role="alert">([^<]+)<', page)


def replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/plans/")


def signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/auth/sign-in")


def edit_form(user: User, **changes) -> dict:
    loaded = {
        "name": user.name,
        "role": user.role.value,
        "actor": user.actor.code if user.actor else "",
        "is_active": user.is_active,
    }
    data = {**loaded, "loaded": json.dumps(loaded), **changes}
    if not data.pop("is_active"):
        data.pop("is_active", None)
    else:
        data["is_active"] = "y"
    return data


def new_account(**changes) -> dict:
    return {
        "email": "new@example.org",
        "name": "New",
        "role": "viewer",
        "password": NEW_PASSWORD,
        **changes,
    }


# Who may open the user pages --------------------------------------------------------------------

USER_PAGES = [
    "/admin/users/",
    "/admin/users/new",
    "/admin/users/{id}/edit",
    "/admin/users/{id}/password",
]


@pytest.mark.parametrize("path", USER_PAGES)
def test_anonymous_user_is_sent_to_sign_in_from_user_pages(client, path):
    target = factories.make_user()
    assert signed_out(client.get(path.format(id=target.id)))


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
@pytest.mark.parametrize("path", USER_PAGES)
def test_only_admins_open_or_post_the_user_pages(client, login, role, path):
    target = factories.make_user(name="Untouched")
    login.as_role(role)
    url = path.format(id=target.id)
    assert client.get(url).status_code == 403
    data = {"name": "Hijacked", "role": "admin", "is_active": "y", "password": NEW_PASSWORD}
    if not url.endswith("/users/"):  # the list takes no POST
        assert client.post(url, data=data).status_code == 403
    assert fresh(target).name == "Untouched" and fresh(target).role == Role.VIEWER


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_users_link_shows_for_admins_only(client, login, role):
    login.as_role(role)
    page = client.get("/plans/").text
    assert ("/admin/users/" in page) == (role == "admin")
    assert "/auth/password" in page


# The list and the create page --------------------------------------------------------------------


def test_user_list_shows_role_actor_state_and_last_sign_in(client, login):
    admin = login.as_role("admin")
    focal = factories.make_user(role="focal_point", name="Focal Hungary")
    services.deactivate_user(focal, by=admin)
    page = client.get("/admin/users/").text
    row = re.search(rf'<tr id="user-{focal.id}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "Focal Hungary" in row and "Focal point" in row and "(HU)" in row
    assert "no (deactivated)" in row and "never" in row
    mine = re.search(rf'<tr id="user-{admin.id}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "UTC" in mine  # signed in just now


def test_admin_creates_an_account_and_it_is_audited(client, login):
    login.as_role("admin")
    data = {
        "email": " New.Person@Example.org ",
        "name": "Nuevo Señor 🌍",
        "role": "focal_point",
        "actor": "AT",
        "password": NEW_PASSWORD,
    }
    response = client.post("/admin/users/new", data=data)
    assert response.headers["Location"] == "/admin/users/"
    user = services.get_user_by_email("new.person@example.org")
    assert (user.name, user.role, user.actor.code) == ("Nuevo Señor 🌍", Role.FOCAL_POINT, "AT")
    assert services.authenticate(user.email, NEW_PASSWORD, address="192.0.2.1") == user
    assert (
        count(AuditEvent, AuditEvent.entity_type == "users", AuditEvent.entity_id == user.id) >= 1
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": COMMON}, "This password is too common: choose another."),
        ({"password": "short"}, "Use at least 12 characters."),
        ({"password": "x" * 100_000}, "Use at most 256 characters."),
        (
            {"password": "someone@example.org"},
            "The password must not be your email address or your name.",
        ),
        (
            {"role": "focal_point", "actor": ""},
            "A focal point must belong to a state or organisation.",
        ),
        ({"role": "superuser"}, "Not a valid choice."),
        ({"actor": "XX"}, "Not a valid choice."),
        ({"email": "no-at-sign"}, "Enter a valid email address."),
        ({"email": "<script>x</script>@example.org"}, "Enter a valid email address."),
        ({"email": "two@at@example.org"}, "Enter a valid email address."),
        ({"email": "someone@localhost"}, "Enter a valid email address."),
        ({"name": "n" * 201}, "Field cannot be longer than 200 characters."),
        ({"email": "taken@example.org"}, "A user with the email taken@example.org already exists."),
    ],
)
def test_bad_new_account_is_refused_at_the_field_and_nothing_is_created(
    client, login, changes, message
):
    factories.make_user(email="taken@example.org")
    login.as_role("admin")
    before = count(User)
    data = new_account(
        **{"email": "someone@example.org", "name": "Someone", "actor": "", **changes}
    )
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    assert message in field_errors(response.text)
    assert count(User) == before


def test_nul_in_a_user_form_is_a_400_not_a_500(client, login):
    login.as_role("admin")
    data = {
        "email": "nul@example.org",
        "name": "Bad\x00name",
        "role": "viewer",
        "password": NEW_PASSWORD,
    }
    assert client.post("/admin/users/new", data=data).status_code == 400
    assert services.get_user_by_email("nul@example.org") is None


# Editing ------------------------------------------------------------------------------------------


def test_admin_changes_role_and_actor_and_the_trail_says_so(client, login):
    admin = login.as_role("admin")
    user = factories.make_user(role="viewer")
    response = client.post(
        f"/admin/users/{user.id}/edit", data=edit_form(user, role="member", actor="TR")
    )
    assert response.headers["Location"] == "/admin/users/"
    assert (fresh(user).role, fresh(user).actor.code) == (Role.MEMBER, "TR")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role_change"))
    assert event.entity_id == user.id and event.user_id == admin.id
    assert event.changes["role"] == ["viewer", "member"] and event.changes["actor"] == [None, "TR"]


def test_deactivating_an_account_ends_its_sessions_for_good(app, client, login):
    victim_browser = app.test_client()
    user = factories.make_user(password=PASSWORD)
    db.session.commit()
    victim_browser.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    cookie = victim_browser.get_cookie("session").value
    assert victim_browser.get("/plans/").status_code == 200

    login.as_role("admin")
    client.post(f"/admin/users/{user.id}/edit", data=edit_form(user, is_active=False))

    assert not fresh(user).is_active
    assert signed_out(victim_browser.get("/plans/"))
    client.post(f"/admin/users/{user.id}/edit", data=edit_form(fresh(user), is_active=True))
    assert fresh(user).is_active
    assert signed_out(replay(app, cookie))
    assert (
        count(AuditEvent, AuditEvent.action == "deactivate", AuditEvent.entity_id == user.id) == 1
    )
    assert (
        count(AuditEvent, AuditEvent.action == "reactivate", AuditEvent.entity_id == user.id) == 1
    )


def test_deactivated_account_cannot_sign_in_nor_use_its_tokens(client):
    user = factories.make_user(password=PASSWORD)
    _, plain = services.create_token(user, by="tests")
    services.deactivate_user(user, by="tests")
    response = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert "Wrong email or password." in response.text
    assert services.user_for_token(plain) is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"is_active": False}, "is_active", "You cannot deactivate your own account."),
        (
            {"role": "member"},
            "role",
            "You cannot take away your own admin role; ask another admin.",
        ),
    ],
)
def test_admin_cannot_deactivate_or_demote_themselves(client, login, changes, field, message):
    admin = login.as_role("admin")
    response = client.post(f"/admin/users/{admin.id}/edit", data=edit_form(admin, **changes))
    assert response.status_code == 200
    assert message in field_errors(response.text)
    assert fresh(admin).is_active and fresh(admin).role == Role.ADMIN
    assert client.get("/admin/users/").status_code == 200  # still signed in, still admin


def test_an_edit_saves_only_what_this_admin_changed(client, login):
    """Admin A opens the page; admin B then changes the role; A saves a new name: B's role stays."""
    login.as_role("admin")
    user = factories.make_user(role="viewer", name="Old name")
    form_as_loaded = edit_form(user, name="New name")
    services.update_user(
        user, name="Old name", role=Role.MEMBER, actor=None, is_active=True, by="B"
    )

    client.post(f"/admin/users/{user.id}/edit", data=form_as_loaded)

    assert (fresh(user).name, fresh(user).role) == ("New name", Role.MEMBER)


def test_an_edit_with_a_mangled_loaded_field_still_saves_what_was_sent(client, login):
    login.as_role("admin")
    user = factories.make_user(role="viewer")
    data = {**edit_form(user, role="member"), "loaded": "{not json"}
    client.post(f"/admin/users/{user.id}/edit", data=data)
    assert fresh(user).role == Role.MEMBER


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/users/{2**31}/edit",
        "/admin/users/0/edit",
        "/admin/users/99999/password",
        "/admin/users/x/edit",
    ],
)
def test_odd_user_ids_are_404(client, login, path):
    login.as_role("admin")
    assert client.get(path).status_code == 404


# Passwords ----------------------------------------------------------------------------------------


def test_admin_sets_a_password_and_the_users_sessions_end(app, client, login):
    user = factories.make_user(password=PASSWORD)
    db.session.commit()
    browser = app.test_client()
    browser.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    login.as_role("admin")

    refused = client.post(f"/admin/users/{user.id}/password", data={"password": COMMON})
    assert "This password is too common: choose another." in field_errors(refused.text)
    assert browser.get("/plans/").status_code == 200

    client.post(f"/admin/users/{user.id}/password", data={"password": NEW_PASSWORD})
    assert signed_out(browser.get("/plans/"))
    assert services.authenticate(user.email, NEW_PASSWORD, address="192.0.2.1") == user


def test_admin_sets_their_own_password_only_with_the_current_one(client, login):
    admin = login.as_role("admin")
    response = client.get(f"/admin/users/{admin.id}/password")
    assert response.headers["Location"] == "/auth/password"
    response = client.post(f"/admin/users/{admin.id}/password", data={"password": NEW_PASSWORD})
    assert response.headers["Location"] == "/auth/password"
    assert services.authenticate(admin.email, PASSWORD, address="192.0.2.1") is not None
    with pytest.raises(services.AuthError, match="Change my password"):
        services.set_password(admin, NEW_PASSWORD, by=admin)


def change_my_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/auth/password",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def test_change_my_password_needs_the_current_one_and_counts_wrong_guesses(client, login):
    user = login.as_role("viewer")
    response = change_my_password(client, current="not-my-password")
    assert "The current password is wrong." in field_errors(response.text)
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
    assert failed.user_id == user.id and failed.address == "127.0.0.1"
    assert "password page" in failed.summary
    assert (
        count(SignInAttempt, SignInAttempt.email == user.email, SignInAttempt.succeeded.is_(False))
        == 1
    )
    for _ in range(4):
        change_my_password(client, current="not-my-password")

    throttled = change_my_password(client)

    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.text
    assert services.authenticate(user.email, PASSWORD, address="192.0.2.1") == user  # unchanged


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        (COMMON, None, "This password is too common: choose another."),
        ("a-fine-long-passphrase", "another one", "The two passwords differ."),
        ("x" * 300, None, "Use at most 256 characters."),
    ],
)
def test_change_my_password_refuses_a_bad_new_one(client, login, new, confirm, message):
    user = login.as_role("viewer")
    response = change_my_password(client, new=new, confirm=confirm)
    assert message in field_errors(response.text)
    assert services.authenticate(user.email, PASSWORD, address="192.0.2.1") == user


def test_change_my_password_refuses_my_own_email(client, login):
    user = login.as_role("viewer")
    response = change_my_password(client, new=user.email.upper())
    assert "The password must not be your email address or your name." in field_errors(
        response.text
    )


# The account API ----------------------------------------------------------------------------------


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    if field:
        assert field in error["fields"], error
    return error


def test_me_is_the_tokens_owner(api):
    user = api.as_role("member", actor=factories.get_actor("HU"))
    body = api.get("/api/v1/me").get_json()
    assert body["id"] == user.id and body["role"] == "member" and body["actor"] == "HU"
    assert "password_hash" not in body and "session_version" not in body


def test_token_list_shows_only_my_tokens_with_their_last_use(api):
    user = api.as_role("viewer")
    other = factories.make_user()
    services.create_token(other, name="someone else's", by="tests")
    db.session.commit()
    items = api.get("/api/v1/tokens").get_json()["items"]
    assert [t["name"] for t in items] == ["API token"]
    assert items[0]["last_used_at"] is not None  # this very request used it
    assert not any(t["name"] == "someone else's" for t in items)
    assert user.tokens[0].prefix == items[0]["prefix"]


def test_revoking_my_own_token_through_the_api(api):
    user = api.as_role("viewer")
    spare, spare_plain = services.create_token(user, name="spare", by="tests")
    db.session.commit()
    response = api.post(f"/api/v1/tokens/{spare.id}/revoke")
    assert response.status_code == 200 and response.get_json()["revoked_at"]
    assert services.user_for_token(spare_plain) is None
    # user.tokens has no order: the API client's own token is the one that is not the spare.
    own = next(token for token in user.tokens if token.id != spare.id)
    assert api.post(f"/api/v1/tokens/{own.id}/revoke").status_code == 200
    assert_error(api.get("/api/v1/me"), 401)


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_someone_elses_token_is_404_and_keeps_working(api, role):
    api.as_role(role)
    token, plain = services.create_token(factories.make_user(), by="tests")
    db.session.commit()
    assert_error(api.post(f"/api/v1/tokens/{token.id}/revoke"), 404)
    assert_error(api.post("/api/v1/tokens/999999/revoke"), 404)
    assert services.user_for_token(plain) is not None


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admins_reach_the_users_api(api, role):
    api.as_role(role)
    target = factories.make_user(name="Untouched")
    db.session.commit()
    for method, url, body in [
        ("get", "/api/v1/users", None),
        (
            "post",
            "/api/v1/users",
            {"email": "x@example.org", "role": "admin", "password": NEW_PASSWORD},
        ),
        ("get", f"/api/v1/users/{target.id}", None),
        ("patch", f"/api/v1/users/{target.id}", {"role": "admin"}),
        ("get", "/api/v1/users/999999", None),  # 403, not 404: nothing about who exists
    ]:
        assert_error(getattr(api, method)(url, json=body), 403)
    assert fresh(target).role == Role.VIEWER and count(User, User.email == "x@example.org") == 0


def test_admin_creates_and_reads_an_account_through_the_api(api):
    api.as_role("admin")
    body = {
        "email": "api.made@example.org",
        "name": "Made by API",
        "role": "focal_point",
        "actor": "TR",
        "password": NEW_PASSWORD,
    }
    response = api.post("/api/v1/users", json=body)
    assert response.status_code == 201
    created = response.get_json()
    assert created["actor"] == "TR" and "password" not in created
    assert api.get(response.headers["Location"]).get_json() == created
    listed = api.get("/api/v1/users?per_page=500").get_json()["items"]
    assert any(u["email"] == "api.made@example.org" for u in listed)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": COMMON}, "password", "This password is too common: choose another."),
        ({"password": "x" * 10_000}, "password", "Use at most 256 characters."),
        (
            {"role": "focal_point", "actor": None},
            "actor",
            "A focal point must belong to a state or organisation.",
        ),
        ({"role": "root"}, "role", "Not a valid choice."),
        (
            {"email": "taken@example.org"},
            "email",
            "A user with the email taken@example.org already exists.",
        ),
        ({"name": 12}, "name", "Must be a string or null."),
        ({"password": "nul\x00nul\x00nul\x00"}, "password", "Must not contain NUL characters."),
        ({"admin": True}, "admin", "Unknown field."),
    ],
)
def test_bad_api_account_gets_the_page_message_and_nothing_changes(api, changes, field, message):
    factories.make_user(email="taken@example.org")
    api.as_role("admin")
    before = count(User)
    error = assert_error(api.post("/api/v1/users", json=new_account(**changes)), 422, field)
    assert message in error["fields"][field]
    assert count(User) == before


def test_patch_changes_only_the_fields_sent(api):
    admin = api.as_role("admin")
    user = factories.make_user(role="focal_point", name="Keep me")
    db.session.commit()
    body = api.patch(f"/api/v1/users/{user.id}", json={"role": "member"}).get_json()
    assert (body["role"], body["name"], body["actor"], body["is_active"]) == (
        "member",
        "Keep me",
        "HU",
        True,
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role_change"))
    assert event.user_id == admin.id


def test_patch_deactivates_and_the_users_token_stops_working(api):
    api.as_role("admin")
    user = factories.make_user()
    _, plain = services.create_token(user, by="tests")
    db.session.commit()
    version = user.session_version
    assert (
        api.patch(f"/api/v1/users/{user.id}", json={"is_active": False}).get_json()["is_active"]
        is False
    )
    assert services.user_for_token(plain) is None
    assert fresh(user).session_version == version + 1


@pytest.mark.parametrize("value", ["false", 0, None, []])
def test_patch_is_active_must_be_a_boolean(api, value):
    api.as_role("admin")
    user = factories.make_user()
    db.session.commit()
    assert_error(api.patch(f"/api/v1/users/{user.id}", json={"is_active": value}), 422, "is_active")
    assert fresh(user).is_active


def test_patch_cannot_deactivate_or_demote_oneself(api):
    admin = api.as_role("admin")
    error = assert_error(
        api.patch(f"/api/v1/users/{admin.id}", json={"is_active": False}), 422, "is_active"
    )
    assert error["fields"]["is_active"] == "You cannot deactivate your own account."
    assert_error(api.patch(f"/api/v1/users/{admin.id}", json={"role": "viewer"}), 422, "role")
    assert fresh(admin).is_active and fresh(admin).role == Role.ADMIN


def test_patch_with_a_bad_password_changes_nothing_else(api):
    api.as_role("admin")
    user = factories.make_user(name="Before", password=PASSWORD)
    db.session.commit()
    assert_error(
        api.patch(f"/api/v1/users/{user.id}", json={"name": "After", "password": COMMON}),
        422,
        "password",
    )
    assert fresh(user).name == "Before"
    assert services.authenticate(user.email, PASSWORD, address="192.0.2.1") is not None


def test_patch_cannot_set_ones_own_password(api):
    admin = api.as_role("admin")
    body = {"name": "Renamed", "password": NEW_PASSWORD}
    error = assert_error(api.patch(f"/api/v1/users/{admin.id}", json=body), 422, "password")
    assert "Change my password" in error["fields"]["password"]
    assert fresh(admin).name != "Renamed"


def test_patch_sets_a_password(api):
    api.as_role("admin")
    user = factories.make_user()
    db.session.commit()
    assert api.patch(f"/api/v1/users/{user.id}", json={"password": NEW_PASSWORD}).status_code == 200
    assert services.authenticate(user.email, NEW_PASSWORD, address="192.0.2.1") == fresh(user)


def test_unknown_user_is_a_json_404_for_admins(api):
    api.as_role("admin")
    assert_error(api.get("/api/v1/users/999999"), 404)
    assert_error(api.patch("/api/v1/users/999999", json={"name": "x"}), 404)


def test_there_is_no_api_to_make_tokens_or_change_ones_own_password(api, app):
    api.as_role("admin")
    assert api.post("/api/v1/tokens", json={"name": "x"}).status_code == 405
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not any("password" in rule for rule in rules if rule.startswith("/api/"))


# Token last use -----------------------------------------------------------------------------------


def test_token_creation_and_revocation_are_audited(client, login):
    user = login.as_role("member", actor=factories.get_actor("HU"))
    page = client.post("/auth/tokens", data={"name": "script"}).text
    token_id = int(re.search(r"/auth/tokens/(\d+)/revoke", page).group(1))
    client.post(f"/auth/tokens/{token_id}/revoke")
    about_token = (AuditEvent.entity_type == "api_tokens") & (AuditEvent.entity_id == token_id)
    trail = db.session.scalars(select(AuditEvent).where(about_token).order_by(AuditEvent.id))
    assert [(e.action, e.user_id) for e in trail] == [("create", user.id), ("revoke", user.id)]


def test_token_last_use_is_written_at_most_once_a_minute():
    user = factories.make_user()
    token, plain = services.create_token(user, by="tests")
    start = utcnow()
    services.user_for_token(plain, now=start)
    assert token.last_used_at == start
    services.user_for_token(plain, now=start + timedelta(seconds=59))
    assert token.last_used_at == start
    services.user_for_token(plain, now=start + timedelta(seconds=61))
    assert token.last_used_at == start + timedelta(seconds=61)


def test_tokens_page_shows_last_use(client, login):
    user = login.as_role("viewer")
    token, plain = services.create_token(user, name="nightly export", by="tests")
    services.user_for_token(plain)
    db.session.commit()
    row = re.search(
        r"<tr>\s*<td>nightly export</td>(.*?)</tr>", client.get("/auth/tokens").text, re.S
    )
    assert "UTC" in row.group(1) and "never" not in row.group(1)


def test_api_read_saves_the_tokens_last_use(api):
    user = api.as_role("viewer")
    assert api.get("/api/v1/plans").status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, user.tokens[0].id).last_used_at is not None


@pytest.mark.no_db_session
def test_last_use_gives_way_when_another_worker_wrote_first(scratch_app):
    """SQLite: a read transaction cannot become a write once another connection has written:
    the token still works, its last use just waits for the next request."""
    build_schema(scratch_app)
    with scratch_app.app_context():
        _, plain = services.create_token(factories.make_user(), by="tests")
        db.session.commit()
    with scratch_app.test_request_context("/api/v1/plans", method="GET"):
        db.session.execute(sa.text("SELECT count(*) FROM plans")).scalar()  # the read begins
        with db.engine.connect() as other:  # another worker writes meanwhile
            other.execute(sa.text("UPDATE actors SET note = 'x' WHERE id = 1"))
            other.commit()
        user = services.user_for_token(plain)
        assert user is not None and user.is_active  # the session is still usable
        db.session.commit()
        db.session.remove()
    with scratch_app.app_context():
        last = db.session.scalar(select(ApiToken.last_used_at))
        assert (last is None) == (db.engine.dialect.name == "sqlite")
        db.session.remove()


# The command line ---------------------------------------------------------------------------------


def cli(runner, *args, password=None):
    return runner.invoke(args=["user", *args], input=f"{password}\n" if password else None)


def test_cli_set_password(runner):
    user = factories.make_user(password=PASSWORD)
    result = cli(
        runner, "set-password", user.email.upper(), "--password-stdin", password=NEW_PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert services.authenticate(user.email, NEW_PASSWORD, address="192.0.2.1") is not None
    assert services.authenticate(user.email, PASSWORD, address="192.0.2.2") is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (COMMON, "too common"),
        ("short", "at least 12 characters"),
        ("", "at least 12"),
        ("y" * 300, "at most 256"),
    ],
)
def test_cli_set_password_applies_the_policy(runner, password, message):
    user = factories.make_user(password=PASSWORD)
    result = runner.invoke(
        args=["user", "set-password", user.email, "--password-stdin"], input=f"{password}\n"
    )
    assert result.exit_code != 0 and message in result.output
    assert services.authenticate(user.email, PASSWORD, address="192.0.2.1") is not None


def test_cli_set_password_prompts_twice(runner):
    user = factories.make_user(password=PASSWORD)
    result = runner.invoke(
        args=["user", "set-password", user.email], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output


def test_cli_deactivate(app, runner):
    user = factories.make_user(password=PASSWORD)
    db.session.commit()
    browser = app.test_client()
    browser.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})

    result = cli(runner, "deactivate", user.email)

    assert result.exit_code == 0, result.output
    assert not fresh(user).is_active
    assert signed_out(browser.get("/plans/"))
    again = cli(runner, "deactivate", user.email)
    assert again.exit_code == 0 and "already" in again.output


@pytest.mark.parametrize("command", ["deactivate", "set-password"])
def test_cli_refuses_an_unknown_email(runner, command):
    result = runner.invoke(
        args=["user", command, "nobody@example.org", "--password-stdin"][
            : 4 if command == "set-password" else 3
        ],
        input=f"{NEW_PASSWORD}\n",
    )
    assert result.exit_code != 0
    assert "No user with the email" in result.output


def test_cli_create_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["user", "create", "c@example.org", "--role", "viewer", "--password-stdin"],
        input=f"{COMMON}\n",
    )
    assert result.exit_code != 0 and "too common" in result.output
    assert services.get_user_by_email("c@example.org") is None
