from collections.abc import Callable
from datetime import date
from functools import partial, wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from tracker.actors.display import actor_name
from tracker.actors.services import list_actors
from tracker.auth.permissions import can_manage_meetings, get_manageable_meeting, require
from tracker.db import StaleVersionError, db
from tracker.meetings import parts, queries, services
from tracker.meetings.forms import (
    DEFAULT_ZONE,
    AgendaItemForm,
    AgendaMoveForm,
    AttachmentForm,
    DecisionForm,
    FollowUpForm,
    MeetingPageForm,
    MinutesForm,
    ParticipantForm,
    ParticipantGroupForm,
    StepForm,
    meeting_data,
    page_meeting_values,
)
from tracker.meetings.models import Meeting, MeetingKind
from tracker.pages import commit_and_go, conflict_page, render_form_page
from tracker.plan import services as plan_services
from tracker.query_args import list_page
from tracker.reports.history import page_history
from tracker.uploads.files import UploadError
from tracker.uploads.services import send_stored_file, store_upload

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def field_error(form, error: services.MeetingError | UploadError) -> None:
    # An UploadError names no field: it is always about the form's file.
    name = "file" if isinstance(error, UploadError) else error.field
    field = form._fields.get(name or "")
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error))


def _meeting_or_404(meeting_id: int):
    return queries.meeting_heading(meeting_id) or abort(404)


@bp.get("/")
@login_required
def index():
    kind = request.args.get("kind") or None
    if kind and kind not in MeetingKind.__members__.values():
        kind = None
    series = request.args.get("series") or None
    page = list_page(queries.meetings_query(kind=kind, series=series, upcoming=False), 50)
    upcoming = db.session.scalars(
        queries.meetings_query(kind=kind, series=series, upcoming=True).limit(50)
    ).all()
    return render_template(
        "meetings/index.html",
        page=page,
        upcoming=upcoming,
        kinds=list(MeetingKind),
        series_names=queries.series_names(),
        kind=kind,
        series=series,
    )


def _meeting_form(meeting=None) -> tuple[MeetingPageForm, list]:
    actors = list_actors()
    if meeting:
        data = meeting_data(meeting)
    else:
        # "New meeting in this series" on a meeting's page, or the kind picked in the list.
        data = {"timezone": DEFAULT_ZONE, "series": request.args.get("series", "")}
    form = MeetingPageForm(data=data)
    form.set_page_choices(plan_services.list_plans(), actors, queries.series_list())
    return form, actors


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_manage_meetings(current_user))
    form, actors = _meeting_form()
    if form.validate_on_submit():
        try:
            plan = plan_services.get_plan(form.plan.data)
            values = page_meeting_values(form, actors, new=True)
            meeting = services.create_meeting(plan, **values, by=current_user)
        except services.MeetingError as error:
            field_error(form, error)
        else:
            return commit_and_go(
                _("Meeting created; open follow-ups of its series are on its agenda."),
                url_for("meetings.show", meeting_id=meeting.id),
            )
    return render_template("meetings/edit.html", form=form, meeting=None)


@bp.route("/<id:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    form, actors = _meeting_form(meeting)
    back = url_for("meetings.show", meeting_id=meeting.id)
    if form.validate_on_submit():
        try:
            values = page_meeting_values(form, actors, new=False)
            services.update_meeting(meeting, version=form.version.data, **values, by=current_user)
        except services.MeetingError as error:
            field_error(form, error)
        except StaleVersionError as error:
            return conflict_page(form, error, meeting, back, current=meeting_data(meeting))
        else:
            return commit_and_go(_("Meeting saved."), back)
    if request.method == "GET":
        form.version.data = meeting.version
    return render_template("meetings/edit.html", form=form, meeting=meeting)


# The meeting page's forms, by the names the template knows them by.
PAGE_FORMS = {
    "participant_form": ParticipantForm,
    "group_form": ParticipantGroupForm,
    "agenda_form": AgendaItemForm,
    "minutes_form": MinutesForm,
    "decision_form": DecisionForm,
    "follow_up_form": FollowUpForm,
    "attachment_form": AttachmentForm,
    "step_form": StepForm,
}


def render_meeting(meeting_id: int, status: int = 200, **forms):
    meeting, minutes = queries.meeting_page(meeting_id) or abort(404)
    if can_manage_meetings(current_user):
        actors = list_actors()
        queries.load_plan_links(meeting.plan)
        # The form starts from the latest version: minutes are corrected, not retyped.
        empty = {
            "group_form": {"attendance": "invited"},
            "minutes_form": {"text": minutes.text if minutes else ""},
        }
        for name, form_class in PAGE_FORMS.items():
            form = forms.get(name) or form_class(formdata=None, **empty.get(name, {}))
            forms[name] = parts.with_choices(form, meeting, actors)
    page = render_template(
        "meetings/show.html",
        meeting=meeting,
        minutes=minutes,
        today=date.today(),
        history=page_history(meeting, plan_id=meeting.plan_id),
        **forms,
    )
    return page, status


@bp.get("/<id:meeting_id>")
@login_required
def show(meeting_id: int):
    return render_meeting(meeting_id)


def save_and_show(meeting: Meeting, form, write: Callable[[], object], done: Callable[..., str]):
    """Every write of the meeting page: validate the form, `write`, commit, flash `done(what write
    returned)` and go back to the meeting; else the page again, 422, with the form showing what
    was wrong."""
    if form.validate_on_submit():
        try:
            result = write()
        except (services.MeetingError, UploadError) as error:
            field_error(form, error)
        else:
            return commit_and_go(done(result), url_for("meetings.show", meeting_id=meeting.id))
    form_name = next((n for n, c in PAGE_FORMS.items() if type(form) is c), "move_form")
    return render_meeting(meeting.id, 422, **{form_name: form})


def _target(meeting: Meeting, kind: parts.Kind | None, key: dict):
    """The meeting, or its record of `kind` that the URL's other value names, else 404."""
    return meeting if kind is None else kind.find(meeting, *key.values()) or abort(404)


def _route(rule: str, view, methods=("POST",)):
    """Serve `view` at `rule` below the meeting's address, to those signed in (its endpoint is
    its name)."""
    view = login_required(view)
    bp.add_url_rule(f"/<id:meeting_id>{rule}", view_func=view, methods=list(methods))
    return view


def writes(rule: str, form_class, write, of: parts.Kind | None = None):
    """The view at `rule` (below the meeting's address) is a write of one part of the meeting
    page by one who may manage the meeting: `write(the meeting, or its record `of` that kind,
    the form with its choices, user)`; the view itself only says what to flash, from what the
    write returned."""

    def decorate(done):
        @wraps(done)
        def view(meeting_id: int, **key):
            meeting = get_manageable_meeting(meeting_id)
            target = _target(meeting, of, key)
            form = parts.with_choices(form_class(), meeting)
            return save_and_show(meeting, form, lambda: write(target, form, current_user), done)

        return _route(rule, view)

    return decorate


def removes(rule: str, kind: parts.Kind):
    """The view at `rule` (below the meeting's address) is a button that removes one record of
    the meeting: no fields, the CSRF token only; the view says what to flash, from the record
    as it was."""

    def decorate(done):
        @wraps(done)
        def view(meeting_id: int, **key):
            meeting = get_manageable_meeting(meeting_id)
            record = _target(meeting, kind, key)
            message = done(record)
            write = partial(kind.remove, record, by=current_user)
            return save_and_show(meeting, StepForm(), write, lambda _result: message)

        return _route(rule, view)

    return decorate


def edits(rule: str, kind: parts.Kind):
    """The view at `rule` (below the meeting's address) is the edit page of one record of the
    meeting (an agenda item, a decision, a follow-up), its form filled with what is saved: its
    write, and back to the meeting; else the form again (422), or the conflict page when someone
    saved the record since (with what is saved now, as the form shows it). The view says the
    page's heading and what to flash."""

    def decorate(words):
        @wraps(words)
        def view(meeting_id: int, **key):
            meeting = get_manageable_meeting(meeting_id)
            record = _target(meeting, kind, key)
            heading, done = words(record)
            form = parts.with_choices(kind.form(data=kind.data(record)), meeting)
            back = url_for("meetings.show", meeting_id=meeting.id)
            if form.validate_on_submit():
                try:
                    kind.write(record, form, current_user)
                except services.MeetingError as error:
                    field_error(form, error)
                except StaleVersionError as error:
                    current = kind.data(record)
                    return conflict_page(form, error, record, back, current=current)
                else:
                    return commit_and_go(done, back)
            if request.method == "GET" and "version" in form:
                form.version.data = record.version
            status = 200 if request.method == "GET" else 422
            return render_form_page(form, heading, back=back, status=status)

        return _route(rule, view, ("GET", "POST"))

    return decorate


@writes("/participants", ParticipantForm, parts.set_participant)
def add_participant(participant) -> str:
    return _(
        "%(actor)s: %(attendance)s.",
        actor=actor_name(participant.actor),
        attendance=participant.attendance.label.lower(),
    )


@writes("/participants/group", ParticipantGroupForm, parts.add_participant_group)
def add_participant_group(rows) -> str:
    if not rows:
        return _("Every member of the group is already a participant.")
    return ngettext("%(num)d participant(s) added.", "%(num)d participant(s) added.", len(rows))


@removes("/participants/<actor_code>/remove", parts.PARTICIPANT)
def remove_participant(participant) -> str:
    return _("%(actor)s is no longer a participant.", actor=actor_name(participant.actor))


@writes("/agenda", AgendaItemForm, parts.add_agenda_item)
def add_agenda_item(item) -> str:
    return _("Agenda item added.")


@writes("/agenda/<id:item_id>/move", AgendaMoveForm, parts.move_agenda_item, of=parts.AGENDA_ITEM)
def move_agenda_item(moved) -> str:
    return _(
        "“%(title)s” is now item %(position)s.", title=moved.title[:80], position=moved.position
    )


@removes("/agenda/<id:item_id>/remove", parts.AGENDA_ITEM)
def remove_agenda_item(item) -> str:
    if item.carried_from_id:
        return _(
            "Agenda item “%(title)s” removed. Its follow-up is unchanged; while it is open,"
            " carrying over puts it back.",
            title=item.title[:80],
        )
    return _("Agenda item “%(title)s” removed.", title=item.title[:80])


@edits("/agenda/<id:item_id>/edit", parts.AGENDA_ITEM)
def edit_agenda_item(item) -> tuple[str, str]:
    return _("Edit an agenda item"), _("Agenda item saved.")


@writes("/cancel", StepForm, parts.cancel_meeting)
def cancel(meeting) -> str:
    return _("Meeting cancelled; its participants are told.")


@writes("/carry-over", StepForm, parts.carry_over)
def carry_over(items) -> str:
    return ngettext(
        "%(num)d open follow-up(s) carried onto the agenda.",
        "%(num)d open follow-up(s) carried onto the agenda.",
        len(items),
    )


@writes("/minutes", MinutesForm, parts.record_minutes)
def record_minutes(minutes) -> str:
    return _("Minutes saved (version %(number)s).", number=minutes.number)


@bp.post("/<id:meeting_id>/attachments")
@login_required
def attach(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            item = services.attach_file(
                meeting, store_upload(form.file.data, by=current_user), by=current_user
            )
        except (services.MeetingError, UploadError) as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            return commit_and_go(
                _("%(filename)s attached.", filename=item.file.filename),
                url_for("meetings.show", meeting_id=meeting.id),
            )
    # Back to the meeting, not a page at this POST-only address: a file cannot be put back
    # into the form anyway, and the address bar keeps an address that can be reloaded.
    for error in [e for errors in form.errors.values() for e in errors] or [_("No file.")]:
        flash(_("The file was not attached: %(error)s", error=error), "error")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/<id:meeting_id>/attachments/<id:attachment_id>")
@login_required
def attachment(meeting_id: int, attachment_id: int):
    item = services.get_attachment(db.get_or_404(Meeting, meeting_id), attachment_id)
    return send_stored_file(item.file) if item else abort(404)


@removes("/attachments/<id:attachment_id>/remove", parts.ATTACHMENT)
def remove_attachment(item) -> str:
    return _(
        "%(filename)s removed from the meeting (the stored file is kept).",
        filename=item.file.filename,
    )


@bp.get("/<id:meeting_id>/minutes/<id:version>")
@login_required
def minutes_version(meeting_id: int, version: int):
    meeting = _meeting_or_404(meeting_id)
    return render_template(
        "meetings/minutes.html",
        meeting=meeting,
        version=queries.minutes_version(meeting, version) or abort(404),
    )


@bp.get("/<id:meeting_id>/brief")
@login_required
def brief(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return render_template("meetings/brief.html", brief=queries.brief(meeting, date.today()))
