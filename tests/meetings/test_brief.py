"""The brief of a meeting: what happened since the previous meeting of its series (page and API)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests import factories
from tests.meetings import (
    TODAY,
)
from tracker.db import db
from tracker.meetings import queries
from tracker.pledges.models import PledgeEntry


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


def test_api_brief_is_json(admin_api):
    meeting = factories.make_meeting()
    factories.make_follow_up(meeting, due_on=TODAY - timedelta(days=1))
    db.session.commit()
    brief = admin_api.get(f"/api/v1/meetings/{meeting.id}/brief").get_json()
    assert brief["follow_ups"][0]["overdue"] is True
    assert brief["previous"] is None
