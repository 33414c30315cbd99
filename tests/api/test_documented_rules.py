"""Where the OpenAPI document and the server disagreed (issue 15): the server now refuses what the
document forbids, and answers 404 for an id out of range whatever the method."""

import pytest

from tests import factories
from tracker.db import MAX_ID


@pytest.fixture
def admin(api):
    api.as_role("admin")
    return api


def test_null_role_for_a_reference_group_seat_is_refused(admin):
    response = admin.post("/api/v1/reference-group", json={"actor": "HU", "role": None})
    assert response.status_code == 422
    assert "role" in response.get_json()["error"]["fields"]


def test_empty_left_on_is_refused_rather_than_read_as_today(admin):
    seated = admin.post("/api/v1/reference-group", json={"actor": "HU"})
    assert seated.status_code == 201, seated.get_data(as_text=True)
    seat_id = seated.get_json()["id"]
    response = admin.post(f"/api/v1/reference-group/{seat_id}/end", json={"left_on": ""})
    assert response.status_code == 422
    assert "left_on" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("bad_id", [0, MAX_ID + 1])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/v1/goals/{}"),
        ("delete", "/api/v1/follow-ups/{}"),
        ("get", "/api/v1/goals/{}"),
    ],
)
def test_an_id_out_of_range_is_404_on_every_method(admin, method, path, bad_id):
    response = getattr(admin, method)(path.format(bad_id), json={})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_valid_id_still_reaches_the_view(admin):
    goal = factories.get_plan().goals[0]
    assert admin.get(f"/api/v1/goals/{goal.id}").status_code == 200


@pytest.mark.parametrize("value", ["null", "0", "2147483648", "x"])
def test_timeline_before_that_is_not_an_id_is_refused(admin, value):
    action_point = factories.make_action_point()
    response = admin.get(f"/api/v1/action-points/{action_point.id}/timeline?before={value}")
    assert response.status_code == 400
    assert "before" in response.get_json()["error"]["fields"]


def test_a_whole_number_written_with_a_point_is_an_integer(admin):
    plan = factories.get_plan()
    response = admin.post(
        f"/api/v1/plans/{plan.code}/goals", json={"number": 42.0, "title": "Written as 42.0"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["number"] == 42
    refused = admin.post(f"/api/v1/plans/{plan.code}/goals", json={"number": 4.5, "title": "x"})
    assert refused.status_code == 422
