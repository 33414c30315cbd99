"""The JSON API under /api/v1: Bearer tokens, envelopes, errors, and writes through the forms."""

import re

import pytest
from sqlalchemy import event, func, select

from tests import factories
from tracker.api.money import format_minor, money
from tracker.api.openapi import openapi_document
from tracker.audit.models import AuditEvent
from tracker.auth import services as auth_services
from tracker.db import db
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def count_action_points() -> int:
    return db.session.scalar(select(func.count()).select_from(ActionPoint))


def new_action_point_body(**overrides) -> dict:
    plan = factories.get_plan()
    return {
        "goal_id": plan.goals[1].id,
        "code": "99.1",
        "title": "Joint training for border guards",
        "description": "Two sessions a year.",
        "lead_actor": "HU",
        "partners": ["AT"],
        "target_on": "2026-06-30",
        **overrides,
    }


@pytest.fixture
def admin(api):
    api.as_role("admin")
    return api


def test_request_without_token_is_refused_with_json_401(client):
    response = client.get("/api/v1/plans")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_request_with_wrong_token_is_refused(client):
    response = client.get("/api/v1/plans", headers={"Authorization": "Bearer bpt_not-a-token"})
    assert_error(response, 401, "unauthorized")


def test_request_with_malformed_authorization_header_is_refused(client):
    response = client.get("/api/v1/plans", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(response, 401, "unauthorized")


def test_revoked_token_is_refused(api):
    user = api.as_role("viewer")
    auth_services.revoke_token(user.tokens[0], by="tests")
    db.session.commit()
    assert_error(api.get("/api/v1/plans"), 401, "unauthorized")


def test_session_cookie_does_not_authenticate_the_api(client, login):
    login.as_role("admin")
    assert client.get("/plans/").status_code == 200
    assert_error(client.get("/api/v1/plans"), 401)


def test_viewer_token_can_read_plans(api):
    api.as_role("viewer")
    assert api.get("/api/v1/plans").status_code == 200


def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"Money", "Error", "Page"} <= set(document["components"]["schemas"])


def test_every_api_route_is_documented_in_openapi(app):
    with app.test_request_context():
        paths = openapi_document()["paths"]
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in paths.items() for method in item}
    assert routes, "no API routes found"
    assert routes - documented == set()


def test_plan_list_uses_the_envelope(admin):
    body = admin.get("/api/v1/plans").get_json()
    assert body["page"] == 1 and body["per_page"] == 50
    assert body["total"] == len(body["items"]) >= 2
    assert "BP-CFA-2019" in [p["code"] for p in body["items"]]


def test_plan_list_pages_by_per_page(admin):
    body = admin.get("/api/v1/plans?per_page=1&page=2").get_json()
    assert (body["page"], body["per_page"], len(body["items"])) == (2, 1, 1)
    assert body["total"] >= 2


@pytest.mark.parametrize(
    "query", ["per_page=501", "per_page=abc", "per_page=0", "page=0", "page=-1"]
)
def test_bad_pagination_parameter_is_a_400(admin, query):
    error = assert_error(admin.get(f"/api/v1/plans?{query}"), 400, "bad_request")
    assert query.split("=")[0] in error["message"]


def test_page_beyond_the_end_is_empty(admin):
    body = admin.get("/api/v1/plans?page=999").get_json()
    assert body["items"] == [] and body["total"] >= 2


def test_plan_answers_at_its_code_and_at_its_id(admin):
    by_code = admin.get("/api/v1/plans/BP-CFA-2019").get_json()
    by_id = admin.get(f"/api/v1/plans/{by_code['id']}").get_json()
    assert by_code == by_id
    assert by_code["code"] == "BP-CFA-2019"


def test_unknown_plan_is_a_json_404(admin):
    assert_error(admin.get("/api/v1/plans/NOPE"), 404, "not_found")


def test_huge_plan_id_is_a_404_not_a_database_error(admin):
    assert_error(admin.get("/api/v1/plans/99999999999999999999"), 404)


def test_shipped_plan_shows_six_goals_and_no_action_points(admin):
    plan = admin.get("/api/v1/plans/BP-CFA-2019").get_json()
    assert [g["number"] for g in plan["goals"]] == [1, 2, 3, 4, 5, 6]
    assert plan["defined_action_points"] == 0
    assert plan["expected_action_points"] == 41


def test_plan_outline_lists_action_points_under_their_goal(admin):
    factories.make_action_point(code="3.4", lead_actor=factories.get_actor("HU"))
    db.session.commit()
    plan = admin.get("/api/v1/plans/BP-CFA-2019").get_json()
    assert plan["defined_action_points"] == 1
    assert plan["goals"][0]["action_points"][0]["code"] == "3.4"
    assert plan["goals"][0]["action_points"][0]["lead_actor"] == "HU"


def test_goal_shows_its_action_points(admin):
    ap = factories.make_action_point()
    db.session.commit()
    body = admin.get(f"/api/v1/goals/{ap.goal_id}").get_json()
    assert body["plan"] == "BP-CFA-2019"
    assert [a["id"] for a in body["action_points"]] == [ap.id]


def test_action_point_shows_partners_and_activities_with_money(admin):
    ap = factories.make_action_point(partners=[factories.get_actor("AT")])
    plan_services.create_activity(
        ap, title="Workshop", budget_minor=125_000_000, budget_currency="EUR", by="tests"
    )
    db.session.commit()
    body = admin.get(f"/api/v1/action-points/{ap.id}").get_json()
    assert body["plan"] == "BP-CFA-2019"
    assert body["goal"]["number"] == 1
    assert body["partners"] == ["AT"]
    assert body["lead_actor"] is None
    assert body["activities"][0]["budget"] == {"amount": "1250000.00", "currency": "EUR"}


def test_activity_shows_its_budget_as_money(admin):
    ap = factories.make_action_point()
    activity = plan_services.create_activity(
        ap, title="Study", budget_minor=1_250_000, budget_currency="JPY", by="tests"
    )
    db.session.commit()
    body = admin.get(f"/api/v1/activities/{activity.id}").get_json()
    assert body["budget"] == {"amount": "1250000", "currency": "JPY"}
    assert body["action_point"] == {"id": ap.id, "code": ap.code}


def test_action_point_list_filters_by_plan(admin):
    factories.make_action_point()
    factories.make_action_point(plan=factories.get_plan("BP-CFA-2025"))
    db.session.commit()
    body = admin.get("/api/v1/action-points?plan=BP-CFA-2025").get_json()
    assert body["total"] == 1
    assert body["items"][0]["plan"] == "BP-CFA-2025"


def test_action_point_list_with_unknown_plan_is_a_400(admin):
    assert_error(admin.get("/api/v1/action-points?plan=NOPE"), 400)


def test_actor_list_filters_by_kind(admin):
    body = admin.get("/api/v1/actors?kind=organisation&per_page=500").get_json()
    assert body["items"] and {a["kind"] for a in body["items"]} == {"organisation"}


def test_actor_list_refuses_an_unknown_kind(admin):
    error = assert_error(admin.get("/api/v1/actors?kind=planet"), 400)
    assert "organisation" in error["message"]


def test_actor_answers_at_its_id(admin):
    hungary = factories.get_actor("HU")
    assert admin.get(f"/api/v1/actors/{hungary.id}").get_json()["code"] == "HU"


def test_admin_creates_an_action_point(admin):
    response = admin.post("/api/v1/action-points", json=new_action_point_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/action-points/{body['id']}")
    assert (body["code"], body["lead_actor"], body["partners"]) == ("99.1", "HU", ["AT"])
    assert body["target_on"] == "2026-06-30" and body["version"] == 1


def test_creating_an_action_point_is_audited(admin):
    body = admin.post("/api/v1/action-points", json=new_action_point_body()).get_json()
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_type == "action_points", AuditEvent.entity_id == body["id"]
        )
    )
    assert event is not None and event.action == "create"
    assert event.user is not None and event.user.role == "admin"


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admin_may_create_an_action_point(api, role):
    api.as_role(role)
    before = count_action_points()
    assert_error(api.post("/api/v1/action-points", json=new_action_point_body()), 403, "forbidden")
    assert count_action_points() == before


def test_duplicate_code_is_refused_at_the_code_field(admin):
    existing = factories.make_action_point(code="5")
    db.session.commit()
    body = new_action_point_body(goal_id=existing.goal_id, code="5")
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422, "invalid")
    assert "already has" in error["fields"]["code"]


def test_overlong_title_is_refused_and_nothing_is_written(admin):
    before = count_action_points()
    body = new_action_point_body(title="x" * 10_000)
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {"title"}
    assert count_action_points() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", 123), ("code", 17), ("description", {"a": 1}), ("lead_actor", ["HU"]),
     ("partners", "AT"), ("partners", [1]), ("goal_id", "1"), ("goal_id", True)],
)  # fmt: skip
def test_json_value_of_the_wrong_type_is_refused_at_its_field(admin, field, value):
    body = new_action_point_body(**{field: value})
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {field}


def test_unknown_field_is_refused(admin):
    body = new_action_point_body(status="done")
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert error["fields"] == {"status": "Unknown field."}


def test_missing_required_field_is_refused(admin):
    body = new_action_point_body()
    del body["title"]
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {"title"}


def test_unknown_lead_actor_is_refused_at_its_field(admin):
    body = new_action_point_body(lead_actor="XX")
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {"lead_actor"}


def test_unknown_goal_is_refused_at_its_field(admin):
    body = new_action_point_body(goal_id=2**40)
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {"goal_id"}


def test_invalid_date_is_refused_at_its_field(admin):
    body = new_action_point_body(target_on="30/06/2026")
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {"target_on"}


def test_nul_character_is_refused_rather_than_sent_to_the_database(admin):
    body = new_action_point_body(title="bad\u0000title")
    error = assert_error(admin.post("/api/v1/action-points", json=body), 422)
    assert set(error["fields"]) == {"title"}


def test_malformed_json_is_a_400(admin):
    response = admin.post(
        "/api/v1/action-points", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_request")


def test_json_body_that_is_not_an_object_is_a_400(admin):
    assert_error(admin.post("/api/v1/action-points", json=["code", "1"]), 400)


def test_form_encoded_body_is_a_415(admin):
    response = admin.post("/api/v1/action-points", data={"code": "1", "title": "x"})
    assert_error(response, 415, "unsupported_media_type")


def test_oversized_body_is_a_413(admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    body = new_action_point_body(description="x" * 5000)
    assert_error(admin.post("/api/v1/action-points", json=body), 413)


def test_patch_changes_the_given_fields_and_bumps_the_version(admin):
    ap = factories.make_action_point(title="Old title", partners=[factories.get_actor("AT")])
    db.session.commit()
    response = admin.patch(f"/api/v1/action-points/{ap.id}", json={"title": "New", "version": 1})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["version"], body["partners"]) == ("New", 2, ["AT"])


def test_patch_is_audited_with_before_and_after(admin):
    ap = factories.make_action_point(title="Old title")
    db.session.commit()
    admin.patch(f"/api/v1/action-points/{ap.id}", json={"title": "New", "version": 1})
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_id == ap.id,
            AuditEvent.entity_type == "action_points",
            AuditEvent.action == "update",
        )
    )
    assert event.changes == {"title": ["Old title", "New"]}


def test_patch_with_null_clears_an_optional_field(admin):
    ap = factories.make_action_point(lead_actor=factories.get_actor("HU"))
    db.session.commit()
    body = admin.patch(
        f"/api/v1/action-points/{ap.id}", json={"lead_actor": None, "version": 1}
    ).get_json()
    assert body["lead_actor"] is None


def test_patch_with_stale_version_is_a_conflict_and_changes_nothing(admin):
    ap = factories.make_action_point(title="Kept")
    db.session.commit()
    admin.patch(f"/api/v1/action-points/{ap.id}", json={"code": "T-new", "version": 1})
    response = admin.patch(f"/api/v1/action-points/{ap.id}", json={"title": "Lost", "version": 1})
    error = assert_error(response, 409, "conflict")
    assert error["current"]["version"] == 2 and error["current"]["title"] == "Kept"
    db.session.expire_all()
    assert db.session.get(ActionPoint, ap.id).title == "Kept"


def test_patch_without_version_is_refused(admin):
    ap = factories.make_action_point()
    db.session.commit()
    error = assert_error(admin.patch(f"/api/v1/action-points/{ap.id}", json={"title": "X"}), 422)
    assert set(error["fields"]) == {"version"}


def test_patch_cannot_move_an_action_point_to_another_plans_goal(admin):
    ap = factories.make_action_point()
    db.session.commit()
    other_goal = factories.get_plan("BP-CFA-2025").goals[0]
    response = admin.patch(
        f"/api/v1/action-points/{ap.id}", json={"goal_id": other_goal.id, "version": 1}
    )
    error = assert_error(response, 422)
    assert set(error["fields"]) == {"goal_id"}


def test_member_cannot_patch_an_action_point(api):
    api.as_role("member")
    ap = factories.make_action_point(title="Kept")
    db.session.commit()
    response = api.patch(f"/api/v1/action-points/{ap.id}", json={"title": "X", "version": 1})
    assert_error(response, 403)
    db.session.expire_all()
    assert db.session.get(ActionPoint, ap.id).title == "Kept"


def test_patch_of_unknown_action_point_is_a_404(admin):
    assert_error(admin.patch("/api/v1/action-points/999999", json={"version": 1}), 404)


def test_delete_on_plans_is_a_json_405(admin):
    response = admin.delete("/api/v1/plans")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_unknown_api_path_is_a_json_404(admin):
    assert_error(admin.get("/api/v1/nope"), 404, "not_found")


def test_money_has_the_currency_minor_digits():
    assert format_minor(125_000_000, "EUR") == "1250000.00"
    assert format_minor(1_250_000, "JPY") == "1250000"
    assert format_minor(-5, "USD") == "-0.05"
    assert format_minor(1_234, "KWD") == "1.234"


def test_money_object_is_none_without_a_currency():
    assert money(100, None) is None
    assert money(100, "eur") == {"amount": "1.00", "currency": "EUR"}


def count_queries(app, call) -> int:
    call()  # warm up: a token's first use of the minute also writes its last use
    statements = []

    def record(conn, cursor, statement, *args):
        # A request's SAVEPOINT stands for the BEGIN it runs in production (and `make bench`
        # counts); its RELEASE for the COMMIT or ROLLBACK, which no statement counter sees.
        if not statement.startswith("RELEASE SAVEPOINT"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_plan_is_loaded_in_a_fixed_number_of_queries(admin, app):
    factories.make_action_point(lead_actor=factories.get_actor("HU"))
    db.session.commit()
    few = count_queries(app, lambda: admin.get("/api/v1/plans/BP-CFA-2019"))
    for code in ("AT", "BE", "BG", "HR", "CY"):
        factories.make_action_point(lead_actor=factories.get_actor(code))
    db.session.commit()
    many = count_queries(app, lambda: admin.get("/api/v1/plans/BP-CFA-2019"))
    assert many == few > 0


def test_action_point_list_is_loaded_in_a_fixed_number_of_queries(admin, app):
    factories.make_action_point(partners=[factories.get_actor("AT")])
    db.session.commit()
    few = count_queries(app, lambda: admin.get("/api/v1/action-points"))
    for code in ("BE", "BG", "HR"):
        factories.make_action_point(partners=[factories.get_actor(code)])
    db.session.commit()
    many = count_queries(app, lambda: admin.get("/api/v1/action-points"))
    assert many == few > 0


def test_shipped_facts_come_with_their_sources(api):
    api.as_role("viewer")
    plan = api.get("/api/v1/plans/BP-CFA-2019").get_json()
    assert plan["source_confidence"] == "high" and plan["sources"]
    assert all(goal["sources"] for goal in plan["goals"])
    actors = api.get("/api/v1/actors?kind=participating_state&per_page=500").get_json()
    turkiye = next(a for a in actors["items"] if a["code"] == "TR")
    assert turkiye["source_confidence"] == "high" and turkiye["sources"]


def test_absurdly_deep_json_is_400_not_500(api):
    api.as_role("admin")
    body = "[" * 200_000
    response = api.post(
        "/api/v1/action-points", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/plans/%C2%B2", f"/api/v1/action-points/{2**64}", "/api/v1/plans/0"],
)
def test_odd_ids_are_404_json(api, path):
    api.as_role("viewer")
    response = api.get(path)
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_nul_in_a_query_is_400_json(api):
    api.as_role("viewer")
    response = api.get("/api/v1/action-points?plan=%00")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_api_answers_are_not_cached(api):
    api.as_role("viewer")
    assert api.get("/api/v1/plans").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "BP-CFA-2019\x00", "title": "Spring"}, "plan"),  # looked up first
        ({"plan": "BP-CFA-2019", "title": "Spring\x00"}, "title"),
        ({"plan\x00": "BP-CFA-2019", "title": "Spring"}, "plan\x00"),
    ],
    ids=["value looked up first", "value", "field name"],
)
def test_a_nul_in_a_json_body_is_refused_at_the_field_and_writes_nothing(api, body, field):
    # PostgreSQL refuses NUL even in a query: the round's plan was looked up with it (a 500).
    api.as_role("admin")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    error = assert_error(api.post("/api/v1/rounds", json=body), 422)
    assert error["fields"] == {field: "Must not contain NUL characters."}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
