"""Each event makes the right notification for the right people only, in the transaction of the
change, with a mail queued for those who want one at once."""

from datetime import UTC, date, datetime, timedelta
from email import message_from_string, policy

from sqlalchemy import select

from tests import factories
from tracker.db import db
from tracker.mail.models import OutgoingMail
from tracker.meetings import follow_ups
from tracker.meetings import services as meetings
from tracker.notifications import services
from tracker.notifications.models import Delivery, Notification, NotificationKind
from tracker.progress import services as progress


def notified(kind: NotificationKind) -> dict[int, Notification]:
    """{user id: notification} of this kind."""
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
    return {n.user_id: n for n in rows}


def mails_to(user) -> list[OutgoingMail]:
    query = select(OutgoingMail).where(OutgoingMail.recipient == user.email)
    return list(db.session.scalars(query))


def test_a_returned_update_reaches_its_author_alone_with_the_reason():
    author = factories.make_user(role="focal_point")
    colleague = factories.make_user(role="focal_point")  # same actor (HU), not the author
    admin = factories.make_user(role="admin")
    update = factories.make_update(by=author, workflow="submitted")
    progress.return_update(update, reason="Add the workshop report.", by=admin)
    returned = notified(NotificationKind.UPDATE_RETURNED)
    assert set(returned) == {author.id}
    assert "Add the workshop report." in returned[author.id].detail
    assert returned[author.id].link == f"/progress/updates/{update.id}"
    [mail] = [m for m in mails_to(author) if "returned" in m.subject]
    assert "Add the workshop report." in mail.content
    assert returned[author.id].mail_id == mail.id
    assert not [m for m in mails_to(colleague) if "returned" in m.subject]


def test_a_validated_update_notifies_its_author():
    author = factories.make_user(role="member", actor=factories.get_actor("AT"))
    update = factories.make_update(by=author, actor=author.actor, workflow="validated")
    assert set(notified(NotificationKind.UPDATE_VALIDATED)) == {update.created_by_id}


def test_a_submitted_update_waits_for_every_active_admin_but_not_the_deactivated():
    admins = [factories.make_user(role="admin") for _ in range(2)]
    gone = factories.make_user(role="admin")
    gone.is_active = False
    author = factories.make_user(role="focal_point")
    factories.make_update(by=author, workflow="submitted")
    waiting = notified(NotificationKind.UPDATE_SUBMITTED)
    assert {a.id for a in admins} <= set(waiting)
    assert gone.id not in waiting and author.id not in waiting


def test_a_round_opened_reaches_the_users_of_expected_actors_only():
    plan = factories.get_plan()
    factories.make_action_point(plan, lead_actor=factories.get_actor("HU"))
    hungary = factories.make_user(role="focal_point")
    outsider = factories.make_user(role="focal_point", actor=factories.get_actor("ICMPD"))
    admin = factories.make_user(role="admin")
    progress.create_round(
        plan, title="SOM", opens_on=date.today(), deadline=date.today() + timedelta(30), by=admin
    )
    opened = notified(NotificationKind.ROUND_OPENED)
    assert hungary.id in opened and outsider.id not in opened and admin.id not in opened


def test_meeting_events_reach_the_participants_users_with_a_calendar():
    hungary = factories.make_user(role="member", actor=factories.get_actor("HU"))
    austria = factories.make_user(role="member", actor=factories.get_actor("AT"))
    meeting = factories.make_meeting()
    meetings.set_participant(meeting, actor=hungary.actor, attendance="invited", by="tests")
    assert set(notified(NotificationKind.MEETING_SCHEDULED)) == {hungary.id}
    [mail] = [m for m in mails_to(hungary) if "scheduled" in m.subject]
    message = message_from_string(mail.content, policy=policy.default)
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = ics.get_content()  # text/calendar: decoded as text
    assert "METHOD:REQUEST" in calendar and f"UID:meeting-{meeting.id}@" in calendar

    values = {
        name: getattr(meeting, name)
        for name in ("kind", "series", "number", "title", "timezone", "place", "is_virtual", "url")
    }
    meetings.update_meeting(
        meeting,
        version=meeting.version,
        host_actor=None,
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
        by="tests",
        **values,
    )
    assert set(notified(NotificationKind.MEETING_MOVED)) == {hungary.id}

    follow_ups.record_decision(meeting, text="We agreed.", by="tests")
    meetings.record_minutes(meeting, text="Minutes.", by="tests")
    assert set(notified(NotificationKind.DECISION_RECORDED)) == {hungary.id}
    assert set(notified(NotificationKind.MINUTES_RECORDED)) == {hungary.id}
    assert austria.id not in notified(NotificationKind.MEETING_MOVED)


def test_a_meeting_edit_that_moves_nothing_notifies_nobody():
    user = factories.make_user(role="member", actor=factories.get_actor("HU"))
    meeting = factories.make_meeting()
    meetings.set_participant(meeting, actor=user.actor, attendance="invited", by="tests")
    values = {
        name: getattr(meeting, name)
        for name in ("kind", "series", "number", "timezone", "place", "is_virtual", "url")
    }
    meetings.update_meeting(
        meeting,
        version=meeting.version,
        host_actor=None,
        title="Renamed",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        by="tests",
        **values,
    )
    assert notified(NotificationKind.MEETING_MOVED) == {}


def test_the_one_who_acts_is_not_notified_of_their_own_step():
    admin = factories.make_user(role="admin")
    update = factories.make_update(by=admin, workflow="submitted")
    progress.validate_update(update, by=admin)
    assert admin.id not in notified(NotificationKind.UPDATE_VALIDATED)
    assert admin.id not in notified(NotificationKind.UPDATE_SUBMITTED)


def test_daily_and_none_users_get_no_mail_at_once():
    daily = factories.make_user(role="focal_point")
    quiet = factories.make_user(role="focal_point")
    services.set_delivery(daily, "daily", by=daily)
    services.set_delivery(quiet, Delivery.NONE, by=quiet)
    admin = factories.make_user(role="admin")
    for author in (daily, quiet):
        update = factories.make_update(by=author, workflow="submitted")
        progress.return_update(update, reason="Why.", by=admin)
    returned = notified(NotificationKind.UPDATE_RETURNED)
    assert returned[daily.id].delivery == Delivery.DAILY and returned[daily.id].mail_id is None
    assert returned[quiet.id].delivery == Delivery.NONE and returned[quiet.id].mail_id is None
    assert not mails_to(daily) and not mails_to(quiet)


def test_a_user_deactivated_before_the_sender_runs_gets_no_mail_and_no_new_notifications():
    from tracker.auth import services as auth
    from tracker.mail.models import MailStatus

    author = factories.make_user(role="focal_point")
    admin = factories.make_user(role="admin")
    update = factories.make_update(by=author, workflow="submitted")
    progress.return_update(update, reason="Why.", by=admin)
    [queued] = mails_to(author)
    auth.deactivate_user(author, by=admin)
    db.session.refresh(queued)
    assert queued.status == MailStatus.FAILED and "deactivated" in queued.last_answer
    again = factories.make_update(by=admin, workflow="submitted")
    again.created_by = author
    progress.return_update(again, reason="Again.", by=admin)
    rows = db.session.scalars(select(Notification).where(Notification.user_id == author.id))
    assert [n.subject_id for n in rows] == [update.id]  # the first only


def test_a_cancelled_meeting_tells_its_participants_with_a_cancelling_calendar(client, login):
    hungary = factories.make_user(role="member", actor=factories.get_actor("HU"))
    meeting = factories.make_meeting()
    meetings.set_participant(meeting, actor=hungary.actor, attendance="invited", by="tests")
    db.session.commit()
    login.as_role("admin")
    response = client.post(f"/meetings/{meeting.id}/cancel", follow_redirects=True)
    assert "Meeting cancelled" in response.get_data(as_text=True)
    assert 'id="cancelled"' in response.get_data(as_text=True)
    [cancelled] = notified(NotificationKind.MEETING_CANCELLED).values()
    assert cancelled.user_id == hungary.id
    [mail] = [m for m in mails_to(hungary) if "cancelled" in m.subject]
    message = message_from_string(mail.content, policy=policy.default)
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert "METHOD:CANCEL" in ics.get_content() and "STATUS:CANCELLED" in ics.get_content()
    again = client.post(f"/meetings/{meeting.id}/cancel")
    assert again.status_code == 422 and "already cancelled" in again.get_data(as_text=True)
    kind = Notification.kind == NotificationKind.MEETING_CANCELLED
    assert len(db.session.scalars(select(Notification).where(kind)).all()) == 1


def test_a_bulk_report_submitted_at_once_is_one_notification_per_admin():
    admin = factories.make_user(role="admin")
    author = factories.make_user(role="focal_point")
    plan = factories.get_plan()
    codes = [factories.make_action_point(plan, lead_actor=author.actor).code for _ in range(3)]
    rows = [progress.BulkRow(line=n, action_point=c, status="planned") for n, c in enumerate(codes)]
    progress.record_bulk(
        plan, actor=author.actor, rows=rows, reported_on=date.today(), submit=True, by=author
    )
    [mine] = db.session.scalars(select(Notification).where(Notification.user_id == admin.id))
    assert mine.text == "3 updates of HU wait for validation"
    assert mine.link == "/progress/updates?workflow=submitted"


def test_attendance_recorded_after_a_meeting_is_not_news():
    user = factories.make_user(role="member", actor=factories.get_actor("HU"))
    past = factories.make_meeting(starts_at=datetime.now(UTC) - timedelta(days=3))
    meetings.set_participant(past, actor=user.actor, attendance="attended", by="tests")
    assert notified(NotificationKind.MEETING_SCHEDULED) == {}
