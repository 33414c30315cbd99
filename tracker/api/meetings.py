"""Meetings in the API: the same services, forms and permission checks as the pages.

Decisions and follow-ups are in api/follow_ups.py, the calendar feed in api/calendar.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from tracker.actors.services import list_actors
from tracker.api import serializers
from tracker.api.errors import ApiError, invalid
from tracker.api.input import (
    json_form,
    read_json_object,
    stored_upload,
    valid_json_form,
    validate_form,
)
from tracker.api.pagination import page_of
from tracker.api.serializers import totals_json
from tracker.api.views import acting_user, answer, bp, found
from tracker.auth.permissions import (
    can_manage_meetings,
    get_manageable_meeting,
    require,
)
from tracker.db import db
from tracker.meetings import agenda, parts, queries, services
from tracker.meetings.forms import (
    AgendaItemChangeForm,
    AgendaItemForm,
    MeetingForm,
    MinutesForm,
    ParticipantForm,
    ParticipantGroupForm,
    agenda_item_data,
    meeting_data,
    meeting_values,
)
from tracker.meetings.models import Meeting, MeetingKind
from tracker.pages import download
from tracker.plan import services as plan_services
from tracker.reports.pdf import brief_filename, render_brief_pdf
from tracker.uploads.services import send_stored_file


def _meeting(meeting_id: int) -> Meeting:
    page = queries.meeting_page(meeting_id, minutes_versions=True)
    return found(page, _("There is no meeting %(meeting_id)s.", meeting_id=meeting_id))[0]


def _meeting_heading(meeting_id: int) -> Meeting:
    """The meeting with its host and plan only (the API's twin of the pages' _meeting_or_404)."""
    return found(
        queries.meeting_heading(meeting_id),
        _("There is no meeting %(meeting_id)s.", meeting_id=meeting_id),
    )


def meeting_response(meeting_id: int, status: int = 200):
    """Commit, and answer with the meeting as this request left it (with its Location when 201).

    Read afresh, with everything the write changed, inside the request's transaction: after the
    commit it could show another client's later write (see api.views.answer).
    """
    db.session.flush()
    db.session.expire_all()
    body = serializers.meeting_detail(_meeting(meeting_id))
    location = {"Location": url_for(".get_meeting", meeting_id=meeting_id)} if status == 201 else {}
    return answer(body, status, location)


def choice_arg(name: str, allowed: list[str]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ApiError(
            400, _("%(name)s must be one of: %(values)s.", name=name, values=", ".join(allowed))
        )
    return value


@dataclass(frozen=True)
class MeetingPart:
    """A kind of record that belongs to one meeting, found by its id within that meeting:
    `get(meeting, part_id)`, else a 404 saying `missing` (with the part's `id` and the
    `meeting_id`). Another meeting's record is missing too. Called as a finder: part(meeting, id).
    """

    get: Callable[[Meeting, int], object]
    missing: LazyString

    def __call__(self, meeting: Meeting, part_id: int):
        missing = self.missing % {"id": part_id, "meeting_id": meeting.id}
        return found(self.get(meeting, part_id), missing)


_agenda_item = MeetingPart(
    agenda.get_agenda_item, _l("There is no agenda item %(id)s of meeting %(meeting_id)s.")
)
_attachment = MeetingPart(
    services.get_attachment, _l("There is no attachment %(id)s of meeting %(meeting_id)s.")
)


def write_part(meeting_id: int, form_class, write, status=200, find=None, data=None, **form_args):
    """A write of one part of a meeting, by one who may manage it: the JSON body in the part's
    form (over `data(record)`, for a PATCH), with the choices the meeting offers, validated;
    `write(the meeting, or its record find(meeting), form, user)` (the same writes as the
    page's); the meeting as the answer."""
    meeting = get_manageable_meeting(meeting_id)
    target = meeting if find is None else find(meeting)
    form = None
    if form_class is not None:  # else a step with no body (cancel, carry over)
        current = None if data is None else data(target)
        form = json_form(form_class, read_json_object(), current=current, **form_args)
        validate_form(parts.with_choices(form, meeting))
    write(target, form, acting_user())
    return meeting_response(meeting.id, status)


def remove_part(meeting_id: int, find, key, remove):
    """Remove the meeting's record `find(meeting, key)` (a 404 when it is not there), by one
    who may manage the meeting; the meeting as the answer."""
    meeting = get_manageable_meeting(meeting_id)
    remove(find(meeting, key), by=acting_user())
    return meeting_response(meeting.id)


@bp.get("/meetings")
def list_meetings():
    kind = choice_arg("kind", [k.value for k in MeetingKind])
    upcoming = choice_arg("when", ["upcoming", "past"])
    query = queries.meetings_query(
        kind=kind,
        series=request.args.get("series") or None,
        upcoming=None if upcoming is None else upcoming == "upcoming",
    )
    return page_of(query, serializers.meeting_summary)


@bp.post("/meetings")
def create_meeting():
    require(can_manage_meetings(current_user))
    actors = list_actors()
    form = valid_json_form(
        MeetingForm, read_json_object(), (plan_services.list_plans(), actors), exclude={"version"}
    )
    meeting = services.create_meeting(
        plan_services.get_plan(form.plan.data), **meeting_values(form, actors), by=acting_user()
    )
    return meeting_response(meeting.id, 201)


@bp.get("/meetings/<id:meeting_id>")
def get_meeting(meeting_id: int):
    return serializers.meeting_detail(_meeting(meeting_id))


@bp.patch("/meetings/<id:meeting_id>")
def update_meeting(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    actors = list_actors()
    body = read_json_object()
    if "plan" in body:
        raise invalid({"plan": _("A meeting stays with its plan; create a new meeting instead.")})
    form = valid_json_form(
        MeetingForm,
        body,
        (plan_services.list_plans(), actors),
        current=meeting_data(meeting),
        required={"version"},
    )
    services.update_meeting(
        meeting, version=form.version.data, **meeting_values(form, actors), by=acting_user()
    )
    return meeting_response(meeting.id)


@bp.post("/meetings/<id:meeting_id>/participants")
def set_participant(meeting_id: int):
    return write_part(meeting_id, ParticipantForm, parts.set_participant, required={"actor"})


@bp.post("/meetings/<id:meeting_id>/participants/group")
def add_participant_group(meeting_id: int):
    required = {"group", "attendance"}
    write = parts.add_participant_group
    return write_part(meeting_id, ParticipantGroupForm, write, required=required)


@bp.delete("/meetings/<id:meeting_id>/participants/<actor_code>")
def remove_participant(meeting_id: int, actor_code: str):
    def find(meeting: Meeting, actor_code: str):
        return found(
            services.get_participant(meeting, actor_code),
            _(
                "%(actor_code)s is not a participant of meeting %(meeting_id)s.",
                actor_code=actor_code[:20],
                meeting_id=meeting_id,
            ),
        )

    return remove_part(meeting_id, find, actor_code, services.remove_participant)


@bp.post("/meetings/<id:meeting_id>/agenda-items")
def add_agenda_item(meeting_id: int):
    # An action point or goal of another plan is not among the choices: 422 at its field.
    write = parts.add_agenda_item
    return write_part(meeting_id, AgendaItemForm, write, 201, required={"title"})


@bp.patch("/meetings/<id:meeting_id>/agenda-items/<id:item_id>")
def update_agenda_item(meeting_id: int, item_id: int):
    meeting = get_manageable_meeting(meeting_id)
    item = _agenda_item(meeting, item_id)
    body = read_json_object()
    if not body:
        raise invalid({"input": _("Give a position, a title, an action point or a goal.")})
    form = json_form(AgendaItemChangeForm, body, current=agenda_item_data(item))
    validate_form(parts.with_choices(form, meeting))
    # The move first: a position out of range is refused before anything has changed.
    if "position" in body:
        parts.move_agenda_item(item, form, acting_user())
    parts.update_agenda_item(item, form, acting_user())
    return meeting_response(meeting.id)


@bp.delete("/meetings/<id:meeting_id>/agenda-items/<id:item_id>")
def remove_agenda_item(meeting_id: int, item_id: int):
    return remove_part(meeting_id, _agenda_item, item_id, agenda.remove_agenda_item)


@bp.post("/meetings/<id:meeting_id>/cancel")
def cancel_meeting(meeting_id: int):
    return write_part(meeting_id, None, parts.cancel_meeting)


@bp.post("/meetings/<id:meeting_id>/carry-over")
def carry_over(meeting_id: int):
    return write_part(meeting_id, None, parts.carry_over)


@bp.post("/meetings/<id:meeting_id>/minutes")
def record_minutes(meeting_id: int):
    return write_part(meeting_id, MinutesForm, parts.record_minutes, 201, required={"text"})


@bp.get("/meetings/<id:meeting_id>/minutes/<id:version>")
def get_minutes_version(meeting_id: int, version: int):
    meeting = _meeting_heading(meeting_id)
    found_version = queries.minutes_version(meeting, version)
    shown = found(
        found_version,
        _(
            "Meeting %(meeting_id)s has no minutes version %(version)s.",
            meeting_id=meeting_id,
            version=version,
        ),
    ).shown
    return {
        "version": shown.number,
        "of": len(found_version.versions),
        "text": shown.text,
        "created_at": shown.created_at.isoformat(),
        "created_by": shown.created_by.name if shown.created_by else None,
        # None for the first version, and when the versions are too long to compare.
        "changes_from_previous": None
        if found_version.changes is None
        else [{"mark": mark, "line": line} for mark, line in found_version.changes],
    }


@bp.post("/meetings/<id:meeting_id>/attachments")
def attach_to_meeting(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    stored = stored_upload(acting_user())
    services.attach_file(meeting, stored, by=acting_user())
    return meeting_response(meeting.id, 201)


@bp.get("/meetings/<id:meeting_id>/attachments/<id:attachment_id>")
def download_meeting_attachment(meeting_id: int, attachment_id: int):
    meeting = _meeting_heading(meeting_id)
    return send_stored_file(_attachment(meeting, attachment_id).file)


@bp.delete("/meetings/<id:meeting_id>/attachments/<id:attachment_id>")
def remove_meeting_attachment(meeting_id: int, attachment_id: int):
    return remove_part(meeting_id, _attachment, attachment_id, services.remove_attachment)


@bp.get("/meetings/<id:meeting_id>/brief")
def get_brief(meeting_id: int):
    fmt = choice_arg("format", ["json", "pdf"]) or "json"
    meeting = _meeting_heading(meeting_id)
    brief = queries.brief(meeting, date.today())
    if fmt == "pdf":
        return download(render_brief_pdf(brief, meeting), brief_filename(meeting), "pdf")
    return {
        "meeting": serializers.meeting_summary(brief.meeting),
        "previous": serializers.meeting_summary(brief.previous) if brief.previous else None,
        "since": brief.since.isoformat(),
        "follow_ups": [serializers.follow_up_detail(f, brief.today) for f in brief.follow_ups],
        "action_points_with_updates": [_news_json(item) for item in brief.news],
        "action_points_without_update": [_news_json(item) for item in brief.quiet],
        "pledges_by_actor": [
            {"actor": brief.actors[actor_id].code, **totals_json(sums, brief.reporting)}
            for actor_id, sums in brief.pledges.items()
        ],
        "pledges_total": totals_json(brief.pledges_total, brief.reporting),
    }


def _news_json(item: queries.ActionPointNews) -> dict:
    status = item.status
    return {
        "id": item.action_point.id,
        "code": item.action_point.code,
        "validated_updates_since": item.updates,
        "actors_since": item.actors,
        "status": status.status.value if status else None,
        "percent": status.percent if status else None,
        "last_validated_at": status.validated_at.isoformat() if status else None,
    }
