"""Decisions and follow-up actions on the meetings blueprint: their writes on the meeting page,
their edit pages, the follow-ups list and a follow-up's status page.

create_app imports this module so that its routes join `bp` before it is registered.
"""

from datetime import date

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.actors.services import list_actors
from tracker.auth.permissions import get_updatable_follow_up
from tracker.db import StaleVersionError
from tracker.meetings import parts, queries, services
from tracker.meetings.forms import (
    DecisionForm,
    FollowUpForm,
    FollowUpStatusForm,
)
from tracker.meetings.models import FollowUpStatus
from tracker.meetings.views import bp, edits, removes, writes
from tracker.pages import save_form
from tracker.query_args import list_page


@writes("/decisions", DecisionForm, parts.record_decision)
def add_decision(decision) -> str:
    return _("Decision recorded.")


@writes("/follow-ups", FollowUpForm, parts.add_follow_up)
def add_follow_up(follow_up) -> str:
    return _("Follow-up action added.")


@edits("/decisions/<id:decision_id>/edit", parts.DECISION)
def edit_decision(decision) -> tuple[str, str]:
    return _("Edit a decision"), _("Decision saved.")


@edits("/follow-ups/<id:follow_up_id>/edit", parts.FOLLOW_UP)
def edit_follow_up(follow_up) -> tuple[str, str]:
    return _("Edit a follow-up action"), _("Follow-up action saved.")


@removes("/decisions/<id:decision_id>/remove", parts.DECISION)
def remove_decision(decision) -> str:
    return _("Decision removed.")


@removes("/follow-ups/<id:follow_up_id>/remove", parts.FOLLOW_UP)
def remove_follow_up(follow_up) -> str:
    return _("Follow-up removed.")


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
    page = list_page(queries.follow_ups_query(filters, today), 100)
    return render_template(
        "meetings/follow_ups.html",
        page=page,
        actors=actors,
        filters=filters,
        statuses=list(FollowUpStatus),
        today=today,
    )


@bp.route("/follow-ups/<id:follow_up_id>/status", methods=["GET", "POST"])
@login_required
def follow_up_status(follow_up_id: int):
    follow_up = get_updatable_follow_up(follow_up_id)
    form = FollowUpStatusForm(data={"status": follow_up.status.value})
    conflict = None
    try:  # a conflict shows the form again, with what is saved now beside it
        saved = save_form(
            form,
            lambda: parts.change_follow_up_status(follow_up, form, current_user),
            services.MeetingError,
            lambda _result: _(
                "Follow-up is now %(status)s.", status=follow_up.status.label.lower()
            ),
            url_for("meetings.show", meeting_id=follow_up.meeting_id),
        )
    except StaleVersionError as error:
        saved, conflict = None, error
    if saved:
        return saved
    if request.method == "GET":
        form.version.data = follow_up.version
    return render_template(
        "meetings/follow_up_status.html",
        form=form,
        follow_up=follow_up,
        conflict=conflict,
        today=date.today(),
    )
