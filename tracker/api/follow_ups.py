"""Decisions and follow-ups of meetings in the API: the same services, forms and permission
checks as the pages.
"""

from datetime import date
from functools import partial

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.actors.services import list_actors
from tracker.api import serializers
from tracker.api.errors import ApiError
from tracker.api.input import json_form, read_json_object, valid_json_form, validate_form
from tracker.api.meetings import MeetingPart, choice_arg, remove_part, write_part
from tracker.api.pagination import page_of
from tracker.api.views import acting_user, answer, bp
from tracker.auth.permissions import (
    get_manageable_follow_up,
    get_manageable_meeting,
    get_updatable_follow_up,
)
from tracker.meetings import follow_ups, parts, queries
from tracker.meetings.forms import (
    DecisionForm,
    FollowUpEditForm,
    FollowUpForm,
    FollowUpStatusForm,
    follow_up_data,
)
from tracker.meetings.models import FollowUpStatus


@bp.post("/meetings/<id:meeting_id>/decisions")
def record_decision(meeting_id: int):
    return write_part(meeting_id, DecisionForm, parts.record_decision, 201, required={"text"})


_decision = MeetingPart(
    follow_ups.get_decision, _l("There is no decision %(id)s of meeting %(meeting_id)s.")
)


@bp.patch("/meetings/<id:meeting_id>/decisions/<id:decision_id>")
def update_decision(meeting_id: int, decision_id: int):
    find, kind = partial(_decision, part_id=decision_id), parts.DECISION
    write, data = kind.write, kind.data
    return write_part(meeting_id, kind.form, write, find=find, data=data, required={"version"})


@bp.delete("/meetings/<id:meeting_id>/decisions/<id:decision_id>")
def remove_decision(meeting_id: int, decision_id: int):
    return remove_part(meeting_id, _decision, decision_id, follow_ups.remove_decision)


@bp.post("/meetings/<id:meeting_id>/follow-ups")
def create_follow_up(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    actors = list_actors()
    body = read_json_object()
    if isinstance(body.get("decision"), int) and not isinstance(body["decision"], bool):
        body["decision"] = str(body["decision"])
    form = json_form(FollowUpForm, body)
    validate_form(parts.with_choices(form, meeting, actors))
    follow_up = parts.add_follow_up(meeting, form, acting_user())
    return answer(serializers.follow_up_detail(follow_up), 201)


@bp.get("/follow-ups")
def list_follow_ups():
    owner = request.args.get("owner")
    actor = next((a for a in list_actors() if a.code == owner), None) if owner else None
    if owner and actor is None:
        raise ApiError(400, _("owner: there is no actor %(owner)s.", owner=owner[:20]))
    overdue = choice_arg("overdue", ["true", "false"])
    filters = queries.FollowUpFilters(
        owner_id=actor.id if actor else None,
        status=choice_arg("status", [s.value for s in FollowUpStatus]),
        overdue=overdue == "true",
    )
    today = date.today()
    return page_of(
        queries.follow_ups_query(filters, today),
        lambda f: serializers.follow_up_detail(f, today),
    )


@bp.patch("/follow-ups/<id:follow_up_id>")
def update_follow_up(follow_up_id: int):
    follow_up = get_manageable_follow_up(follow_up_id)
    actors = list_actors()
    body = read_json_object()
    form = json_form(
        FollowUpEditForm, body, current=follow_up_data(follow_up), required={"version"}
    )
    validate_form(parts.with_choices(form, None, actors))  # no meeting: the edit has no decision
    parts.update_follow_up(follow_up, form, acting_user())
    return answer(serializers.follow_up_detail(follow_up))


@bp.delete("/follow-ups/<id:follow_up_id>")
def remove_follow_up(follow_up_id: int):
    follow_ups.remove_follow_up(get_manageable_follow_up(follow_up_id), by=acting_user())
    return answer("", 204)


@bp.post("/follow-ups/<id:follow_up_id>/status")
def change_follow_up_status(follow_up_id: int):
    follow_up = get_updatable_follow_up(follow_up_id)
    form = valid_json_form(FollowUpStatusForm, read_json_object(), required={"status", "note"})
    parts.change_follow_up_status(follow_up, form, acting_user())
    return answer(serializers.follow_up_detail(follow_up))
