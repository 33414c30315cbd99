"""Reads for the meeting pages, the brief and the API: a fixed number of queries each."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import db, utcnow
from tracker.meetings.models import (
    PENDING,
    AgendaItem,
    Decision,
    FollowUp,
    FollowUpStatus,
    Meeting,
    MeetingAttachment,
    MeetingParticipant,
    Minutes,
)
from tracker.meetings.services import previous_meeting
from tracker.plan.models import ActionPoint
from tracker.pledges.models import Pledge, PledgeEntry
from tracker.progress.models import ActionPointStatus, ProgressUpdate, Workflow

# Each section of the brief shows at most this many rows, the latest first: more is not a brief
# (and at ten years of data a month holds ~800 validated updates).
BRIEF_ROWS = 200


def meetings_query(
    *, kind: str | None = None, series: str | None = None, upcoming: bool | None = None
) -> Select:
    query = select(Meeting).options(joinedload(Meeting.host_actor))
    if kind:
        query = query.where(Meeting.kind == kind)
    if series:
        query = query.where(Meeting.series == series)
    now = utcnow()
    if upcoming is True:
        return query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    if upcoming is False:
        query = query.where(Meeting.ends_at < now)
    return query.order_by(Meeting.starts_at.desc(), Meeting.id.desc())


def series_keys() -> list[str]:
    return list(db.session.scalars(select(Meeting.series).distinct().order_by(Meeting.series)))


def meeting_page(meeting_id: int) -> Meeting | None:
    """A meeting with everything its page shows, loaded in a fixed number of queries."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.host_actor),
            joinedload(Meeting.plan),
            selectinload(Meeting.participants).joinedload(MeetingParticipant.actor),
            selectinload(Meeting.agenda_items).options(
                joinedload(AgendaItem.action_point),
                joinedload(AgendaItem.goal),
                joinedload(AgendaItem.carried_from).joinedload(FollowUp.owner_actor),
            ),
            selectinload(Meeting.minutes),
            selectinload(Meeting.attachments).joinedload(MeetingAttachment.file),
            selectinload(Meeting.decisions).selectinload(Decision.action_points),
            selectinload(Meeting.follow_ups).options(
                joinedload(FollowUp.owner_actor), selectinload(FollowUp.notes)
            ),
        )
    )


def latest_minutes(meeting: Meeting) -> Minutes | None:
    return meeting.minutes[0] if meeting.minutes else None


@dataclass
class FollowUpFilters:
    owner_id: int | None = None
    status: str | None = None
    overdue: bool = False
    meeting_id: int | None = None


def follow_ups_query(filters: FollowUpFilters, today: date) -> Select:
    query = select(FollowUp).options(
        joinedload(FollowUp.owner_actor),
        joinedload(FollowUp.meeting),
        selectinload(FollowUp.notes),
    )
    if filters.owner_id:
        query = query.where(FollowUp.owner_actor_id == filters.owner_id)
    if filters.status:
        query = query.where(FollowUp.status == filters.status)
    if filters.meeting_id:
        query = query.where(FollowUp.meeting_id == filters.meeting_id)
    if filters.overdue:
        query = query.where(FollowUp.status.in_(PENDING), FollowUp.due_on < today)
    return query.order_by(FollowUp.due_on, FollowUp.id)


@dataclass
class Brief:
    meeting: Meeting
    previous: Meeting | None
    since: datetime
    updates: list[ProgressUpdate]
    entries: list[PledgeEntry]
    follow_ups: list[FollowUp]
    quiet: list[tuple[ActionPoint, ActionPointStatus | None]]
    today: date


def brief(meeting: Meeting, today: date) -> Brief:
    """What changed since the previous meeting of the series (or the plan's start): six queries
    whatever the amount of data."""
    previous = previous_meeting(meeting)
    since = (
        previous.starts_at
        if previous
        else datetime.combine(meeting.plan.starts_on, datetime.min.time(), tzinfo=utcnow().tzinfo)
    )
    updates = db.session.scalars(
        select(ProgressUpdate)
        .join(ActionPoint, ProgressUpdate.action_point_id == ActionPoint.id)
        .where(
            ActionPoint.plan_id == meeting.plan_id,
            ProgressUpdate.workflow == Workflow.VALIDATED,
            ProgressUpdate.validated_at >= since,
        )
        .options(joinedload(ProgressUpdate.action_point), joinedload(ProgressUpdate.actor))
        .order_by(ProgressUpdate.validated_at.desc(), ProgressUpdate.id.desc())
        .limit(BRIEF_ROWS)
    ).all()
    entries = db.session.scalars(
        select(PledgeEntry)
        .join(Pledge, PledgeEntry.pledge_id == Pledge.id)
        .where(Pledge.plan_id == meeting.plan_id, PledgeEntry.created_at >= since)
        .options(joinedload(PledgeEntry.pledge).joinedload(Pledge.actor))
        .order_by(PledgeEntry.created_at.desc(), PledgeEntry.id.desc())
        .limit(BRIEF_ROWS)
    ).all()
    due_by = max(today, meeting.starts_at.date())
    follow_ups = db.session.scalars(
        select(FollowUp)
        .join(Meeting, FollowUp.meeting_id == Meeting.id)
        .where(
            Meeting.series == meeting.series,
            FollowUp.status.in_(PENDING),
            FollowUp.due_on <= due_by,
        )
        .options(
            joinedload(FollowUp.owner_actor),
            joinedload(FollowUp.meeting),
            selectinload(FollowUp.notes),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(BRIEF_ROWS)
    ).all()
    quiet = db.session.execute(
        select(ActionPoint, ActionPointStatus)
        .outerjoin(ActionPointStatus, ActionPointStatus.action_point_id == ActionPoint.id)
        .where(
            ActionPoint.plan_id == meeting.plan_id,
            ActionPoint.retired_at.is_(None),
            or_(ActionPointStatus.validated_at.is_(None), ActionPointStatus.validated_at < since),
        )
        .order_by(ActionPoint.id)
        .limit(BRIEF_ROWS)
    ).all()
    return Brief(
        meeting=meeting,
        previous=previous,
        since=since,
        updates=list(updates),
        entries=list(entries),
        follow_ups=list(follow_ups),
        quiet=[tuple(row) for row in quiet],
        today=today,
    )


def status_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in FollowUpStatus]
