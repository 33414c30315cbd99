"""Reads the API needs beyond the domain services: paginated lists and records fully loaded."""

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.actors.models import Actor, ActorKind
from tracker.db import MAX_ID, db
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal

# Ids are 32-bit INTEGER columns; a larger number would make PostgreSQL raise, not miss.

_ACTION_POINT_SUMMARY = (
    selectinload(ActionPoint.plan),
    selectinload(ActionPoint.goal),
    selectinload(ActionPoint.lead_actor),
    selectinload(ActionPoint.partners),
)


def plans() -> Select:
    return select(Plan).order_by(Plan.is_demo, Plan.starts_on, Plan.id)


def action_points(plan: Plan | None = None) -> Select:
    query = select(ActionPoint).options(*_ACTION_POINT_SUMMARY)
    if plan is not None:
        query = query.where(ActionPoint.plan_id == plan.id)
    return query.order_by(ActionPoint.plan_id, ActionPoint.sort_key, ActionPoint.id)


def actors(kind: ActorKind | None = None) -> Select:
    query = select(Actor)
    if kind is not None:
        query = query.where(Actor.kind == kind)
    return query.order_by(Actor.kind, Actor.name, Actor.id)


def get_goal(goal_id: int) -> PriorityGoal | None:
    query = (
        select(PriorityGoal)
        .where(PriorityGoal.id == goal_id)
        .options(
            selectinload(PriorityGoal.plan),
            selectinload(PriorityGoal.action_points).selectinload(ActionPoint.lead_actor),
        )
    )
    return db.session.scalar(query)


def get_activity(activity_id: int) -> Activity | None:
    query = (
        select(Activity)
        .where(Activity.id == activity_id)
        .options(selectinload(Activity.action_point), selectinload(Activity.lead_actor))
    )
    return db.session.scalar(query)


def plan_of_goal(goal_id: int | None) -> Plan | None:
    if goal_id is None or not 0 < goal_id <= MAX_ID:
        return None
    goal = db.session.get(PriorityGoal, goal_id)
    return goal.plan if goal else None
