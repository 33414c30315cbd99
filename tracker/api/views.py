"""JSON views over the same services and permission checks as the pages."""

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from tracker.actors.models import Actor, ActorKind
from tracker.actors.services import actors_query, list_actors
from tracker.api import errors, queries, serializers
from tracker.api.auth import bearer_user, sign_in_for_request
from tracker.api.errors import ApiError
from tracker.api.input import json_form, read_json_object, validate_form
from tracker.api.openapi import openapi_document
from tracker.api.pagination import page_of
from tracker.auth.permissions import can_manage_plans, can_read, get_editable_action_point, require
from tracker.db import READ_ONLY_METHODS, db
from tracker.plan import services as plan_services
from tracker.plan.forms import ActionPointForm, action_point_data, action_point_values

bp = Blueprint("api", __name__, url_prefix="/api/v1")
errors.init_blueprint(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    sign_in_for_request(bearer_user())
    require(can_read(current_user))


@bp.after_request
def save_token_use(response):
    # A read request writes one thing, its token's last use (at most once a minute, in a
    # savepoint: see auth.services.user_for_token), and nothing commits a read: this does.
    if request.method in READ_ONLY_METHODS and request.endpoint not in PUBLIC_ENDPOINTS:
        db.session.commit()
    return response


def acting_user():
    """The real User object, for services that record who acted."""
    return current_user._get_current_object()


def found(record, missing: str):
    """`record`, or a 404 whose message says what is missing."""
    if record is None:
        abort(404, missing)
    return record


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
    plan = found(plan_services.get_plan(code_or_id), f"There is no plan {code_or_id}.")
    return serializers.plan_detail(plan, plan_services.get_plan_outline(plan))


@bp.get("/goals/<id:goal_id>")
def get_goal(goal_id: int):
    goal = found(queries.get_goal(goal_id), f"There is no goal {goal_id}.")
    return serializers.goal_detail(goal, plan_code=goal.plan.code)


@bp.get("/action-points")
def list_action_points():
    plan = None
    if code := request.args.get("plan"):
        plan = plan_services.get_plan(code)
        if plan is None:
            raise ApiError(400, f"plan: there is no plan {code}.")
    return page_of(plan_services.action_points_query(plan), serializers.action_point_summary)


@bp.get("/action-points/<id:action_point_id>")
def get_action_point(action_point_id: int):
    action_point = found(
        plan_services.get_action_point(action_point_id),
        f"There is no action point {action_point_id}.",
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
    db.session.commit()
    response = jsonify(serializers.action_point_detail(action_point))
    response.headers["Location"] = url_for(".get_action_point", action_point_id=action_point.id)
    return response, 201


@bp.patch("/action-points/<id:action_point_id>")
def update_action_point(action_point_id: int):
    action_point = get_editable_action_point(action_point_id)
    current = action_point_data(action_point)
    form = json_form(ActionPointForm, read_json_object(), current=current, required={"version"})
    form.set_choices(action_point.plan.goals, list_actors())
    validate_form(form)
    values = action_point_values(form, action_point.plan)
    plan_services.update_action_point(
        action_point, version=form.version.data, **values, by=acting_user()
    )
    db.session.commit()
    return serializers.action_point_detail(action_point)


@bp.get("/activities/<id:activity_id>")
def get_activity(activity_id: int):
    activity = found(queries.get_activity(activity_id), f"There is no activity {activity_id}.")
    return serializers.activity_detail(activity)


@bp.get("/actors")
def list_actors_page():
    kind = request.args.get("kind")
    kinds = [k.value for k in ActorKind]
    if kind is not None and kind not in kinds:
        raise ApiError(400, f"kind must be one of: {', '.join(kinds)}.")
    return page_of(actors_query(ActorKind(kind) if kind else None), serializers.actor_detail)


@bp.get("/actors/<id:actor_id>")
def get_actor(actor_id: int):
    actor = found(db.session.get(Actor, actor_id), f"There is no actor {actor_id}.")
    return serializers.actor_detail(actor)
