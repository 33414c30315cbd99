"""API writes added by issue 3: same services, 422 by field, 409 on a stale version."""

import io

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.plan import services
from tracker.plan.fileformats import CSV_COLUMNS


@pytest.fixture
def admin(api):
    api.as_role("admin")
    return api


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def plan_csv(title: str = "Return counselling", goal: str = "1") -> bytes:
    row = f"action_point,,17,{goal},,{title},,HU,AT,2026-06-30,,,,"
    return (",".join(CSV_COLUMNS) + "\r\n" + row + "\r\n").encode()


def upload(client, data: bytes, name: str = "plan.csv", query: str = ""):
    return client.post(
        f"/api/v1/plans/BP-CFA-2019/import{query}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_dry_run_reports_and_writes_nothing(admin):
    response = upload(admin, plan_csv(), query="?dry_run=true")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["dry_run"], body["created"], body["updated"]) == (True, 1, 0)
    assert services.find_action_point(factories.get_plan(), "17") is None


def test_import_writes_and_a_second_import_changes_nothing(admin):
    assert upload(admin, plan_csv()).get_json()["created"] == 1
    events = audit_count()
    body = upload(admin, plan_csv()).get_json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 1)
    assert audit_count() == events


def test_bad_import_is_422_with_every_error_by_row_and_column(admin):
    response = upload(admin, plan_csv(goal="9"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["errors"] == ["Row 2, column 'goal': no priority goal 9 in BP-CFA-2019."]
    assert error["fields"]["file"] == error["errors"][0]


def test_import_without_a_file_is_422(admin):
    response = admin.post("/api/v1/plans/BP-CFA-2019/import", data={})
    assert response.status_code == 422
    assert "field 'file'" in response.get_json()["error"]["fields"]["file"]


def test_viewer_cannot_import(api):
    api.as_role("viewer")
    assert upload(api, plan_csv()).status_code == 403


def test_export_parses_back(admin):
    upload(admin, plan_csv(title="Göç"))
    response = admin.get("/api/v1/plans/BP-CFA-2019/export?format=yaml")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    again = upload(admin, response.data, name="plan.yaml").get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 7)


def test_goal_create_and_patch_with_stale_version(admin):
    response = admin.post("/api/v1/plans/BP-CFA-2025/goals", json={"number": 7, "title": "Seventh"})
    assert response.status_code == 201, response.get_json()
    goal = response.get_json()
    stale = admin.patch(f"/api/v1/goals/{goal['id']}", json={"title": "X", "version": 99})
    assert stale.status_code == 409
    ok = admin.patch(f"/api/v1/goals/{goal['id']}", json={"title": "X", "version": 1})
    assert ok.get_json()["title"] == "X" and ok.get_json()["version"] == 2


def test_duplicate_goal_number_is_422_at_number(admin):
    response = admin.post("/api/v1/plans/BP-CFA-2019/goals", json={"number": 1, "title": "x"})
    assert response.status_code == 422
    assert "already has a goal 1" in response.get_json()["error"]["fields"]["number"]


def test_activity_create_with_budget_and_bad_budget(admin):
    ap = factories.make_action_point()
    db.session.commit()
    url = f"/api/v1/action-points/{ap.id}/activities"
    response = admin.post(
        url, json={"title": "Workshop", "budget_amount": "10.50", "budget_currency": "EUR"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"] == "A1" and body["budget"] == {"amount": "10.50", "currency": "EUR"}
    bad = admin.post(url, json={"title": "W", "budget_amount": "1.234", "budget_currency": "EUR"})
    assert bad.status_code == 422
    assert "EUR has 2 decimal places" in bad.get_json()["error"]["fields"]["budget_amount"]
    minus = admin.post(url, json={"title": "W", "budget_amount": "-1", "budget_currency": "EUR"})
    assert minus.get_json()["error"]["fields"] == {"budget_amount": "A budget cannot be negative."}
    unknown = admin.post(url, json={"title": "W", "budget_amount": "1", "budget_currency": "XYZ"})
    assert "Unknown currency" in unknown.get_json()["error"]["fields"]["budget_currency"]
    patch = admin.patch(f"/api/v1/activities/{body['id']}", json={"title": "New", "version": 1})
    assert patch.get_json()["title"] == "New"


def test_retire_hides_nothing_from_the_record_and_restore_brings_it_back(admin):
    ap = factories.make_action_point()
    db.session.commit()
    retired = admin.post(f"/api/v1/action-points/{ap.id}/retire")
    assert retired.status_code == 200 and retired.get_json()["retired_at"]
    assert admin.get(f"/api/v1/action-points/{ap.id}").status_code == 200
    restored = admin.post(f"/api/v1/action-points/{ap.id}/restore")
    assert restored.get_json()["retired_at"] is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == ap.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["retire", "restore"]


def test_retire_of_an_unknown_record_is_404(admin):
    assert admin.post("/api/v1/actors/999999/retire").status_code == 404


def test_actor_create_duplicate_and_patch(admin):
    body = {"kind": "organisation", "code": "NEWORG", "name": "New organisation"}
    created = admin.post("/api/v1/actors", json=body)
    assert created.status_code == 201, created.get_json()
    again = admin.post("/api/v1/actors", json=body)
    assert again.status_code == 422 and "taken" in again.get_json()["error"]["fields"]["code"]
    actor = created.get_json()
    patched = admin.patch(f"/api/v1/actors/{actor['id']}", json={"name": "Renamed", "version": 1})
    assert patched.get_json()["name"] == "Renamed"


def test_working_group_members_and_reference_group_seat(admin):
    created = admin.post(
        "/api/v1/working-groups", json={"code": "WG-X", "name": "X group", "members": ["HU", "TR"]}
    )
    assert created.status_code == 201, created.get_json()
    group = created.get_json()
    assert group["members"] == ["HU", "TR"]
    patched = admin.patch(
        f"/api/v1/working-groups/{group['id']}", json={"members": ["AT"], "version": 1}
    )
    assert patched.get_json()["members"] == ["AT"]
    unknown = admin.patch(
        f"/api/v1/working-groups/{group['id']}", json={"members": ["XX"], "version": 1}
    )
    assert unknown.status_code == 422
    seat = admin.post("/api/v1/reference-group", json={"actor": "AT", "role": "member"})
    assert seat.status_code == 201, seat.get_json()
    ended = admin.post(f"/api/v1/reference-group/{seat.get_json()['id']}/end", json={})
    assert ended.get_json()["left_on"]


def test_continuation_link_shows_on_both_action_points_and_can_be_removed(admin):
    old = factories.make_action_point(code="5")
    new = factories.make_action_point(plan=factories.get_plan("BP-CFA-2025"), code="2.1")
    db.session.commit()
    url = f"/api/v1/action-points/{old.id}/continuations"
    response = admin.post(url, json={"continued_in": "BP-CFA-2025:2.1"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["continued_in"] == [{"id": new.id, "reference": "BP-CFA-2025:2.1"}]
    later = admin.get(f"/api/v1/action-points/{new.id}").get_json()
    assert later["continues"] == [{"id": old.id, "reference": "BP-CFA-2019:5"}]
    backwards = admin.post(
        f"/api/v1/action-points/{new.id}/continuations", json={"continued_in": "BP-CFA-2019:5"}
    )
    assert backwards.status_code == 422
    removed = admin.delete(f"{url}/{new.id}")
    assert removed.get_json()["continued_in"] == []


def test_member_cannot_write_goals_actors_or_retire(api):
    api.as_role("member")
    assert (
        api.post("/api/v1/plans/BP-CFA-2019/goals", json={"number": 9, "title": "x"}).status_code
        == 403
    )
    assert api.post("/api/v1/actors", json={"kind": "organisation"}).status_code == 403
    ap = factories.make_action_point()
    db.session.commit()
    assert api.post(f"/api/v1/action-points/{ap.id}/retire").status_code == 403
