"""Reads only the API needs: records by id, fully loaded for their JSON."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.db import MAX_ID, db
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal


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
