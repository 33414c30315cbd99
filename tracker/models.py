"""Every domain's models, imported in one place for Alembic and the shell."""

from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.audit.models import AuditEvent
from tracker.auth.models import ApiToken, Role, User
from tracker.plan.models import ActionPoint, Activity, Commitment, Plan, PriorityGoal

__all__ = [
    "ActionPoint",
    "Activity",
    "Actor",
    "ActorKind",
    "ApiToken",
    "AuditEvent",
    "Commitment",
    "Plan",
    "PriorityGoal",
    "ReferenceGroupMembership",
    "Role",
    "User",
    "WorkingGroup",
]
