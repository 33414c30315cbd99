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
from tracker.progress.models import (
    ActionPointStatus,
    ActorActionPointStatus,
    ProgressUpdate,
    Round,
    Status,
    UpdateEvidence,
    Workflow,
)
from tracker.uploads.models import StoredFile

__all__ = [
    "ActionPoint",
    "ActionPointDocument",
    "ActionPointStatus",
    "Activity",
    "Actor",
    "ActorActionPointStatus",
    "ActorKind",
    "ApiToken",
    "AuditEvent",
    "Commitment",
    "Plan",
    "PriorityGoal",
    "ProgressUpdate",
    "ReferenceGroupMembership",
    "Role",
    "Round",
    "SignInAttempt",
    "Status",
    "StoredFile",
    "UpdateEvidence",
    "User",
    "Workflow",
    "WorkingGroup",
]
