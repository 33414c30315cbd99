from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.actors.services import list_actors
from tracker.auth.permissions import can_manage_meetings, get_manageable_meeting, require
from tracker.db import StaleVersionError, db
from tracker.meetings import agenda, queries, services
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
    agenda_item_data,
    agenda_item_values,
    meeting_data,
    page_meeting_values,
    participant_group_values,
    participant_values,
)
from tracker.meetings.models import Meeting, MeetingKind
from tracker.pages import conflict_page, render_form_page
from tracker.plan import services as plan_services
from tracker.query_args import page_arg
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
    page = db.paginate(
        queries.meetings_query(kind=kind, series=series, upcoming=False),
        page=page_arg(),
        per_page=50,
        error_out=False,
    )
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
            db.session.commit()
            flash("Meeting created; open follow-ups of its series are on its agenda.")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
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
            db.session.commit()
            flash("Meeting saved.")
            return redirect(back)
    if request.method == "GET":
        form.version.data = meeting.version
    return render_template("meetings/edit.html", form=form, meeting=meeting)


def render_meeting(meeting_id: int, status: int = 200, **forms):
    meeting, minutes = queries.meeting_page(meeting_id) or abort(404)
    if can_manage_meetings(current_user):
        actors = list_actors()
        queries.load_plan_links(meeting.plan)
        forms.setdefault("participant_form", ParticipantForm(formdata=None))
        forms.setdefault("group_form", ParticipantGroupForm(formdata=None, attendance="invited"))
        forms.setdefault("agenda_form", AgendaItemForm(formdata=None))
        # The form starts from the latest version: minutes are corrected, not retyped.
        forms.setdefault(
            "minutes_form", MinutesForm(formdata=None, text=minutes.text if minutes else "")
        )
        forms.setdefault("decision_form", DecisionForm(formdata=None))
        forms.setdefault("follow_up_form", FollowUpForm(formdata=None))
        forms.setdefault("attachment_form", AttachmentForm(formdata=None))
        forms.setdefault("step_form", StepForm(formdata=None))
        forms["participant_form"].set_choices(actors)
        forms["group_form"].set_choices(queries.participant_groups(), actors)
        forms["agenda_form"].set_choices(meeting.plan)
        forms["decision_form"].set_choices(meeting.plan)
        forms["follow_up_form"].set_choices(actors, meeting)
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


def save_and_show(
    meeting: Meeting,
    form,
    form_name: str,
    write: Callable[[], object],
    done: str | Callable[..., str],
):
    """Every write of the meeting page: validate the form, `write`, commit, flash `done` (or
    `done(what write returned)`) and go back to the meeting; else the page again, 422, with
    the form (as `form_name`) showing what was wrong."""
    if form.validate_on_submit():
        try:
            result = write()
        except (services.MeetingError, UploadError) as error:
            field_error(form, error)
        else:
            db.session.commit()
            flash(done if isinstance(done, str) else done(result))
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_meeting(meeting.id, 422, **{form_name: form})


def remove_and_show(meeting: Meeting, remove: Callable[..., None], record, done: str):
    """A button that removes one record of the meeting: no fields, the CSRF token only."""
    return save_and_show(
        meeting, StepForm(), "step_form", lambda: remove(record, by=current_user), done
    )


def edit_and_show(
    meeting: Meeting,
    form,
    heading: str,
    record,
    write: Callable[[], object],
    current: Callable[[], dict],
    done: str,
):
    """The edit page of one record of the meeting (an agenda item, a decision, a follow-up):
    save and go back to the meeting; else the form again (422), or the conflict page when
    someone saved the record since (`current()`: what is saved now, as the form shows it)."""
    back = url_for("meetings.show", meeting_id=meeting.id)
    if form.validate_on_submit():
        try:
            write()
        except services.MeetingError as error:
            field_error(form, error)
        except StaleVersionError as error:
            return conflict_page(form, error, record, back, current=current())
        else:
            db.session.commit()
            flash(done)
            return redirect(back)
    if request.method == "GET" and "version" in form:
        form.version.data = record.version
    return render_form_page(
        form, heading, back=back, status=200 if request.method == "GET" else 422
    )


@bp.post("/<id:meeting_id>/participants")
@login_required
def add_participant(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    actors = list_actors()
    form = ParticipantForm()
    form.set_choices(actors)
    return save_and_show(
        meeting,
        form,
        "participant_form",
        lambda: services.set_participant(
            meeting, **participant_values(form, actors), by=current_user
        ),
        lambda participant: f"{participant.actor.name}: {participant.attendance.value}.",
    )


@bp.post("/<id:meeting_id>/participants/group")
@login_required
def add_participant_group(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    form = ParticipantGroupForm()
    form.set_choices(queries.participant_groups(), list_actors())
    return save_and_show(
        meeting,
        form,
        "group_form",
        lambda: services.add_participants(
            meeting, **participant_group_values(form), by=current_user
        ),
        lambda rows: (
            f"{len(rows)} participant(s) added."
            if rows
            else "Every member of the group is already a participant."
        ),
    )


@bp.post("/<id:meeting_id>/participants/<actor_code>/remove")
@login_required
def remove_participant(meeting_id: int, actor_code: str):
    meeting = get_manageable_meeting(meeting_id)
    participant = services.get_participant(meeting, actor_code) or abort(404)
    done = f"{participant.actor.name} is no longer a participant."
    return remove_and_show(meeting, services.remove_participant, participant, done)


@bp.post("/<id:meeting_id>/agenda")
@login_required
def add_agenda_item(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    form = AgendaItemForm()
    form.set_choices(meeting.plan)
    return save_and_show(
        meeting,
        form,
        "agenda_form",
        lambda: agenda.add_agenda_item(
            meeting, **agenda_item_values(form, meeting.plan), by=current_user
        ),
        "Agenda item added.",
    )


@bp.post("/<id:meeting_id>/agenda/<id:item_id>/move")
@login_required
def move_agenda_item(meeting_id: int, item_id: int):
    meeting = get_manageable_meeting(meeting_id)
    item = agenda.get_agenda_item(meeting, item_id) or abort(404)
    form = AgendaMoveForm()
    return save_and_show(
        meeting,
        form,
        "move_form",
        lambda: agenda.move_agenda_item(item, position=form.position.data, by=current_user),
        lambda moved: f"“{moved.title[:80]}” is now item {moved.position}.",
    )


@bp.post("/<id:meeting_id>/agenda/<id:item_id>/remove")
@login_required
def remove_agenda_item(meeting_id: int, item_id: int):
    meeting = get_manageable_meeting(meeting_id)
    item = agenda.get_agenda_item(meeting, item_id) or abort(404)
    done = f"Agenda item “{item.title[:80]}” removed."
    if item.carried_from_id:
        done += " Its follow-up is unchanged; while it is open, carrying over puts it back."
    return remove_and_show(meeting, agenda.remove_agenda_item, item, done)


@bp.route("/<id:meeting_id>/agenda/<id:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agenda_item(meeting_id: int, item_id: int):
    meeting = get_manageable_meeting(meeting_id)
    item = agenda.get_agenda_item(meeting, item_id) or abort(404)
    form = AgendaItemForm(data=agenda_item_data(item))
    form.set_choices(meeting.plan)
    return edit_and_show(
        meeting,
        form,
        "Edit an agenda item",
        item,
        lambda: agenda.update_agenda_item(
            item, **agenda_item_values(form, meeting.plan), by=current_user
        ),
        lambda: agenda_item_data(item),
        "Agenda item saved.",
    )


@bp.post("/<id:meeting_id>/cancel")
@login_required
def cancel(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    return save_and_show(
        meeting,
        StepForm(),
        "step_form",
        lambda: services.cancel_meeting(meeting, by=current_user),
        "Meeting cancelled; its participants are told.",
    )


@bp.post("/<id:meeting_id>/carry-over")
@login_required
def carry_over(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    return save_and_show(
        meeting,
        StepForm(),
        "step_form",
        lambda: services.carry_over(meeting, by=current_user),
        lambda items: f"{len(items)} open follow-up(s) carried onto the agenda.",
    )


@bp.post("/<id:meeting_id>/minutes")
@login_required
def record_minutes(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    form = MinutesForm()
    return save_and_show(
        meeting,
        form,
        "minutes_form",
        lambda: services.record_minutes(meeting, text=form.text.data, by=current_user),
        lambda minutes: f"Minutes saved (version {minutes.number}).",
    )


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
            db.session.commit()
            flash(f"{item.file.filename} attached.")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    # Back to the meeting, not a page at this POST-only address: a file cannot be put back
    # into the form anyway, and the address bar keeps an address that can be reloaded.
    for error in [e for errors in form.errors.values() for e in errors] or ["No file."]:
        flash(f"The file was not attached: {error}", "error")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/<id:meeting_id>/attachments/<id:attachment_id>")
@login_required
def attachment(meeting_id: int, attachment_id: int):
    item = services.get_attachment(db.get_or_404(Meeting, meeting_id), attachment_id)
    return send_stored_file(item.file) if item else abort(404)


@bp.post("/<id:meeting_id>/attachments/<id:attachment_id>/remove")
@login_required
def remove_attachment(meeting_id: int, attachment_id: int):
    meeting = get_manageable_meeting(meeting_id)
    item = services.get_attachment(meeting, attachment_id) or abort(404)
    done = f"{item.file.filename} removed from the meeting (the stored file is kept)."
    return remove_and_show(meeting, services.remove_attachment, item, done)


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
