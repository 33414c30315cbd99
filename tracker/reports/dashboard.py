"""The dashboard: where implementation stands at a glance, for everyone signed in.

Opened as most people open it (a plan, today, no other filter) it reads the summary rows in a
fixed handful of queries: one for the goals with their action points and overall statuses, one
for the ledger sums by goal, one for every count (to-dos, overdue follow-ups, the round), one
for the round's coverage and one each for the two short lists. Narrowed by goal, actor or
working group, or "as of" a past day, its summary comes from the progress report instead
(more queries, the same figures): one object either way, which the same chart macros draw.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import String, and_, case, func, literal, select, type_coerce, union
from sqlalchemy.orm import joinedload

from tracker.actors.models import Actor
from tracker.auth.models import User
from tracker.auth.permissions import can_write_for, is_admin
from tracker.db import db, exact_sum, utcnow
from tracker.meetings.models import PENDING, FollowUp, Meeting
from tracker.meetings.queries import pending_follow_ups
from tracker.plan.models import ActionPoint, Activity, PriorityGoal, action_point_partners
from tracker.pledges.conversion import latest_rates, reporting_currency
from tracker.pledges.models import EntryKind, Pledge, PledgeEntry
from tracker.pledges.totals import budget_in
from tracker.progress.models import ActionPointStatus, ProgressUpdate, Round, Workflow
from tracker.progress.queries import reported_in
from tracker.reports.charts import Coverage, goal_label
from tracker.reports.filters import ReportFilters
from tracker.reports.model import (
    NOT_REPORTED,
    ActionPointLine,
    Funding,
    GoalLine,
    ProgressReport,
    roll_up,
)
from tracker.reports.queries import (
    STAMP,
    build_progress_report,
    cover_of,
    progress_over_time,
    report_notes,
)

LIST_LENGTH = 5
REPORTED = (Workflow.SUBMITTED, Workflow.VALIDATED, Workflow.RETURNED)  # drafts do not count


@dataclass
class RoundState:
    id: int
    title: str
    opens_on: date
    deadline: date
    is_open: bool
    not_reported: int  # expected (actor, action point) pairs with no report in the round


@dataclass
class Todos:
    returned: int = 0  # my actor's returned updates
    to_validate: int = 0  # submitted updates (the Secretariat's)
    follow_ups: int = 0  # my actor's open follow-ups
    follow_ups_overdue: int = 0


@dataclass
class Dashboard:
    report: ProgressReport
    coverage: Coverage | None
    round: RoundState | None
    stale: list[ActionPointLine]
    overdue_follow_ups: list[FollowUp]
    overdue_count: int
    upcoming_meetings: list[Meeting]
    todos: Todos
    actor_code: str | None = None
    notes: list[str] = field(default_factory=list)


def build_dashboard(filters: ReportFilters, user: User) -> Dashboard:
    today = utcnow().date()
    narrowed = bool(filters.goals or filters.actors or filters.working_group or filters.as_of)
    counts = _counts(filters, user, today)
    if narrowed:
        report = build_progress_report(filters, generated_by=user.name)
    else:
        report = _summary(filters, user, counts["stamp"])
    stale = [ap for ap in report.action_points if ap.stale]
    stale.sort(key=lambda ap: (ap.reported_on or date.min, ap.goal_number, ap.code))
    return Dashboard(
        report=report,
        coverage=_coverage(filters, report, counts["round"]),
        round=counts["round"],
        stale=stale,
        overdue_follow_ups=_overdue_follow_ups(filters, today),
        overdue_count=counts["overdue"],
        upcoming_meetings=_upcoming_meetings(filters),
        todos=counts["todos"],
        actor_code=counts["actor_code"],
    )


def _summary(filters: ReportFilters, user: User, stamp: tuple) -> ProgressReport:
    """The report's summary (no narratives, meetings or annex) from the summary rows."""
    plan, reporting = filters.plan, reporting_currency()
    stale_before = filters.day - timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    lead = Actor.__table__.alias("lead")
    # The activities' budgets in the reporting currency, and how many are in another one (then
    # converted below at the latest rates, one more query: rare, and never on the demo).
    own_budgets = and_(Activity.action_point_id == ActionPoint.id, Activity.retired_at.is_(None))
    activity_need = (
        select(exact_sum(Activity.budget_minor))
        .where(own_budgets, Activity.budget_currency == reporting)
        .scalar_subquery()
    )
    activity_foreign = (
        select(func.count())
        .where(
            own_budgets, Activity.budget_minor.is_not(None), Activity.budget_currency != reporting
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            PriorityGoal.id,
            PriorityGoal.number,
            PriorityGoal.title,
            ActionPoint.id,
            ActionPoint.code,
            ActionPoint.title,
            ActionPoint.weight,
            ActionPoint.budget_minor,
            ActionPoint.budget_currency,
            lead.c.code,
            type_coerce(ActionPointStatus.status, String(32)),
            ActionPointStatus.percent,
            ActionPointStatus.reported_on,
            activity_need,
            activity_foreign,
        )
        .outerjoin(
            ActionPoint,
            and_(ActionPoint.goal_id == PriorityGoal.id, ActionPoint.retired_at.is_(None)),
        )
        .outerjoin(lead, lead.c.id == ActionPoint.lead_actor_id)
        .outerjoin(ActionPointStatus, ActionPointStatus.action_point_id == ActionPoint.id)
        .where(PriorityGoal.plan_id == plan.id, PriorityGoal.retired_at.is_(None))
        .order_by(PriorityGoal.number, ActionPoint.sort_key, ActionPoint.id)
    ).all()
    goals: dict[int, GoalLine] = {}
    foreign: list[int] = []
    for row in rows:
        goal = goals.setdefault(row[0], GoalLine(row[0], row[1], row[2], 0.0, {}, 0, Funding(), []))
        if row[3] is None:
            continue
        status, percent, reported_on = row[10] or NOT_REPORTED, row[11] or 0, row[12]
        need = Funding()
        if row[7] is not None:
            need.has_need = True
            if row[8] == reporting:
                need.need = row[7]
            else:
                foreign.append(row[3])
        elif row[13] is not None or row[14]:
            need.has_need, need.need = True, int(row[13] or 0)
            if row[14]:
                foreign.append(row[3])
        goal.action_points.append(
            ActionPointLine(
                id=row[3],
                code=row[4],
                title=row[5],
                goal_number=goal.number,
                lead=row[9],
                partners=[],
                status=status,
                percent=float(percent),
                reported_on=reported_on,
                weight=row[6],
                stale=reported_on is None or reported_on < stale_before,
                narratives=[],
                activities=[],
                funding=need,
            )
        )
    if foreign:
        _convert_foreign_budgets(goals, set(foreign), reporting, filters.day)
    plan_level = _add_ledger_sums(goals, plan.id, reporting, filters.day)
    report = _report_from(goals, plan_level, filters, user, reporting)
    points = [{"id": ap.id, "weight": ap.weight} for ap in report.action_points]
    report.over_time = progress_over_time(filters, points, stamp=stamp)
    return report


def _convert_foreign_budgets(goals, ap_ids: set[int], reporting: str, day: date) -> None:
    """Needs of action points with a budget in another currency, at the latest rates."""
    rates = latest_rates(reporting, day)
    budgets: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for ap_id, amount, currency in db.session.execute(
        select(ActionPoint.id, ActionPoint.budget_minor, ActionPoint.budget_currency).where(
            ActionPoint.id.in_(ap_ids), ActionPoint.budget_minor.is_not(None)
        )
    ):
        budgets[ap_id] = [(amount, currency)]
    for ap_id, amount, currency in db.session.execute(
        select(Activity.action_point_id, Activity.budget_minor, Activity.budget_currency).where(
            Activity.action_point_id.in_(ap_ids - set(budgets)),
            Activity.retired_at.is_(None),
            Activity.budget_minor.is_not(None),
        )
    ):
        budgets[ap_id].append((amount, currency))
    for ap in (ap for goal in goals.values() for ap in goal.action_points if ap.id in ap_ids):
        ap.funding.need = ap.funding.missing = 0
        for amount, currency in budgets.get(ap.id, []):
            converted = budget_in(amount, currency, reporting, rates)
            if converted is None:
                ap.funding.missing += 1
            else:
                ap.funding.need += converted


def _add_ledger_sums(
    goals: dict[int, GoalLine], plan_id: int, reporting: str, day: date
) -> Funding:
    """Pledged, committed and disbursed added to each goal, in one grouped query; returns the
    pledges to the whole plan (and to retired goals). Entries converted into another reporting
    currency or without a rate are counted apart."""
    current = PledgeEntry.reporting_currency == reporting

    def kind_sum(kind: EntryKind):
        # exact_sum, not SUM: many entries near the bound add up to more than a BIGINT holds.
        return exact_sum(case((current & (PledgeEntry.kind == kind), PledgeEntry.reporting_minor)))

    left_out = func.sum(case((current & PledgeEntry.reporting_minor.is_not(None), 0), else_=1))
    query = (
        select(Pledge.goal_id, *(kind_sum(kind) for kind in EntryKind), left_out)
        .join(Pledge, PledgeEntry.pledge_id == Pledge.id)
        .where(Pledge.plan_id == plan_id, PledgeEntry.value_date <= day)
        .group_by(Pledge.goal_id)
    )
    plan_level = Funding()
    for goal_id, pledged, committed, disbursed, missing in db.session.execute(query):
        target = goals[goal_id].funding if goal_id in goals else plan_level
        target.pledged += pledged or 0
        target.committed += committed or 0
        target.disbursed += disbursed or 0
        target.missing += int(missing or 0)
    return plan_level


def _report_from(
    goals: dict[int, GoalLine],
    total: Funding,
    filters: ReportFilters,
    user: User,
    reporting: str,
) -> ProgressReport:
    """The summary report from the goals' lines; `total` starts as the whole plan's pledges."""
    for goal in goals.values():
        for ap in goal.action_points:
            goal.funding.need += ap.funding.need
            goal.funding.has_need = goal.funding.has_need or ap.funding.has_need
            goal.funding.missing += ap.funding.missing
        total.add(goal.funding)
    percent, counts, stale = roll_up(list(goals.values()))
    defined = sum(len(goal.action_points) for goal in goals.values())
    return ProgressReport(
        cover=cover_of(filters, defined, user.name),
        currency=reporting,
        percent=percent,
        counts=counts,
        stale=stale,
        funding=total,
        goals=list(goals.values()),
        over_time=[],
        meetings=[],
        reporters=[],
        notes=report_notes(filters, defined),
    )


def _chosen_round(plan_id: int):
    """The plan's open round with the nearest deadline, else its last closed one."""
    return (
        select(Round.id)
        .where(Round.plan_id == plan_id)
        .order_by(Round.closed_at.is_not(None), Round.deadline.desc(), Round.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _counts(filters: ReportFilters, user: User, today: date) -> dict:
    """Every count of the page in one statement of scalar subqueries."""
    plan_id = filters.plan.id
    chosen = _chosen_round(plan_id)
    plan_aps = select(ActionPoint.id).where(
        ActionPoint.plan_id == plan_id, ActionPoint.retired_at.is_(None)
    )
    # Who has not reported on what: the round page's rule (progress.queries.reported_in), one
    # count for each expected (actor, action point) pair, so both pages say the same number.
    expected = union(
        select(
            ActionPoint.lead_actor_id.label("actor_id"), ActionPoint.id.label("action_point_id")
        ).where(ActionPoint.id.in_(plan_aps), ActionPoint.lead_actor_id.is_not(None)),
        select(action_point_partners.c.actor_id, action_point_partners.c.action_point_id).where(
            action_point_partners.c.action_point_id.in_(plan_aps)
        ),
    ).subquery()
    in_round = select(Round.opens_on, Round.deadline).where(Round.id == chosen).subquery()
    reported = reported_in(
        expected.c.actor_id,
        expected.c.action_point_id,
        select(in_round.c.opens_on).scalar_subquery(),
        select(in_round.c.deadline).scalar_subquery(),
    )
    not_reported = select(func.count()).select_from(expected).where(~reported).scalar_subquery()

    def round_column(column):
        return select(column).where(Round.id == chosen).scalar_subquery()

    def count(model, *conditions):
        return select(func.count()).select_from(model).where(*conditions).scalar_subquery()

    own = user.actor_id if user.actor_id and can_write_for(user, user.actor_id) else -1
    plan_meetings = select(Meeting.id).where(Meeting.plan_id == plan_id)
    pending = and_(FollowUp.status.in_(PENDING))
    row = db.session.execute(
        select(
            round_column(Round.id),
            round_column(Round.title),
            round_column(Round.opens_on),
            round_column(Round.deadline),
            round_column(Round.closed_at),
            not_reported,
            count(
                ProgressUpdate,
                ProgressUpdate.actor_id == own,
                ProgressUpdate.workflow == Workflow.RETURNED,
            ),
            count(ProgressUpdate, ProgressUpdate.workflow == Workflow.SUBMITTED)
            if is_admin(user)
            else literal(0),
            count(FollowUp, FollowUp.owner_actor_id == own, pending),
            count(FollowUp, FollowUp.owner_actor_id == own, pending, FollowUp.due_on < today),
            count(
                FollowUp, FollowUp.meeting_id.in_(plan_meetings), pending, FollowUp.due_on < today
            ),
            *(select(column).scalar_subquery() for column in STAMP),
            select(Actor.code).where(Actor.id == user.actor_id).scalar_subquery(),
        )
    ).one()
    round_state = None
    if row[0] is not None:
        round_state = RoundState(row[0], row[1], row[2], row[3], row[4] is None, row[5])
    return {
        "round": round_state,
        "todos": Todos(row[6], row[7], row[8], row[9]),
        "overdue": row[10],
        "stamp": tuple(row[11:13]),
        "actor_code": row[13],
    }


def _coverage(filters: ReportFilters, report: ProgressReport, round_state):
    """Actors × goals: how many of each goal's action points each actor reported on (submitted
    or validated) in the open or last round; None without a round."""
    if round_state is None:
        return None
    round_id = round_state.id
    goal_index = {goal.id: index for index, goal in enumerate(report.goals)}
    query = (
        select(
            Actor.code,
            Actor.name,
            ActionPoint.goal_id,
            func.count(func.distinct(ProgressUpdate.action_point_id)),
        )
        .select_from(ProgressUpdate)
        .join(ActionPoint, ActionPoint.id == ProgressUpdate.action_point_id)
        .join(Actor, Actor.id == ProgressUpdate.actor_id)
        .join(Round, Round.id == round_id)
        .where(
            ActionPoint.plan_id == filters.plan.id,
            ActionPoint.retired_at.is_(None),
            ProgressUpdate.workflow.in_(REPORTED),
            ProgressUpdate.reported_on.between(Round.opens_on, Round.deadline),
        )
        .group_by(Actor.code, Actor.name, ActionPoint.goal_id)
        .order_by(Actor.name, Actor.code)
    )
    rows: list[str] = []
    names: list[str] = []
    cells: dict[tuple[int, int], int] = {}
    for code, name, goal_id, n in db.session.execute(query):
        if goal_id not in goal_index:
            continue
        if not rows or rows[-1] != code:
            rows.append(code)
            names.append(name)
        cells[len(rows) - 1, goal_index[goal_id]] = n
    return Coverage(rows, [goal_label(goal) for goal in report.goals], cells, names)


def _overdue_follow_ups(filters: ReportFilters, today: date) -> list[FollowUp]:
    query = pending_follow_ups(Meeting.plan_id == filters.plan.id, FollowUp.due_on < today)
    return list(
        db.session.scalars(query.options(joinedload(FollowUp.owner_actor)).limit(LIST_LENGTH))
    )


def _upcoming_meetings(filters: ReportFilters) -> list[Meeting]:
    now = datetime.combine(utcnow().date(), time.min, tzinfo=UTC)
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.plan_id == filters.plan.id, Meeting.ends_at >= now)
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(LIST_LENGTH)
        )
    )
