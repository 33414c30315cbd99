"""The demo plan is believable: nothing that happened is dated after now, and its funding looks
like a real plan's (sound ledgers, needs of the order of the pledges, gaps left to fill).

The demo loads two years: the second is the current one, so on any day of the year there is a
full past year of ledgers and the plan-wide coverage stays in range (in January the current
year's pledges are not yet committed).
"""

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import rolled_back_session
from tracker.audit.models import AuditEvent
from tracker.db import db, utcnow
from tracker.demo import DEMO_CODE, load_demo
from tracker.meetings.models import (
    Attendance,
    Decision,
    FollowUp,
    FollowUpNote,
    Meeting,
    MeetingParticipant,
    Minutes,
)
from tracker.plan.models import ActionPoint
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry
from tracker.pledges.totals import funding_report
from tracker.progress import services as progress
from tracker.progress.models import ProgressUpdate, Round, Workflow

# The demo takes seconds to load: it is loaded once, in a transaction of the module's own that is
# rolled back at the end, and each test runs in a savepoint of it, rolled back after the test.
pytestmark = pytest.mark.no_db_session


@pytest.fixture(scope="module")
def demo_connection(app, tmp_path_factory):
    with rolled_back_session(app) as (session, connection), pytest.MonkeyPatch.context() as mp:
        # The demo writes its accounts in the instance folder.
        mp.setattr(app, "instance_path", str(tmp_path_factory.mktemp("demo")))
        load_demo(years=2)
        session.commit()
        session.remove()
        yield connection


@pytest.fixture
def demo(demo_connection):
    savepoint = demo_connection.begin_nested()
    try:
        yield factories.get_plan(DEMO_CODE)
    finally:
        db.session.remove()
        savepoint.rollback()


def latest(column):
    return db.session.scalar(select(func.max(column)))


def test_demo_dates_nothing_that_happened_after_now(demo):
    now = utcnow()
    for column in (
        ProgressUpdate.created_at,
        ProgressUpdate.updated_at,
        ProgressUpdate.submitted_at,
        ProgressUpdate.validated_at,
        Pledge.created_at,
        PledgeEntry.created_at,
        AuditEvent.occurred_at,
        Minutes.created_at,
        Decision.created_at,
        FollowUp.created_at,
        FollowUpNote.created_at,
        Meeting.created_at,
        Round.closed_at,
    ):
        assert latest(column) is None or latest(column) <= now, column
    for column in (
        ProgressUpdate.reported_on,
        Pledge.pledged_on,
        PledgeEntry.value_date,
        ExchangeRate.valid_on,
    ):
        assert latest(column) <= now.date(), column
    # What is checked is there: a year of validated updates, of ledgers and of meetings held.
    assert latest(ProgressUpdate.validated_at) > now.replace(year=now.year - 1)
    assert db.session.scalar(select(func.count()).select_from(FollowUpNote)) > 100

    ahead = select(Meeting.id).where(Meeting.ends_at > now)
    for model in (Minutes, Decision, FollowUp):
        assert db.session.scalar(select(func.count()).where(model.meeting_id.in_(ahead))) == 0
    attendance = db.session.scalars(
        select(MeetingParticipant.attendance).where(MeetingParticipant.meeting_id.in_(ahead))
    )
    assert set(attendance) <= {Attendance.INVITED}


def test_demo_ledgers_never_disburse_more_than_committed_nor_commit_more_than_pledged(demo):
    pledges = db.session.execute(
        select(
            Pledge.id,
            Pledge.pledged_on,
            Pledge.pledged_minor,
            Pledge.committed_minor,
            Pledge.disbursed_minor,
        ).where(Pledge.plan_id == demo.id)
    ).all()
    assert len(pledges) > 400
    entries = defaultdict(list)
    for pledge_id, kind, amount, value_date in db.session.execute(
        select(
            PledgeEntry.pledge_id,
            PledgeEntry.kind,
            PledgeEntry.amount_minor,
            PledgeEntry.value_date,
        )
        .where(PledgeEntry.pledge_id.in_([p.id for p in pledges]))
        .order_by(PledgeEntry.value_date, PledgeEntry.id)
    ):
        entries[pledge_id].append((kind, amount, value_date))
    committed_share = []
    for pledge in pledges:
        assert 0 <= pledge.disbursed_minor <= pledge.committed_minor <= pledge.pledged_minor
        ledger = entries[pledge.id]
        assert ledger[0][0] == EntryKind.PLEDGED and ledger[0][2] == pledge.pledged_on
        # Sound on every date, not just in the end: nothing is disbursed before it is committed.
        running = dict.fromkeys(EntryKind, 0)
        for kind, amount, _ in ledger:
            running[kind] += amount
            assert 0 <= running[EntryKind.DISBURSED] <= running[EntryKind.COMMITTED]
            assert running[EntryKind.COMMITTED] <= running[EntryKind.PLEDGED]
        assert running[EntryKind.PLEDGED] == pledge.pledged_minor
        committed_share.append(pledge.committed_minor / pledge.pledged_minor)
    # Most pledges are committed in good part; none is over-committed.
    assert sorted(committed_share)[len(committed_share) // 2] >= 0.4


def test_demo_funding_needs_are_of_the_order_of_the_pledges(demo):
    report = funding_report(demo)

    assert report.plan.committed.complete  # every entry converted: the demo has its rates
    assert 20 <= report.plan.coverage <= 100
    assert report.plan.gap > 0
    assert any(goal.gap > 0 for goal in report.goals)
    coverages = [goal.coverage for goal in report.goals]
    assert max(coverages) - min(coverages) >= 20  # donors favour some goals over others
    # A pledge is small beside the need of an action point (amounts in minor units).
    largest = db.session.scalar(
        select(func.max(Pledge.pledged_minor)).where(Pledge.plan_id == demo.id)
    )
    assert largest < report.plan.need // 5


def test_demo_is_the_same_every_time(demo):
    def fingerprint():
        return db.session.execute(
            select(
                func.count(), func.sum(PledgeEntry.amount_minor), func.max(PledgeEntry.value_date)
            )
        ).one(), db.session.execute(
            select(func.count(), func.sum(ProgressUpdate.percent)).where(
                ProgressUpdate.validated_at.is_not(None)
            )
        ).one()

    first = fingerprint()
    # What people add to the demo goes with it: a reminder in one of its rounds, evidence on
    # one of its updates.
    admin = factories.make_user(role="admin")
    round_ = db.session.scalars(select(Round).where(Round.plan_id == demo.id)).first()
    round_.closed_at = None
    progress.remind_non_reporters(round_, by=admin)
    draft = db.session.scalars(
        select(ProgressUpdate)
        .join(ProgressUpdate.action_point)
        .where(ActionPoint.plan_id == demo.id, ProgressUpdate.workflow == Workflow.DRAFT)
    ).first() or factories.make_update(demo.goals[0].action_points[0], by=admin)
    factories.make_evidence(draft, by=admin)

    load_demo(years=2, reset=True)

    assert fingerprint() == first
