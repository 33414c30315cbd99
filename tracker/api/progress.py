"""Progress updates in the API: the same services, forms and permission checks as the pages."""

from datetime import UTC, date, datetime, timedelta

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.actors.services import get_actor_by_code, list_actors
from tracker.api import serializers
from tracker.api.errors import ApiError, invalid
from tracker.api.input import (
    date_arg,
    json_form,
    read_json_object,
    stored_upload,
    valid_json_form,
    validate_form,
)
from tracker.api.pagination import page_args, page_of
from tracker.api.views import acting_user, answer, bp, created, found
from tracker.auth import permissions
from tracker.auth.permissions import get_editable_update, get_readable_update, require
from tracker.db import MAX_ID, db, reading
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint
from tracker.progress import queries, services
from tracker.progress.forms import FilterForm, UpdateForm, update_data, update_values
from tracker.progress.models import Round, UpdateEvidence
from tracker.query_args import int_arg
from tracker.uploads.services import send_stored_file

# Files go to POST /updates/{id}/evidence, one a request, not in the JSON body.
FILES = {"evidence_files"}


def _plan(code_or_id: str):
    return found(
        plan_services.get_plan(code_or_id), _("There is no plan %(plan)s.", plan=code_or_id)
    )


def _action_point(action_point_id: int) -> ActionPoint:
    return found(
        plan_services.get_action_point(action_point_id),
        _("There is no action point %(id)d.", id=action_point_id),
    )


def _filters(plan=None) -> queries.Filters:
    """?goal=&actor=&working_group=&status=&workflow= as for the pages; a bad value is a 400."""
    form = FilterForm(request.args)
    form.set_choices(plan.goals if plan else [], *queries.filter_choices())
    filters = form.filters()
    if form.errors:
        fields = {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
        raise ApiError(400, _("Unknown filter value; see fields."), fields=fields)
    return filters


def _links(body: dict) -> dict:
    """evidence_links is a JSON list of strings; the form takes them one a line."""
    links = body.get("evidence_links")
    if links is None:
        return body
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise invalid({"evidence_links": _("Must be a list of strings.")})
    if any("\n" in x or "\x00" in x for x in links):
        raise invalid({"evidence_links": _("A link cannot contain line breaks or NUL.")})
    return {**body, "evidence_links": "\n".join(links)}


def _pop_flag(body: dict, name: str) -> bool:
    value = body.pop(name, False)
    if not isinstance(value, bool):
        raise invalid({name: _("Must be true or false.")})
    return value


@bp.get("/updates")
def list_updates():
    plan = _plan(request.args["plan"]) if request.args.get("plan") else None
    action_point = None
    if ap_id := int_arg("action_point"):
        action_point = _action_point(ap_id)
    since = date_arg("since")
    query = queries.updates_query(
        current_user,
        _filters(plan),
        plan=plan,
        action_point=action_point,
        since=datetime.combine(since, datetime.min.time(), tzinfo=UTC) if since else None,
    )
    return page_of(query, serializers.update_detail)


@bp.post("/updates")
def create_update():
    require(permissions.can_report_for(current_user, current_user.actor_id))
    body = _links(read_json_object())
    submit = _pop_flag(body, "submit")
    ap_id = body.pop("action_point_id", None)
    if not isinstance(ap_id, int) or isinstance(ap_id, bool) or not 0 < ap_id <= MAX_ID:
        raise invalid({"action_point_id": _("Give the id of an action point.")})
    action_point = _action_point(ap_id)
    if permissions.is_admin(current_user):
        actors = list_actors()
    else:
        actors = [current_user.actor]
        body.setdefault("actor", current_user.actor.code)  # one's own actor goes without saying
    form = valid_json_form(
        UpdateForm,
        body,
        (actors, action_point.activities),
        exclude={"version", *FILES},
        required={"actor", "status"},
    )
    actor = next(a for a in actors if a.code == form.actor.data)
    update = services.create_update(
        action_point,
        actor=actor,
        **update_values(form, action_point.activities),
        submit=submit,
        by=acting_user(),
    )
    return created(serializers.update_detail(update), ".get_update", update_id=update.id)


@bp.get("/updates/<id:update_id>")
def get_update(update_id: int):
    return serializers.update_detail(get_readable_update(update_id), evidence=True)


@bp.post("/updates/<id:update_id>/evidence")
def add_evidence(update_id: int):
    update = get_editable_update(update_id)
    stored = stored_upload(acting_user())
    item = services.attach_evidence(update, stored, by=acting_user())
    return answer(serializers.evidence_file(item), 201)


@bp.get("/updates/<id:update_id>/evidence/<id:evidence_id>")
def get_evidence(update_id: int, evidence_id: int):
    update = get_readable_update(update_id)
    item = db.session.get(UpdateEvidence, evidence_id)
    if item is None or item.update_id != update.id:
        abort(
            404,
            _(
                "Update %(update)d has no evidence file %(file)d.",
                update=update_id,
                file=evidence_id,
            ),
        )
    return send_stored_file(item.file)


@bp.patch("/updates/<id:update_id>")
def edit_update(update_id: int):
    update = get_editable_update(update_id)
    body = _links(read_json_object())
    form = json_form(
        UpdateForm,
        body,
        current=update_data(update),
        exclude={"actor", *FILES},
        required={"version"},
    )
    form.set_choices([update.actor], update.action_point.activities)
    validate_form(form)
    values = update_values(form, update.action_point.activities)
    services.edit_update(update, version=form.version.data, **values, by=acting_user())
    return answer(serializers.update_detail(update))


def _version(body: dict) -> int | None:
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise invalid({"version": _("Must be an integer.")})
    return version


def _step_body(*allowed: str) -> dict:
    body = read_json_object() if request.content_length else {}
    unknown = set(body) - {"version", *allowed}
    if unknown:
        raise invalid(dict.fromkeys(sorted(unknown), _("Unknown field.")))
    return body


@bp.post("/updates/<id:update_id>/submit")
def submit_update(update_id: int):
    update = get_editable_update(update_id)
    services.submit_update(update, version=_version(_step_body()), by=acting_user())
    return answer(serializers.update_detail(update))


@bp.post("/updates/<id:update_id>/withdraw")
def withdraw_update(update_id: int):
    update = get_editable_update(update_id)
    version = _version(_step_body())
    try:
        services.withdraw_update(update, version=version, by=acting_user())
    except services.ProgressError as error:
        # The update's state stands in the way, not the input: a conflict, with the state.
        raise ApiError(
            409, str(error), code="conflict", current=serializers.update_detail(update)
        ) from None
    return answer(serializers.update_detail(update))


@bp.post("/updates/<id:update_id>/validate")
def validate_update(update_id: int):
    update = get_readable_update(update_id)
    require(permissions.can_validate_updates(current_user))
    services.validate_update(update, version=_version(_step_body()), by=acting_user())
    return answer(serializers.update_detail(update))


@bp.post("/updates/<id:update_id>/return")
def return_update(update_id: int):
    update = get_readable_update(update_id)
    require(permissions.can_validate_updates(current_user))
    body = _step_body("reason")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise invalid({"reason": _("Must be a string.")})
    services.return_update(update, reason=reason, version=_version(body), by=acting_user())
    return answer(serializers.update_detail(update))


@bp.get("/action-points/<id:action_point_id>/timeline")
def get_timeline(action_point_id: int):
    action_point = _action_point(action_point_id)
    before = int_arg("before")
    entries = queries.timeline(action_point, current_user, before=before)
    items = [
        {
            "id": e.event.id,
            "occurred_at": serializers.iso(e.event.occurred_at),
            "by": e.event.by,
            "action": e.event.action,
            "summary": e.event.summary,
            "changes": e.event.changes,
            "update": {"id": e.update.id, "actor": e.update.actor.code} if e.update else None,
        }
        for e in entries
    ]
    return {"items": items, "next_before": items[-1]["id"] if len(items) == 100 else None}


@bp.put("/action-points/<id:action_point_id>/weight")
def set_weight(action_point_id: int):
    require(permissions.can_set_weights(current_user))
    action_point = _action_point(action_point_id)
    body = read_json_object()
    services.set_weight(action_point, weight=body.get("weight"), by=acting_user())
    return answer({"id": action_point.id, "weight": action_point.weight})


@bp.get("/plans/<code_or_id>/progress")
def get_plan_progress(code_or_id: str):
    plan = _plan(code_or_id)
    overall, by_goal = queries.rollup(plan)
    pending = queries.pending_counts(plan)
    stale_before = queries.stale_before()
    rows = queries.action_points_with_status(plan, _filters(plan))
    return {
        "plan": plan.code,
        **serializers.progress_rollup(overall),
        "goals": [
            {"id": g.id, "number": g.number, **serializers.progress_rollup(by_goal[g.id])}
            for g in plan.goals
            if g.id in by_goal
        ],
        "action_points": [
            {
                "id": row.id,
                "code": row.code,
                "goal": row.goal_number,
                "weight": row.weight,
                "overall": serializers.latest_validated(row if row.status else None),
                "stale": row.status is None or row.reported_on < stale_before,
                "pending": pending.get(row.id, 0),
            }
            for row in rows
        ],
    }


@bp.get("/plans/<code_or_id>/matrix")
def get_matrix(code_or_id: str):
    plan = _plan(code_or_id)
    action_points, actors, cells, pending = queries.actor_matrix(plan, _filters(plan))
    return {
        "plan": plan.code,
        "action_points": [{"id": ap.id, "code": ap.code} for ap in action_points],
        "actors": [
            {
                "code": actor.code,
                "cells": {
                    ap.code: {
                        "latest_validated": serializers.latest_validated(
                            cells.get((actor.id, ap.id))
                        ),
                        "pending": pending.get((actor.id, ap.id), 0),
                    }
                    for ap in action_points
                    if (actor.id, ap.id) in cells or (actor.id, ap.id) in pending
                },
            }
            for actor in actors
        ],
    }


@bp.get("/plans/<code_or_id>/changes")
def get_changes(code_or_id: str):
    plan = _plan(code_or_id)
    since = date_arg("since") or date.today() - timedelta(days=30)
    moment = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    statuses, updates, total = queries.changed_since(plan, moment, current_user, _filters(plan))
    return {
        "plan": plan.code,
        "since": since.isoformat(),
        "statuses": [
            {"action_point": {"id": ap.id, "code": ap.code}, **serializers.latest_validated(row)}
            for ap, row in statuses
        ],
        "updates": [serializers.update_detail(u) for u in updates],
        "updates_total": total,
    }


@bp.post("/plans/<code_or_id>/bulk-updates")
def bulk_updates(code_or_id: str):
    plan = _plan(code_or_id)
    require(permissions.can_report_for(current_user, current_user.actor_id))
    body = read_json_object()
    submit = _pop_flag(body, "submit")
    code = body.get("actor") or (current_user.actor.code if current_user.actor else None)
    actor = next((a for a in list_actors() if a.code == code), None)
    if actor is None:
        raise invalid({"actor": _("Give the code of the reporting actor.")})
    rows = body.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise invalid({"rows": _("Must be a list of objects.")})
    try:
        reported_on = date.fromisoformat(str(body.get("reported_on")))
    except ValueError:
        raise invalid({"reported_on": _("Must be a date, YYYY-MM-DD.")}) from None
    bulk_rows = [_bulk_row(n, row) for n, row in enumerate(rows, start=1)]
    with reading():  # the checks, outside the write lock; then one batch of writes
        checked = services.check_bulk(
            plan, actor=actor, rows=bulk_rows, reported_on=reported_on, by=acting_user()
        )
    saved = services.save_bulk(checked, submit=submit, by=acting_user())
    return answer({"items": [serializers.update_detail(u) for u in saved]}, 201)


def _bulk_row(number: int, row: dict) -> services.BulkRow:
    text = {"action_point": str, "status": str, "narrative": (str, type(None))}
    for name, kind in text.items():
        if not isinstance(row.get(name), kind):
            raise ApiError(
                422,
                _("Row %(line)d: %(name)s must be text.", line=number, name=name),
                rows={str(number): {}},
            )
    percent = row.get("percent")
    if percent is not None and (not isinstance(percent, int) or isinstance(percent, bool)):
        raise ApiError(
            422, _("Row %(line)d: percent must be an integer.", line=number), rows={str(number): {}}
        )
    links = row.get("evidence_links") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise ApiError(
            422, _("Row %(line)d: evidence_links must be a list of strings.", line=number)
        )
    return services.BulkRow(
        line=number,
        action_point=row["action_point"],
        status=row["status"],
        percent=percent,
        narrative=row.get("narrative"),
        evidence_links=links,
    )


@bp.get("/my-work")
def my_work():
    """Each list of My work in the list envelope; ?page=&per_page= apply to every list."""
    page, per_page = page_args()
    work = queries.my_work(current_user, dict.fromkeys(queries.MY_WORK, page), per_page)
    today = date.today()

    def due(row):
        ap, round_ = row
        return {**_ap_brief(ap), "round": serializers.round_summary(round_)}

    def stale(row):
        ap, own = row
        return {**_ap_brief(ap), "latest_validated": serializers.latest_validated(own)}

    serialize = {
        "due": due,
        "stale": stale,
        "follow_ups": lambda item: serializers.follow_up_detail(item, today),
    }
    return {
        name: {
            "items": [serialize.get(name, serializers.update_detail)(i) for i in result.items],
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
        }
        for name, result in work.items()
    }


def _ap_brief(ap) -> dict:
    return {"id": ap.id, "plan": ap.plan.code, "code": ap.code, "title": ap.title}


@bp.get("/rounds")
def list_rounds():
    return {"items": [serializers.round_summary(r) for r in queries.rounds_of()]}


@bp.post("/rounds")
def create_round():
    require(permissions.can_manage_rounds(current_user))
    body = read_json_object()
    plan = plan_services.get_plan(body["plan"]) if isinstance(body.get("plan"), str) else None
    if plan is None:
        raise invalid({"plan": _("Give the code or id of a plan.")})
    dates = {}
    for name in ("opens_on", "deadline"):
        try:
            dates[name] = date.fromisoformat(str(body.get(name)))
        except ValueError:
            raise invalid({name: _("Must be a date, YYYY-MM-DD.")}) from None
    title = body.get("title")
    if not isinstance(title, str):
        raise invalid({"title": _("Must be a string.")})
    round_ = services.create_round(plan, title=title, **dates, by=acting_user())
    return answer(serializers.round_summary(round_), 201)


@bp.get("/rounds/<id:round_id>")
def get_round(round_id: int):
    round_ = found(db.session.get(Round, round_id), _("There is no round %(id)d.", id=round_id))
    action_points, actors, reported, expected = queries.round_report(round_, _filters(round_.plan))
    return {
        **serializers.round_summary(round_),
        "reminders": [serializers.round_reminder(r) for r in queries.reminders_of(round_)],
        "actors": [
            {
                "code": actor.code,
                "expected": [ap.code for ap in action_points if (actor.id, ap.id) in expected],
                "reported": {
                    ap.code: reported[(actor.id, ap.id)]
                    for ap in action_points
                    if (actor.id, ap.id) in reported
                },
            }
            for actor in actors
        ],
    }


def _round(round_id: int) -> Round:
    return found(db.session.get(Round, round_id), _("There is no round %(id)d.", id=round_id))


@bp.get("/rounds/<id:round_id>/not-reported")
def round_not_reported(round_id: int):
    """Who has not reported on what in a round, paged; ?sort=action_point (else by actor), and
    the filters of the round page."""
    round_ = _round(round_id)
    sort = request.args.get("sort", "actor")
    sort = sort if sort in queries.NOT_REPORTED_SORTS else "actor"  # as the page does
    page, per_page = page_args()
    query = queries.not_reported_query(round_, _filters(round_.plan), sort)
    result = queries.paged(query, page, per_page, rows=True)
    return {
        "items": [
            {
                "actor": {"code": row.actor_code, "name": row.actor_name},
                "action_point": {
                    "id": row.action_point_id,
                    "code": row.action_point_code,
                    "title": row.action_point_title,
                },
            }
            for row in result.items
        ],
        "page": page,
        "per_page": per_page,
        "total": result.total,
    }


@bp.post("/rounds/<id:round_id>/remind")
def remind_round(round_id: int):
    """Remind who has not reported (or only {"actor": CODE}); recorded, mail comes later."""
    require(permissions.can_manage_rounds(current_user))
    round_ = _round(round_id)
    body = _step_body("actor")
    code = body.get("actor")
    if code is not None and not isinstance(code, str):
        raise invalid({"actor": _("Must be an actor code.")})
    actor = get_actor_by_code(code) if code else None
    if code and actor is None:
        raise invalid({"actor": _("There is no actor %(code)s.", code=repr(code[:20]))})
    reminders = services.remind_non_reporters(round_, actor=actor, by=acting_user())
    return answer({"items": [serializers.round_reminder(r) for r in reminders]}, 201)


@bp.post("/rounds/<id:round_id>/close")
def close_round(round_id: int):
    require(permissions.can_manage_rounds(current_user))
    round_ = found(db.session.get(Round, round_id), _("There is no round %(id)d.", id=round_id))
    services.close_round(round_, by=acting_user())
    return answer(serializers.round_summary(round_))
