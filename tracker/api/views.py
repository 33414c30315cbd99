"""JSON views over the same services and permission checks as the pages."""

from datetime import date

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import retirement
from tracker.actors import forms as actor_forms
from tracker.actors import services as actor_services
from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.actors.services import actors_query, list_actors
from tracker.api import errors, queries, serializers
from tracker.api.auth import bearer_user, sign_in_for_request
from tracker.api.errors import ApiError, invalid
from tracker.api.input import json_form, read_json_object, valid_json_form, validate_form
from tracker.api.openapi import openapi_document
from tracker.api.pagination import page_of
from tracker.auth.permissions import can_manage_plans, can_read, get_editable_action_point, require
from tracker.db import READ_ONLY_METHODS, db, reading
from tracker.pages import download
from tracker.plan import services as plan_services
from tracker.plan import transfer
from tracker.plan.forms import (
    ActionPointForm,
    ActivityForm,
    ContinuationForm,
    GoalForm,
    action_point_data,
    action_point_values,
    activity_data,
    activity_values,
    goal_values,
)
from tracker.plan.models import ActionPoint
from tracker.tables import read_capped

bp = Blueprint("api", __name__, url_prefix="/api/v1")
errors.init_blueprint(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}
RETIRABLE_KINDS = "any(" + ", ".join(f"'{kind}'" for kind in retirement.RETIRABLE) + ")"


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    sign_in_for_request(bearer_user())
    require(can_read(current_user))


@bp.after_request
def save_token_use(response):
    # A read request writes one thing, its token's last use (at most once a minute, in a
    # savepoint: see auth.services.active_token), and nothing commits a read: this does.
    if request.method in READ_ONLY_METHODS and request.endpoint not in PUBLIC_ENDPOINTS:
        db.session.commit()
    return response


def answer(body, status: int = 200, headers: dict | None = None):
    """Commit the request's writes, then answer with `body`, built before the commit.

    The body is this function's argument, so it is read from the session inside the request's
    transaction: it is the state that this request wrote. Read after the commit, the rows would
    be loaded again, and under concurrent editors the answer could carry another client's later
    write and version, which the client would then send back as its own (issue 13). Every API
    write answers through here (tests/api/test_answers.py checks it).
    """
    db.session.commit()
    return body, status, headers or {}


def acting_user():
    """The real User object, for services that record who acted."""
    return current_user._get_current_object()


def plan_record(model, record_id: int, missing: str):
    """A record that the plan's managers keep, for them only (the 403 first), or a 404 that
    says what is `missing`."""
    require(can_manage_plans(current_user))
    return found(db.session.get(model, record_id), missing)


def own_record(get_own, record_id: int, missing: str):
    """One of the caller's own records (a token, a notification): `get_own(user, record_id)`,
    or a 404 that says what is `missing`. Another user's record is missing too, never a 403:
    an id must not tell whether someone else has it."""
    return found(get_own(acting_user(), record_id), missing)


def found(record, missing: str):
    """`record`, or a 404 whose message says what is missing."""
    if record is None:
        abort(404, missing)
    return record


def plan_or_404(code_or_id: str):
    """The plan by its code or id (the loaders below: by id), or a 404 that names it."""
    return found(
        plan_services.get_plan(code_or_id),
        _("There is no plan %(code_or_id)s.", code_or_id=code_or_id),
    )


def goal_or_404(goal_id: int):
    return found(queries.get_goal(goal_id), _("There is no goal %(goal_id)s.", goal_id=goal_id))


def activity_or_404(activity_id: int):
    return found(
        queries.get_activity(activity_id),
        _("There is no activity %(activity_id)s.", activity_id=activity_id),
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/plans")
def list_plans():
    defined = plan_services.count_action_points()
    return page_of(
        plan_services.plans_query(), lambda p: serializers.plan_summary(p, defined.get(p.id, 0))
    )


@bp.get("/plans/<code_or_id>")
def get_plan(code_or_id: str):
    plan = plan_or_404(code_or_id)
    return serializers.plan_detail(plan, plan_services.get_plan_outline(plan))


@bp.get("/goals/<id:goal_id>")
def get_goal(goal_id: int):
    goal = goal_or_404(goal_id)
    return serializers.goal_detail(goal, plan_code=goal.plan.code)


@bp.get("/action-points")
def list_action_points():
    plan = None
    if code := request.args.get("plan"):
        plan = plan_services.get_plan(code)
        if plan is None:
            raise ApiError(400, _("plan: there is no plan %(code)s.", code=code))
    return page_of(plan_services.action_points_query(plan), serializers.action_point_summary)


@bp.get("/action-points/<id:action_point_id>")
def get_action_point(action_point_id: int):
    action_point = found(
        plan_services.get_action_point(action_point_id),
        _("There is no action point %(action_point_id)s.", action_point_id=action_point_id),
    )
    return serializers.action_point_detail(action_point)


@bp.post("/action-points")
def create_action_point():
    require(can_manage_plans(current_user))
    form = json_form(ActionPointForm, read_json_object(), exclude={"version"})
    plan = queries.plan_of_goal(form.goal_id.data)
    # No plan: no goal is a valid choice, so the form reports goal_id with any other errors.
    form.set_choices(plan.goals if plan else [], list_actors())
    validate_form(form)
    assert plan is not None
    values = action_point_values(form, plan)
    action_point = plan_services.create_action_point(plan, **values, by=acting_user())
    body = serializers.action_point_detail(action_point)
    return created(body, ".get_action_point", action_point_id=action_point.id)


@bp.patch("/action-points/<id:action_point_id>")
def update_action_point(action_point_id: int):
    action_point = get_editable_action_point(action_point_id)
    current = action_point_data(action_point)
    form = valid_json_form(
        ActionPointForm,
        read_json_object(),
        (action_point.plan.goals, list_actors()),
        current=current,
        required={"version"},
    )
    values = action_point_values(form, action_point.plan)
    plan_services.update_action_point(
        action_point, version=form.version.data, **values, by=acting_user()
    )
    return answer(serializers.action_point_detail(action_point))


@bp.get("/activities/<id:activity_id>")
def get_activity(activity_id: int):
    activity = activity_or_404(activity_id)
    return serializers.activity_detail(activity)


@bp.get("/actors")
def list_actors_page():
    kind = request.args.get("kind")
    kinds = [k.value for k in ActorKind]
    if kind is not None and kind not in kinds:
        raise ApiError(400, _("kind must be one of: %(values)s.", values=", ".join(kinds)))
    return page_of(actors_query(ActorKind(kind) if kind else None), serializers.actor_detail)


@bp.get("/actors/<id:actor_id>")
def get_actor(actor_id: int):
    actor = found(
        db.session.get(Actor, actor_id), _("There is no actor %(actor_id)s.", actor_id=actor_id)
    )
    return serializers.actor_detail(actor)


@bp.get("/plans/<code_or_id>/export")
def export_plan(code_or_id: str):
    plan = plan_or_404(code_or_id)
    fmt = request.args.get("format", "csv")
    if fmt not in transfer.MEDIA_TYPES:
        raise ApiError(400, _("format must be one of: csv, xlsx, yaml."))
    return download(transfer.export_plan(plan, fmt), f"{plan.code}.{fmt}", fmt)


@bp.post("/plans/<code_or_id>/import")
def import_plan(code_or_id: str):
    require(can_manage_plans(current_user))
    plan = plan_or_404(code_or_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid({"file": _("Send the plan file as multipart/form-data, field 'file'.")})
    dry_run = request.args.get("dry_run", "false").lower() in ("1", "true", "yes")
    with reading():  # the checks, outside the write lock; then the writes, in bulk
        preview = transfer.preview_import(read_capped(upload.stream), upload.filename, plan.code)
    if dry_run:
        return serializers.import_result(preview, dry_run)
    transfer.apply_import(preview, by=acting_user())
    return answer(serializers.import_result(preview, dry_run))


@bp.post("/plans/<code_or_id>/goals")
def create_goal(code_or_id: str):
    require(can_manage_plans(current_user))
    plan = plan_or_404(code_or_id)
    form = valid_json_form(GoalForm, read_json_object(), exclude={"version"}, required={"number"})
    goal = plan_services.create_goal(plan, **goal_values(form), by=acting_user())
    return created(serializers.goal_detail(goal, plan.code), ".get_goal", goal_id=goal.id)


@bp.patch("/goals/<id:goal_id>")
def update_goal(goal_id: int):
    require(can_manage_plans(current_user))
    goal = goal_or_404(goal_id)
    current = {"number": goal.number, "title": goal.title, "description": goal.description}
    form = valid_json_form(GoalForm, read_json_object(), current=current, required={"version"})
    values = goal_values(form)
    plan_services.update_goal(goal, version=form.version.data, **values, by=acting_user())
    return answer(serializers.goal_detail(goal, goal.plan.code))


@bp.post("/action-points/<id:action_point_id>/activities")
def create_activity(action_point_id: int):
    action_point = get_editable_action_point(action_point_id)
    form = valid_json_form(ActivityForm, read_json_object(), (list_actors(),), exclude={"version"})
    activity = plan_services.create_activity(
        action_point, **activity_values(form), by=acting_user()
    )
    return created(serializers.activity_detail(activity), ".get_activity", activity_id=activity.id)


@bp.patch("/activities/<id:activity_id>")
def update_activity(activity_id: int):
    require(can_manage_plans(current_user))
    activity = activity_or_404(activity_id)
    form = json_form(
        ActivityForm, read_json_object(), current=activity_data(activity), required={"version"}
    )
    form.set_choices(list_actors())
    validate_form(form)
    values = activity_values(form)
    plan_services.update_activity(activity, version=form.version.data, **values, by=acting_user())
    return answer(serializers.activity_detail(activity))


@bp.post("/action-points/<id:action_point_id>/continuations")
def link_continuation(action_point_id: int):
    action_point = get_editable_action_point(action_point_id)
    form = valid_json_form(ContinuationForm, read_json_object(), required={"continued_in"})
    successor = plan_services.resolve_reference(form.continued_in.data, "continued_in")
    plan_services.link_continuation(action_point, successor, by=acting_user())
    return answer(serializers.action_point_detail(action_point), 201)


@bp.delete("/action-points/<id:action_point_id>/continuations/<id:successor_id>")
def unlink_continuation(action_point_id: int, successor_id: int):
    action_point = get_editable_action_point(action_point_id)
    successor = found(db.session.get(ActionPoint, successor_id), _("No such action point."))
    plan_services.unlink_continuation(action_point, successor, by=acting_user())
    return answer(serializers.action_point_detail(action_point))


@bp.post(f"/<{RETIRABLE_KINDS}:kind>/<id:record_id>/retire")
def retire_record(kind: str, record_id: int):
    return _set_retired(kind, record_id, retired=True)


@bp.post(f"/<{RETIRABLE_KINDS}:kind>/<id:record_id>/restore")
def restore_record(kind: str, record_id: int):
    return _set_retired(kind, record_id, retired=False)


def _set_retired(kind: str, record_id: int, *, retired: bool):
    require(can_manage_plans(current_user))
    record = found(
        retirement.get_retirable(kind, record_id),
        _("There is no such record %(record_id)s.", record_id=record_id),
    )
    retirement.retire(record, retired=retired, by=acting_user())
    return answer(serializers.serialize(record))


@bp.post("/actors")
def create_actor():
    require(can_manage_plans(current_user))
    form = valid_json_form(actor_forms.ActorForm, read_json_object(), exclude={"version"})
    actor = actor_services.create_actor(**actor_forms.actor_values(form), by=acting_user())
    return created(serializers.actor_detail(actor), ".get_actor", actor_id=actor.id)


@bp.patch("/actors/<id:actor_id>")
def update_actor(actor_id: int):
    actor = plan_record(Actor, actor_id, _("There is no actor %(actor_id)s.", actor_id=actor_id))
    form = actor_forms.ActorForm
    _update(
        actor, form, actor_forms.actor_data, actor_forms.actor_values, actor_services.update_actor
    )
    return answer(serializers.actor_detail(actor))


def _update(record, form_class, data, values, update, choices=()):
    """The PATCH of an actor or a working group: the body over what is saved, at its version."""
    body = read_json_object()
    form = valid_json_form(form_class, body, choices, current=data(record), required={"version"})
    update(record, version=form.version.data, **values(form), by=acting_user())


@bp.get("/working-groups")
def list_working_groups():
    groups = actor_services.list_working_groups(include_retired=True)
    return {"items": [serializers.working_group_detail(g) for g in groups]}


@bp.post("/working-groups")
def create_working_group():
    require(can_manage_plans(current_user))
    form = valid_json_form(
        actor_forms.WorkingGroupForm, read_json_object(), (list_actors(),), exclude={"version"}
    )
    group = actor_services.create_working_group(
        **actor_forms.working_group_values(form), by=acting_user()
    )
    return answer(serializers.working_group_detail(group), 201)


@bp.patch("/working-groups/<id:group_id>")
def update_working_group(group_id: int):
    group = plan_record(
        WorkingGroup, group_id, _("There is no working group %(group_id)s.", group_id=group_id)
    )
    data, values = actor_forms.working_group_data, actor_forms.working_group_values
    update = actor_services.update_working_group
    _update(group, actor_forms.WorkingGroupForm, data, values, update, (list_actors(),))
    return answer(serializers.working_group_detail(group))


@bp.post("/reference-group")
def seat_in_reference_group():
    require(can_manage_plans(current_user))
    form = valid_json_form(
        actor_forms.SeatForm, read_json_object(), (list_actors(),), required={"actor"}
    )
    actor = actor_services.get_actor_by_code(form.actor.data)
    seat = actor_services.seat_in_reference_group(
        actor, role=form.role.data, joined_on=form.joined_on.data, by=acting_user()
    )
    return answer(serializers.seat_detail(seat), 201)


@bp.post("/reference-group/<id:seat_id>/end")
def end_reference_group_seat(seat_id: int):
    seat = plan_record(
        ReferenceGroupMembership, seat_id, _("There is no seat %(seat_id)s.", seat_id=seat_id)
    )
    form = valid_json_form(actor_forms.EndSeatForm, read_json_object())
    left_on = form.left_on.data or date.today()
    actor_services.end_reference_group_seat(seat, left_on=left_on, by=acting_user())
    return answer(serializers.seat_detail(seat))


def created(body: dict, endpoint: str, **values):
    """Commit, and answer 201 with `body` (built before the commit: see answer) and its address."""
    return answer(body, 201, {"Location": url_for(endpoint, **values)})
