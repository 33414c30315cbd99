"""Every domain's models, imported in one place for Alembic and the shell."""

from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.audit.models import AuditEvent
from tracker.auth.models import ApiToken, CalendarFeed, Role, SignInAttempt, User
from tracker.mail.models import MailStatus, OutgoingMail
from tracker.meetings.models import (
    AgendaItem,
    Decision,
    DecisionActionPoint,
    FollowUp,
    FollowUpNote,
    Meeting,
    MeetingAttachment,
    MeetingParticipant,
    Minutes,
)
from tracker.notifications.models import (
    Notification,
    NotificationDigest,
    NotificationKind,
    NotificationSetting,
)
from tracker.plan.models import (
    ActionPoint,
    ActionPointDocument,
    Activity,
    Commitment,
    Plan,
    PriorityGoal,
)
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry, TargetKind
from tracker.progress.models import (
    ActionPointStatus,
    ActorActionPointStatus,
    ProgressUpdate,
    Round,
    Status,
    UpdateEvidence,
    Workflow,
)
from tracker.reports.models import PublishedReport
from tracker.uploads.models import StoredFile

__all__ = [
    "AgendaItem",
    "Decision",
    "DecisionActionPoint",
    "FollowUp",
    "FollowUpNote",
    "Meeting",
    "MeetingAttachment",
    "MeetingParticipant",
    "Minutes",
    "MailStatus",
    "OutgoingMail",
    "Notification",
    "NotificationDigest",
    "NotificationKind",
    "NotificationSetting",
    "ActionPoint",
    "ActionPointDocument",
    "ActionPointStatus",
    "Activity",
    "Actor",
    "ActorActionPointStatus",
    "ActorKind",
    "ApiToken",
    "AuditEvent",
    "CalendarFeed",
    "Commitment",
    "EntryKind",
    "ExchangeRate",
    "Plan",
    "Pledge",
    "PledgeEntry",
    "PriorityGoal",
    "ProgressUpdate",
    "PublishedReport",
    "ReferenceGroupMembership",
    "Role",
    "Round",
    "SignInAttempt",
    "Status",
    "StoredFile",
    "TargetKind",
    "UpdateEvidence",
    "User",
    "Workflow",
    "WorkingGroup",
]
