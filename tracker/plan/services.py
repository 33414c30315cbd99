import re
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.actors.models import Actor
from tracker.audit.services import By, add_and_record, apply_changes, record_event
from tracker.db import MAX_ID, check_version, db, guarded_write
from tracker.plan.models import (
    ActionPoint,
    ActionPointDocument,
    Activity,
    Plan,
    PriorityGoal,
    code_sort_key,
)

CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$")


class PlanError(Exception):
    """A broken plan rule; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def plans_query() -> Select:
    """Every plan: the real ones first, oldest first (a stable order, for paging)."""
    return select(Plan).order_by(Plan.is_demo, Plan.starts_on, Plan.id)


def list_plans() -> list[Plan]:
    return list(db.session.scalars(plans_query()))


def action_points_query(plan: Plan | None = None) -> Select:
    """Action points with what a summary shows, in plan and code order (stable, for paging)."""
    query = select(ActionPoint).options(
        selectinload(ActionPoint.plan),
        selectinload(ActionPoint.goal),
        selectinload(ActionPoint.lead_actor),
        selectinload(ActionPoint.partners),
    )
    if plan is not None:
        query = query.where(ActionPoint.plan_id == plan.id)
    return query.order_by(ActionPoint.plan_id, ActionPoint.sort_key, ActionPoint.id)


def get_plan(code_or_id: str | int) -> Plan | None:
    """A plan by its id or its code (`BP-CFA-2019`)."""
    text = str(code_or_id)
    if text.isascii() and text.isdigit():  # "²".isdigit() is true too, but int() refuses it
        return db.session.get(Plan, int(text)) if 0 < int(text) <= MAX_ID else None
    return db.session.scalar(select(Plan).where(Plan.code == text))


def get_plan_outline(plan: Plan) -> list[PriorityGoal]:
    """The plan's goals with their action points and lead actors, loaded in three queries."""
    query = (
        select(PriorityGoal)
        .where(PriorityGoal.plan_id == plan.id)
        .options(selectinload(PriorityGoal.action_points).selectinload(ActionPoint.lead_actor))
        .order_by(PriorityGoal.number)
    )
    return list(db.session.scalars(query))


def count_action_points() -> dict[int, int]:
    """{plan id: number of action points defined}, for every plan at once."""
    query = select(ActionPoint.plan_id, func.count()).group_by(ActionPoint.plan_id)
    return dict(db.session.execute(query).all())


def get_goal(plan: Plan, number: int) -> PriorityGoal | None:
    """A goal with its action points and their lead actors (a fixed number of queries)."""
    return db.session.scalar(
        select(PriorityGoal)
        .where(PriorityGoal.plan_id == plan.id, PriorityGoal.number == number)
        .options(selectinload(PriorityGoal.action_points).joinedload(ActionPoint.lead_actor))
    )


def get_action_point(action_point_id: int) -> ActionPoint | None:
    """An action point with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        select(ActionPoint)
        .where(ActionPoint.id == action_point_id)
        .options(
            joinedload(ActionPoint.plan),
            joinedload(ActionPoint.goal),
            joinedload(ActionPoint.lead_actor),
            selectinload(ActionPoint.partners),
            selectinload(ActionPoint.activities).joinedload(Activity.lead_actor),
            selectinload(ActionPoint.documents).joinedload(ActionPointDocument.file),
        )
    )


def _check_action_point(
    plan: Plan, goal: PriorityGoal, code: str, current: ActionPoint | None = None
) -> None:
    if goal.plan_id != plan.id:
        raise PlanError(f"Goal {goal.number} does not belong to plan {plan.code}.", "goal")
    if not CODE_PATTERN.match(code):
        raise PlanError(
            "Use 1 to 20 letters, digits, dots or hyphens, starting with a letter or digit "
            "(for example 17 or 3.4).",
            "code",
        )
    clash = db.session.scalar(
        select(ActionPoint).where(ActionPoint.plan_id == plan.id, ActionPoint.code == code)
    )
    if clash is not None and clash is not current:
        raise PlanError(f"Plan {plan.code} already has an action point {code}.", "code")


def create_action_point(
    plan: Plan,
    *,
    goal: PriorityGoal,
    code: str,
    title: str,
    description: str | None = None,
    lead_actor: Actor | None = None,
    partners: Iterable[Actor] = (),
    target_on: date | None = None,
    by: By,
) -> ActionPoint:
    """Add an action point to a plan under one of its goals."""
    code, title = code.strip(), title.strip()
    _check_action_point(plan, goal, code)
    # plan_id and goal_id, not plan= and goal=: their backrefs would add the new row to the
    # session before the savepoint below, so that it would be written outside the guard.
    action_point = ActionPoint(
        plan_id=plan.id,
        goal_id=goal.id,
        code=code,
        sort_key=code_sort_key(code),
        title=title,
        description=description or None,
        lead_actor=lead_actor,
        partners=list(partners),
        target_on=target_on,
    )
    duplicate = PlanError(f"Plan {plan.code} already has an action point {code}.", "code")
    with guarded_write(duplicate=duplicate):
        add_and_record(
            action_point,
            by=by,
            summary=f"Created action point {code} in {plan.code}",
            changes={"code": [None, code], "title": [None, title], "goal": [None, goal.number]},
        )
    return action_point


def update_action_point(
    action_point: ActionPoint,
    *,
    version: int | None,
    goal: PriorityGoal,
    code: str,
    title: str,
    description: str | None,
    lead_actor: Actor | None,
    partners: Iterable[Actor],
    target_on: date | None,
    by: By,
) -> ActionPoint:
    """Change an action point edited at `version`; a newer saved version raises a conflict."""
    check_version(action_point, version)
    code, title = code.strip(), title.strip()
    _check_action_point(action_point.plan, goal, code, current=action_point)
    duplicate = PlanError(
        f"Plan {action_point.plan.code} already has an action point {code}.", "code"
    )
    with guarded_write(duplicate=duplicate, record=action_point, version=version):
        changes = apply_changes(
            action_point,
            {
                "goal": goal,
                "code": code,
                "title": title,
                "description": description or None,
                "lead_actor": lead_actor,
                "partners": list(partners),
                "target_on": target_on,
            },
        )
        if changes:
            action_point.sort_key = code_sort_key(code)
            db.session.flush()
            record_event(
                by=by,
                action="update",
                entity=action_point,
                summary=f"Edited {', '.join(changes)}",
                changes=changes,
            )
    return action_point


def create_activity(
    action_point: ActionPoint,
    *,
    title: str,
    description: str | None = None,
    lead_actor: Actor | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget_minor: int | None = None,
    budget_currency: str | None = None,
    by: By,
) -> Activity:
    """Add a concrete step under an action point."""
    if starts_on and ends_on and ends_on < starts_on:
        raise PlanError("The end date is before the start date.", "ends_on")
    if (budget_minor is None) != (budget_currency is None):
        raise PlanError("Give a budget with its currency, or neither.", "budget")
    activity = Activity(
        action_point=action_point,
        title=title.strip(),
        description=description or None,
        lead_actor=lead_actor,
        starts_on=starts_on,
        ends_on=ends_on,
        budget_minor=budget_minor,
        budget_currency=budget_currency,
    )
    add_and_record(
        activity,
        by=by,
        summary=f"Created activity under action point {action_point.code}",
        changes={"title": [None, activity.title]},
    )
    return activity


def resolve_goal(plan: Plan, goal_id: int | None) -> PriorityGoal:
    goal = db.session.get(PriorityGoal, goal_id) if goal_id is not None else None
    if goal is None or goal.plan_id != plan.id:
        raise PlanError(f"Choose one of the priority goals of {plan.code}.", "goal_id")
    return goal


def resolve_actors(codes: Iterable[str], field: str) -> list[Actor]:
    """The actors with these codes, in order; an unknown code is an error at `field`."""
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    if not codes:
        return []
    found = {a.code: a for a in db.session.scalars(select(Actor).where(Actor.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise PlanError(f"Unknown actor code: {', '.join(unknown)}.", field)
    return [found[c] for c in dict.fromkeys(codes)]
