"""Decisions and follow-up actions on the meetings blueprint: their writes on the meeting page,
their edit pages, the follow-ups list and a follow-up's status page.

create_app imports this module so that its routes join `bp` before it is registered.
"""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.actors.services import list_actors
from tracker.auth.permissions import get_manageable_meeting, get_updatable_follow_up
from tracker.db import StaleVersionError, db
from tracker.meetings import follow_ups as follow_up_services
from tracker.meetings import queries, services
from tracker.meetings.forms import (
    DecisionEditForm,
    DecisionForm,
    FollowUpEditForm,
    FollowUpForm,
    FollowUpStatusForm,
    decision_data,
    decision_values,
    follow_up_data,
    follow_up_edit_values,
    follow_up_values,
)
from tracker.meetings.models import FollowUpStatus
from tracker.meetings.views import bp, edit_and_show, field_error, remove_and_show, save_and_show
from tracker.query_args import page_arg


@bp.post("/<id:meeting_id>/decisions")
@login_required
def add_decision(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    form = DecisionForm()
    form.set_choices(meeting.plan)
    return save_and_show(
        meeting,
        form,
        "decision_form",
        lambda: follow_up_services.record_decision(
            meeting, **decision_values(form, meeting.plan), by=current_user
        ),
        "Decision recorded.",
    )


@bp.route("/<id:meeting_id>/decisions/<id:decision_id>/edit", methods=["GET", "POST"])
@login_required
def edit_decision(meeting_id: int, decision_id: int):
    meeting = get_manageable_meeting(meeting_id)
    decision = follow_up_services.get_decision(meeting, decision_id) or abort(404)
    form = DecisionEditForm(data=decision_data(decision))
    form.set_choices(meeting.plan)
    return edit_and_show(
        meeting,
        form,
        "Edit a decision",
        decision,
        lambda: follow_up_services.update_decision(
            decision,
            **decision_values(form, meeting.plan),
            version=form.version.data,
            by=current_user,
        ),
        lambda: decision_data(decision),
        "Decision saved.",
    )


@bp.post("/<id:meeting_id>/decisions/<id:decision_id>/remove")
@login_required
def remove_decision(meeting_id: int, decision_id: int):
    meeting = get_manageable_meeting(meeting_id)
    decision = follow_up_services.get_decision(meeting, decision_id) or abort(404)
    return remove_and_show(
        meeting, follow_up_services.remove_decision, decision, "Decision removed."
    )


@bp.route("/<id:meeting_id>/follow-ups/<id:follow_up_id>/edit", methods=["GET", "POST"])
@login_required
def edit_follow_up(meeting_id: int, follow_up_id: int):
    meeting = get_manageable_meeting(meeting_id)
    follow_up = follow_up_services.get_follow_up(meeting, follow_up_id) or abort(404)
    actors = list_actors()
    form = FollowUpEditForm(data=follow_up_data(follow_up))
    form.set_choices(actors)
    return edit_and_show(
        meeting,
        form,
        "Edit a follow-up action",
        follow_up,
        lambda: follow_up_services.update_follow_up(
            follow_up, **follow_up_edit_values(form, actors), by=current_user
        ),
        lambda: follow_up_data(follow_up),
        "Follow-up action saved.",
    )


@bp.post("/<id:meeting_id>/follow-ups/<id:follow_up_id>/remove")
@login_required
def remove_follow_up(meeting_id: int, follow_up_id: int):
    meeting = get_manageable_meeting(meeting_id)
    follow_up = follow_up_services.get_follow_up(meeting, follow_up_id) or abort(404)
    return remove_and_show(
        meeting, follow_up_services.remove_follow_up, follow_up, "Follow-up removed."
    )


@bp.post("/<id:meeting_id>/follow-ups")
@login_required
def add_follow_up(meeting_id: int):
    meeting = get_manageable_meeting(meeting_id)
    actors = list_actors()
    form = FollowUpForm()
    form.set_choices(actors, meeting)
    return save_and_show(
        meeting,
        form,
        "follow_up_form",
        lambda: follow_up_services.add_follow_up(
            meeting, **follow_up_values(form, actors, meeting), by=current_user
        ),
        "Follow-up action added.",
    )


@bp.get("/follow-ups")
@login_required
def follow_ups():
    actors = list_actors()
    owner = next((a for a in actors if a.code == request.args.get("owner")), None)
    status = request.args.get("status") or None
    if status not in FollowUpStatus.__members__.values():
        status = None
    filters = queries.FollowUpFilters(
        owner_id=owner.id if owner else None,
        status=status,
        overdue=request.args.get("overdue") == "1",
    )
    today = date.today()
    page = db.paginate(
        queries.follow_ups_query(filters, today), page=page_arg(), per_page=100, error_out=False
    )
    return render_template(
        "meetings/follow_ups.html",
        page=page,
        actors=actors,
        filters=filters,
        owner=owner,
        statuses=list(FollowUpStatus),
        today=today,
    )


@bp.route("/follow-ups/<id:follow_up_id>/status", methods=["GET", "POST"])
@login_required
def follow_up_status(follow_up_id: int):
    follow_up = get_updatable_follow_up(follow_up_id)
    form = FollowUpStatusForm(data={"status": follow_up.status.value})
    conflict = None
    if form.validate_on_submit():
        try:
            follow_up_services.change_follow_up_status(
                follow_up,
                status=form.status.data,
                note=form.note.data,
                version=form.version.data,
                by=current_user,
            )
        except services.MeetingError as error:
            field_error(form, error)
        except StaleVersionError as error:
            conflict = error
        else:
            db.session.commit()
            flash(f"Follow-up is now {follow_up.status.label.lower()}.")
            return redirect(url_for("meetings.show", meeting_id=follow_up.meeting_id))
    if request.method == "GET":
        form.version.data = follow_up.version
    return render_template(
        "meetings/follow_up_status.html",
        form=form,
        follow_up=follow_up,
        conflict=conflict,
        today=date.today(),
    )
