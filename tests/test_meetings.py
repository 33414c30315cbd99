"""Meetings: rules in the services, pages, the API, the brief and the iCalendar feed."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from tests import factories
from tests.conftest import AuthActions
from tests.test_api import assert_error, count_queries
from tracker.audit.models import AuditEvent
from tracker.db import StaleVersionError, db
from tracker.meetings import agenda, follow_ups, queries, services
from tracker.meetings.models import (
    AgendaItem,
    Decision,
    DecisionActionPoint,
    FollowUp,
    FollowUpStatus,
    Meeting,
    MeetingAttachment,
    Minutes,
)
from tracker.meetings.services import MeetingError
from tracker.pledges.models import PledgeEntry
from tracker.uploads.models import StoredFile
from tracker.uploads.services import store_upload, stored_path

TODAY = date.today()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def meeting_body(**overrides) -> dict:
    return {
        "plan": "BP-CFA-2019",
        "kind": "reference_group",
        "series": "reference-group",
        "number": 7,
        "title": "7th Reference Group meeting",
        "starts_at": "2030-03-10T09:00",
        "ends_at": "2030-03-10T17:30",
        "timezone": "Europe/Istanbul",
        "place": "Istanbul",
        "host_actor": "TR",
        **overrides,
    }


@pytest.fixture
def admin_api(api):
    api.as_role("admin")
    return api


# Services


def test_local_times_are_read_in_the_meetings_time_zone_and_stored_in_utc():
    moment = services.parse_moment("2030-03-10T09:00", "Europe/Istanbul", "starts_at")
    assert moment == datetime(2030, 3, 10, 6, 0, tzinfo=UTC)


def test_an_explicit_offset_wins_over_the_time_zone():
    moment = services.parse_moment("2030-03-10T09:00+01:00", "Asia/Tbilisi", "starts_at")
    assert moment == datetime(2030, 3, 10, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "message"),
    [
        ("2030-03-10T09:00", "", "no time zone"),
        ("2030-03-10", "Europe/Budapest", "time as well as the date"),
        ("10 March", "Europe/Budapest", "Not a date and time"),
        ("2030-03-10T09:00", "Mars/Olympus", "IANA time zone"),
    ],
)
def test_a_moment_without_a_usable_time_zone_is_refused(text, zone, message):
    with pytest.raises(MeetingError, match=message):
        services.parse_moment(text, zone, "starts_at")


def test_a_meeting_cannot_end_before_it_starts():
    starts = datetime(2030, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(MeetingError, match="end after it starts") as caught:
        factories.make_meeting(starts_at=starts, ends_at=starts - timedelta(hours=1))
    assert caught.value.field == "ends_at"


def test_an_agenda_item_cannot_link_an_action_point_of_another_plan():
    meeting = factories.make_meeting()
    other = factories.make_action_point(factories.get_plan("BP-CFA-2025"))
    with pytest.raises(MeetingError, match="another plan") as caught:
        agenda.add_agenda_item(meeting, title="Review", action_point=other, by="tests")
    assert caught.value.field == "action_point"
    assert meeting.agenda_items == []


def test_a_follow_up_needs_an_owner_and_a_due_date():
    meeting = factories.make_meeting()
    with pytest.raises(MeetingError, match="owns") as no_owner:
        factories.make_follow_up(meeting, owner=None)
    with pytest.raises(MeetingError, match="due") as no_date:
        factories.make_follow_up(meeting, due_on=None)
    assert (no_owner.value.field, no_date.value.field) == ("owner", "due_on")


def test_minutes_are_versioned_and_a_huge_paste_is_refused():
    meeting = factories.make_meeting()
    services.record_minutes(meeting, text="First draft", by="tests")
    services.record_minutes(meeting, text="Corrected", by="tests")
    with pytest.raises(MeetingError, match="too long"):
        services.record_minutes(meeting, text="x" * 5_000_000, by="tests")
    db.session.expire(meeting)
    assert [(m.number, m.text) for m in meeting.minutes] == [(2, "Corrected"), (1, "First draft")]


def test_open_follow_ups_carry_onto_the_next_meeting_of_the_series_once():
    first = factories.make_meeting(starts_at=datetime(2029, 1, 10, 9, tzinfo=UTC))
    done = factories.make_follow_up(first, text="Done already")
    still_open = factories.make_follow_up(first, text="Still open")
    follow_ups.change_follow_up_status(
        done, status="done", note="Sent.", version=done.version, by="tests"
    )
    other_series = factories.make_meeting(
        series="som", starts_at=datetime(2029, 1, 5, 9, tzinfo=UTC)
    )
    factories.make_follow_up(other_series, text="Another series")
    second = factories.make_meeting(starts_at=datetime(2029, 6, 10, 9, tzinfo=UTC))
    assert [item.carried_from for item in second.agenda_items] == [still_open]
    assert services.carry_over(second, by="tests") == []  # idempotent
    assert count(AgendaItem) == 1


def test_overdue_is_open_or_in_progress_past_the_due_date():
    meeting = factories.make_meeting()
    late = factories.make_follow_up(meeting, due_on=TODAY - timedelta(days=1))
    assert late.is_overdue(TODAY)
    follow_ups.change_follow_up_status(late, status="dropped", note="Moot.", version=None, by="x")
    assert not late.is_overdue(TODAY)
    assert [n.status for n in late.notes] == [FollowUpStatus.DROPPED]


# Pages


def test_admin_creates_a_meeting_in_the_page(client, login):
    login.as_role("admin")
    data = {**meeting_body(), "number": "7"}
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
    assert meeting.starts_at == datetime(2030, 3, 10, 6, tzinfo=UTC)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "10 Mar 2030 09:00 (Europe/Istanbul)" in page


def test_the_page_says_at_the_field_that_a_time_has_no_zone(client, login):
    login.as_role("admin")
    before = count(Meeting)
    response = client.post("/meetings/new", data={**meeting_body(), "timezone": ""})
    assert response.status_code == 200
    assert "has no time zone" in response.get_data(as_text=True)
    assert count(Meeting) == before


def test_minutes_with_a_script_tag_are_shown_escaped(client, login):
    meeting = factories.make_meeting()
    services.record_minutes(meeting, text="Agreed <script>alert(1)</script> **now**", by="t")
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page and "<strong>now</strong>" in page


def test_a_five_megabyte_paste_of_minutes_is_refused_without_a_server_error(client, login):
    meeting = factories.make_meeting()
    db.session.commit()
    login.as_role("admin")
    response = client.post(f"/meetings/{meeting.id}/minutes", data={"text": "x" * 5_000_000})
    assert response.status_code in (413, 422)
    assert count(Minutes) == 0


def test_a_focal_point_of_another_actor_cannot_update_a_follow_up(client, login):
    follow_up = factories.make_follow_up(factories.make_meeting())
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("AT"))
    response = client.post(
        f"/meetings/follow-ups/{follow_up.id}/status", data={"status": "done", "note": "x"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).status == FollowUpStatus.OPEN


def test_the_owner_focal_point_marks_its_follow_up_done(client, login):
    follow_up = factories.make_follow_up(factories.make_meeting())
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    response = client.post(
        f"/meetings/follow-ups/{follow_up.id}/status",
        data={"status": "done", "note": "Curriculum sent", "version": follow_up.version},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).status == FollowUpStatus.DONE


def test_follow_ups_list_filters_overdue(client, login):
    meeting = factories.make_meeting()
    factories.make_follow_up(meeting, text="Late one", due_on=TODAY - timedelta(days=3))
    factories.make_follow_up(meeting, text="Future one")
    db.session.commit()
    login.as_role("viewer")
    page = client.get("/meetings/follow-ups?overdue=1").get_data(as_text=True)
    assert "Late one" in page and "overdue" in page and "Future one" not in page


def _busy_meeting(n: int):
    """A meeting with n of everything its pages show, and n of what its brief sums up."""
    meeting = factories.make_meeting()
    for i in range(n):
        factories.make_follow_up(meeting, text=f"Follow-up {i}", owner=factories.get_actor("AT"))
        decision = follow_ups.record_decision(
            meeting, text=f"Decision {i}", action_points=[factories.make_action_point()], by="t"
        )
        agenda.add_agenda_item(meeting, title=f"Item {i}", by="t")
        services.record_minutes(meeting, text=f"Version {i}", by="t")
        services.set_participant(
            meeting,
            actor=factories.get_actor(["AT", "HU", "TR", "DE"][i % 4]),
            attendance="invited",
            by="t",
        )
        factories.make_pledge(actor=factories.get_actor(["AT", "HU", "TR", "DE"][i % 4]))
        factories.make_update(workflow="validated")
        assert decision.id
    db.session.commit()
    return meeting


# The bar of `make bench` (bench/__main__.py TARGETS): at most ten statements a page.
QUERY_BAR = 10


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_meeting_pages_take_a_few_queries_whatever_the_size(app, client, login, role, api):
    # Held, so that the session's identity map (weak references) keeps the users between
    # requests: else whether loading one takes a query depends on when the collector ran.
    users = [login.as_role(role), api.as_role(role)]
    ids = [_busy_meeting(1).id, _busy_meeting(8).id]
    paths = [
        ("/meetings/{}", client),
        ("/meetings/{}/brief", client),
        ("/api/v1/meetings/{}", api),
        ("/api/v1/meetings/{}/brief", api),
    ]
    for path, user in paths:
        counts = [count_queries(app, lambda i=i, p=path, u=user: u.get(p.format(i))) for i in ids]
        assert counts[0] == counts[1] <= QUERY_BAR, (path, counts)
    assert all(user.id for user in users)


def test_the_brief_lists_follow_ups_due_and_quiet_action_points(client, login):
    first = factories.make_meeting(starts_at=datetime(2029, 1, 10, 9, tzinfo=UTC))
    factories.make_follow_up(first, text="Overdue item", due_on=TODAY - timedelta(days=2))
    quiet = factories.make_action_point(title="Nothing reported here")
    second = factories.make_meeting(starts_at=datetime.now(UTC) + timedelta(days=2))
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/meetings/{second.id}/brief").get_data(as_text=True)
    assert "Overdue item" in page and quiet.title in page and first.title in page


def test_the_brief_sums_up_updates_and_pledges_recorded_since_the_last_meeting(app, client, login):
    first = factories.make_meeting(starts_at=datetime.now(UTC) - timedelta(days=30))
    busy = factories.make_action_point(title="Two actors reported")
    for code in ("HU", "AT", "AT"):
        factories.make_update(busy, actor=factories.get_actor(code), workflow="validated")
    factories.make_pledge(actor=factories.get_actor("AT"), amount_minor=250_000)
    factories.make_pledge(actor=factories.get_actor("AT"), amount_minor=50_000)
    second = factories.make_meeting(starts_at=datetime.now(UTC) + timedelta(days=2))
    db.session.commit()
    with app.test_request_context():
        brief = queries.brief(second, TODAY)
    assert brief.previous.id == first.id
    news = {item.action_point.id: item for item in brief.news}
    assert (news[busy.id].updates, news[busy.id].actors) == (3, 2)
    assert busy.id not in {item.action_point.id for item in brief.quiet}
    at = factories.get_actor("AT")
    assert brief.pledges[at.id].pledged == 300_000 and brief.actors[at.id].code == "AT"
    login.as_role("viewer")
    page = client.get(f"/meetings/{second.id}/brief").get_data(as_text=True)
    assert busy.title in page and "3,000.00" in page


def test_the_brief_counts_nothing_validated_before_the_previous_meeting(app):
    action_point = factories.make_action_point()
    factories.make_update(action_point, workflow="validated")
    factories.make_pledge(actor=factories.get_actor("AT"))
    factories.make_meeting(starts_at=datetime.now(UTC) + timedelta(days=1))
    later = factories.make_meeting(starts_at=datetime.now(UTC) + timedelta(days=40))
    db.session.commit()
    with app.test_request_context():
        brief = queries.brief(later, TODAY)
    assert action_point.id in {item.action_point.id for item in brief.quiet}
    assert brief.news == [] and brief.pledges == {}


def _validated_at(update, moment: datetime) -> None:
    update.validated_at = moment
    db.session.flush()


def test_the_brief_of_a_past_meeting_counts_only_what_came_before_it(app):
    now = datetime.now(UTC)
    factories.make_meeting(starts_at=now - timedelta(days=40))
    past = factories.make_meeting(starts_at=now - timedelta(days=10))
    upcoming = factories.make_meeting(starts_at=now + timedelta(days=5))
    action_point = factories.make_action_point()
    before_past = factories.make_update(action_point, workflow="validated")
    _validated_at(before_past, now - timedelta(days=20))
    _validated_at(factories.make_update(action_point, workflow="validated"), now)
    _validated_at(  # before the window of either brief
        factories.make_update(action_point, workflow="validated"), now - timedelta(days=50)
    )
    pledge = factories.make_pledge(actor=factories.get_actor("AT"), amount_minor=70_000)
    # Recorded 20 days ago: a Core UPDATE, since the ORM refuses to rewrite a ledger entry.
    db.session.execute(
        update(PledgeEntry)
        .where(PledgeEntry.pledge_id == pledge.id)
        .values(created_at=now - timedelta(days=20))
    )
    factories.make_pledge(actor=factories.get_actor("AT"), amount_minor=5_000)  # recorded now
    db.session.commit()
    with app.test_request_context():
        briefs = {m: queries.brief(m, TODAY) for m in (past, upcoming)}
    at = factories.get_actor("AT").id
    for meeting, pledged in ((past, 70_000), (upcoming, 5_000)):
        [news] = [n for n in briefs[meeting].news if n.action_point.id == action_point.id]
        assert news.updates == 1, meeting.title
        assert briefs[meeting].pledges[at].pledged == pledged


def test_the_brief_lists_pledging_actors_by_name(app):
    factories.make_meeting(starts_at=datetime.now(UTC) - timedelta(days=3))
    later = factories.make_meeting(starts_at=datetime.now(UTC) + timedelta(days=3))
    for code in ("TR", "AT", "HU"):
        factories.make_pledge(actor=factories.get_actor(code))
    db.session.commit()
    with app.test_request_context():
        brief = queries.brief(later, TODAY)
    names = [brief.actors[actor_id].name for actor_id in brief.pledges]
    assert names == sorted(names) and len(names) == 3


def test_minutes_too_long_to_compare_say_so_instead_of_diffing(client, login, admin_api):
    from tracker.meetings.minutes import MAX_COMPARED_LINES

    meeting = factories.make_meeting()
    lines = MAX_COMPARED_LINES + 1
    services.record_minutes(meeting, text="\n".join(["x", "1"] * lines), by="t")
    services.record_minutes(meeting, text="\n".join(["y", "1"] * lines), by="t")
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/meetings/{meeting.id}/minutes/2").get_data(as_text=True)
    assert "too long to compare" in page and "<del>" not in page
    body = admin_api.get(f"/api/v1/meetings/{meeting.id}/minutes/2").get_json()
    assert body["changes_from_previous"] is None and body["version"] == 2


def test_each_version_of_the_minutes_has_a_page_with_what_changed(client, login):
    meeting = factories.make_meeting()
    services.record_minutes(meeting, text="We met.\nWe agreed on A.", by="t")
    services.record_minutes(meeting, text="We met.\nWe agreed on B.\nClosed.", by="t")
    db.session.commit()
    login.as_role("viewer")
    show = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "We agreed on B." in show and "We agreed on A." not in show
    assert f"/meetings/{meeting.id}/minutes/2" in show
    page = client.get(f"/meetings/{meeting.id}/minutes/2").get_data(as_text=True)
    assert "<del>- We agreed on A.</del>" in page and "<ins>+ We agreed on B.</ins>" in page
    assert "<ins>+ Closed.</ins>" in page
    first = client.get(f"/meetings/{meeting.id}/minutes/1").get_data(as_text=True)
    assert "We agreed on A." in first and "What changed" not in first
    assert client.get(f"/meetings/{meeting.id}/minutes/3").status_code == 404
    other = factories.make_meeting()
    db.session.commit()
    assert client.get(f"/meetings/{other.id}/minutes/1").status_code == 404


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


# API


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


def test_api_brief_is_json(admin_api):
    meeting = factories.make_meeting()
    factories.make_follow_up(meeting, due_on=TODAY - timedelta(days=1))
    db.session.commit()
    brief = admin_api.get(f"/api/v1/meetings/{meeting.id}/brief").get_json()
    assert brief["follow_ups"][0]["overdue"] is True
    assert brief["previous"] is None


# iCalendar


HARD_TITLE = "Türkiye; Sofia, Тбилиси — 会议 \\ with a long tail " + "x" * 80


def test_the_feed_parses_back_with_titles_exactly(client, login):
    factories.make_meeting(title=HARD_TITLE, place="Sofia, Bulgaria; hall 2")
    db.session.commit()
    login.as_role("viewer")
    response = client.get("/meetings/calendar.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    raw = response.get_data()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    events = Calendar.from_ical(raw).walk("VEVENT")
    titles = [str(e["SUMMARY"]) for e in events]
    assert HARD_TITLE in titles
    event_ = next(e for e in events if str(e["SUMMARY"]) == HARD_TITLE)
    assert str(event_["LOCATION"]) == "Sofia, Bulgaria; hall 2"


def test_the_api_feed_needs_a_token(client, api):
    factories.make_meeting(title="Feed check")
    assert client.get("/api/v1/calendar.ics").status_code == 401
    api.as_role("viewer")
    events = Calendar.from_ical(api.get("/api/v1/calendar.ics").get_data()).walk("VEVENT")
    assert "Feed check" in [str(e["SUMMARY"]) for e in events]


# Editing the agenda, the participants and the attachments


def _agenda(meeting, *titles):
    items = [agenda.add_agenda_item(meeting, title=t, by="tests") for t in titles]
    db.session.commit()
    return items


def _titles_and_positions(meeting_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    )
    return [(item.title, item.position) for item in items]


def test_moving_an_agenda_item_keeps_positions_one_to_n():
    meeting = factories.make_meeting()
    a, b, c = _agenda(meeting, "A", "B", "C")
    agenda.move_agenda_item(c, position=1, by="tests")
    assert _titles_and_positions(meeting.id) == [("C", 1), ("A", 2), ("B", 3)]
    agenda.move_agenda_item(c, position=3, by="tests")
    assert _titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


@pytest.mark.parametrize("position", [0, 4, -1, None])
def test_a_position_outside_the_agenda_is_refused_at_the_field(position):
    meeting = factories.make_meeting()
    a, _, _ = _agenda(meeting, "A", "B", "C")
    with pytest.raises(MeetingError, match="from 1 to 3") as caught:
        agenda.move_agenda_item(a, position=position, by="tests")
    assert caught.value.field == "position"
    assert _titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_removing_an_agenda_item_closes_up_the_others_and_is_audited():
    meeting = factories.make_meeting()
    _, b, _ = _agenda(meeting, "A", "B", "C")
    agenda.remove_agenda_item(b, by="tests")
    assert _titles_and_positions(meeting.id) == [("A", 1), ("C", 2)]
    event_ = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "agenda_remove").order_by(AuditEvent.id)
    )
    assert event_.entity_id == meeting.id and event_.changes["agenda_item"][0]["title"] == "B"


def test_a_removed_carried_over_item_leaves_its_follow_up_open_and_carry_over_puts_it_back():
    first = factories.make_meeting(starts_at=datetime(2029, 1, 10, 9, tzinfo=UTC))
    follow_up = factories.make_follow_up(first, text="Still open")
    second = factories.make_meeting(starts_at=datetime(2029, 6, 10, 9, tzinfo=UTC))
    (carried,) = second.agenda_items
    agenda.remove_agenda_item(carried, by="tests")
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).status == FollowUpStatus.OPEN
    assert [item.carried_from_id for item in services.carry_over(second, by="t")] == [follow_up.id]


def test_uninviting_removes_the_participant_and_is_audited():
    meeting = factories.make_meeting()
    services.set_participant(
        meeting, actor=factories.get_actor("AT"), attendance="attended", by="t"
    )
    participant = services.get_participant(meeting, "AT")
    services.remove_participant(participant, by="tests")
    assert services.get_participant(meeting, "AT") is None
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_remove"))
    assert event_.changes == {"AT": ["attended", None]}


def test_removing_an_attachment_keeps_the_stored_file():
    meeting = factories.make_meeting()
    stored = store_upload(b"%PDF-1.4 annex", "annex.pdf", by="tests")
    attachment = services.attach_file(meeting, stored, by="tests")
    services.remove_attachment(attachment, by="tests")
    db.session.expire_all()
    assert db.session.get(MeetingAttachment, attachment.id) is None
    assert db.session.get(StoredFile, stored.id) is not None
    assert stored_path(stored.sha256).is_file()


def _page_meeting():
    meeting = factories.make_meeting()
    items = _agenda(meeting, "A", "B", "C")
    services.set_participant(meeting, actor=factories.get_actor("AT"), attendance="invited", by="t")
    attachment = services.attach_file(
        meeting, store_upload(b"%PDF-1.4 annex", "annex.pdf", by="tests"), by="tests"
    )
    db.session.commit()
    return meeting, items, attachment


def test_admin_moves_an_agenda_item_down_in_the_page(client, login):
    meeting, (a, _, _), _ = _page_meeting()
    login.as_role("admin")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/agenda/{a.id}/move" in page and "Move down" in page
    response = client.post(f"/meetings/{meeting.id}/agenda/{a.id}/move", data={"position": "2"})
    assert response.status_code == 302
    assert _titles_and_positions(meeting.id) == [("B", 1), ("A", 2), ("C", 3)]


@pytest.mark.parametrize("position", ["0", "4", "", "two", "99999999999999999999"])
def test_a_bad_position_in_the_page_is_a_422_with_a_message(client, login, position):
    meeting, (a, _, _), _ = _page_meeting()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/agenda/{a.id}/move", data={"position": position}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not moved:" in page and ("from 1 to 3" in page or "integer" in page)
    assert _titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_admin_removes_an_item_a_participant_and_an_attachment_in_the_page(client, login):
    meeting, (_, b, _), attachment = _page_meeting()
    login.as_role("admin")
    base = f"/meetings/{meeting.id}"
    assert client.post(f"{base}/agenda/{b.id}/remove").status_code == 302
    assert client.post(f"{base}/participants/AT/remove").status_code == 302
    assert client.post(f"{base}/attachments/{attachment.id}/remove").status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "annex.pdf removed from the meeting" in page
    assert _titles_and_positions(meeting.id) == [("A", 1), ("C", 2)]
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).participants == []
    assert db.session.get(Meeting, meeting.id).attachments == []


def test_the_page_says_that_a_removed_carried_item_comes_back_with_carry_over(client, login):
    first = factories.make_meeting(starts_at=datetime(2029, 1, 10, 9, tzinfo=UTC))
    factories.make_follow_up(first, text="Still open")
    second = factories.make_meeting(starts_at=datetime(2029, 6, 10, 9, tzinfo=UTC))
    db.session.commit()
    login.as_role("admin")
    assert "“Carry over” puts it back" not in client.get(f"/meetings/{first.id}").text
    page = client.get(f"/meetings/{second.id}").get_data(as_text=True)
    assert "“Carry over” puts it back" in page
    item = second.agenda_items[0]
    response = client.post(f"/meetings/{second.id}/agenda/{item.id}/remove", follow_redirects=True)
    assert "while it is open, carrying over puts it back" in response.get_data(as_text=True)


def test_viewers_see_no_edit_buttons_and_members_get_403(client, login):
    meeting, (a, _, _), attachment = _page_meeting()
    login.as_role("viewer")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "/move" not in page and "/remove" not in page
    login.as_role("member", actor=factories.get_actor("AT"))
    base = f"/meetings/{meeting.id}"
    for url in (
        f"{base}/agenda/{a.id}/move",
        f"{base}/agenda/{a.id}/remove",
        f"{base}/participants/AT/remove",
        f"{base}/attachments/{attachment.id}/remove",
    ):
        assert client.post(url, data={"position": "2"}).status_code == 403, url
    assert _titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]
    assert services.get_participant(meeting, "AT") is not None


def test_another_meetings_item_participant_or_attachment_is_a_404_in_the_page(client, login):
    meeting, (a, _, _), attachment = _page_meeting()
    other = factories.make_meeting()
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{other.id}"
    assert client.post(f"{base}/agenda/{a.id}/move", data={"position": "1"}).status_code == 404
    assert client.post(f"{base}/agenda/{a.id}/remove").status_code == 404
    assert client.post(f"{base}/participants/AT/remove").status_code == 404
    assert client.post(f"{base}/attachments/{attachment.id}/remove").status_code == 404
    assert client.get(f"{base}/attachments/{attachment.id}").status_code == 404
    assert len(_titles_and_positions(meeting.id)) == 3


def test_a_stale_meeting_edit_shows_the_conflict_page_with_both_versions(client, login):
    meeting = factories.make_meeting(title="Saved title")
    db.session.commit()
    stale_version = meeting.version
    meeting.title = "Their title"  # someone else's save: the version column moves on
    db.session.commit()
    assert meeting.version == stale_version + 1
    login.as_role("admin")
    data = {**meeting_body(), "title": "My title", "version": str(stale_version)}
    response = client.post(f"/meetings/{meeting.id}/edit", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Edit conflict" in page and "changed by someone else" in page
    assert "Their title" in page and 'value="My title"' in page
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Their title"


def test_api_moves_and_removes_agenda_items(admin_api):
    meeting, (a, b, c), _ = _page_meeting()
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
    meeting, (a, _, _), _ = _page_meeting()
    response = admin_api.patch(f"/api/v1/meetings/{meeting.id}/agenda-items/{a.id}", json=body)
    error = assert_error(response, 422)
    assert message in " ".join(error["fields"].values())
    assert _titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_api_uninvites_and_removes_an_attachment(admin_api):
    meeting, _, attachment = _page_meeting()
    base = f"/api/v1/meetings/{meeting.id}"
    uninvited = admin_api.delete(f"{base}/participants/AT")
    assert uninvited.status_code == 200 and uninvited.get_json()["participants"] == []
    detached = admin_api.delete(f"{base}/attachments/{attachment.id}")
    assert detached.status_code == 200 and detached.get_json()["attachments"] == []
    assert_error(admin_api.get(f"{base}/attachments/{attachment.id}"), 404)


def test_api_another_meetings_item_participant_or_attachment_is_a_404(admin_api):
    meeting, (a, _, _), attachment = _page_meeting()
    other = factories.make_meeting()
    db.session.commit()
    base = f"/api/v1/meetings/{other.id}"
    assert_error(admin_api.patch(f"{base}/agenda-items/{a.id}", json={"position": 1}), 404)
    assert_error(admin_api.delete(f"{base}/agenda-items/{a.id}"), 404)
    assert_error(admin_api.delete(f"{base}/participants/AT"), 404)
    assert_error(admin_api.delete(f"{base}/participants/{'X' * 300}"), 404)
    assert_error(admin_api.delete(f"{base}/attachments/{attachment.id}"), 404)
    assert len(_titles_and_positions(meeting.id)) == 3


def test_api_edits_of_the_agenda_are_403_for_a_focal_point(api):
    meeting, (a, _, _), attachment = _page_meeting()
    api.as_role("focal_point", actor=factories.get_actor("AT"))
    base = f"/api/v1/meetings/{meeting.id}"
    assert_error(api.patch(f"{base}/agenda-items/{a.id}", json={"position": 2}), 403)
    assert_error(api.delete(f"{base}/agenda-items/{a.id}"), 403)
    assert_error(api.delete(f"{base}/participants/AT"), 403)
    assert_error(api.delete(f"{base}/attachments/{attachment.id}"), 403)
    assert _titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


# Correcting what was recorded: edit agenda items, decisions and follow-ups; remove the last two


def _recorded():
    """A meeting with an agenda item, a decision linked to an action point, and a follow-up."""
    meeting = factories.make_meeting()
    linked = factories.make_action_point(title="Linked")
    (item,) = _agenda(meeting, "Review the curriculum")
    decision = follow_ups.record_decision(
        meeting, text="Agreed to share it.", action_points=[linked], by="t"
    )
    follow_up = factories.make_follow_up(meeting, text="Share it", due_on=date(2030, 1, 15))
    db.session.commit()
    return meeting, item, decision, follow_up


def _fresh(model, record_id: int):
    db.session.expire_all()
    return db.session.get(model, record_id)


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_moving_a_due_date_or_handing_a_follow_up_over_adds_a_note_and_an_audit_event():
    _, _, _, follow_up = _recorded()
    follow_ups.update_follow_up(
        follow_up,
        text="Share the curriculum",
        owner=factories.get_actor("AT"),
        due_on=date(2030, 3, 1),
        version=follow_up.version,
        by="tests",
    )
    saved = _fresh(FollowUp, follow_up.id)
    assert (saved.owner_actor.code, saved.due_on, saved.version) == ("AT", date(2030, 3, 1), 2)
    (note,) = saved.notes
    assert note.status == FollowUpStatus.OPEN
    assert note.note == "Due date moved from 2030-01-15 to 2030-03-01. Handed from HU to AT."
    (event_,) = [e for e in _events("update") if e.entity_type == "follow_ups"]
    assert event_.entity_id == follow_up.id
    assert event_.changes["due_on"] == ["2030-01-15", "2030-03-01"]
    assert event_.changes["owner_actor"] == ["HU", "AT"]


def test_correcting_only_a_follow_ups_text_adds_no_note():
    _, _, _, follow_up = _recorded()
    follow_ups.update_follow_up(
        follow_up,
        text="Share the curriculum",
        owner=follow_up.owner_actor,
        due_on=follow_up.due_on,
        version=follow_up.version,
        by="tests",
    )
    saved = _fresh(FollowUp, follow_up.id)
    assert saved.text == "Share the curriculum" and saved.notes == []


def test_a_stale_follow_up_edit_is_refused_and_changes_nothing():
    _, _, _, follow_up = _recorded()
    with pytest.raises(StaleVersionError):
        follow_ups.update_follow_up(
            follow_up,
            text="Mine",
            owner=follow_up.owner_actor,
            due_on=date(2031, 1, 1),
            version=follow_up.version - 1,
            by="tests",
        )
    saved = _fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.due_on, saved.notes) == ("Share it", date(2030, 1, 15), [])


def test_changing_only_a_decisions_links_moves_its_version_on():
    meeting, _, decision, _ = _recorded()
    other = factories.make_action_point(title="Other")
    follow_ups.update_decision(
        decision, text=decision.text, action_points=[other], version=1, by="tests"
    )
    saved = _fresh(Decision, decision.id)
    assert [ap.code for ap in saved.action_points] == [other.code]
    assert saved.version == 2
    (event_,) = _events("decision_edit")
    assert event_.entity_id == meeting.id and list(event_.changes) == ["action_points", "decision"]
    with pytest.raises(StaleVersionError):
        follow_ups.update_decision(saved, text="Again", action_points=[], version=1, by="tests")


def test_an_agenda_item_edit_refuses_another_plans_action_point_and_keeps_the_item():
    _, item, _, _ = _recorded()
    foreign = factories.make_action_point(factories.get_plan("BP-CFA-2025"))
    with pytest.raises(MeetingError, match="another plan") as caught:
        agenda.update_agenda_item(
            item, title="Renamed", action_point=foreign, goal=None, by="tests"
        )
    assert caught.value.field == "action_point"
    saved = _fresh(AgendaItem, item.id)
    assert (saved.title, saved.action_point_id) == ("Review the curriculum", None)


def test_a_follow_up_with_notes_cannot_be_removed():
    _, _, _, follow_up = _recorded()
    follow_ups.change_follow_up_status(
        follow_up, status="in_progress", note="Drafting.", version=None, by="tests"
    )
    with pytest.raises(MeetingError, match="drop it instead") as caught:
        follow_ups.remove_follow_up(follow_up, by="tests")
    assert caught.value.field == "follow_up"
    assert _fresh(FollowUp, follow_up.id) is not None


def test_a_follow_up_carried_onto_a_later_agenda_cannot_be_removed():
    first = factories.make_meeting(starts_at=datetime(2029, 1, 10, 9, tzinfo=UTC))
    follow_up = factories.make_follow_up(first)
    factories.make_meeting(starts_at=datetime(2029, 6, 10, 9, tzinfo=UTC))
    with pytest.raises(MeetingError, match="carried onto a later meeting"):
        follow_ups.remove_follow_up(follow_up, by="tests")
    assert _fresh(FollowUp, follow_up.id) is not None


def test_a_decision_with_follow_ups_is_removed_only_once_they_are():
    meeting, _, decision, _ = _recorded()
    of_decision = factories.make_follow_up(meeting, decision=decision)
    with pytest.raises(MeetingError, match="1 follow-up"):
        follow_ups.remove_decision(decision, by="tests")
    follow_ups.remove_follow_up(of_decision, by="tests")
    follow_ups.remove_decision(_fresh(Decision, decision.id), by="tests")
    assert _fresh(Decision, decision.id) is None
    assert count(DecisionActionPoint) == 0
    removed = {
        e.action: e.changes for e in _events("decision_remove") + _events("follow_up_remove")
    }
    assert removed["decision_remove"]["decision"][0]["text"] == "Agreed to share it."
    assert removed["follow_up_remove"]["follow_up"][0]["decision"] == decision.id


# Correcting in the pages


def _signed_in(app, role: str, actor: str | None = None):
    """A client of its own: signing in again on one client keeps the first user."""
    client = app.test_client()
    AuthActions(client).as_role(role, actor=factories.get_actor(actor) if actor else None)
    return client


def test_the_meeting_page_offers_edit_and_remove_to_the_secretariat_only(app):
    meeting, item, decision, follow_up = _recorded()
    base = f"/meetings/{meeting.id}"
    controls = (
        f"{base}/agenda/{item.id}/edit",
        f"{base}/decisions/{decision.id}/edit",
        f"{base}/decisions/{decision.id}/remove",
        f"{base}/follow-ups/{follow_up.id}/edit",
        f"{base}/follow-ups/{follow_up.id}/remove",
    )
    page = _signed_in(app, "admin").get(base).get_data(as_text=True)
    assert all(url in page for url in controls)
    page = _signed_in(app, "viewer").get(base).get_data(as_text=True)
    assert not any(url in page for url in controls)


def test_admin_edits_an_agenda_item_a_decision_and_a_follow_up_in_the_pages(client, login):
    meeting, item, decision, follow_up = _recorded()
    other = factories.make_action_point(title="Other")
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{meeting.id}"
    form = client.get(f"{base}/follow-ups/{follow_up.id}/edit").get_data(as_text=True)
    assert "Share it" in form and 'value="2030-01-15"' in form
    edits = {
        f"{base}/agenda/{item.id}/edit": {"title": "Curriculum", "action_point": other.code},
        f"{base}/decisions/{decision.id}/edit": {
            "text": "Agreed to share it by March.",
            "action_points": [other.code],
            "version": "1",
        },
        f"{base}/follow-ups/{follow_up.id}/edit": {
            "text": "Share it",
            "owner": "TR",
            "due_on": "2030-03-01",
            "version": "1",
        },
    }
    for url, data in edits.items():
        response = client.post(url, data=data)
        assert response.status_code == 302, (url, response.get_data(as_text=True))
        assert response.headers["Location"] == base
    db.session.expire_all()
    assert (item.title, item.action_point_id) == ("Curriculum", other.id)
    assert decision.text == "Agreed to share it by March." and decision.action_points == [other]
    assert (decision.version, follow_up.version) == (2, 2)  # one edit, one version
    assert (follow_up.owner_actor.code, follow_up.due_on) == ("TR", date(2030, 3, 1))
    page = client.get(base).get_data(as_text=True)
    assert "Agreed to share it by March." in page and "Agenda item 1 edited" in page


def test_a_stale_decision_edit_shows_the_conflict_page_with_what_is_saved(client, login):
    meeting, _, decision, _ = _recorded()
    follow_ups.update_decision(
        decision, text="Their wording.", action_points=[], version=1, by="someone else"
    )
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/decisions/{decision.id}/edit",
        data={"text": "My wording.", "version": "1"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Edit conflict" in page and "Their wording." in page and "My wording." in page
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', page)
    assert _fresh(Decision, decision.id).text == "Their wording."
    again = client.post(
        f"/meetings/{meeting.id}/decisions/{decision.id}/edit",
        data={"text": "My wording.", "version": "2"},
    )
    assert again.status_code == 302 and _fresh(Decision, decision.id).text == "My wording."


def test_a_stale_follow_up_edit_shows_the_conflict_page(client, login):
    meeting, _, _, follow_up = _recorded()
    follow_ups.change_follow_up_status(
        follow_up, status="in_progress", note="Drafting.", version=1, by="someone else"
    )
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/follow-ups/{follow_up.id}/edit",
        data={"text": "Mine", "owner": "AT", "due_on": "2031-01-01", "version": "1"},
    )
    assert response.status_code == 409 and "Edit conflict" in response.get_data(as_text=True)
    saved = _fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.owner_actor.code, len(saved.notes)) == ("Share it", "HU", 1)


def test_the_agenda_item_page_refuses_another_plans_action_point(client, login):
    meeting, item, _, _ = _recorded()
    foreign = factories.make_action_point(factories.get_plan("BP-CFA-2025"), code="X98")
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/agenda/{item.id}/edit",
        data={"title": "Renamed", "action_point": foreign.code},
    )
    assert response.status_code == 422
    assert "Not an action point of the meeting&#39;s plan." in response.get_data(as_text=True)
    assert _fresh(AgendaItem, item.id).title == "Review the curriculum"


BAD_FOLLOW_UP_INPUT = [
    ({"text": ""}, "text", "This field is required."),
    ({"text": "x" * 50_000}, "text", "20000 characters"),
    ({"due_on": "next week"}, "due_on", "Not a valid date value."),
    ({"due_on": ""}, "due_on", "Give the date it is due."),
    ({"owner": "XX"}, "owner", "Not a valid choice."),
    ({"owner": ""}, "owner", "Give the actor that owns this follow-up."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_FOLLOW_UP_INPUT)
def test_bad_follow_up_input_in_the_page_is_refused_at_the_field(
    client, login, change, field, message
):
    meeting, _, _, follow_up = _recorded()
    login.as_role("admin")
    data = {"text": "Share it", "owner": "AT", "due_on": "2030-03-01", "version": "1", **change}
    response = client.post(f"/meetings/{meeting.id}/follow-ups/{follow_up.id}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error-1"' in page or f'id="follow-up-{field}-error-1"' in page
    assert message in page
    saved = _fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.owner_actor.code, saved.version, saved.notes) == (
        "Share it",
        "HU",
        1,
        [],
    )


@pytest.mark.parametrize("text", ["", "  ", "x" * 50_000])
def test_a_decision_left_empty_or_too_long_is_refused_in_the_page(client, login, text):
    meeting, _, decision, _ = _recorded()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/decisions/{decision.id}/edit",
        data={"text": text, "version": "1"},
    )
    assert response.status_code == 422
    assert "decision-text-error-1" in response.get_data(as_text=True)
    assert _fresh(Decision, decision.id).text == "Agreed to share it."


def test_the_page_says_why_a_follow_up_or_decision_is_not_removed(client, login):
    meeting, _, decision, follow_up = _recorded()
    of_decision = factories.make_follow_up(meeting, decision=decision)
    follow_ups.change_follow_up_status(
        follow_up, status="done", note="Shared.", version=None, by="tests"
    )
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{meeting.id}"
    refused = client.post(f"{base}/follow-ups/{follow_up.id}/remove")
    assert refused.status_code == 422
    assert "has status notes: drop it instead" in refused.get_data(as_text=True)
    refused = client.post(f"{base}/decisions/{decision.id}/remove")
    assert refused.status_code == 422
    assert "This decision has 1 follow-up(s)" in refused.get_data(as_text=True)
    assert _fresh(FollowUp, follow_up.id) is not None and _fresh(Decision, decision.id)
    assert client.post(f"{base}/follow-ups/{of_decision.id}/remove").status_code == 302
    removed = client.post(f"{base}/decisions/{decision.id}/remove", follow_redirects=True)
    assert "Decision removed." in removed.get_data(as_text=True)
    assert _fresh(Decision, decision.id) is None and _fresh(FollowUp, of_decision.id) is None


def test_members_and_the_owner_get_403_on_the_correction_pages(app):
    meeting, item, decision, follow_up = _recorded()
    base = f"/meetings/{meeting.id}"
    posts = {
        f"{base}/agenda/{item.id}/edit": {"title": "Renamed"},
        f"{base}/decisions/{decision.id}/edit": {"text": "Renamed", "version": "1"},
        f"{base}/decisions/{decision.id}/remove": {},
        f"{base}/follow-ups/{follow_up.id}/edit": {
            "text": "Renamed",
            "owner": "HU",
            "due_on": "2030-03-01",
            "version": "1",
        },
        f"{base}/follow-ups/{follow_up.id}/remove": {},
    }
    for role, actor in (("member", "AT"), ("focal_point", "HU")):
        client = _signed_in(app, role, actor)
        for url, data in posts.items():
            assert client.post(url, data=data).status_code == 403, (role, url)
            if url.endswith("/edit"):
                assert client.get(url).status_code == 403, (role, url)
    assert _fresh(AgendaItem, item.id).title == "Review the curriculum"
    assert _fresh(Decision, decision.id).text == "Agreed to share it."
    assert _fresh(FollowUp, follow_up.id).text == "Share it"


def test_another_meetings_decision_follow_up_or_item_is_a_404_in_the_pages(client, login):
    _, item, decision, follow_up = _recorded()
    other = factories.make_meeting()
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{other.id}"
    for url in (
        f"{base}/agenda/{item.id}/edit",
        f"{base}/decisions/{decision.id}/edit",
        f"{base}/follow-ups/{follow_up.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/decisions/{decision.id}/remove").status_code == 404
    assert client.post(f"{base}/follow-ups/{follow_up.id}/remove").status_code == 404
    assert _fresh(Decision, decision.id) and _fresh(FollowUp, follow_up.id)


# Correcting through the API


def test_api_edits_an_agenda_item_a_decision_and_a_follow_up(admin_api):
    meeting, item, decision, follow_up = _recorded()
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
    meeting, _, decision, follow_up = _recorded()
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
    assert _fresh(Decision, decision.id).text == "Theirs."
    assert _fresh(FollowUp, follow_up.id).owner_actor.code == "HU"


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
    _, _, _, follow_up = _recorded()
    body = {"version": 1, **body} if field != "version" else body
    error = assert_error(admin_api.patch(f"/api/v1/follow-ups/{follow_up.id}", json=body), 422)
    assert field in error["fields"]
    saved = _fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.owner_actor.code, saved.version, saved.notes) == (
        "Share it",
        "HU",
        1,
        [],
    )


def test_api_refuses_another_plans_action_point_in_an_agenda_item_or_decision(admin_api):
    meeting, item, decision, _ = _recorded()
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
    assert _fresh(AgendaItem, item.id).action_point_id is None
    assert _fresh(Decision, decision.id).version == 1


def test_api_removes_only_what_nothing_depends_on(admin_api):
    meeting, _, decision, follow_up = _recorded()
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
    assert count(FollowUp) == 2 and _fresh(Decision, decision.id) is not None
    removed = admin_api.delete(f"/api/v1/follow-ups/{of_decision.id}")
    assert removed.status_code == 204 and removed.get_data() == b""
    after = admin_api.delete(base)
    assert after.status_code == 200 and after.get_json()["decisions"] == []
    assert_error(admin_api.delete(base), 404)


def test_api_corrections_are_403_for_the_owner_focal_point(api):
    meeting, item, decision, follow_up = _recorded()
    api.as_role("focal_point", actor=factories.get_actor("HU"))
    base = f"/api/v1/meetings/{meeting.id}"
    assert_error(api.patch(f"{base}/agenda-items/{item.id}", json={"title": "X"}), 403)
    assert_error(api.patch(f"{base}/decisions/{decision.id}", json={"version": 1}), 403)
    assert_error(api.delete(f"{base}/decisions/{decision.id}"), 403)
    assert_error(api.patch(f"/api/v1/follow-ups/{follow_up.id}", json={"version": 1}), 403)
    assert_error(api.delete(f"/api/v1/follow-ups/{follow_up.id}"), 403)
    assert _fresh(AgendaItem, item.id).title == "Review the curriculum"
    assert _fresh(Decision, decision.id) is not None and _fresh(FollowUp, follow_up.id)


def test_api_another_meetings_decision_is_a_404(admin_api):
    _, item, decision, _ = _recorded()
    other = factories.make_meeting()
    db.session.commit()
    base = f"/api/v1/meetings/{other.id}"
    assert_error(admin_api.patch(f"{base}/decisions/{decision.id}", json={"version": 1}), 404)
    assert_error(admin_api.delete(f"{base}/decisions/{decision.id}"), 404)
    assert_error(admin_api.patch(f"{base}/agenda-items/{item.id}", json={"title": "X"}), 404)
    assert_error(admin_api.delete("/api/v1/follow-ups/999999"), 404)
    assert _fresh(Decision, decision.id).text == "Agreed to share it."
