"""Every domain's models, imported in one place for Alembic and the shell."""

from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.audit.models import AuditEvent
from tracker.auth.models import ApiToken, Role, SignInAttempt, User
from tracker.plan.models import (
    ActionPoint,
    ActionPointDocument,
    Activity,
    Commitment,
    Plan,
    PriorityGoal,
)
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry, TargetKind
from tracker.uploads.models import StoredFile

__all__ = [
    "ActionPoint",
    "ActionPointDocument",
    "Activity",
    "Actor",
    "ActorKind",
    "ApiToken",
    "AuditEvent",
    "Commitment",
    "EntryKind",
    "ExchangeRate",
    "Plan",
    "Pledge",
    "PledgeEntry",
    "PriorityGoal",
    "ReferenceGroupMembership",
    "Role",
    "SignInAttempt",
    "StoredFile",
    "TargetKind",
    "User",
    "WorkingGroup",
]
