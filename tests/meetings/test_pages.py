"""Meetings: the pages of a meeting (create, edit, minutes, agenda, participants, attachments), the
follow-ups list and status page, and the meeting pages' query count."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.api.test_basics import count_queries
from tests.meetings import (
    TODAY,
    count,
    meeting_body,
    page_body,
    page_meeting,
    titles_and_positions,
)
from tracker.db import db
from tracker.meetings import agenda, follow_ups, services
from tracker.meetings.models import (
    FollowUp,
    FollowUpStatus,
    Meeting,
    Minutes,
)


def test_admin_creates_a_meeting_in_the_page(client, login):
    login.as_role("admin")
    data = {**page_body(), "number": "7"}
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
    assert meeting.starts_at == datetime(2030, 3, 10, 6, tzinfo=UTC)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "10 Mar 2030 09:00 (Europe/Istanbul)" in page


def test_the_page_asks_for_the_time_zone_at_the_field(client, login):
    login.as_role("admin")
    before = count(Meeting)
    response = client.post("/meetings/new", data={**page_body(), "timezone": ""})
    assert response.status_code == 200
    assert "This field is required" in response.get_data(as_text=True)
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
    by_owner = client.get("/meetings/follow-ups?owner=AT").get_data(as_text=True)
    assert '<option value="AT" selected>' in by_owner  # the filter shows what it applies


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


def test_admin_moves_an_agenda_item_down_in_the_page(client, login):
    meeting, (a, _, _), _ = page_meeting()
    login.as_role("admin")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/agenda/{a.id}/move" in page and "Move down" in page
    response = client.post(f"/meetings/{meeting.id}/agenda/{a.id}/move", data={"position": "2"})
    assert response.status_code == 302
    assert titles_and_positions(meeting.id) == [("B", 1), ("A", 2), ("C", 3)]


@pytest.mark.parametrize("position", ["0", "4", "", "two", "99999999999999999999"])
def test_a_bad_position_in_the_page_is_a_422_with_a_message(client, login, position):
    meeting, (a, _, _), _ = page_meeting()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/agenda/{a.id}/move", data={"position": position}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not moved:" in page and ("from 1 to 3" in page or "integer" in page)
    assert titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_admin_removes_an_item_a_participant_and_an_attachment_in_the_page(client, login):
    meeting, (_, b, _), attachment = page_meeting()
    login.as_role("admin")
    base = f"/meetings/{meeting.id}"
    assert client.post(f"{base}/agenda/{b.id}/remove").status_code == 302
    assert client.post(f"{base}/participants/AT/remove").status_code == 302
    assert client.post(f"{base}/attachments/{attachment.id}/remove").status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "annex.pdf removed from the meeting" in page
    assert titles_and_positions(meeting.id) == [("A", 1), ("C", 2)]
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
    meeting, (a, _, _), attachment = page_meeting()
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
    assert titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]
    assert services.get_participant(meeting, "AT") is not None


def test_another_meetings_item_participant_or_attachment_is_a_404_in_the_page(client, login):
    meeting, (a, _, _), attachment = page_meeting()
    other = factories.make_meeting()
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{other.id}"
    assert client.post(f"{base}/agenda/{a.id}/move", data={"position": "1"}).status_code == 404
    assert client.post(f"{base}/agenda/{a.id}/remove").status_code == 404
    assert client.post(f"{base}/participants/AT/remove").status_code == 404
    assert client.post(f"{base}/attachments/{attachment.id}/remove").status_code == 404
    assert client.get(f"{base}/attachments/{attachment.id}").status_code == 404
    assert len(titles_and_positions(meeting.id)) == 3


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
