"""Who may do what: the one module that pages, API and templates all ask.

docs/security.md is the same rules as a table, and tests/auth/test_authorisation.py checks every
route against that table for every role. Change a rule here, there, and in the table together.
"""

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, true

from tracker.auth.models import ApiToken, Role, User
from tracker.db import db
from tracker.meetings.models import FollowUp, Meeting
from tracker.plan.documents import get_document
from tracker.plan.models import ActionPoint, ActionPointDocument
from tracker.pledges.models import Pledge
from tracker.progress.models import ProgressUpdate, Workflow

M = TypeVar("M")


def can_read(user: User) -> bool:
    """Everything in the tracker is readable by every active signed-in user, and by nobody else."""
    return user.is_authenticated and user.is_active


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def can_manage_plans(user: User) -> bool:
    """Plans, goals, action points, activities and their documents are kept by the Secretariat."""
    return is_admin(user)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_view_audit_trail(user: User) -> bool:
    return is_admin(user)


def can_view_outbox(user: User) -> bool:
    """Queued and sent mail (with its links, invitations and resets among them): the Secretariat."""
    return is_admin(user)


def can_read_document(user: User, document: ActionPointDocument) -> bool:
    """Current documents are read by everyone signed in; a retired one only by the Secretariat
    (who retired it and may need what it replaced)."""
    return can_read(user) and (document.retired_at is None or can_manage_plans(user))


def can_write_for(user: User, actor_id: int | None) -> bool:
    """Write as an actor (an update, a pledge): the Secretariat for anyone; a focal point or a
    member for its own actor only; a viewer never."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role in (Role.FOCAL_POINT, Role.MEMBER):
        return actor_id is not None and user.actor_id == actor_id
    return False


def can_read_update(user: User, update: ProgressUpdate) -> bool:
    """Validated updates are for every reader; drafts, submitted and returned ones only for
    those who may write for the update's actor (its focal points and members, the Secretariat)."""
    if not can_read(user):
        return False
    return update.workflow == Workflow.VALIDATED or can_write_for(user, update.actor_id)


def readable_updates(user: User) -> ColumnElement[bool]:
    """can_read_update as an SQL condition, for lists (the same rule, in one place)."""
    if not can_read(user):
        return false()
    if is_admin(user):
        return true()
    own = can_write_for(user, user.actor_id)
    if own:
        return or_(
            ProgressUpdate.workflow == Workflow.VALIDATED, ProgressUpdate.actor_id == user.actor_id
        )
    return ProgressUpdate.workflow == Workflow.VALIDATED


def can_report_for(user: User, actor_id: int | None) -> bool:
    """Create an update for an actor."""
    return can_write_for(user, actor_id)


def can_edit_update(user: User, update: ProgressUpdate) -> bool:
    """Edit or submit: a draft or a returned update of one's own actor (admin: any)."""
    return can_write_for(user, update.actor_id) and update.is_editable


def can_withdraw_update(user: User, update: ProgressUpdate) -> bool:
    """Take a submitted update back to draft before review: whoever may write for its actor."""
    return can_write_for(user, update.actor_id) and update.is_withdrawable


def can_validate_updates(user: User) -> bool:
    """Validate or return a submitted update: the Secretariat only, never the reporter's side."""
    return is_admin(user)


def can_manage_rounds(user: User) -> bool:
    return is_admin(user)


def can_publish_reports(user: User) -> bool:
    """Publish a round's progress report (frozen for good): the Secretariat. Everyone signed in
    reads and downloads published reports (can_read)."""
    return is_admin(user)


def can_set_weights(user: User) -> bool:
    return is_admin(user)


def can_pledge_for(user: User, actor_id: int | None) -> bool:
    """Pledge, or record a ledger entry, as an actor: the Secretariat for anyone; a focal point
    for its own actor only; members and viewers never (they read)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.FOCAL_POINT and actor_id is not None and user.actor_id == actor_id


def can_pledge(user: User) -> bool:
    """Whether the user may pledge for some actor (shows the "New pledge" button)."""
    return can_pledge_for(user, user.actor_id) if user.is_authenticated else False


def can_manage_rates(user: User) -> bool:
    """Exchange rates are entered and imported by the Secretariat."""
    return is_admin(user)


def can_manage_meetings(user: User) -> bool:
    """Meetings, their agenda, minutes, decisions and follow-ups are recorded by the Secretariat."""
    return is_admin(user)


def can_update_follow_up(user: User, follow_up: FollowUp) -> bool:
    """The status of a follow-up: the owner actor's focal point, or the Secretariat. Members
    follow decisions but do not report on them (docs/security.md)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.FOCAL_POINT and user.actor_id == follow_up.owner_actor_id


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def get_allowed(allowed: bool, model: type[M], record_id: int) -> M:
    """The record of `model` for a user who is `allowed`: the 403 comes before the lookup, so
    that the others learn nothing of which records exist; then the record, or a 404."""
    require(allowed)
    return db.get_or_404(model, record_id)


def get_plan_record(model: type[M], record_id: int) -> M:
    """A record that the plan's managers keep (an actor, a working group, a seat, a goal, an
    activity), as on the pages that add one."""
    return get_allowed(can_manage_plans(current_user), model, record_id)


def get_editable_action_point(action_point_id: int) -> ActionPoint:
    action_point = db.get_or_404(ActionPoint, action_point_id)
    require(action_point.can_edit(current_user))
    return action_point


def get_readable_update(update_id: int) -> ProgressUpdate:
    """An update the current user may read; one it may not read is a 404 (drafts are private)."""
    update = db.get_or_404(ProgressUpdate, update_id)
    if not can_read_update(current_user, update):
        abort(404)
    return update


def get_editable_update(update_id: int) -> ProgressUpdate:
    update = get_readable_update(update_id)
    require(can_write_for(current_user, update.actor_id))
    return update


def get_writable_pledge(pledge_id: int) -> Pledge:
    """A pledge the current user may record entries on (403 otherwise)."""
    pledge = db.get_or_404(Pledge, pledge_id)
    require(can_pledge_for(current_user, pledge.actor_id))
    return pledge


def get_revocable_token(token_id: int) -> ApiToken:
    """One of the current user's own tokens; anyone else's is a 404 (its existence is private)."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    return token


def get_readable_document(document_id: int) -> ActionPointDocument:
    """A document the user may download; a retired one is a 404 to all but the Secretariat, as
    if it were gone (that is what retiring means to them)."""
    document = get_document(document_id)
    if document is None or not can_read_document(current_user, document):
        abort(404)
    return document


def get_manageable_document(document_id: int) -> ActionPointDocument:
    """A document the user may retire: what they cannot even read is a 404, the rest a 403."""
    document = get_readable_document(document_id)
    require(can_manage_plans(current_user))
    return document


def get_manageable_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    require(can_manage_meetings(current_user))
    return meeting


def get_manageable_follow_up(follow_up_id: int) -> FollowUp:
    """A follow-up the current user may edit or remove: the Secretariat's (403 otherwise)."""
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    require(can_manage_meetings(current_user))
    return follow_up


def get_updatable_follow_up(follow_up_id: int) -> FollowUp:
    """A follow-up whose status the current user may change (403 otherwise)."""
    follow_up = db.get_or_404(FollowUp, follow_up_id)
    require(can_update_follow_up(current_user, follow_up))
    return follow_up
