"""Build the progress report: now from the summary rows, "as of" a past day from history.

A fixed number of queries whatever the data size. Both paths share everything but the two
questions history changes: what each actor last said about each action point (the summary rows
now; the latest update validated by the cutoff, otherwise), and how the plan was defined (the
records now; the records with every later audited change taken back, otherwise).
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import aliased, selectinload

from tracker.actors.models import Actor, working_group_members
from tracker.audit.models import AuditEvent
from tracker.db import db, utcnow
from tracker.meetings.models import FollowUp, FollowUpNote, FollowUpStatus, Meeting
from tracker.plan.models import ActionPoint, Activity, PriorityGoal, action_point_partners
from tracker.pledges.conversion import latest_rates, reporting_currency
from tracker.pledges.models import Pledge
from tracker.pledges.totals import budget_in, sum_entries
from tracker.progress.models import ActorActionPointStatus, ProgressUpdate, Status, Workflow
from tracker.reports.filters import ReportFilters
from tracker.reports.model import (
    NOT_REPORTED,
    ActionPointLine,
    ActivityLine,
    Cover,
    FollowUpLine,
    Funding,
    GoalLine,
    MeetingLine,
    Narrative,
    ProgressReport,
    QuarterPoint,
    Reporter,
    roll_up,
)
from tracker.reports.updates import NARRATIVE_COLUMNS
from tracker.web import format_date


def build_progress_report(
    filters: ReportFilters, *, generated_by: str, published_for: str | None = None
) -> ProgressReport:
    """The progress report for these filters, as it stood at the end of `filters.day`."""
    goals, points, defined = _definitions(filters)
    actor_ids = narrowed_actor_ids(filters)
    # Leads and partners are codes (as of a past day, rebuilt from the audit trail's codes):
    # people read names, so every format gets both, from one query.
    names = dict(db.session.execute(select(Actor.code, Actor.name)).all())
    narratives = _latest_per_actor(filters, [p["id"] for p in points])
    activities = _activities(filters, [p["id"] for p in points])
    funding = _funding(filters, points, activities, actor_ids)
    stale_before = filters.day - timedelta(days=current_app.config["STALE_AFTER_DAYS"])

    goal_lines = {
        g["id"]: GoalLine(g["id"], g["number"], g["title"], 0.0, {}, 0, Funding(), [])
        for g in goals
    }
    for point in points:
        said = narratives.get(point["id"], [])
        # The overall status: the latest validated update from any actor (reporting date, then
        # validation time), as the summary rows keep it.
        latest = max(
            (n for _, n in said), key=lambda n: (n.reported_on, n.validated_at), default=None
        )
        shown = [n for actor_id, n in said if actor_ids is None or actor_id in actor_ids]
        line = ActionPointLine(
            id=point["id"],
            code=point["code"],
            title=point["title"],
            goal_number=point["goal_number"],
            lead=point["lead"],
            partners=point["partners"],
            lead_name=names.get(point["lead"]),
            partner_names=[names.get(code, code) for code in point["partners"]],
            status=latest.status if latest else NOT_REPORTED,
            percent=float(latest.percent) if latest else 0.0,
            reported_on=latest.reported_on if latest else None,
            weight=point["weight"],
            stale=latest is None or latest.reported_on < stale_before,
            narratives=sorted(shown, key=lambda n: (n.actor_name, n.actor_code)),
            activities=[line for line, _ in activities.get(point["id"], [])],
            funding=funding.get(("ap", point["id"]), Funding()),
        )
        goal_lines[point["goal_id"]].action_points.append(line)

    for goal in goal_lines.values():
        goal.funding = funding.get(("goal", goal.id), Funding())
    percent, counts, stale = roll_up(list(goal_lines.values()))
    return ProgressReport(
        cover=cover_of(filters, defined, generated_by, published_for),
        currency=funding["currency"],
        percent=percent,
        counts=counts,
        stale=stale,
        funding=funding.get(("plan",), Funding()),
        goals=[goal_lines[g["id"]] for g in goals],
        over_time=progress_over_time(filters, points),
        meetings=_meetings(filters),
        reporters=_reporters(filters, [p["id"] for p in points], actor_ids),
        notes=report_notes(filters, defined),
    )


def cover_of(
    filters: ReportFilters, defined: int, generated_by: str, published_for: str | None = None
) -> Cover:
    plan = filters.plan
    return Cover(
        plan_code=plan.code,
        plan_title=plan.title,
        plan_period=plan.period,
        expected_action_points=plan.expected_action_points,
        defined_action_points=defined,
        as_of=filters.day,
        is_historical=filters.as_of is not None,
        period_from=filters.start,
        period_to=filters.end,
        filters=filters.described(),
        generated_at=utcnow().replace(microsecond=0),
        generated_by=generated_by,
        published_for=published_for,
    )


def report_notes(filters: ReportFilters, defined: int) -> list[str]:
    plan, notes = filters.plan, []
    if plan.expected_action_points and defined < plan.expected_action_points:
        notes.append(
            ngettext(
                "%(num)d of %(expected)d action points of %(plan)s is defined as of %(day)s; the"
                " Secretariat loads the rest from the official text.",
                "%(num)d of %(expected)d action points of %(plan)s are defined as of %(day)s; the"
                " Secretariat loads the rest from the official text.",
                defined,
                expected=plan.expected_action_points,
                plan=plan.code,
                day=format_date(filters.day),
            )
        )
    elif defined == 0:
        notes.append(
            _(
                "%(plan)s has no action points as of %(day)s.",
                plan=plan.code,
                day=format_date(filters.day),
            )
        )
    if plan.is_demo:
        notes.append(_("Demonstration plan: synthetic data."))
    if filters.as_of is not None:
        notes.append(
            _(
                "Rebuilt from history as it stood at the end of %(day)s (UTC): updates validated"
                " by then, ledger entries dated by then, meetings held by then.",
                day=format_date(filters.as_of),
            )
        )
    return notes


# How the plan was defined -----------------------------------------------------------------------


def _definitions(filters: ReportFilters) -> tuple[list[dict], list[dict], int]:
    """The plan's goals and action points (plain dicts) as they stood at the report's day, the
    action points narrowed by the filters, and how many the whole plan had defined then.

    For a past day, every audited change made after it is taken back, newest first, from its
    "before" value; records created after it are left out, as are those retired by then."""
    plan = filters.plan
    lead = aliased(Actor)
    goals = [
        {"id": g.id, "number": g.number, "title": g.title, "retired_at": g.retired_at}
        for g in db.session.scalars(
            select(PriorityGoal)
            .where(PriorityGoal.plan_id == plan.id)
            .order_by(PriorityGoal.number)
        )
    ]
    rows = db.session.execute(
        select(
            ActionPoint.id,
            ActionPoint.code,
            ActionPoint.title,
            ActionPoint.goal_id,
            ActionPoint.weight,
            ActionPoint.sort_key,
            ActionPoint.created_at,
            ActionPoint.retired_at,
            ActionPoint.budget_minor,
            ActionPoint.budget_currency,
            lead.code,
        )
        .outerjoin(lead, lead.id == ActionPoint.lead_actor_id)
        .where(ActionPoint.plan_id == plan.id)
        .order_by(ActionPoint.sort_key, ActionPoint.id)
    )
    partners: dict[int, list[str]] = defaultdict(list)
    for ap_id, code in db.session.execute(
        select(action_point_partners.c.action_point_id, Actor.code)
        .join(Actor, Actor.id == action_point_partners.c.actor_id)
        .join(ActionPoint, ActionPoint.id == action_point_partners.c.action_point_id)
        .where(ActionPoint.plan_id == plan.id)
        .order_by(Actor.code)
    ):
        partners[ap_id].append(code)
    goal_number = {g["id"]: g["number"] for g in goals}
    points = [
        {
            "id": r.id,
            "code": r.code,
            "title": r.title,
            "goal_id": r.goal_id,
            "goal_number": goal_number[r.goal_id],
            "weight": r.weight,
            "sort_key": r.sort_key,
            "created_at": r.created_at,
            "retired_at": r.retired_at,
            "budget": (r.budget_minor, r.budget_currency),
            "lead": r[-1],
            "partners": partners.get(r.id, []),
        }
        for r in rows
    ]
    if filters.as_of is not None:
        _take_back_later_changes(filters.cutoff, goals, points)
    goals = [g for g in goals if not _retired_by(g["retired_at"], filters.cutoff)]
    live_goals = {g["id"] for g in goals}
    wanted_goals = {g.id for g in filters.goals} or live_goals
    goal_number = {g["id"]: g["number"] for g in goals}
    points = [
        {**p, "goal_number": goal_number[p["goal_id"]]}
        for p in points
        if p["goal_id"] in live_goals
        and _as_utc(p["created_at"]) < filters.cutoff
        and not _retired_by(p["retired_at"], filters.cutoff)
    ]
    defined = len(points)
    points = [p for p in points if p["goal_id"] in wanted_goals]
    if (actor_codes := _actor_codes(filters)) is not None:
        points = [p for p in points if p["lead"] in actor_codes or actor_codes & set(p["partners"])]
    if filters.goals:
        goals = [g for g in goals if g["id"] in wanted_goals]
    return goals, points, defined


def _take_back_later_changes(cutoff: datetime, goals: list[dict], points: list[dict]) -> None:
    by_kind = {
        PriorityGoal.__tablename__: {g["id"]: g for g in goals},
        ActionPoint.__tablename__: {p["id"]: p for p in points},
    }
    goal_ids = {g["number"]: g["id"] for g in goals}
    events = db.session.execute(
        select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.changes)
        .where(
            AuditEvent.entity_type.in_(list(by_kind)),
            AuditEvent.entity_id.in_([*by_kind["priority_goals"], *by_kind["action_points"]]),
            AuditEvent.occurred_at >= cutoff,
        )
        .order_by(AuditEvent.id.desc())
    )
    for kind, entity_id, changes in events:
        record = by_kind[kind].get(entity_id)
        if record is None or not isinstance(changes, dict):
            continue
        for name, values in changes.items():
            if not (isinstance(values, list) and len(values) == 2):
                continue
            before = values[0]
            if name in ("title", "code") and isinstance(before, str):
                record[name] = before
            elif name == "weight" and isinstance(before, int):
                record["weight"] = before
            elif name == "retired_at":
                record["retired_at"] = _parse_moment(before)
            elif name == "lead_actor" and kind == "action_points":
                record["lead"] = before if isinstance(before, str) else None
            elif name == "partners" and isinstance(before, list):
                record["partners"] = sorted(str(code) for code in before)
            elif name == "goal" and before in goal_ids:
                record["goal_id"] = goal_ids[before]


def _parse_moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return _as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _day(value: date | datetime | str) -> date:
    """The day of a date, a UTC datetime, or either as SQLite's text."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _retired_by(retired_at: datetime | None, cutoff: datetime) -> bool:
    return retired_at is not None and _as_utc(retired_at) < cutoff


def narrowed_actor_ids(filters: ReportFilters) -> set[int] | None:
    """The actors the report is narrowed to (None: all): those named, and a working group's."""
    if not filters.actors and filters.working_group is None:
        return None
    ids = {a.id for a in filters.actors}
    if filters.working_group is not None:
        members = db.session.scalars(
            select(working_group_members.c.actor_id).where(
                working_group_members.c.working_group_id == filters.working_group.id
            )
        )
        ids |= set(members)
    return ids


def _actor_codes(filters: ReportFilters) -> set[str] | None:
    if not filters.actors and filters.working_group is None:
        return None
    codes = {a.code for a in filters.actors}
    if filters.working_group is not None:
        codes |= {a.code for a in filters.working_group.members}
    return codes


# What each actor said ---------------------------------------------------------------------------


def _latest_per_actor(
    filters: ReportFilters, ap_ids: list[int]
) -> dict[int, list[tuple[int, Narrative]]]:
    """{action point id: each actor's latest validated update}: the summary rows now; for a past
    day the latest update validated by its end and reported on or before it (one query)."""
    if not ap_ids:
        return {}
    columns = (ProgressUpdate.action_point_id, ProgressUpdate.actor_id, *NARRATIVE_COLUMNS)
    if filters.as_of is None:
        query = (
            select(*columns)
            .select_from(ActorActionPointStatus)
            .join(ProgressUpdate, ProgressUpdate.id == ActorActionPointStatus.update_id)
            .join(Actor, Actor.id == ActorActionPointStatus.actor_id)
            .where(ActorActionPointStatus.action_point_id.in_(ap_ids))
        )
    else:
        rank = (
            func.row_number()
            .over(
                partition_by=(ProgressUpdate.action_point_id, ProgressUpdate.actor_id),
                order_by=(
                    ProgressUpdate.reported_on.desc(),
                    ProgressUpdate.validated_at.desc(),
                    ProgressUpdate.id.desc(),
                ),
            )
            .label("rank")
        )
        ranked = (
            select(ProgressUpdate.id, rank)
            .where(
                ProgressUpdate.action_point_id.in_(ap_ids),
                ProgressUpdate.workflow == Workflow.VALIDATED,
                ProgressUpdate.validated_at < filters.cutoff,
                ProgressUpdate.reported_on <= filters.day,
            )
            .subquery()
        )
        query = (
            select(*columns)
            .join(ranked, and_(ranked.c.id == ProgressUpdate.id, ranked.c.rank == 1))
            .join(Actor, Actor.id == ProgressUpdate.actor_id)
        )
    out: dict[int, list[tuple[int, Narrative]]] = defaultdict(list)
    for (
        ap_id,
        actor_id,
        code,
        name,
        status,
        percent,
        reported_on,
        validated_at,
        text,
    ) in db.session.execute(query):
        said = Narrative(
            code, name, Status(status).value, percent, reported_on, validated_at, text or ""
        )
        out[ap_id].append((actor_id, said))
    return out


def _activities(filters: ReportFilters, ap_ids: list[int]) -> dict[int, list[tuple]]:
    """{action point id: [(activity line, (budget minor, currency))]} as of the report's day."""
    if not ap_ids:
        return {}
    lead = aliased(Actor)
    out: dict[int, list[tuple]] = defaultdict(list)
    query = (
        select(Activity, lead.code, lead.name)
        .outerjoin(lead, lead.id == Activity.lead_actor_id)
        .where(Activity.action_point_id.in_(ap_ids), Activity.created_at < filters.cutoff)
        .order_by(Activity.action_point_id, Activity.id)
    )
    for activity, lead_code, lead_name in db.session.execute(query):
        if _retired_by(activity.retired_at, filters.cutoff):
            continue
        line = ActivityLine(
            activity.code,
            activity.title,
            lead_code,
            activity.starts_on,
            activity.ends_on,
            lead_name=lead_name,
        )
        budget = (activity.budget_minor, activity.budget_currency)
        out[activity.action_point_id].append((line, budget))
    return out


# Funding ----------------------------------------------------------------------------------------


def _funding(filters, points, activities, actor_ids) -> dict:
    """{("plan",) | ("goal", id) | ("ap", id): Funding} in the reporting currency, as of the
    report's day: ledger entries with a value date by then, at their stored conversion (the
    rate in force on their value date); budgets at the latest rate on or before that day."""
    reporting = reporting_currency()
    out: dict = {"currency": reporting}
    cells = sum_entries(
        Pledge.actor_id,
        Pledge.goal_id,
        Pledge.action_point_id,
        reporting=reporting,
        plan_id=filters.plan.id,
        date_to=filters.day,
    )
    wanted_points = {p["id"] for p in points}
    wanted_goals = {g.id for g in filters.goals}
    rates = latest_rates(reporting, filters.day)

    def funding_for(key) -> Funding:
        return out.setdefault(key, Funding())

    # Narrowed to actors, the sums are those actors' pledges (to the whole plan too); narrowed
    # to goals, the pledges to those goals. An action point left out of the report still counts
    # for its goal and the plan.
    for (actor_id, goal_id, ap_id), totals in cells.items():
        if actor_ids is not None and actor_id not in actor_ids:
            continue
        if wanted_goals and goal_id not in wanted_goals:
            continue
        keys = [("plan",)]
        if goal_id is not None:
            keys.append(("goal", goal_id))
        if ap_id in wanted_points:
            keys.append(("ap", ap_id))
        for key in keys:
            funding = funding_for(key)
            funding.pledged += totals.pledged
            funding.committed += totals.committed
            funding.disbursed += totals.disbursed
            funding.missing += totals.missing

    for point in points:
        amount, currency = point["budget"]
        budgets = (
            [(amount, currency)]
            if amount is not None
            else [b for _, b in activities.get(point["id"], []) if b[0] is not None]
        )
        need = Funding()
        for minor, cur in budgets:
            need.has_need = True
            converted = budget_in(minor, cur, reporting, rates)
            if converted is None:
                need.missing += 1
            else:
                need.need += converted
        for key in (("ap", point["id"]), ("goal", point["goal_id"]), ("plan",)):
            funding = funding_for(key)
            funding.need += need.need
            funding.has_need = funding.has_need or need.has_need
            funding.missing += need.missing
    return out


# Meetings and who reported ----------------------------------------------------------------------


def _meetings(filters: ReportFilters) -> list[MeetingLine]:
    """The plan's meetings held in the period (started by its end), with their decisions and
    follow-ups as they stood at the report's day (three queries)."""
    start = datetime.combine(filters.start, time.min, tzinfo=UTC)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=UTC)
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.plan_id == filters.plan.id,
                Meeting.starts_at >= start,
                Meeting.starts_at < min(end, filters.cutoff),
            )
            .options(
                selectinload(Meeting.decisions),
                selectinload(Meeting.follow_ups).joinedload(FollowUp.owner_actor),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    follow_up_ids = [f.id for m in meetings for f in m.follow_ups]
    status_then = _follow_up_status_then(follow_up_ids, filters) if filters.as_of else {}
    lines = []
    for meeting in meetings:
        follow_ups = []
        for f in meeting.follow_ups:
            if _as_utc(f.created_at) >= filters.cutoff:
                continue
            status = status_then.get(f.id, FollowUpStatus.OPEN) if filters.as_of else f.status
            follow_ups.append(
                FollowUpLine(
                    text=f.text,
                    owner=f.owner_actor.code,
                    owner_name=f.owner_actor.name,
                    due_on=f.due_on,
                    status=FollowUpStatus(status).value,
                    overdue=status in (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
                    and f.due_on < filters.day,
                )
            )
        lines.append(
            MeetingLine(
                id=meeting.id,
                title=meeting.title,
                kind=meeting.kind.value,
                starts_at=meeting.starts_at,
                place=meeting.place,
                decisions=[
                    d.text for d in meeting.decisions if _as_utc(d.created_at) < filters.cutoff
                ],
                follow_ups=follow_ups,
            )
        )
    return lines


def _follow_up_status_then(ids: list[int], filters: ReportFilters) -> dict[int, FollowUpStatus]:
    """Each follow-up's status at the cutoff: its last note's status by then (open without)."""
    if not ids:
        return {}
    out: dict[int, FollowUpStatus] = {}
    for follow_up_id, status in db.session.execute(
        select(FollowUpNote.follow_up_id, FollowUpNote.status)
        .where(FollowUpNote.follow_up_id.in_(ids), FollowUpNote.created_at < filters.cutoff)
        .order_by(FollowUpNote.follow_up_id, FollowUpNote.created_at, FollowUpNote.id)
    ):
        out[follow_up_id] = status
    return out


def _reporters(filters: ReportFilters, ap_ids: list[int], actor_ids) -> list[Reporter]:
    """Who reported on what in the period: validated updates by actor and action point."""
    if not ap_ids:
        return []
    query = (
        select(Actor.code, Actor.name, ActionPoint.code, func.count())
        .select_from(ProgressUpdate)
        .join(Actor, Actor.id == ProgressUpdate.actor_id)
        .join(ActionPoint, ActionPoint.id == ProgressUpdate.action_point_id)
        .where(
            ProgressUpdate.action_point_id.in_(ap_ids),
            ProgressUpdate.workflow == Workflow.VALIDATED,
            ProgressUpdate.validated_at < filters.cutoff,
            ProgressUpdate.reported_on.between(filters.start, filters.end),
        )
        .group_by(Actor.code, Actor.name, ActionPoint.code)
    )
    if actor_ids is not None:
        query = query.where(ProgressUpdate.actor_id.in_(actor_ids))
    reporters: dict[str, Reporter] = {}
    for code, name, ap_code, count in db.session.execute(query):
        reporters.setdefault(code, Reporter(code, name, {})).counts[ap_code] = count
    return sorted(reporters.values(), key=lambda r: (r.actor_name, r.actor_code))


# Progress over time -----------------------------------------------------------------------------


def quarter_ends(start: date, end: date) -> list[date]:
    """The last day of each quarter from the one holding `start` to the one holding `end`."""
    out = []
    year, quarter = start.year, (start.month - 1) // 3
    while True:
        month = quarter * 3 + 3
        last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        out.append(min(last, end))
        if last >= end:
            return out
        quarter += 1
        if quarter == 4:
            year, quarter = year + 1, 0


_series_cache: dict[tuple, list[QuarterPoint]] = {}
# What tells whether any validated update could have changed (see progress_over_time).
STAMP = (func.max(ProgressUpdate.validated_at), func.max(ProgressUpdate.id))
_SERIES_CACHE_SIZE = 64


def progress_over_time(
    filters: ReportFilters, points: list[dict], stamp: tuple | None = None
) -> list[QuarterPoint]:
    """The plan's weighted percent at the end of each quarter since it began, rebuilt from the
    validated updates (the report's action points and weights).

    An update counts from the later of its reporting day and its validation day: a quarter's
    figure is what a reader could have seen at its end. Rebuilding reads every validated
    update of the plan (100,000 at ten years of the demo, a second of work), so each worker
    keeps the series it built until an update is validated anywhere: validated updates are
    final and every validation is newer than the last, so the newest validation time and the
    highest update id (two index lookups) tell whether anything could have changed."""
    if not points:
        return []
    if stamp is None:  # the dashboard reads it with its other counts
        stamp = tuple(db.session.execute(select(*STAMP)).one())
    weights = {p["id"]: p["weight"] for p in points}
    key = (filters.plan.id, filters.day, tuple(sorted(weights.items())), tuple(stamp))
    if (series := _series_cache.get(key)) is None:
        series = _rebuild_series(filters, weights)
        if len(_series_cache) >= _SERIES_CACHE_SIZE:
            _series_cache.pop(next(iter(_series_cache)))
        _series_cache[key] = series
    return series


def _rebuild_series(filters: ReportFilters, weights: dict[int, int]) -> list[QuarterPoint]:
    total = sum(weights.values()) or 1
    # Read as text where the driver gives text (SQLite): parsing 100,000 timestamps into
    # datetimes cost more than the rest of the report; only the day and the order matter here.
    rows = db.session.execute(
        select(
            ProgressUpdate.action_point_id,
            type_coerce(ProgressUpdate.reported_on, String),
            type_coerce(ProgressUpdate.validated_at, String),
            ProgressUpdate.percent,
        ).where(
            ProgressUpdate.action_point_id.in_(list(weights)),
            ProgressUpdate.workflow == Workflow.VALIDATED,
            ProgressUpdate.validated_at < filters.cutoff,
            ProgressUpdate.reported_on <= filters.day,
        )
    )
    events = []
    for ap_id, reported_on, validated_at, percent in rows:
        reported, validated = _day(reported_on), _day(validated_at)
        events.append((max(reported, validated), ap_id, (reported_on, validated_at), percent))
    events.sort(key=lambda event: event[0])
    latest: dict[int, tuple] = {}
    series, i = [], 0
    for end in quarter_ends(filters.plan.starts_on, filters.day):
        while i < len(events) and events[i][0] <= end:
            _day_of, ap_id, key, percent = events[i]
            if ap_id not in latest or key >= latest[ap_id][0]:
                latest[ap_id] = (key, percent)
            i += 1
        weighted = sum(weights[ap] * percent for ap, (_key, percent) in latest.items())
        label = _("%(year)s Q%(quarter)s", year=end.year, quarter=(end.month - 1) // 3 + 1)
        series.append(QuarterPoint(end, label, round(weighted / total, 1)))
    return series
