"""The progress API: the same rules as the pages, as JSON."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.api.test_basics import assert_error
from tracker.db import db
from tracker.progress.models import ActionPointStatus, ProgressUpdate

TODAY = date.today().isoformat()


def count_updates() -> int:
    return db.session.scalar(select(func.count()).select_from(ProgressUpdate))


@pytest.fixture
def ap():
    return factories.make_action_point(lead_actor=factories.get_actor("HU"))


@pytest.fixture
def focal(api):
    api.as_role("focal_point", actor=factories.get_actor("HU"))
    return api


def body(ap, **overrides) -> dict:
    return {"action_point_id": ap.id, "status": "in_progress", "reported_on": TODAY, **overrides}


def test_focal_point_creates_a_draft_for_its_own_actor(focal, ap):
    response = focal.post("/api/v1/updates", json=body(ap, evidence_links=["https://e.org/1"]))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["actor"], created["workflow"], created["percent"]) == ("HU", "draft", 50)
    assert response.headers["Location"].endswith(f"/updates/{created['id']}")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": "abc"}, "percent"),
        ({"status": "finished"}, "status"),
        ({"reported_on": "1900-01-01"}, "reported_on"),
        ({"reported_on": "2100-01-01"}, "reported_on"),
        ({"narrative": "x" * 5_000_000}, "narrative"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
        ({"evidence_links": "https://e.org"}, "evidence_links"),
        ({"submit": "yes"}, "submit"),
        ({"action_point_id": True}, "action_point_id"),
    ],
)
def test_bad_input_is_422_at_the_field_and_saves_nothing(focal, ap, overrides, field):
    before = count_updates()
    error = assert_error(focal.post("/api/v1/updates", json=body(ap, **overrides)), 422)
    assert field in error["fields"], error
    assert count_updates() == before


def test_focal_point_cannot_submit_for_another_actor(focal, ap):
    error = assert_error(focal.post("/api/v1/updates", json=body(ap, actor="AT")), 422)
    assert "actor" in error["fields"]


def test_viewer_cannot_report(api, ap):
    api.as_role("viewer")
    assert_error(api.post("/api/v1/updates", json=body(ap)), 403)


def test_focal_point_cannot_validate_its_own_update(focal, ap):
    created = focal.post("/api/v1/updates", json=body(ap, submit=True)).get_json()
    assert created["workflow"] == "submitted"
    assert_error(focal.post(f"/api/v1/updates/{created['id']}/validate"), 403)
    assert db.session.get(ActionPointStatus, ap.id) is None


def test_full_workflow_return_edit_submit_validate(app, focal, ap):
    created = focal.post("/api/v1/updates", json=body(ap, submit=True)).get_json()
    admin = factories.ApiClient(app.test_client())
    admin.as_role("admin")
    url = f"/api/v1/updates/{created['id']}"
    assert_error(admin.post(f"{url}/return", json={"reason": ""}), 422)
    returned = admin.post(f"{url}/return", json={"reason": "Add the report."}).get_json()
    assert returned["workflow"] == "returned" and returned["return_reason"] == "Add the report."
    edited = focal.patch(url, json={"version": returned["version"], "percent": 70}).get_json()
    assert edited["percent"] == 70
    assert focal.post(f"{url}/submit").get_json()["workflow"] == "submitted"
    validated = admin.post(f"{url}/validate").get_json()
    assert validated["workflow"] == "validated"
    progress = admin.get(f"/api/v1/plans/{ap.plan.code}/progress").get_json()
    row = next(a for a in progress["action_points"] if a["id"] == ap.id)
    assert row["overall"]["percent"] == 70 and row["stale"] is False
    timeline = admin.get(f"/api/v1/action-points/{ap.id}/timeline").get_json()["items"]
    assert [e["action"] for e in timeline][:3] == ["status", "validate", "submit"]


def test_two_clients_saving_the_same_update_second_gets_409(focal, ap):
    created = focal.post("/api/v1/updates", json=body(ap)).get_json()
    url = f"/api/v1/updates/{created['id']}"
    assert (
        focal.patch(url, json={"version": created["version"], "narrative": "A"}).status_code == 200
    )
    error = assert_error(
        focal.patch(url, json={"version": created["version"], "narrative": "B"}), 409
    )
    assert error["current"]["narrative"] == "A"


def test_other_actors_draft_is_404_and_not_listed(app, focal, ap):
    created = focal.post("/api/v1/updates", json=body(ap)).get_json()
    other = factories.ApiClient(app.test_client())
    other.as_role("focal_point", actor=factories.get_actor("AT"))
    assert_error(other.get(f"/api/v1/updates/{created['id']}"), 404)
    listed = other.get("/api/v1/updates?actor=HU").get_json()
    assert created["id"] not in [u["id"] for u in listed["items"]]
    assert focal.get("/api/v1/updates?actor=HU").get_json()["total"] >= 1


@pytest.mark.parametrize("query", ["status=finished", "actor=ZZ", "since=yesterday", "plan=NOPE"])
def test_bad_list_filters_are_400_or_404(focal, query):
    assert focal.get(f"/api/v1/updates?{query}").status_code in (400, 404)


def test_bulk_updates_are_all_or_nothing(focal, ap):
    before = count_updates()
    rows = [{"action_point": ap.code, "status": "planned"}, {"action_point": "nope", "status": "x"}]
    response = focal.post(
        f"/api/v1/plans/{ap.plan.code}/bulk-updates", json={"reported_on": TODAY, "rows": rows}
    )
    error = assert_error(response, 422)
    assert list(error["rows"]) == ["2"]
    assert count_updates() == before
    rows = rows[:1]
    response = focal.post(
        f"/api/v1/plans/{ap.plan.code}/bulk-updates",
        json={"reported_on": TODAY, "rows": rows, "submit": True},
    )
    assert (
        response.status_code == 201 and response.get_json()["items"][0]["workflow"] == "submitted"
    )


def test_rounds_open_report_and_close(api, ap):
    api.as_role("admin")
    created = api.post(
        "/api/v1/rounds",
        json={"plan": ap.plan.code, "title": "SOM", "opens_on": TODAY, "deadline": TODAY},
    )
    assert created.status_code == 201
    round_id = created.get_json()["id"]
    report = api.get(f"/api/v1/rounds/{round_id}").get_json()
    hu = next(a for a in report["actors"] if a["code"] == "HU")
    assert ap.code in hu["expected"] and hu["reported"] == {}
    assert api.post(f"/api/v1/rounds/{round_id}/close").get_json()["closed_at"]
    assert_error(api.post(f"/api/v1/rounds/{round_id}/close"), 422)


def test_deadline_before_opening_is_refused(api, ap):
    api.as_role("admin")
    response = api.post(
        "/api/v1/rounds",
        json={"plan": ap.plan.code, "title": "SOM", "opens_on": TODAY, "deadline": "2000-01-01"},
    )
    assert "deadline" in assert_error(response, 422)["fields"]


def test_weight_is_for_admins_and_bounded(api, ap):
    api.as_role("admin")
    assert (
        "weight"
        in assert_error(
            api.put(f"/api/v1/action-points/{ap.id}/weight", json={"weight": 1000}), 422
        )["fields"]
    )
    assert api.put(f"/api/v1/action-points/{ap.id}/weight", json={"weight": 3}).get_json() == {
        "id": ap.id,
        "weight": 3,
    }


def test_changes_matrix_and_my_work_answer(focal, ap):
    focal.post("/api/v1/updates", json=body(ap))
    code = ap.plan.code
    changes = focal.get(f"/api/v1/plans/{code}/changes?since=2020-01-01").get_json()
    assert changes["updates_total"] >= 1
    assert_error(focal.get(f"/api/v1/plans/{code}/changes?since=last-week"), 400)
    assert focal.get(f"/api/v1/plans/{code}/matrix?goal=1").status_code == 200
    work = focal.get("/api/v1/my-work").get_json()
    assert work["drafts"]["total"] == 1 and "to_validate" not in work


def test_evidence_file_through_the_api(focal, ap):
    import io

    created = focal.post("/api/v1/updates", json=body(ap)).get_json()
    url = f"/api/v1/updates/{created['id']}/evidence"
    fake = {"file": (io.BytesIO(b"<html><script>x</script></html>"), "report.pdf")}
    assert "file" in assert_error(focal.post(url, data=fake), 422)["fields"]
    added = focal.post(url, data={"file": (io.BytesIO(factories.PDF_BYTES), "report.pdf")})
    assert added.status_code == 201 and added.get_json()["media_type"] == "application/pdf"
    detail = focal.get(f"/api/v1/updates/{created['id']}").get_json()
    assert [f["filename"] for f in detail["evidence_files"]] == ["report.pdf"]
    assert focal.get(f"{url}/{added.get_json()['id']}").data == factories.PDF_BYTES
