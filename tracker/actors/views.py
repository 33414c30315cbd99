from datetime import date
from itertools import groupby

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.actors import services
from tracker.actors.display import actor_name
from tracker.actors.forms import (
    ActorForm,
    EndSeatForm,
    SeatForm,
    WorkingGroupForm,
    actor_data,
    actor_values,
    working_group_data,
    working_group_values,
)
from tracker.actors.models import (
    Actor,
    ReferenceGroupMembership,
    WorkingGroup,
    region_label,
    seat_role_label,
)
from tracker.auth.permissions import can_manage_plans, get_plan_record, require
from tracker.db import db
from tracker.pages import render_form_page, save_form, step_and_go
from tracker.plan.services import PlanError
from tracker.reports.history import page_history

bp = Blueprint("actors", __name__, url_prefix="/actors")
bp.add_app_template_filter(region_label, "region")
bp.add_app_template_filter(seat_role_label, "seat_role")
RULE_ERRORS = (services.ActorError, PlanError)


def with_actors(form):
    """The form, offering the actors to choose from (a working group's members, a seat's)."""
    form.set_choices(services.list_actors())
    return form


def _edit_page(record: Actor | WorkingGroup, form, update, values, back: str):
    """The edit page of an actor or a working group: `update(record, **values(form))` at the
    version the form was filled at."""

    def write():
        update(record, version=form.version.data, **values(form), by=current_user)

    def name() -> str:  # an actor by its name in the interface language
        return actor_name(record) if isinstance(record, Actor) else record.name

    saved = save_form(
        form,
        write,
        RULE_ERRORS,
        lambda _result: _("Saved %(name)s.", name=name()),
        back,
        record=record,
    )
    return saved or render_form_page(form, _("Edit %(name)s", name=name()), back=back)


@bp.get("/")
@login_required
def index():
    include_retired = request.args.get("include_retired") == "1"
    actors = [a for a in services.list_actors() if include_retired or a.retired_at is None]
    # By name as the page shows it (in Russian, "Австрия" before "Азербайджан").
    actors.sort(key=lambda a: (a.kind, actor_name(a).casefold()))
    by_kind = {kind: list(group) for kind, group in groupby(actors, lambda a: a.kind)}
    return render_template(
        "actors/index.html",
        by_kind=by_kind,
        working_groups=services.list_working_groups(include_retired=include_retired),
        reference_group=services.list_reference_group(),
        include_retired=include_retired,
        end_seat_form=EndSeatForm(),
    )


@bp.get("/<id:actor_id>")
@login_required
def show(actor_id: int):
    actor = db.get_or_404(Actor, actor_id)
    return render_template("actors/show.html", actor=actor, history=page_history(actor))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_manage_plans(current_user))
    form = ActorForm()
    return save_form(
        form,
        lambda: services.create_actor(**actor_values(form), by=current_user),
        RULE_ERRORS,
        lambda actor: _("Added %(name)s (%(code)s).", name=actor_name(actor), code=actor.code),
        lambda actor: url_for("actors.show", actor_id=actor.id),
    ) or render_form_page(form, _("New actor"), back=url_for("actors.index"))


@bp.route("/<id:actor_id>/edit", methods=["GET", "POST"])
@login_required
def edit(actor_id: int):
    actor = get_plan_record(Actor, actor_id)
    form = ActorForm(data=actor_data(actor))
    back = url_for("actors.show", actor_id=actor.id)
    return _edit_page(actor, form, services.update_actor, actor_values, back)


@bp.route("/working-groups/new", methods=["GET", "POST"])
@login_required
def new_working_group():
    require(can_manage_plans(current_user))
    form = with_actors(WorkingGroupForm())
    back = url_for("actors.index")

    def write():
        return services.create_working_group(**working_group_values(form), by=current_user)

    saved = save_form(
        form, write, RULE_ERRORS, lambda group: _("Added %(name)s.", name=group.name), back
    )
    return saved or render_form_page(form, _("New working group"), back=back)


@bp.route("/working-groups/<id:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_working_group(group_id: int):
    group = get_plan_record(WorkingGroup, group_id)
    form = with_actors(WorkingGroupForm(data=working_group_data(group)))
    back = url_for("actors.index", include_retired=1)
    update = services.update_working_group
    return _edit_page(group, form, update, working_group_values, back)


@bp.route("/reference-group/new", methods=["GET", "POST"])
@login_required
def new_seat():
    require(can_manage_plans(current_user))
    form = with_actors(SeatForm())

    def seat():
        actor = services.get_actor_by_code(form.actor.data)
        services.seat_in_reference_group(
            actor, role=form.role.data, joined_on=form.joined_on.data, by=current_user
        )
        return actor

    saved = save_form(
        form,
        seat,
        RULE_ERRORS,
        lambda actor: _("%(name)s joined the Reference Group.", name=actor_name(actor)),
        url_for("actors.index"),
    )
    return saved or render_form_page(
        form, _("Reference Group: new seat"), back=url_for("actors.index")
    )


@bp.post("/reference-group/<id:seat_id>/end")
@login_required
def end_seat(seat_id: int):
    seat = get_plan_record(ReferenceGroupMembership, seat_id)
    form = EndSeatForm()
    if not form.validate_on_submit():
        return redirect(url_for("actors.index"))

    def write():
        left_on = form.left_on.data or date.today()
        services.end_reference_group_seat(seat, left_on=left_on, by=current_user)

    done = _("%(name)s left the Reference Group.", name=actor_name(seat.actor))
    return step_and_go(write, RULE_ERRORS, done, url_for("actors.index"))
