"""`tracker notify due`: reminders of round deadlines and follow-ups, and the daily digests;
each once however often the command runs, two at once included."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import build_schema
from tracker.db import db
from tracker.mail.models import OutgoingMail
from tracker.notifications import services
from tracker.notifications.models import Delivery, Notification, NotificationKind
from tracker.progress import services as progress

TODAY = date(2026, 3, 10)


def due(runner, today: date = TODAY):
    result = runner.invoke(args=["notify", "due", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def of_kind(kind: NotificationKind, user=None) -> list[Notification]:
    query = select(Notification).where(Notification.kind == kind)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def mails_to(user) -> list[OutgoingMail]:
    query = select(OutgoingMail).where(OutgoingMail.recipient == user.email)
    return list(db.session.scalars(query.order_by(OutgoingMail.id)))


@pytest.fixture
def round_world():
    """A round whose deadline is 5 days after TODAY, an action point led by HU and one led by AT
    (which has reported), and users of both."""
    plan = factories.get_plan()
    hu, at = factories.get_actor("HU"), factories.get_actor("AT")
    factories.make_action_point(plan, lead_actor=hu, code="R1")
    reported = factories.make_action_point(plan, lead_actor=at, code="R2")
    admin = factories.make_user(role="admin")
    round_ = progress.create_round(
        plan,
        title="SOM 2026",
        opens_on=TODAY - timedelta(days=30),
        deadline=TODAY + timedelta(days=5),
        by=admin,
    )
    austrian = factories.make_user(role="focal_point", actor=at)
    factories.make_update(
        reported, by=austrian, actor=at, reported_on=TODAY - timedelta(days=1), workflow="submitted"
    )
    return {
        "round": round_,
        "hungarian": factories.make_user(role="focal_point", actor=hu),
        "colleague": factories.make_user(role="member", actor=hu),
        "austrian": austrian,
    }


def test_a_round_deadline_reminder_goes_once_to_the_actor_that_has_not_reported(
    runner, round_world
):
    hungarian, austrian = round_world["hungarian"], round_world["austrian"]
    db.session.commit()
    due(runner)
    due(runner)  # again: nothing new
    [reminder] = of_kind(NotificationKind.ROUND_DEADLINE, hungarian)
    assert reminder.occasion == f"7d:{round_world['round'].deadline.isoformat()}"
    assert "in 5 days" in reminder.text and "R1" in reminder.detail
    assert len(of_kind(NotificationKind.ROUND_DEADLINE, round_world["colleague"])) == 1
    assert of_kind(NotificationKind.ROUND_DEADLINE, austrian) == []  # AT has reported
    assert len([m for m in mails_to(hungarian) if "deadline" in m.subject]) == 1


def test_the_last_day_brings_a_second_reminder_once(runner, round_world):
    hungarian = round_world["hungarian"]
    db.session.commit()
    due(runner)
    last_day = round_world["round"].deadline - timedelta(days=1)
    due(runner, last_day)
    due(runner, last_day)
    reminders = of_kind(NotificationKind.ROUND_DEADLINE, hungarian)
    assert [r.occasion.split(":")[0] for r in reminders] == ["7d", "1d"]
    assert "tomorrow" in reminders[1].text


def test_a_user_deactivated_in_between_gets_no_reminder(runner, round_world):
    hungarian = round_world["hungarian"]
    hungarian.is_active = False
    db.session.commit()
    due(runner)
    assert of_kind(NotificationKind.ROUND_DEADLINE, hungarian) == []
    assert len(of_kind(NotificationKind.ROUND_DEADLINE, round_world["colleague"])) == 1


def test_a_closed_round_reminds_nobody(runner, round_world):
    progress.close_round(round_world["round"], by=factories.make_user(role="admin"))
    db.session.commit()
    due(runner)
    assert of_kind(NotificationKind.ROUND_DEADLINE) == []


def test_follow_ups_due_in_a_week_and_overdue_remind_their_owner_once_each(runner):
    owner = factories.make_user(role="focal_point")
    other = factories.make_user(role="focal_point", actor=factories.get_actor("AT"))
    meeting = factories.make_meeting()
    soon = factories.make_follow_up(meeting, due_on=TODAY + timedelta(days=7))
    late = factories.make_follow_up(meeting, due_on=TODAY - timedelta(days=1))
    factories.make_follow_up(meeting, due_on=TODAY + timedelta(days=8))  # not yet
    db.session.commit()
    due(runner)
    due(runner)
    [due_soon] = of_kind(NotificationKind.FOLLOW_UP_DUE, owner)
    [overdue] = of_kind(NotificationKind.FOLLOW_UP_OVERDUE, owner)
    assert (due_soon.subject_id, overdue.subject_id) == (soon.id, late.id)
    assert of_kind(NotificationKind.FOLLOW_UP_DUE, other) == []
    # A week on, the soon one is overdue too: one more reminder, for it alone.
    due(runner, TODAY + timedelta(days=8))
    overdue = of_kind(NotificationKind.FOLLOW_UP_OVERDUE, owner)
    assert sorted(n.subject_id for n in overdue) == sorted([soon.id, late.id])


def test_the_digest_groups_a_days_notifications_into_one_mail(runner):
    daily = factories.make_user(role="focal_point")
    services.set_delivery(daily, Delivery.DAILY, by=daily)
    admin = factories.make_user(role="admin")
    for reason in ("Add the report.", "Add the dates."):
        update = factories.make_update(by=daily, workflow="submitted")
        progress.return_update(update, reason=reason, by=admin)
    yesterday = datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    for notification in of_kind(NotificationKind.UPDATE_RETURNED, daily):
        notification.created_at = yesterday
    db.session.commit()
    assert mails_to(daily) == []  # daily: nothing at once
    due(runner)
    due(runner)
    [digest] = mails_to(daily)
    assert "2 notification(s)" in digest.subject
    assert "Add the report." in digest.content and "Add the dates." in digest.content
    assert "List-Unsubscribe: <http://127.0.0.1:5000/notifications/settings>" in digest.content
    assert {n.mail_id for n in of_kind(NotificationKind.UPDATE_RETURNED, daily)} == {digest.id}


def test_the_digest_waits_for_the_day_to_end_and_skips_the_deactivated(runner):
    daily, gone = factories.make_user(role="focal_point"), factories.make_user(role="focal_point")
    for user in (daily, gone):
        services.set_delivery(user, Delivery.DAILY, by=user)
    admin = factories.make_user(role="admin")
    for user in (daily, gone):
        update = factories.make_update(by=user, workflow="submitted")
        progress.return_update(update, reason="Why.", by=admin)
    gone.is_active = False
    db.session.commit()
    today = datetime.now(UTC).date()
    due(runner, today)
    assert mails_to(daily) == []  # today's notifications go in tomorrow's digest
    due(runner, today + timedelta(days=1))
    assert len(mails_to(daily)) == 1 and mails_to(gone) == []


@pytest.mark.no_db_session
def test_two_runs_at_once_send_each_reminder_once(scratch_app):
    """Real commits on a database of their own: two `notify due` at once (PostgreSQL runs them
    side by side; the unique key and ON CONFLICT DO NOTHING decide)."""
    build_schema(scratch_app)
    with scratch_app.app_context():
        plan = factories.get_plan()
        hu = factories.get_actor("HU")
        factories.make_action_point(plan, lead_actor=hu, code="C1")
        admin = factories.make_user(role="admin")
        progress.create_round(
            plan,
            title="Race",
            opens_on=TODAY - timedelta(days=10),
            deadline=TODAY + timedelta(days=3),
            by=admin,
        )
        users = [factories.make_user(role="focal_point", actor=hu) for _ in range(20)]
        emails = [u.email for u in users]
        meeting = factories.make_meeting()
        factories.make_follow_up(meeting, owner=hu, due_on=TODAY - timedelta(days=2))
        db.session.commit()
    start = threading.Barrier(2)
    errors = []

    def run():
        with scratch_app.app_context():
            try:
                start.wait()
                services.run_due(TODAY)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with scratch_app.app_context():
        per_user = dict(
            db.session.execute(
                select(Notification.user_id, func.count())
                .where(Notification.kind == NotificationKind.ROUND_DEADLINE)
                .group_by(Notification.user_id)
            ).all()
        )
        mails = db.session.execute(
            select(OutgoingMail.recipient, func.count())
            .where(OutgoingMail.recipient.in_(emails))
            .group_by(OutgoingMail.recipient)
        ).all()
        overdue = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == NotificationKind.FOLLOW_UP_OVERDUE)
        )
    assert sorted(per_user.values()) == [1] * 20
    # One reminder of the round and one of the follow-up each: two mails a user, never four.
    assert sorted(n for _, n in mails) == [2] * 20
    assert overdue == 20


def test_each_on_demand_reminder_goes_once(round_world):
    """What the round page's Remind action calls, once per reminder it records."""
    round_, hungarian = round_world["round"], round_world["hungarian"]
    hu = hungarian.actor
    for occasion in ("remind:1", "remind:1", "remind:2"):
        services.notify_round_deadline(round_, hu, action_points=["R1"], occasion=occasion)
    reminders = of_kind(NotificationKind.ROUND_DEADLINE, hungarian)
    assert [r.occasion for r in reminders] == ["remind:1", "remind:2"]
    assert "has not reported on 1 action point(s)" in reminders[0].text
