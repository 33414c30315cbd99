"""Reads for the meeting pages, the brief and the API: a fixed number of queries each."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, func, literal, select, union_all
from sqlalchemy.orm import joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.actors.models import (
    Actor,
    ReferenceGroupMembership,
    WorkingGroup,
    working_group_members,
)
from tracker.db import db, utcnow
from tracker.meetings.minutes import minutes_changes
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
    series_name,
)
from tracker.plan.models import ActionPoint, Plan, PriorityGoal
from tracker.pledges.models import Pledge
from tracker.pledges.totals import Totals, reporting_currency, sum_entries, total_of
from tracker.progress.models import ActionPointStatus, ProgressUpdate, Workflow

# The brief lists at most this many follow-ups, the earliest due first: more is not a brief.
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


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    kind: str
    next_number: int


def series_list() -> list[Series]:
    """Every series by name, with its kind and the number its next meeting takes (two queries:
    the series' latest start and top number, then those latest meetings' titles and kinds)."""
    latest = (
        select(
            Meeting.series,
            func.max(Meeting.starts_at).label("starts_at"),
            func.max(Meeting.number).label("top"),
        )
        .group_by(Meeting.series)
        .subquery()
    )
    rows = db.session.execute(
        select(latest.c.series, latest.c.top, Meeting.title, Meeting.kind)
        .join(
            Meeting,
            and_(Meeting.series == latest.c.series, Meeting.starts_at == latest.c.starts_at),
        )
        .order_by(Meeting.id)
    ).all()
    found = {
        key: Series(key, series_name(key, title), kind.value, (top or 0) + 1)
        for key, top, title, kind in rows
    }
    return sorted(found.values(), key=lambda series: series.name.lower())


REFERENCE_GROUP = "reference-group"


def participant_groups() -> list[tuple[str, str, list[int]]]:
    """The groups a meeting may invite at once, in one query: the Reference Group (its current
    seats) and each working group not retired, as (value, name, member actor ids)."""
    seats = select(
        literal(REFERENCE_GROUP).label("value"),
        literal("the Reference Group").label("name"),
        ReferenceGroupMembership.actor_id.label("actor_id"),
    ).where(ReferenceGroupMembership.left_on.is_(None))
    groups = (
        select(
            (literal("working-group:") + WorkingGroup.code).label("value"),
            WorkingGroup.name.label("name"),
            working_group_members.c.actor_id.label("actor_id"),
        )
        .join(working_group_members, working_group_members.c.working_group_id == WorkingGroup.id)
        .where(WorkingGroup.retired_at.is_(None))
    )
    found: dict[str, tuple[str, list[int]]] = {REFERENCE_GROUP: ("the Reference Group", [])}
    for value, name, actor_id in db.session.execute(union_all(seats, groups)):
        found.setdefault(value, (name, []))[1].append(actor_id)
    first, *rest = found.items()
    rest.sort(key=lambda item: item[1][0].lower())
    return [(value, name, ids) for value, (name, ids) in [first, *rest]]


def series_keys() -> list[str]:
    return list(db.session.scalars(select(Meeting.series).distinct().order_by(Meeting.series)))


def series_names() -> dict[str, str]:
    """{series key: name} by name, each named after its latest recorded meeting; one query."""
    latest = select(func.max(Meeting.id)).group_by(Meeting.series)
    rows = db.session.execute(select(Meeting.series, Meeting.title).where(Meeting.id.in_(latest)))
    names = {key: series_name(key, title) for key, title in rows}
    return dict(sorted(names.items(), key=lambda item: (item[1].casefold(), item[0])))


def _latest_minutes_join():
    """The meeting's latest minutes, joined on the meeting's own row (none: no minutes yet)."""
    latest_number = (
        select(func.max(Minutes.number))
        .where(Minutes.meeting_id == Meeting.id)
        .correlate(Meeting)
        .scalar_subquery()
    )
    return and_(Minutes.meeting_id == Meeting.id, Minutes.number == latest_number)


def meeting_page(
    meeting_id: int, *, minutes_versions: bool = False
) -> tuple[Meeting, Minutes | None] | None:
    """A meeting with everything its page shows, and its latest minutes, in seven queries
    whatever its size: one row brings the meeting, its host, plan, participants and latest
    minutes; one query per other list. Numbers are dense, so the latest number is the count.

    `minutes_versions` adds the list of versions without their text (for the API).
    """
    options = [
        joinedload(Meeting.host_actor),
        joinedload(Meeting.plan),
        joinedload(Meeting.participants).joinedload(MeetingParticipant.actor),
        selectinload(Meeting.agenda_items).options(
            joinedload(AgendaItem.action_point),
            joinedload(AgendaItem.goal),
            joinedload(AgendaItem.carried_from).joinedload(FollowUp.owner_actor),
        ),
        selectinload(Meeting.attachments).joinedload(MeetingAttachment.file),
        selectinload(Meeting.decisions).joinedload(Decision.action_points),
        selectinload(Meeting.follow_ups).options(
            joinedload(FollowUp.owner_actor), joinedload(FollowUp.notes)
        ),
    ]
    if minutes_versions:
        options.append(selectinload(Meeting.minutes).load_only(Minutes.number, Minutes.created_at))
    row = (
        db.session.execute(
            select(Meeting, Minutes)
            .outerjoin(Minutes, _latest_minutes_join())
            .where(Meeting.id == meeting_id)
            .options(*options)
        )
        .unique()
        .first()
    )
    return (row[0], row[1]) if row else None


def load_plan_links(plan: Plan) -> None:
    """Load the plan's goals and action points (what agenda items and decisions link to) into
    its relationships in one query instead of two: the meeting page's forms need both."""
    rows = db.session.execute(
        select(PriorityGoal, ActionPoint)
        .outerjoin(ActionPoint, ActionPoint.goal_id == PriorityGoal.id)
        .where(PriorityGoal.plan_id == plan.id)
        .order_by(ActionPoint.sort_key, PriorityGoal.number)
    ).all()
    goals = sorted({goal for goal, _ in rows}, key=lambda goal: goal.number)
    action_points = [ap for _, ap in rows if ap is not None]
    set_committed_value(plan, "goals", goals)
    set_committed_value(plan, "action_points", action_points)


def meeting_heading(meeting_id: int) -> Meeting | None:
    """A meeting with its host and plan only: what the brief and the minutes pages show of it."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.host_actor), joinedload(Meeting.plan))
    )


@dataclass
class MinutesVersion:
    versions: list[Minutes]  # every version, newest first, without its text
    shown: Minutes
    before: Minutes | None  # the version before it (none for the first)
    # What changed from `before`: None for the first version, or when the versions are too
    # long to compare on a page view (minutes.MAX_COMPARED_LINES).
    changes: list[tuple[str, str]] | None


def minutes_version(meeting: Meeting, number: int) -> MinutesVersion | None:
    """Version `number` of the meeting's minutes with the list of versions and what changed
    from the one before (two queries); None if there is no such version."""
    texts = {
        m.number: m
        for m in db.session.scalars(
            select(Minutes).where(
                Minutes.meeting_id == meeting.id, Minutes.number.in_([number, number - 1])
            )
        )
    }
    if number not in texts:
        return None
    versions = db.session.scalars(
        select(Minutes)
        .where(Minutes.meeting_id == meeting.id)
        .options(load_only(Minutes.number, Minutes.created_at), joinedload(Minutes.created_by))
        .order_by(Minutes.number.desc())
    ).all()
    shown, before = texts[number], texts.get(number - 1)
    changes = minutes_changes(before, shown) if before else None
    return MinutesVersion(list(versions), shown, before, changes)


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
class ActionPointNews:
    """An action point in the brief: its validated updates since the previous meeting (how many,
    from how many actors) and its current overall status."""

    action_point: ActionPoint
    status: ActionPointStatus | None
    updates: int
    actors: int


@dataclass
class Brief:
    meeting: Meeting
    previous: Meeting | None
    since: datetime  # the previous meeting's start (or the plan's), up to this one's start
    follow_ups: list[FollowUp]
    news: list[ActionPointNews]  # action points with updates validated in that time
    quiet: list[ActionPointNews]  # and those with none
    pledges: dict[int, Totals]  # actor id -> entries recorded in that time, by actor name
    actors: dict[int, Actor]
    reporting: str
    today: date

    @property
    def pledges_total(self) -> Totals:
        return total_of(self.pledges)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The meeting of the same series that started last before this one (with its host)."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.series == meeting.series, Meeting.starts_at < meeting.starts_at)
        .options(joinedload(Meeting.host_actor), joinedload(Meeting.plan))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


def brief(meeting: Meeting, today: date) -> Brief:
    """What changed from the previous meeting of the series (or the plan's start) to this one,
    summed up so that it prints on a page or two: six queries whatever the amount of data.

    The brief of a past meeting is what its members read then: nothing after its start counts
    (the status shown beside an action point, and the follow-ups' status, are today's)."""
    previous = previous_meeting(meeting)
    since = (
        previous.starts_at
        if previous
        else datetime.combine(meeting.plan.starts_on, datetime.min.time(), tzinfo=utcnow().tzinfo)
    )
    window = (since, meeting.starts_at)
    news, quiet = [], []
    for item in _action_point_news(meeting.plan_id, *window):
        (news if item.updates else quiet).append(item)
    sums = sum_entries(
        Pledge.actor_id, plan_id=meeting.plan_id, recorded_since=since, recorded_before=window[1]
    )
    actors = {
        actor.id: actor
        for actor in db.session.scalars(select(Actor).where(Actor.id.in_(k[0] for k in sums)))
    }
    by_name = sorted(sums, key=lambda key: (actors[key[0]].name, key[0]))
    return Brief(
        meeting=meeting,
        previous=previous,
        since=since,
        follow_ups=_follow_ups_due(meeting, due_by=max(today, meeting.local_day())),
        news=news,
        quiet=quiet,
        pledges={key[0]: sums[key] for key in by_name},
        actors=actors,
        reporting=reporting_currency(),
        today=today,
    )


def _action_point_news(plan_id: int, since: datetime, before: datetime) -> list[ActionPointNews]:
    """Every current action point of the plan with its updates validated from `since` to
    `before` counted, and its status, in one query. The counts read the index
    ix_progress_updates_ap_validated alone: per action point, a range of validation times
    (SQLite groups along that index whatever else is offered, so the range must be in it)."""
    counts = (
        select(
            ProgressUpdate.action_point_id,
            func.count().label("updates"),
            func.count(ProgressUpdate.actor_id.distinct()).label("actors"),
        )
        .where(
            ProgressUpdate.workflow == Workflow.VALIDATED,
            ProgressUpdate.validated_at >= since,
            ProgressUpdate.validated_at < before,
        )
        .group_by(ProgressUpdate.action_point_id)
        .subquery()
    )
    rows = db.session.execute(
        select(ActionPoint, ActionPointStatus, counts.c.updates, counts.c.actors)
        .outerjoin(counts, counts.c.action_point_id == ActionPoint.id)
        .outerjoin(ActionPointStatus, ActionPointStatus.action_point_id == ActionPoint.id)
        .where(ActionPoint.plan_id == plan_id, ActionPoint.retired_at.is_(None))
        .order_by(ActionPoint.sort_key)
    )
    return [
        ActionPointNews(ap, status, updates or 0, actors or 0)
        for ap, status, updates, actors in rows
    ]


def pending_follow_ups(*conditions) -> Select:
    """Open and in-progress follow-ups, soonest due first (then by id, a stable order), with
    their meeting joined for `conditions` on either."""
    return (
        select(FollowUp)
        .join(Meeting, FollowUp.meeting_id == Meeting.id)
        .where(FollowUp.status.in_(PENDING), *conditions)
        .order_by(FollowUp.due_on, FollowUp.id)
    )


def _follow_ups_due(meeting: Meeting, due_by: date) -> list[FollowUp]:
    """Open and in-progress follow-ups of the series due by the meeting (or today, if later)."""
    query = pending_follow_ups(Meeting.series == meeting.series, FollowUp.due_on <= due_by)
    loads = (
        joinedload(FollowUp.owner_actor),
        joinedload(FollowUp.meeting),
        joinedload(FollowUp.notes),
    )
    return list(db.session.scalars(query.options(*loads).limit(BRIEF_ROWS)).unique())


def status_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in FollowUpStatus]
