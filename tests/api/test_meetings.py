"""Meetings in the API: meetings, minutes, the agenda, participants, attachments, decisions and
follow-ups."""

import pytest

from tests import factories
from tests.api.test_basics import assert_error
from tests.meetings import (
    count,
    fresh,
    meeting_body,
    page_meeting,
    recorded_meeting,
    titles_and_positions,
)
from tracker.db import db
from tracker.meetings import follow_ups, services
from tracker.meetings.models import (
    AgendaItem,
    Decision,
    FollowUp,
    Meeting,
)


@pytest.fixture
def admin_api(api):
    # The same fixture as tests/meetings/conftest.py's, which this folder does not see.
    api.as_role("admin")
    return api


def test_api_gives_a_version_of_the_minutes_with_its_changes(admin_api):
    meeting = factories.make_meeting()
    services.record_minutes(meeting, text="Draft", by="t")
    services.record_minutes(meeting, text="Final", by="t")
    db.session.commit()
    body = admin_api.get(f"/api/v1/meetings/{meeting.id}/minutes/2").get_json()
    assert (body["version"], body["of"], body["text"]) == (2, 2, "Final")
    assert {"mark": "-", "line": "Draft"} in body["changes_from_previous"]
    assert {"mark": "+", "line": "Final"} in body["changes_from_previous"]
    assert (
        admin_api.get(f"/api/v1/meetings/{meeting.id}/minutes/1").get_json()[
            "changes_from_previous"
        ]
        is None
    )
    assert_error(admin_api.get(f"/api/v1/meetings/{meeting.id}/minutes/9"), 404)
    detail = admin_api.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert detail["minutes"]["text"] == "Final"
    assert [v["version"] for v in detail["minutes_versions"]] == [2, 1]


def test_api_creates_a_meeting_and_refuses_a_stale_patch(admin_api):
    response = admin_api.post("/api/v1/meetings", json=meeting_body())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["starts_at"] == "2030-03-10T06:00:00+00:00"
    url = f"/api/v1/meetings/{created['id']}"
    ok = admin_api.patch(url, json={"version": created["version"], "title": "Renamed"})
    assert ok.status_code == 200 and ok.get_json()["title"] == "Renamed"
    stale = admin_api.patch(url, json={"version": created["version"], "title": "Again"})
    assert_error(stale, 409, "conflict")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2030-03-09T09:00"}, "ends_at"),
        ({"timezone": None}, "starts_at"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"starts_at": "2030-03-10"}, "starts_at"),
    ],
)
def test_api_refuses_bad_meeting_times_at_the_field(admin_api, overrides, field):
    before = count(Meeting)
    error = assert_error(admin_api.post("/api/v1/meetings", json=meeting_body(**overrides)), 422)
    assert field in error["fields"]
    assert count(Meeting) == before


def test_api_refuses_an_agenda_action_point_of_another_plan(admin_api):
    meeting = factories.make_meeting()
    other = factories.make_action_point(factories.get_plan("BP-CFA-2025"), code="X99")
    db.session.commit()
    response = admin_api.post(
        f"/api/v1/meetings/{meeting.id}/agenda-items",
        json={"title": "Review", "action_point": other.code},
    )
    error = assert_error(response, 422)
    assert error["fields"]["action_point"] == "Not an action point of the meeting's plan."
    assert count(AgendaItem) == 0


def test_api_refuses_a_follow_up_without_owner_or_due_date(admin_api):
    meeting = factories.make_meeting()
    db.session.commit()
    url = f"/api/v1/meetings/{meeting.id}/follow-ups"
    no_owner = admin_api.post(url, json={"text": "Do it", "due_on": "2030-01-01"})
    no_date = admin_api.post(url, json={"text": "Do it", "owner": "HU"})
    assert "owner" in assert_error(no_owner, 422)["fields"]
    assert "due_on" in assert_error(no_date, 422)["fields"]
    assert count(FollowUp) == 0


def test_api_minutes_of_five_megabytes_get_a_clear_422(admin_api):
    meeting = factories.make_meeting()
    db.session.commit()
    response = admin_api.post(
        f"/api/v1/meetings/{meeting.id}/minutes", json={"text": "y" * 5_000_000}
    )
    assert "too long" in assert_error(response, 422)["fields"]["text"]


def test_api_follow_up_status_by_another_actor_is_403(api):
    follow_up = factories.make_follow_up(factories.make_meeting())
    api.as_role("focal_point", actor=factories.get_actor("AT"))
    response = api.post(
        f"/api/v1/follow-ups/{follow_up.id}/status", json={"status": "done", "note": "x"}
    )
    assert_error(response, 403)


def test_api_owner_changes_status_and_lists_it(api):
    follow_up = factories.make_follow_up(factories.make_meeting())
    api.as_role("focal_point", actor=factories.get_actor("HU"))
    response = api.post(
        f"/api/v1/follow-ups/{follow_up.id}/status",
        json={"status": "in_progress", "note": "Drafting"},
    )
    assert response.status_code == 200, response.get_json()
    listed = api.get("/api/v1/follow-ups?owner=HU&status=in_progress").get_json()
    assert [item["id"] for item in listed["items"]] == [follow_up.id]
    assert listed["items"][0]["notes"][0]["note"] == "Drafting"


def test_api_moves_and_removes_agenda_items(admin_api):
    meeting, (a, b, c), _ = page_meeting()
    url = f"/api/v1/meetings/{meeting.id}/agenda-items"
    moved = admin_api.patch(f"{url}/{c.id}", json={"position": 1})
    assert moved.status_code == 200, moved.get_json()
    assert [i["title"] for i in moved.get_json()["agenda_items"]] == ["C", "A", "B"]
    removed = admin_api.delete(f"{url}/{a.id}")
    assert removed.status_code == 200
    items = removed.get_json()["agenda_items"]
    assert [(i["title"], i["position"]) for i in items] == [("C", 1), ("B", 2)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"position": 0}, "from 1 to 3"),
        ({"position": 4}, "from 1 to 3"),
        ({"position": "2"}, "integer"),
        ({"position": None}, "from 1 to 3"),
        ({}, "Give a position, a title"),
        ({"position": 1, "colour": "red"}, "Unknown field"),
        ({"position": 9, "title": "Renamed"}, "from 1 to 3"),
    ],
)
def test_api_refuses_a_bad_position_with_a_422_at_the_field(admin_api, body, message):
    meeting, (a, _, _), _ = page_meeting()
    response = admin_api.patch(f"/api/v1/meetings/{meeting.id}/agenda-items/{a.id}", json=body)
    error = assert_error(response, 422)
    assert message in " ".join(error["fields"].values())
    assert titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_api_uninvites_and_removes_an_attachment(admin_api):
    meeting, _, attachment = page_meeting()
    base = f"/api/v1/meetings/{meeting.id}"
    uninvited = admin_api.delete(f"{base}/participants/AT")
    assert uninvited.status_code == 200 and uninvited.get_json()["participants"] == []
    detached = admin_api.delete(f"{base}/attachments/{attachment.id}")
    assert detached.status_code == 200 and detached.get_json()["attachments"] == []
    assert_error(admin_api.get(f"{base}/attachments/{attachment.id}"), 404)


def test_api_another_meetings_item_participant_or_attachment_is_a_404(admin_api):
    meeting, (a, _, _), attachment = page_meeting()
    other = factories.make_meeting()
    db.session.commit()
    base = f"/api/v1/meetings/{other.id}"
    assert_error(admin_api.patch(f"{base}/agenda-items/{a.id}", json={"position": 1}), 404)
    assert_error(admin_api.delete(f"{base}/agenda-items/{a.id}"), 404)
    assert_error(admin_api.delete(f"{base}/participants/AT"), 404)
    assert_error(admin_api.delete(f"{base}/participants/{'X' * 300}"), 404)
    assert_error(admin_api.delete(f"{base}/attachments/{attachment.id}"), 404)
    assert len(titles_and_positions(meeting.id)) == 3


def test_api_edits_of_the_agenda_are_403_for_a_focal_point(api):
    meeting, (a, _, _), attachment = page_meeting()
    api.as_role("focal_point", actor=factories.get_actor("AT"))
    base = f"/api/v1/meetings/{meeting.id}"
    assert_error(api.patch(f"{base}/agenda-items/{a.id}", json={"position": 2}), 403)
    assert_error(api.delete(f"{base}/agenda-items/{a.id}"), 403)
    assert_error(api.delete(f"{base}/participants/AT"), 403)
    assert_error(api.delete(f"{base}/attachments/{attachment.id}"), 403)
    assert titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_api_edits_an_agenda_item_a_decision_and_a_follow_up(admin_api):
    meeting, item, decision, follow_up = recorded_meeting()
    goal = meeting.plan.goals[0]
    base = f"/api/v1/meetings/{meeting.id}"
    renamed = admin_api.patch(
        f"{base}/agenda-items/{item.id}", json={"title": "Curriculum", "goal": str(goal.number)}
    )
    assert renamed.status_code == 200, renamed.get_json()
    (shown,) = renamed.get_json()["agenda_items"]
    assert (shown["title"], shown["goal"], shown["position"]) == ("Curriculum", goal.number, 1)
    edited = admin_api.patch(
        f"{base}/decisions/{decision.id}", json={"version": 1, "action_points": []}
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["decisions"] == [
        {"id": decision.id, "text": "Agreed to share it.", "action_points": [], "version": 2}
    ]
    moved = admin_api.patch(
        f"/api/v1/follow-ups/{follow_up.id}", json={"version": 1, "due_on": "2030-02-01"}
    )
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert (body["due_on"], body["owner"], body["text"], body["version"]) == (
        "2030-02-01",
        "HU",
        "Share it",
        2,
    )
    assert body["notes"][0]["note"] == "Due date moved from 2030-01-15 to 2030-02-01."


def test_api_stale_edits_are_409_with_the_current_record(admin_api):
    meeting, _, decision, follow_up = recorded_meeting()
    follow_ups.update_decision(decision, text="Theirs.", action_points=[], version=1, by="x")
    follow_ups.change_follow_up_status(follow_up, status="done", note="Done.", version=1, by="x")
    db.session.commit()
    stale = admin_api.patch(
        f"/api/v1/meetings/{meeting.id}/decisions/{decision.id}",
        json={"version": 1, "text": "Mine."},
    )
    assert assert_error(stale, 409, "conflict")["current"]["text"] == "Theirs."
    stale = admin_api.patch(
        f"/api/v1/follow-ups/{follow_up.id}", json={"version": 1, "owner": "AT"}
    )
    assert assert_error(stale, 409, "conflict")["current"]["status"] == "done"
    assert fresh(Decision, decision.id).text == "Theirs."
    assert fresh(FollowUp, follow_up.id).owner_actor.code == "HU"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 50_000}, "text"),
        ({"due_on": "soon"}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"owner": "XX"}, "owner"),
        ({"owner": 7}, "owner"),
        ({"text": "No version"}, "version"),
        ({"status": "done"}, "status"),
    ],
)
def test_api_refuses_bad_follow_up_edits_and_changes_nothing(admin_api, body, field):
    _, _, _, follow_up = recorded_meeting()
    body = {"version": 1, **body} if field != "version" else body
    error = assert_error(admin_api.patch(f"/api/v1/follow-ups/{follow_up.id}", json=body), 422)
    assert field in error["fields"]
    saved = fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.owner_actor.code, saved.version, saved.notes) == (
        "Share it",
        "HU",
        1,
        [],
    )


def test_api_refuses_another_plans_action_point_in_an_agenda_item_or_decision(admin_api):
    meeting, item, decision, _ = recorded_meeting()
    foreign = factories.make_action_point(factories.get_plan("BP-CFA-2025"), code="X97")
    db.session.commit()
    base = f"/api/v1/meetings/{meeting.id}"
    error = assert_error(
        admin_api.patch(f"{base}/agenda-items/{item.id}", json={"action_point": foreign.code}),
        422,
    )
    assert error["fields"]["action_point"] == "Not an action point of the meeting's plan."
    error = assert_error(
        admin_api.patch(
            f"{base}/decisions/{decision.id}",
            json={"version": 1, "action_points": [foreign.code]},
        ),
        422,
    )
    assert error["fields"]["action_points"] == "Not an action point of the meeting's plan."
    assert fresh(AgendaItem, item.id).action_point_id is None
    assert fresh(Decision, decision.id).version == 1


def test_api_removes_only_what_nothing_depends_on(admin_api):
    meeting, _, decision, follow_up = recorded_meeting()
    of_decision = factories.make_follow_up(meeting, decision=decision)
    follow_ups.change_follow_up_status(follow_up, status="dropped", note="Moot.", version=1, by="x")
    db.session.commit()
    base = f"/api/v1/meetings/{meeting.id}/decisions/{decision.id}"
    assert (
        "drop it instead"
        in assert_error(admin_api.delete(f"/api/v1/follow-ups/{follow_up.id}"), 422)["fields"][
            "follow_up"
        ]
    )
    assert "1 follow-up" in assert_error(admin_api.delete(base), 422)["fields"]["decision"]
    assert count(FollowUp) == 2 and fresh(Decision, decision.id) is not None
    removed = admin_api.delete(f"/api/v1/follow-ups/{of_decision.id}")
    assert removed.status_code == 204 and removed.get_data() == b""
    after = admin_api.delete(base)
    assert after.status_code == 200 and after.get_json()["decisions"] == []
    assert_error(admin_api.delete(base), 404)


def test_api_corrections_are_403_for_the_owner_focal_point(api):
    meeting, item, decision, follow_up = recorded_meeting()
    api.as_role("focal_point", actor=factories.get_actor("HU"))
    base = f"/api/v1/meetings/{meeting.id}"
    assert_error(api.patch(f"{base}/agenda-items/{item.id}", json={"title": "X"}), 403)
    assert_error(api.patch(f"{base}/decisions/{decision.id}", json={"version": 1}), 403)
    assert_error(api.delete(f"{base}/decisions/{decision.id}"), 403)
    assert_error(api.patch(f"/api/v1/follow-ups/{follow_up.id}", json={"version": 1}), 403)
    assert_error(api.delete(f"/api/v1/follow-ups/{follow_up.id}"), 403)
    assert fresh(AgendaItem, item.id).title == "Review the curriculum"
    assert fresh(Decision, decision.id) is not None and fresh(FollowUp, follow_up.id)


def test_api_another_meetings_decision_is_a_404(admin_api):
    _, item, decision, _ = recorded_meeting()
    other = factories.make_meeting()
    db.session.commit()
    base = f"/api/v1/meetings/{other.id}"
    assert_error(admin_api.patch(f"{base}/decisions/{decision.id}", json={"version": 1}), 404)
    assert_error(admin_api.delete(f"{base}/decisions/{decision.id}"), 404)
    assert_error(admin_api.patch(f"{base}/agenda-items/{item.id}", json={"title": "X"}), 404)
    assert_error(admin_api.delete("/api/v1/follow-ups/999999"), 404)
    assert fresh(Decision, decision.id).text == "Agreed to share it."
