"""Meetings: the rules in the services (meetings, agenda, minutes, participants, attachments,
decisions and follow-ups), tested directly."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.meetings import (
    TODAY,
    add_agenda,
    audit_events,
    count,
    fresh,
    recorded_meeting,
    titles_and_positions,
)
from tracker.audit.models import AuditEvent
from tracker.db import StaleVersionError, db
from tracker.meetings import agenda, follow_ups, services
from tracker.meetings.models import (
    AgendaItem,
    Decision,
    DecisionActionPoint,
    FollowUp,
    FollowUpStatus,
    MeetingAttachment,
)
from tracker.meetings.services import MeetingError
from tracker.uploads.models import StoredFile
from tracker.uploads.services import store_upload, stored_path


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
        ("2030-03-10T09:00", "Mars/Olympus", "time zone as region and city"),
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


def test_moving_an_agenda_item_keeps_positions_one_to_n():
    meeting = factories.make_meeting()
    a, b, c = add_agenda(meeting, "A", "B", "C")
    agenda.move_agenda_item(c, position=1, by="tests")
    assert titles_and_positions(meeting.id) == [("C", 1), ("A", 2), ("B", 3)]
    agenda.move_agenda_item(c, position=3, by="tests")
    assert titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


@pytest.mark.parametrize("position", [0, 4, -1, None])
def test_a_position_outside_the_agenda_is_refused_at_the_field(position):
    meeting = factories.make_meeting()
    a, _, _ = add_agenda(meeting, "A", "B", "C")
    with pytest.raises(MeetingError, match="from 1 to 3") as caught:
        agenda.move_agenda_item(a, position=position, by="tests")
    assert caught.value.field == "position"
    assert titles_and_positions(meeting.id) == [("A", 1), ("B", 2), ("C", 3)]


def test_removing_an_agenda_item_closes_up_the_others_and_is_audited():
    meeting = factories.make_meeting()
    _, b, _ = add_agenda(meeting, "A", "B", "C")
    agenda.remove_agenda_item(b, by="tests")
    assert titles_and_positions(meeting.id) == [("A", 1), ("C", 2)]
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


def test_moving_a_due_date_or_handing_a_follow_up_over_adds_a_note_and_an_audit_event():
    _, _, _, follow_up = recorded_meeting()
    follow_ups.update_follow_up(
        follow_up,
        text="Share the curriculum",
        owner=factories.get_actor("AT"),
        due_on=date(2030, 3, 1),
        version=follow_up.version,
        by="tests",
    )
    saved = fresh(FollowUp, follow_up.id)
    assert (saved.owner_actor.code, saved.due_on, saved.version) == ("AT", date(2030, 3, 1), 2)
    (note,) = saved.notes
    assert note.status == FollowUpStatus.OPEN
    assert note.note == (
        "Due date moved from 2030-01-15 to 2030-03-01. Handed from Hungary to Austria."
    )
    (event_,) = [e for e in audit_events("update") if e.entity_type == "follow_ups"]
    assert event_.entity_id == follow_up.id
    assert event_.changes["due_on"] == ["2030-01-15", "2030-03-01"]
    assert event_.changes["owner_actor"] == ["HU", "AT"]


def test_correcting_only_a_follow_ups_text_adds_no_note():
    _, _, _, follow_up = recorded_meeting()
    follow_ups.update_follow_up(
        follow_up,
        text="Share the curriculum",
        owner=follow_up.owner_actor,
        due_on=follow_up.due_on,
        version=follow_up.version,
        by="tests",
    )
    saved = fresh(FollowUp, follow_up.id)
    assert saved.text == "Share the curriculum" and saved.notes == []


def test_a_stale_follow_up_edit_is_refused_and_changes_nothing():
    _, _, _, follow_up = recorded_meeting()
    with pytest.raises(StaleVersionError):
        follow_ups.update_follow_up(
            follow_up,
            text="Mine",
            owner=follow_up.owner_actor,
            due_on=date(2031, 1, 1),
            version=follow_up.version - 1,
            by="tests",
        )
    saved = fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.due_on, saved.notes) == ("Share it", date(2030, 1, 15), [])


def test_changing_only_a_decisions_links_moves_its_version_on():
    meeting, _, decision, _ = recorded_meeting()
    other = factories.make_action_point(title="Other")
    follow_ups.update_decision(
        decision, text=decision.text, action_points=[other], version=1, by="tests"
    )
    saved = fresh(Decision, decision.id)
    assert [ap.code for ap in saved.action_points] == [other.code]
    assert saved.version == 2
    (event_,) = audit_events("decision_edit")
    assert event_.entity_id == meeting.id and list(event_.changes) == ["action_points", "decision"]
    with pytest.raises(StaleVersionError):
        follow_ups.update_decision(saved, text="Again", action_points=[], version=1, by="tests")


def test_an_agenda_item_edit_refuses_another_plans_action_point_and_keeps_the_item():
    _, item, _, _ = recorded_meeting()
    foreign = factories.make_action_point(factories.get_plan("BP-CFA-2025"))
    with pytest.raises(MeetingError, match="another plan") as caught:
        agenda.update_agenda_item(
            item, title="Renamed", action_point=foreign, goal=None, by="tests"
        )
    assert caught.value.field == "action_point"
    saved = fresh(AgendaItem, item.id)
    assert (saved.title, saved.action_point_id) == ("Review the curriculum", None)


def test_a_follow_up_with_notes_cannot_be_removed():
    _, _, _, follow_up = recorded_meeting()
    follow_ups.change_follow_up_status(
        follow_up, status="in_progress", note="Drafting.", version=None, by="tests"
    )
    with pytest.raises(MeetingError, match="drop it instead") as caught:
        follow_ups.remove_follow_up(follow_up, by="tests")
    assert caught.value.field == "follow_up"
    assert fresh(FollowUp, follow_up.id) is not None


def test_a_follow_up_carried_onto_a_later_agenda_cannot_be_removed():
    first = factories.make_meeting(starts_at=datetime(2029, 1, 10, 9, tzinfo=UTC))
    follow_up = factories.make_follow_up(first)
    factories.make_meeting(starts_at=datetime(2029, 6, 10, 9, tzinfo=UTC))
    with pytest.raises(MeetingError, match="carried onto a later meeting"):
        follow_ups.remove_follow_up(follow_up, by="tests")
    assert fresh(FollowUp, follow_up.id) is not None


def test_a_decision_with_follow_ups_is_removed_only_once_they_are():
    meeting, _, decision, _ = recorded_meeting()
    of_decision = factories.make_follow_up(meeting, decision=decision)
    with pytest.raises(MeetingError, match="1 follow-up"):
        follow_ups.remove_decision(decision, by="tests")
    follow_ups.remove_follow_up(of_decision, by="tests")
    follow_ups.remove_decision(fresh(Decision, decision.id), by="tests")
    assert fresh(Decision, decision.id) is None
    assert count(DecisionActionPoint) == 0
    removed = {
        e.action: e.changes
        for e in audit_events("decision_remove") + audit_events("follow_up_remove")
    }
    assert removed["decision_remove"]["decision"][0]["text"] == "Agreed to share it."
    assert removed["follow_up_remove"]["follow_up"][0]["decision"] == decision.id
