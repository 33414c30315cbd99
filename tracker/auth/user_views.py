"""The Secretariat's account pages: /admin/users."""

import json
from functools import partial

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.actors.services import get_actor_by_code, list_actors
from tracker.auth import handover, lifecycle, services, two_factor
from tracker.auth.forms import (
    HandOverForm,
    InviteForm,
    NewUserForm,
    PasswordResetForm,
    UserForm,
    changed_values,
    user_data,
)
from tracker.auth.models import Role, User
from tracker.auth.permissions import can_manage_users, require
from tracker.db import db
from tracker.pages import commit_and_go, save_form, step_and_go
from tracker.reports.history import page_history

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.before_request
@login_required
def only_admins():
    require(can_manage_users(current_user))


def get_user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.get("/")
def index():
    users = services.list_users()
    invitations = lifecycle.invitation_states(users)
    return render_template("users/index.html", users=users, invitations=invitations)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    form.set_actor_choices(list_actors())

    def send():
        user, _url = lifecycle.invite_user(
            email=form.email.data,
            name=form.name.data or "",
            role=Role(form.role.data),
            actor=get_actor_by_code(form.actor.data) if form.actor.data else None,
            by=current_user._get_current_object(),
        )
        return user

    saved = save_form(
        form,
        send,
        (services.AuthError, lifecycle.BaseUrlMissing),
        lambda user: _("Invitation mailed to %(email)s.", email=user.email),
        url_for("users.index"),
        default_field="email",
    )
    return saved or render_template("users/invite.html", form=form)


@bp.post("/<id:user_id>/invite")
def reinvite(user_id: int):
    user = get_user_or_404(user_id)
    return step_and_go(
        partial(lifecycle.reinvite_user, user, by=current_user._get_current_object()),
        (services.AuthError, lifecycle.BaseUrlMissing),
        _(
            "A new invitation was mailed to %(email)s; the earlier link no longer works.",
            email=user.email,
        ),
        url_for("users.index"),
    )


@bp.post("/<id:user_id>/invitation/revoke")
def revoke_invitation(user_id: int):
    user = get_user_or_404(user_id)
    return step_and_go(
        partial(lifecycle.revoke_invitation, user, by=current_user._get_current_object()),
        services.AuthError,
        _(
            "The invitation of %(email)s was withdrawn; the account is deactivated.",
            email=user.email,
        ),
        url_for("users.index"),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewUserForm()
    form.set_actor_choices(list_actors())
    saved = save_form(
        form,
        lambda: services.create_user(
            email=form.email.data,
            name=form.name.data or "",
            role=Role(form.role.data),
            password=form.password.data,
            actor=get_actor_by_code(form.actor.data) if form.actor.data else None,
            by=current_user._get_current_object(),
        ),
        services.AuthError,
        lambda user: _("Account %(email)s created.", email=user.email),
        url_for("users.index"),
        default_field="email",
    )
    return saved or render_template("users/new.html", form=form)


@bp.route("/<id:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    user = get_user_or_404(user_id)
    form = UserForm(data={**user_data(user), "loaded": json.dumps(user_data(user))})
    form.set_actor_choices(list_actors())
    if form.validate_on_submit():
        values = changed_values(form, user)
        try:
            changes = services.update_user(
                user,
                name=values["name"],
                role=Role(values["role"]),
                actor=get_actor_by_code(values["actor"]) if values["actor"] else None,
                is_active=values["is_active"],
                by=current_user._get_current_object(),
            )
        except services.AuthError as error:
            form[error.field or "name"].errors.append(str(error))
        else:
            return commit_and_go(
                _("Account %(email)s saved.", email=user.email)
                if changes
                else _("Nothing to change."),
                url_for("users.index"),
            )
    return _edit_page(user, form=form)


def _edit_page(user: User, *, form: UserForm | None = None, hand_over_form=None):
    if form is None:
        form = UserForm(data={**user_data(user), "loaded": json.dumps(user_data(user))})
        form.set_actor_choices(list_actors())
    successors = handover.eligible_successors(user)
    if hand_over_form is None:
        hand_over_form = HandOverForm(formdata=None)
    hand_over_form.set_successor_choices(successors)
    return render_template(
        "users/edit.html",
        form=form,
        user=user,
        history=page_history(user),
        hand_over_form=hand_over_form,
        hands_over=handover.hands_over(user),
        open_work=handover.open_work(user),
        successors=successors,
    )


@bp.post("/<id:user_id>/hand-over")
def hand_over(user_id: int):
    user = get_user_or_404(user_id)
    form = HandOverForm()
    form.set_successor_choices(handover.eligible_successors(user))
    if form.validate_on_submit():
        successor = db.session.get(User, form.successor.data)
        try:
            done = handover.hand_over(user, successor, by=current_user._get_current_object())
        except handover.HandOverError as error:
            form.successor.errors.append(str(error))
            db.session.rollback()  # the service refused before writing; nothing half-done
        else:
            db.session.commit()
            flash(
                _(
                    "Handed over %(updates)d open update(s) and %(pledges)d pledge(s) of "
                    "%(email)s to %(successor)s; %(email)s is deactivated.",
                    updates=len(done.work.updates),
                    pledges=len(done.work.pledges),
                    email=user.email,
                    successor=done.successor.email,
                )
            )
            return redirect(url_for("users.edit", user_id=user.id))
    # Back to the account's page either way: a choice in a list is quickly made again.
    reasons = " ".join(str(error) for errors in form.errors.values() for error in errors)
    flash(_("Not handed over: %(reasons)s", reasons=reasons or _("choose a successor.")), "error")
    return redirect(url_for("users.edit", user_id=user.id, _anchor="hand-over"))


@bp.route("/<id:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    user = get_user_or_404(user_id)
    if user.id == current_user.id:
        return redirect(url_for("auth.change_password"))  # one's own needs the current one
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, by=current_user._get_current_object())
        except services.AuthError as error:
            form.password.errors.append(str(error))
        else:
            return commit_and_go(
                _("New password set for %(email)s; their sessions have ended.", email=user.email),
                url_for("users.index"),
            )
    return render_template("users/password.html", form=form, user=user)


@bp.post("/<id:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    user = get_user_or_404(user_id)
    if user.has_second_factor:
        two_factor.turn_off(user, by=current_user._get_current_object())
        db.session.commit()
        flash(
            _("Two-factor sign-in of %(email)s reset; their sessions have ended.", email=user.email)
        )
    else:
        flash(_("%(email)s has no second factor; nothing changed.", email=user.email))
    return redirect(url_for("users.edit", user_id=user.id))
