"""Who may do what: the one module that pages, API and templates all ask."""

from flask import abort
from flask_login import current_user

from tracker.auth.models import ApiToken, Role, User
from tracker.db import db
from tracker.plan.models import ActionPoint


def can_read(user: User) -> bool:
    return user.is_authenticated and user.is_active


def can_manage_plans(user: User) -> bool:
    """Plans, goals, action points and activities are kept by the Secretariat."""
    return user.is_authenticated and user.role == Role.ADMIN


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def get_editable_action_point(action_point_id: int) -> ActionPoint:
    action_point = db.get_or_404(ActionPoint, action_point_id)
    require(action_point.can_edit(current_user))
    return action_point


def get_revocable_token(token_id: int) -> ApiToken:
    """One of the current user's own tokens; anyone else's is a 404 (its existence is private)."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    return token
