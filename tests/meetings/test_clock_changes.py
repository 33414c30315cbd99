"""Meetings at the hours the clocks change: a local time the clocks skip is refused with the gap
named; one they pass twice is its first occurrence unless an offset says otherwise, and keeps the
occurrence it has through the edit form and on the page."""

from datetime import UTC, datetime

import pytest

from tests import factories
from tests.api.test_basics import assert_error
from tests.meetings import count, fresh, meeting_body, page_body
from tracker.db import db
from tracker.meetings import services
from tracker.meetings.models import Meeting
from tracker.meetings.services import MeetingError

SKIPPED = "2027-03-28T02:30"  # Europe/Budapest goes from 02:00 to 03:00 that night
TWICE = "2027-10-31T02:30"  # and back from 03:00 to 02:00 in the autumn


@pytest.mark.parametrize(
    ("zone", "text", "start", "end"),
    [
        ("Europe/Budapest", SKIPPED, "02:00", "03:00"),
        ("America/New_York", "2027-03-14T02:59", "02:00", "03:00"),
        ("Australia/Lord_Howe", "2027-10-03T02:15", "02:00", "02:30"),  # a half-hour change
    ],
)
def test_a_local_time_the_clocks_skip_is_refused_with_the_gap_named(zone, text, start, end):
    with pytest.raises(MeetingError) as caught:
        services.parse_moment(text, zone, "starts_at")
    assert caught.value.field == "starts_at"
    message = str(caught.value)
    assert f"There is no {text[-5:]} on {text[:10]} in {zone}" in message
    assert f"forward from {start} to {end}" in message


@pytest.mark.parametrize("text", ["2027-03-28T01:59", "2027-03-28T03:00", f"{SKIPPED}+01:00"])
def test_times_beside_the_gap_and_times_with_an_offset_are_accepted(text):
    moment = services.parse_moment(text, "Europe/Budapest", "starts_at")
    assert moment.tzinfo == UTC


def test_a_local_time_the_clocks_pass_twice_is_its_first_occurrence_unless_an_offset_says():
    first = services.parse_moment(TWICE, "Europe/Budapest", "starts_at")
    second = services.parse_moment(f"{TWICE}+01:00", "Europe/Budapest", "starts_at")
    assert first == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # summer time, +02:00
    assert second == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_the_meeting_page_refuses_a_skipped_time_at_the_field(client, login):
    login.as_role("admin")
    before = count(Meeting)
    data = {**page_body(), "timezone": "Europe/Budapest", "starts_at": SKIPPED}
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is no 02:30 on 2027-03-28 in Europe/Budapest" in page
    assert "forward from 02:00 to 03:00" in page
    assert count(Meeting) == before


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_the_api_refuses_a_skipped_time_with_422_at_the_field(api, field):
    api.as_role("admin")
    before = count(Meeting)
    times = {"starts_at": "2027-03-28T01:00", "ends_at": "2027-03-28T05:00", field: SKIPPED}
    body = meeting_body(timezone="Europe/Budapest", **times)
    error = assert_error(api.post("/api/v1/meetings", json=body), 422)
    assert "forward from 02:00 to 03:00" in error["fields"][field]
    assert count(Meeting) == before


def test_a_meeting_at_the_second_occurrence_keeps_it_through_the_edit_form(client, login):
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 +01:00 in Budapest
    meeting = factories.make_meeting(starts_at=second, timezone="Europe/Budapest")
    db.session.commit()
    login.as_role("admin")

    shown = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "31 Oct 2027 02:30 (Europe/Budapest, +01:00)" in shown
    form = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="2027-10-31T02:30+01:00"' in form

    data = {
        **meeting_body(),
        "timezone": "Europe/Budapest",
        "starts_at": "2027-10-31T02:30+01:00",
        "ends_at": "2027-10-31T08:30",
        "title": "Renamed",
        "version": str(meeting.version),
    }
    response = client.post(f"/meetings/{meeting.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = fresh(Meeting, meeting.id)
    assert (saved.title, saved.starts_at) == ("Renamed", second)


def test_a_time_that_happens_once_is_shown_and_edited_without_an_offset(client, login):
    meeting = factories.make_meeting(
        starts_at=datetime(2027, 10, 31, 2, 30, tzinfo=UTC), timezone="Europe/Budapest"
    )
    db.session.commit()
    login.as_role("admin")
    shown = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "31 Oct 2027 03:30 (Europe/Budapest) –" in shown
    form = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="2027-10-31T03:30"' in form
