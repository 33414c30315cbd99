"""Who may do what: the one module that pages, API and templates all ask."""

from functools import wraps

from flask import abort
from flask_login import current_user

from tracker.auth.models import Role, User
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


def role_required(*roles: Role):
    """Let only these roles through; others get 403 (anonymous users are sent to sign in)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from tracker.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_editable_action_point(action_point_id: int) -> ActionPoint:
    action_point = db.get_or_404(ActionPoint, action_point_id)
    require(action_point.can_edit(current_user))
    return action_point
