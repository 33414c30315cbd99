"""The meeting form as people use it (issue 14): series by name, the next number, the time zone
from a list, date-time pickers, a real checkbox; a whole group invited at once."""

import re

from sqlalchemy import select

from tests import factories
from tests.api.test_basics import assert_error
from tests.meetings import count, meeting_body, page_body
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.meetings.models import Attendance, Meeting, MeetingParticipant, series_name
from tracker.meetings.services import series_key


def latest() -> Meeting:
    return db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))


def test_a_series_is_named_by_its_meetings_titles_without_their_number():
    assert series_name("reference-group", "Reference Group meeting 12") == "Reference Group meeting"
    assert series_name("som", "12th Senior Officials Meeting") == "Senior Officials Meeting"
    assert series_name("wg-black-sea", "Kick-off") == "Wg black sea"
    assert series_key("Black Sea working group – Türkiye") == "black-sea-working-group-turkiye"


def test_the_form_offers_series_by_name_with_their_next_number(client, login):
    factories.make_meeting(number=12, title="Reference Group meeting 12")
    db.session.commit()
    login.as_role("admin")
    page = client.get("/meetings/new?series=reference-group").get_data(as_text=True)
    option = re.search(r'<option[^>]*value="reference-group"[^>]*>', page).group(0)
    assert 'data-next="13"' in option and "selected" in option
    assert ">Reference Group meeting</option>" in page and "Start a new series" in page
    assert 'type="datetime-local"' in page and "meeting-form.js" in page
    assert 'class="form-check-input"' in page  # "Virtual meeting" is a checkbox, not a bar


def test_an_empty_number_and_title_become_the_next_of_the_series(client, login):
    factories.make_meeting(number=12, title="Reference Group meeting 12")
    db.session.commit()
    login.as_role("admin")
    data = meeting_body(series="reference-group", number="", title="")
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = latest()
    assert (meeting.series, meeting.number, meeting.title) == (
        "reference-group",
        13,
        "Reference Group meeting 13",
    )


def test_a_new_series_gets_a_key_from_its_name_and_number_one(client, login):
    login.as_role("admin")
    data = page_body(new_series="Black Sea working group", number="", title="")
    assert client.post("/meetings/new", data=data).status_code == 302
    meeting = latest()
    assert (meeting.series, meeting.number, meeting.title) == (
        "black-sea-working-group",
        1,
        "Black Sea working group 1",
    )


def test_a_new_series_named_like_an_existing_one_is_refused_at_the_field(client, login):
    factories.make_meeting(number=1, title="Reference Group meeting 1")
    db.session.commit()
    login.as_role("admin")
    before = count(Meeting)
    response = client.post("/meetings/new", data=page_body(new_series="Reference group"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is already a series called “Reference group”: choose it in the list." in page
    assert count(Meeting) == before


def test_a_number_already_used_in_the_series_is_refused_at_the_field(client, login):
    factories.make_meeting(number=7, title="Reference Group meeting 7")
    db.session.commit()
    login.as_role("admin")
    before = (count(Meeting), count(AuditEvent))
    data = meeting_body(series="reference-group", number="7")
    page = client.post("/meetings/new", data=data).get_data(as_text=True)
    assert 'id="number-error-1"' in page
    assert "Number 7 of this series is already “Reference Group meeting 7”" in page
    assert "the next free number is 8" in page
    assert (count(Meeting), count(AuditEvent)) == before


def test_the_api_refuses_a_number_already_used_in_the_series(admin_api):
    factories.make_meeting(number=7)
    db.session.commit()
    before = count(Meeting)
    error = assert_error(admin_api.post("/api/v1/meetings", json=meeting_body(number=7)), 422)
    assert "already" in error["fields"]["number"]
    assert count(Meeting) == before


def test_editing_a_meeting_keeps_its_own_number(client, login):
    meeting = factories.make_meeting(number=7, title="Reference Group meeting 7")
    db.session.commit()
    login.as_role("admin")
    data = meeting_body(series="reference-group", number="7", version=str(meeting.version))
    response = client.post(f"/meetings/{meeting.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_time_zone_not_in_the_list_is_refused_at_the_field(client, login):
    login.as_role("admin")
    before = count(Meeting)
    page = client.post("/meetings/new", data=page_body(timezone="Europe/Atlantis"))
    assert "Choose a time zone from the list." in page.get_data(as_text=True)
    assert count(Meeting) == before


def test_the_host_states_zone_comes_first_after_the_chosen_one(client, login):
    meeting = factories.make_meeting(timezone="UTC", host_actor=factories.get_actor("TR"))
    db.session.commit()
    login.as_role("admin")
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    likely = re.search(r'<optgroup label="Likely">(.*?)</optgroup>', page, re.S).group(1)
    assert re.findall(r'value="([^"]+)"', likely) == ["UTC", "Europe/Istanbul", "Europe/Budapest"]


def test_a_time_with_an_offset_is_edited_in_a_text_box(client, login):
    # 02:30 the second time on the night the clocks go back: the picker cannot show its offset.
    from datetime import UTC, datetime

    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    meeting = factories.make_meeting(starts_at=second, timezone="Europe/Budapest")
    db.session.commit()
    login.as_role("admin")
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="starts_at"[^>]*type="text"', page)
    assert re.search(r'<input[^>]*id="ends_at"[^>]*type="datetime-local"', page)


def test_an_empty_decisions_list_is_a_sentence_not_a_numbered_item(client, login):
    meeting = factories.make_meeting()
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    decisions = page.split('id="decisions"')[1].split("<h2")[0]
    assert "None recorded." in decisions and "<ol>" not in decisions and "<li" not in decisions


def test_the_reference_group_is_invited_at_once_keeping_who_is_there(client, login):
    from tracker.actors.services import list_reference_group
    from tracker.meetings import services

    meeting = factories.make_meeting()
    seats = list_reference_group()
    first = seats[0].actor
    services.set_participant(meeting, actor=first, attendance="attended", by="tests")
    db.session.commit()
    login.as_role("admin")
    url = f"/meetings/{meeting.id}/participants/group"
    response = client.post(url, data={"group": "reference-group", "attendance": "invited"})
    assert response.status_code == 302
    rows = db.session.scalars(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id)
    ).all()
    assert {row.actor_id for row in rows} == {seat.actor_id for seat in seats}
    kept = next(row for row in rows if row.actor_id == first.id)
    assert kept.attendance == Attendance.ATTENDED
    again = client.post(url, data={"group": "reference-group", "attendance": "invited"})
    assert "already a participant" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_working_group_is_invited_through_the_api(admin_api):
    from tracker.actors.models import WorkingGroup

    group = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).first()
    meeting = factories.make_meeting()
    db.session.commit()
    url = f"/api/v1/meetings/{meeting.id}/participants/group"
    body = {"group": f"working-group:{group.code}", "attendance": "invited"}
    response = admin_api.post(url, json=body)
    assert response.status_code == 200, response.get_json()
    codes = {p["actor"] for p in response.get_json()["participants"]}
    assert codes == {actor.code for actor in group.members}
    error = assert_error(admin_api.post(url, json={**body, "group": "working-group:NOPE"}), 422)
    assert "Choose the Reference Group or a working group." in error["fields"]["group"]
