"""The API's account routes: who am I, one's own tokens, and (the Secretariat) user accounts.

The same services, forms and permission checks as the pages, so the same rules and messages.
Two things the pages allow are left out on purpose: creating a token and changing one's own
password. A leaked token must not be able to mint tokens that outlive its revocation, nor lock
its owner out of the account. (A calendar feed address made through the API, in api/calendar.py,
is revoked with the API token that made it, for the same reason.)
"""

from flask import url_for
from flask_babel import gettext as _

from tracker.actors.services import get_actor_by_code, list_actors
from tracker.api.errors import ApiError, handle_api_error, invalid
from tracker.api.input import json_form, read_json_object, valid_json_form, validate_form
from tracker.api.pagination import page_of
from tracker.api.serializers import code_of, iso
from tracker.api.views import acting_user, answer, bp, found, own_record
from tracker.auth import handover, lifecycle, services
from tracker.auth.forms import HandOverForm, InviteForm, NewUserForm, UserForm, user_data
from tracker.auth.models import ApiToken, Role, User
from tracker.auth.permissions import can_manage_users, require
from tracker.db import db


def user_detail(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "actor": code_of(user.actor),
        "is_active": user.is_active,
        "has_password": user.has_password,
        "created_at": iso(user.created_at),
        "last_sign_in_at": iso(user.last_sign_in_at),
    }


def token_detail(token: ApiToken) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
        "is_active": token.is_active,
    }


def handle_auth_error(error: services.AuthError):
    return handle_api_error(invalid({error.field or "input": str(error)}, str(error)))


bp.register_error_handler(services.AuthError, handle_auth_error)


@bp.get("/me")
def get_me():
    return user_detail(acting_user())


@bp.get("/tokens")
def list_tokens():
    return page_of(services.tokens_query(acting_user()), token_detail)


@bp.post("/tokens/<id:token_id>/revoke")
def revoke_own_token(token_id: int):
    missing = _("You have no token %(token_id)s.", token_id=token_id)
    token = own_record(services.get_own_token, token_id, missing)
    services.revoke_token(token, by=acting_user())
    return answer(token_detail(token))


def _actor(code: str | None):
    return get_actor_by_code(code) if code else None


@bp.get("/users")
def list_users():
    require(can_manage_users(acting_user()))
    return page_of(services.users_query(), user_detail)


@bp.post("/users")
def create_user():
    require(can_manage_users(acting_user()))
    form = json_form(NewUserForm, read_json_object(), required={"email", "role", "password"})
    form.set_actor_choices(list_actors())
    validate_form(form)
    user = services.create_user(
        email=form.email.data,
        name=form.name.data or "",
        role=Role(form.role.data),
        password=form.password.data,
        actor=_actor(form.actor.data),
        by=acting_user(),
    )
    return answer(user_detail(user), 201, {"Location": url_for(".get_user", user_id=user.id)})


@bp.post("/users/invitations")
def invite_user():
    """Invite by email: the account, without a password, and the mailed link (never answered
    here: the link is the invitee's credential, and goes only to their address)."""
    require(can_manage_users(acting_user()))
    form = json_form(InviteForm, read_json_object(), required={"email", "role"})
    form.set_actor_choices(list_actors())
    validate_form(form)
    try:
        user, _link = lifecycle.invite_user(
            email=form.email.data,
            name=form.name.data or "",
            role=Role(form.role.data),
            actor=_actor(form.actor.data),
            by=acting_user(),
        )
    except lifecycle.BaseUrlMissing as error:
        raise ApiError(503, str(error)) from None
    return answer(user_detail(user), 201, {"Location": url_for(".get_user", user_id=user.id)})


@bp.get("/users/<id:user_id>")
def get_user(user_id: int):
    require(can_manage_users(acting_user()))
    return user_detail(
        found(db.session.get(User, user_id), _("There is no user %(user_id)s.", user_id=user_id))
    )


@bp.patch("/users/<id:user_id>")
def update_user(user_id: int):
    require(can_manage_users(acting_user()))
    user = found(db.session.get(User, user_id), _("There is no user %(user_id)s.", user_id=user_id))
    body = read_json_object()
    password = body.pop("password", None)
    if password is not None and (not isinstance(password, str) or "\x00" in password):
        raise invalid({"password": _("Must be a string without NUL characters.")})
    form = json_form(UserForm, body, current=user_data(user), exclude={"loaded"})
    form.set_actor_choices(list_actors())
    validate_form(form)
    if password is not None:  # checked before anything changes: all of the PATCH or none
        services.check_new_password(user, password, by=acting_user(), name=form.name.data or "")
    services.update_user(
        user,
        name=form.name.data or "",
        role=Role(form.role.data),
        actor=_actor(form.actor.data),
        is_active=form.is_active.data,
        by=acting_user(),
    )
    if password is not None:
        services.set_password(user, password, by=acting_user())
    return answer(user_detail(user))


@bp.post("/users/<id:user_id>/hand-over")
def hand_over_user(user_id: int):
    by = acting_user()
    require(can_manage_users(by))
    user = found(db.session.get(User, user_id), _("There is no user %(user_id)s.", user_id=user_id))
    form = valid_json_form(HandOverForm, read_json_object(), required={"successor"})
    done = handover.hand_over(user, db.session.get(User, form.successor.data), by=by)
    return answer(
        {
            "user": user_detail(done.departing),
            "successor": user_detail(done.successor),
            "moved": {"updates": done.work.updates, "pledges": done.work.pledges},
        }
    )
