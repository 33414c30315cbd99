import re

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests import factories
from tests.conftest import create_test_app
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.plan.models import ActionPoint

PROTECTED_PAGES = [
    "/plans/",
    "/plans/BP-CFA-2019",
    "/plans/BP-CFA-2019/goals/1",
    "/plans/BP-CFA-2019/action-points/new",
    "/actors/",
    "/auth/tokens",
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def action_point_form(plan, **overrides) -> dict:
    return {
        "goal_id": plan.goals[1].id,
        "code": "17",
        "title": "Strengthen return counselling",
        "description": "",
        "lead_actor": "HU",
        "partners": ["AT", "TR"],
        "target_on": "2024-06-30",
        **overrides,
    }


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_anonymous_user_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in")


@pytest.mark.parametrize("page", ["", "/edit"])
def test_anonymous_user_cannot_see_or_edit_an_action_point(client, page):
    ap = factories.make_action_point()
    response = client.get(f"/plans/action-points/{ap.id}{page}")
    assert response.headers["Location"].startswith("/auth/sign-in")


@pytest.mark.parametrize("path", ["/auth/sign-out", "/auth/tokens/1/revoke"])
def test_anonymous_post_is_sent_to_sign_in(client, path):
    response = client.post(path)
    assert response.headers["Location"].startswith("/auth/sign-in")


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admin_sees_edit_links(client, login, role):
    ap = factories.make_action_point()
    login.as_role(role)
    assert b"/edit" not in client.get(f"/plans/action-points/{ap.id}").data
    assert b"New action point</a>" not in client.get("/plans/BP-CFA-2019").data


def test_someone_elses_token_cannot_be_revoked(client, login):
    from tracker.auth.services import create_token, user_for_token

    owner = factories.make_user()
    token, plain = create_token(owner, by="tests")
    login.as_role("admin")
    assert client.post(f"/auth/tokens/{token.id}/revoke").status_code == 404
    assert user_for_token(plain) is not None


@pytest.mark.parametrize(
    "path",
    [
        f"/plans/action-points/{2**64}",
        f"/plans/action-points/{2**31}/edit",
        f"/plans/BP-CFA-2019/goals/{2**64}",
        "/plans/%C2%B2",
        "/plans/99999999999999999999",
        "/plans/action-points/0",
    ],
)
def test_out_of_range_or_odd_ids_are_404_not_500(client, login, path):
    login.as_role("admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/plans/%00", "/plans/BP-CFA-2019?x=%00"])
def test_nul_in_the_address_is_400_not_500(client, login, path):
    login.as_role("viewer")
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/",
        "/%09/evil.example",
        "/%0d%0a/x",
        "/\\evil.example",
        "https://evil.example/",
    ],
)
def test_sign_in_never_redirects_off_site(client, next_path):
    user = factories.make_user(password="a-long-test-password")
    response = client.post(
        f"/auth/sign-in?next={next_path}",
        data={"email": user.email, "password": "a-long-test-password"},
    )
    assert response.headers["Location"] == "/"  # the dashboard


def test_sign_in_follows_a_local_next_address(client):
    user = factories.make_user(password="a-long-test-password")
    response = client.post(
        "/auth/sign-in?next=/actors/",
        data={"email": user.email, "password": "a-long-test-password"},
    )
    assert response.headers["Location"] == "/actors/"


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_non_admin_cannot_open_new_action_point_page(client, login, role):
    login.as_role(role)
    assert client.get("/plans/BP-CFA-2019/action-points/new").status_code == 403


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_non_admin_cannot_edit_action_point(client, login, role):
    ap = factories.make_action_point()
    login.as_role(role)
    response = client.post(f"/plans/action-points/{ap.id}/edit", data={"title": "Hijacked"})
    assert response.status_code == 403
    assert db.session.get(ActionPoint, ap.id).title == "Test action point"


def test_wrong_password_is_refused_with_a_message(client):
    user = factories.make_user(password="the-right-password")
    response = client.post("/auth/sign-in", data={"email": user.email, "password": "wrong-one!!"})
    assert response.status_code == 200
    assert b"Wrong email or password." in response.data
    assert client.get("/plans/").status_code == 302


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client, login):
    login.as_role("viewer")
    stolen = client.get_cookie("session").value
    assert client.post("/auth/sign-out").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/plans/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in")


def test_plan_page_says_how_many_action_points_are_defined(client, login):
    login.as_role("viewer")
    page = client.get("/plans/BP-CFA-2019").get_data(as_text=True)
    assert "0 of 41 action points defined" in page
    assert "The Secretariat loads them from the official text" in page
    factories.make_action_point(code="1")
    page = client.get("/plans/BP-CFA-2019").get_data(as_text=True)
    assert "1 of 41 action points defined" in page


def test_goal_page_lists_only_its_action_points(client, login):
    plan = factories.get_plan()
    factories.make_action_point(goal=plan.goals[0], title="In goal one")
    factories.make_action_point(goal=plan.goals[1], title="In goal two")
    login.as_role("viewer")
    page = client.get("/plans/BP-CFA-2019/goals/1").get_data(as_text=True)
    assert "In goal one" in page
    assert "In goal two" not in page


def test_unknown_plan_and_goal_are_404_pages(client, login):
    login.as_role("viewer")
    assert client.get("/plans/NOPE").status_code == 404
    response = client.get("/plans/BP-CFA-2019/goals/9")
    assert response.status_code == 404
    assert b"Not found" in response.data


def test_admin_creates_action_point_and_history_records_it(client, login):
    login.as_role("admin")
    plan = factories.get_plan()
    response = client.post("/plans/BP-CFA-2019/action-points/new", data=action_point_form(plan))
    ap = db.session.scalar(select(ActionPoint).where(ActionPoint.code == "17"))
    assert response.headers["Location"] == f"/plans/action-points/{ap.id}"
    assert ap.goal.number == 2 and ap.lead_actor.code == "HU"
    assert sorted(a.code for a in ap.partners) == ["AT", "TR"]
    page = client.get(f"/plans/action-points/{ap.id}").get_data(as_text=True)
    assert "Created action point 17 in BP-CFA-2019" in page


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 10_000}, "Field cannot be longer than 300 characters."),
        ({"code": "17; DROP"}, "Use 1 to 20 letters, digits"),
        ({"lead_actor": "XX"}, "Not a valid choice."),
        ({"target_on": "31/02/2024"}, "Not a valid date value."),
    ],
)
def test_bad_action_point_input_is_refused_at_the_field(client, login, overrides, field_message):
    login.as_role("admin")
    before = count(ActionPoint), count(AuditEvent)
    data = action_point_form(factories.get_plan(), **overrides)
    response = client.post("/plans/BP-CFA-2019/action-points/new", data=data)
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    assert 'class="invalid-feedback"' in response.get_data(as_text=True)
    assert (count(ActionPoint), count(AuditEvent)) == before


def test_duplicate_code_in_a_plan_is_refused(client, login):
    factories.make_action_point(code="17")
    login.as_role("admin")
    data = action_point_form(factories.get_plan(), code="17")
    response = client.post("/plans/BP-CFA-2019/action-points/new", data=data)
    assert "already has an action point 17" in response.get_data(as_text=True)
    assert count(ActionPoint) == 1


def test_same_code_is_allowed_in_another_plan(client, login):
    factories.make_action_point(code="17")
    login.as_role("admin")
    data = action_point_form(factories.get_plan("BP-CFA-2025"), code="17")
    data["goal_id"] = factories.get_plan("BP-CFA-2025").goals[0].id
    response = client.post("/plans/BP-CFA-2025/action-points/new", data=data)
    assert response.status_code == 302


def test_goal_of_another_plan_is_refused(client, login):
    login.as_role("admin")
    other_goal = factories.get_plan("BP-CFA-2025").goals[0]
    data = action_point_form(factories.get_plan(), goal_id=other_goal.id)
    response = client.post("/plans/BP-CFA-2019/action-points/new", data=data)
    assert response.status_code == 200
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert count(ActionPoint) == 0


def test_edit_shows_before_and_after_in_history(client, login):
    ap = factories.make_action_point(code="5", title="Old title")
    login.as_role("admin")
    data = action_point_form(ap.plan, code="5", title="New title", version=ap.version)
    response = client.post(f"/plans/action-points/{ap.id}/edit", data=data)
    assert response.status_code == 302
    page = client.get(f"/plans/action-points/{ap.id}").get_data(as_text=True)
    assert re.search(r"<del>Old title</del>\s*→\s*<ins>New title</ins>", page)
    assert db.session.get(ActionPoint, ap.id).version == 2


def test_edit_form_shows_the_saved_lead_actor(client, login):
    ap = factories.make_action_point(lead_actor=factories.get_actor("TR"))
    login.as_role("admin")
    page = client.get(f"/plans/action-points/{ap.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="TR">|<option value="TR" selected>', page)


def test_stale_edit_shows_conflict_and_changes_nothing(client, login):
    ap = factories.make_action_point(title="Saved by someone else")
    login.as_role("admin")
    data = action_point_form(ap.plan, code=ap.code, title="My edit", version=99)
    response = client.post(f"/plans/action-points/{ap.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="conflict"' in page and "Saved by someone else" in page and "My edit" in page
    assert db.session.get(ActionPoint, ap.id).title == "Saved by someone else"


def test_edit_that_loses_a_race_shows_conflict_and_changes_nothing(client, login):
    ap = factories.make_action_point(title="Mine to edit")
    login.as_role("admin")
    # Another writer commits between our version check and our write: bump the row behind the
    # ORM's back, so that the form's version still matches the copy this session holds.
    db.session.execute(
        sa.update(ActionPoint.__table__)
        .where(ActionPoint.id == ap.id)
        .values(version=ap.version + 1, title="Theirs")
    )
    data = action_point_form(ap.plan, code=ap.code, title="Mine", version=ap.version)
    response = client.post(f"/plans/action-points/{ap.id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="conflict"' in page and "Theirs" in page
    db.session.expire_all()
    assert db.session.get(ActionPoint, ap.id).title == "Theirs"


def test_markdown_description_is_sanitised(client, login):
    ap = factories.make_action_point(
        description="**bold** <script>alert(1)</script> [x](javascript:alert(2))"
    )
    login.as_role("viewer")
    page = client.get(f"/plans/action-points/{ap.id}").get_data(as_text=True)
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page


def test_pages_carry_security_headers(client, login):
    login.as_role("viewer")
    headers = client.get("/plans/").headers
    assert headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_css_framework_is_served_by_the_app(client):
    page = client.get("/auth/sign-in").get_data(as_text=True)
    css = re.search(r'href="(/bootstrap/static/[^"]+\.css)"', page)
    assert css, "Bootstrap must come from the app, not a CDN"
    assert "cdn" not in page.lower()
    with client.get(css.group(1)) as response:
        assert response.status_code == 200


@pytest.fixture
def csrf_client(database_url):
    app = create_test_app(database_url, WTF_CSRF_ENABLED=True)
    return app.test_client()


def csrf_token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)[1]


def test_sign_in_without_csrf_token_is_refused(csrf_client):
    user = factories.make_user(password="a-long-test-password")
    data = {"email": user.email, "password": "a-long-test-password"}
    assert csrf_client.post("/auth/sign-in", data=data).status_code == 400
    assert csrf_client.get("/plans/").status_code == 302


def test_signed_in_post_needs_the_csrf_token(csrf_client):
    user = factories.make_user(role="admin", password="a-long-test-password")
    data = {"email": user.email, "password": "a-long-test-password"}
    data["csrf_token"] = csrf_token(csrf_client, "/auth/sign-in")
    assert csrf_client.post("/auth/sign-in", data=data).status_code == 302
    ap = factories.make_action_point(title="Before")
    form = action_point_form(ap.plan, code=ap.code, title="Forged", version=ap.version)
    assert csrf_client.post(f"/plans/action-points/{ap.id}/edit", data=form).status_code == 400
    assert db.session.get(ActionPoint, ap.id).title == "Before"
    form["csrf_token"] = csrf_token(csrf_client, f"/plans/action-points/{ap.id}/edit")
    assert csrf_client.post(f"/plans/action-points/{ap.id}/edit", data=form).status_code == 302


def test_actor_directory_lists_states_groups_and_reference_group(client, login):
    login.as_role("viewer")
    page = client.get("/actors/").get_data(as_text=True)
    assert 'id="actor-TR"' in page and 'id="actor-ICMPD"' in page
    assert "Working Group on the Silk Routes Region" in page
    assert "rapporteur" in page


def test_api_tokens_page_creates_and_revokes_a_token(client, login):
    login.as_role("member")
    page = client.post("/auth/tokens", data={"name": "script"}).get_data(as_text=True)
    token = re.search(r'id="new-token">(bpt_[^<]+)<', page).group(1)
    from tracker.auth.services import user_for_token

    assert user_for_token(token) is not None
    token_id = re.search(r"/auth/tokens/(\d+)/revoke", page).group(1)
    client.post(f"/auth/tokens/{token_id}/revoke")
    assert user_for_token(token) is None


def test_nul_character_in_a_form_is_refused_without_writing(client, login):
    login.as_role("admin")
    data = action_point_form(factories.get_plan(), title="Bad\x00title")
    response = client.post("/plans/BP-CFA-2019/action-points/new", data=data)
    assert response.status_code == 400
    assert count(ActionPoint) == 0
