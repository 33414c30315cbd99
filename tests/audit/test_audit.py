"""The audit trail: refused requests recorded, the admin page and the API with their filters."""

import re
from datetime import UTC, datetime

import pytest
from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from tests import factories
from tests.api.test_basics import count_queries
from tracker.audit import services as audit_services
from tracker.audit.models import AuditEvent
from tracker.audit.services import record_event
from tracker.db import db
from tracker.errors import handle_http_error
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint

NEW_ACTION_POINT = "/plans/BP-CFA-2019/action-points/new"


def denied_events() -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "denied").order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def event_at(when: datetime, summary: str, **kwargs) -> AuditEvent:
    event = record_event(by="tests", action="update", entity=None, summary=summary, **kwargs)
    event.occurred_at = when
    db.session.flush()
    return event


# Refused requests


def test_a_refused_page_is_recorded_with_who_and_where(client, login):
    viewer = login.as_role("viewer")
    assert client.get(NEW_ACTION_POINT).status_code == 403
    [event] = denied_events()
    assert (event.user_id, event.address) == (viewer.id, "127.0.0.1")
    assert (event.entity_type, event.entity_id) == (None, None)
    assert event.summary == f"GET {NEW_ACTION_POINT} refused (403)"


def test_a_refused_api_call_is_recorded(api):
    member = api.as_role("member")
    assert api.post("/api/v1/action-points", json={}).status_code == 403
    [event] = denied_events()
    assert event.user_id == member.id
    assert event.summary == "POST /api/v1/action-points refused (403)"


def test_anonymous_requests_are_not_recorded(client):
    before = count_events()
    assert client.get(NEW_ACTION_POINT).status_code == 302  # to sign in
    assert client.get("/api/v1/plans").status_code == 401
    assert client.get("/admin/audit/").status_code == 302
    assert count_events() == before


def test_a_refusal_keeps_nothing_of_the_request_but_its_event(app):
    user = factories.make_user(role="viewer")
    db.session.commit()
    environ = {"REMOTE_ADDR": "203.0.113.9"}
    with app.test_request_context("/plans/x", method="POST", environ_base=environ):
        login_user(user)
        factories.make_action_point(title="Half-done write")  # flushed, then refused
        assert handle_http_error(Forbidden())[1] == 403
    half_done = select(ActionPoint).where(ActionPoint.title == "Half-done write")
    assert db.session.scalar(half_done) is None
    [event] = denied_events()
    assert (event.user_id, event.address) == (user.id, "203.0.113.9")


def test_denied_events_are_capped_per_user_and_minute(client, login, monkeypatch):
    monkeypatch.setattr(audit_services, "DENIED_EVENTS_PER_MINUTE", 3)
    login.as_role("member")
    statuses = [client.get(NEW_ACTION_POINT).status_code for _ in range(5)]
    assert statuses == [403] * 5
    assert len(denied_events()) == 3


def test_a_long_or_odd_address_is_recorded_short_and_printable(client, login):
    login.as_role("viewer")
    code = "\u202e" + "A" * 3000
    assert client.get(f"/plans/{code}/action-points/new").status_code == 403
    [event] = denied_events()
    assert len(event.summary) <= 300 and event.summary.endswith("… refused (403)")
    assert event.summary.startswith("GET /plans/?AAAA")


# The admin page


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admin_may_see_the_audit_trail(client, login, role):
    login.as_role(role)
    assert client.get("/admin/audit/").status_code == 403
    assert "/admin/audit/" not in client.get("/plans/").get_data(as_text=True)


def test_admin_sees_the_trail_newest_first_with_a_link_in_the_navigation(client, login):
    event_at(datetime(2025, 1, 1, tzinfo=UTC), "Oldest thing")
    event_at(datetime(2025, 6, 1, tzinfo=UTC), "Newest thing")
    login.as_role("admin")
    page = client.get("/admin/audit/?action=update").get_data(as_text=True)
    assert 'href="/admin/audit/"' in page
    assert page.index("Newest thing") < page.index("Oldest thing")


def test_the_page_shows_changes_before_and_after(client, login):
    ap = factories.make_action_point(title="Old title")
    plan_services.update_action_point(
        ap,
        version=ap.version,
        goal=ap.goal,
        code=ap.code,
        title="New title",
        description=None,
        lead_actor=None,
        partners=[],
        target_on=None,
        by="tests",
    )
    login.as_role("admin")
    page = client.get(f"/admin/audit/?object_type=action_points&object_id={ap.id}").text
    assert re.search(r"<del>Old title</del>\s*→\s*<ins>New title</ins>", page)
    assert "Created action point" in page


def test_filters_by_user_object_action_and_dates(client, login):
    actor = factories.make_user(role="admin", email="clerk@example.org")
    mine = factories.make_action_point(title="By the clerk", by=actor)
    factories.make_action_point(title="By the tests")
    event_at(datetime(2024, 3, 10, 12, tzinfo=UTC), "In March")
    event_at(datetime(2024, 4, 1, 0, 0, tzinfo=UTC), "First of April")
    login.as_role("admin")

    def summaries(query: str) -> list[str]:
        page = client.get(f"/admin/audit/?{query}").get_data(as_text=True)
        cells = re.findall(r'<td class="audit-summary">([^<]*)', page)
        return [cell.strip() for cell in cells]

    created = f"Created action point {mine.code} in BP-CFA-2019"
    assert summaries("user=CLERK@example.org") == [created]
    assert summaries(f"object_type=action_points&object_id={mine.id}") == [created]
    assert summaries("from=2024-03-10&to=2024-03-31") == ["In March"]
    assert summaries("from=2024-04-01&to=2024-04-01") == ["First of April"]
    assert summaries("to=2024-03-31") == ["In March"]
    assert summaries("action=nothing-like-this") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-02-30", "Not a valid date value."),
        ("from=2024-05-01&to=2024-04-01", "“To” is before “From”."),
        ("user=nobody@example.org", "No account has this email."),
        ("object_id=5", "Give the kind of object with its id."),
        ("object_type=action_points&object_id=abc", "Not a valid integer value."),
        ("object_type=action_points&object_id=99999999999", "Use a whole number from 1 to"),
        ("object_type=secrets", "Not a valid choice."),
        ("action=" + "x" * 40, "Field cannot be longer than 32 characters."),
    ],
)
def test_bad_filters_get_a_message_at_their_field(client, login, query, message):
    login.as_role("admin")
    response = client.get(f"/admin/audit/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="invalid-feedback"' in page and message in page
    assert 'id="audit-events"' not in page


def test_the_page_is_paged_and_links_keep_the_filters(client, login, monkeypatch):
    from tracker.audit import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    for number in range(5):
        event_at(datetime(2024, 1, 1 + number, tzinfo=UTC), f"Event {number}")
    login.as_role("admin")
    page = client.get("/admin/audit/?action=update").get_data(as_text=True)
    assert "Event 4" in page and "Event 2" not in page
    older = re.search(r'href="(/admin/audit/\?[^"]*page=2[^"]*)"', page).group(1)
    assert "action=update" in older
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "Event 2" in second and "Event 4" not in second
    assert client.get("/admin/audit/?page=99999999999999999999").status_code == 200


def test_the_page_is_loaded_in_a_fixed_number_of_queries(app, client, login):
    login.as_role("admin")
    factories.make_action_point(by=factories.make_user(role="admin"))
    db.session.commit()
    few = count_queries(app, lambda: client.get("/admin/audit/"))
    for _ in range(6):
        factories.make_action_point(by=factories.make_user(role="admin"))
    db.session.commit()
    many = count_queries(app, lambda: client.get("/admin/audit/"))
    assert many == few > 0


def test_text_in_the_trail_is_escaped(client, login):
    login.as_role("viewer")
    assert client.get("/plans/<svg onload=alert(1)>/action-points/new").status_code == 403
    client.post("/auth/sign-out")
    login.as_role("admin")
    page = client.get("/admin/audit/?action=denied").get_data(as_text=True)
    assert "<svg" not in page and "&lt;svg onload=alert(1)&gt;" in page


def test_no_route_changes_or_deletes_audit_rows(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule.rule
    event = event_at(datetime(2024, 1, 1, tzinfo=UTC), "Kept for ever")
    event.summary = "Rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


# The API


def test_api_lists_the_trail_with_the_same_filters(api):
    api.as_role("admin")
    event_at(datetime(2024, 3, 10, tzinfo=UTC), "In March", address="198.51.100.7")
    event_at(datetime(2024, 5, 10, tzinfo=UTC), "In May")
    body = api.get("/api/v1/audit-events?from=2024-03-01&to=2024-03-31").get_json()
    assert set(body) == {"items", "page", "per_page", "total"} and body["total"] == 1
    [item] = body["items"]
    assert item["summary"] == "In March" and item["address"] == "198.51.100.7"
    assert item["agent"] == "tests" and item["user"] is None and item["entity"] is None
    everything = api.get("/api/v1/audit-events?per_page=500").get_json()["items"]
    times = [item["occurred_at"] for item in everything]
    assert times == sorted(times, reverse=True)


def test_api_names_the_bad_filter(api):
    api.as_role("admin")
    response = api.get("/api/v1/audit-events?from=2024-05-01&to=2024-04-01")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"to": "“To” is before “From”."}
    response = api.get("/api/v1/audit-events?from=yesterday&object_id=0")
    assert set(response.get_json()["error"]["fields"]) == {"from", "object_id"}


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_api_trail_is_for_admins_only(api, role):
    api.as_role(role)
    response = api.get("/api/v1/audit-events")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
