from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import retirement
from tracker.actors.services import list_actors
from tracker.auth.permissions import (
    can_manage_plans,
    get_editable_action_point,
    get_manageable_document,
    get_plan_record,
    get_readable_document,
    require,
)
from tracker.db import StaleVersionError, db, reading
from tracker.pages import commit_and_go, download, render_form_page, save_form, step_and_go
from tracker.plan import documents, services, transfer
from tracker.plan import pending_imports as uploads
from tracker.plan.forms import (
    ActionPointForm,
    ActivityForm,
    ConfirmImportForm,
    ContinuationForm,
    GoalForm,
    PlanImportForm,
    action_point_data,
    action_point_values,
    activity_data,
    activity_values,
    goal_data,
    goal_values,
)
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal
from tracker.progress import queries as progress
from tracker.reports.history import page_history
from tracker.tables import read_capped
from tracker.uploads.forms import DocumentForm
from tracker.uploads.services import UploadError, send_stored_file, store_upload

bp = Blueprint("plan", __name__, url_prefix="/plans")


def get_plan_or_404(code: str) -> Plan:
    return services.get_plan(code) or abort(404)


def get_manageable_plan(code: str) -> Plan:
    """A plan whose records the user may add to or import into: a 403 before the lookup."""
    require(can_manage_plans(current_user))
    return get_plan_or_404(code)


@bp.get("/")
@login_required
def index():
    counts = services.count_action_points()
    return render_template("plan/index.html", plans=services.list_plans(), counts=counts)


@bp.get("/<code>")
@login_required
def show(code: str):
    plan = get_plan_or_404(code)
    goals = services.get_plan_outline(plan)
    defined = sum(1 for goal in goals for ap in goal.action_points if ap.retired_at is None)
    include_retired = request.args.get("include_retired") == "1"
    return render_template(
        "plan/show.html",
        plan=plan,
        goals=goals,
        defined=defined,
        include_retired=include_retired,
        statuses=progress.plan_statuses(plan),
        **progress.rollup_shown(plan),
    )


@bp.get("/<code>/goals/<id:number>")
@login_required
def goal(code: str, number: int):
    plan = get_plan_or_404(code)
    goal = services.get_goal(plan, number) or abort(404)
    overall, by_goal = progress.rollup(plan)
    return render_template(
        "plan/goal.html",
        plan=plan,
        goal=goal,
        progress=by_goal.get(goal.id),
        statuses=progress.statuses_of([ap.id for ap in goal.action_points]),
        stale_before=progress.stale_before(),
    )


@bp.get("/action-points/<id:action_point_id>")
@login_required
def action_point(action_point_id: int):
    action_point = services.get_action_point(action_point_id) or abort(404)
    return render_action_point(action_point, ContinuationForm())


def render_action_point(action_point: ActionPoint, continuation_form, status: int = 200):
    history = page_history(action_point, plan_id=action_point.plan_id)
    page = render_template(
        "plan/action_point.html",
        ap=action_point,
        history=history,
        continuation_form=continuation_form,
        status=progress.statuses_of([action_point.id]).get(action_point.id),
        stale_before=progress.stale_before(),
    )
    return page, status


@bp.route("/<code>/action-points/new", methods=["GET", "POST"])
@login_required
def new_action_point(code: str):
    plan = get_manageable_plan(code)
    form = ActionPointForm()
    form.set_choices(plan.goals, list_actors())

    def write():
        return services.create_action_point(
            plan, **action_point_values(form, plan), by=current_user
        )

    saved = save_form(
        form,
        write,
        services.PlanError,
        lambda ap: _("Action point %(code)s created.", code=ap.code),
        lambda ap: url_for("plan.action_point", action_point_id=ap.id),
    )
    return saved or render_template("plan/edit_action_point.html", form=form, plan=plan, ap=None)


@bp.route("/action-points/<id:action_point_id>/edit", methods=["GET", "POST"])
@login_required
def edit_action_point(action_point_id: int):
    ap = get_editable_action_point(action_point_id)
    form = ActionPointForm(data=action_point_data(ap))
    form.set_choices(ap.plan.goals, list_actors())
    conflict = None
    if form.validate_on_submit():
        try:
            values = action_point_values(form, ap.plan)
            services.update_action_point(ap, version=form.version.data, **values, by=current_user)
        except services.PlanError as error:
            form[error.field].errors.append(str(error))
        except StaleVersionError as error:
            conflict = error
            form.version.data = ap.version  # saving again now overwrites, knowingly
        else:
            return commit_and_go(
                _("Action point %(code)s saved.", code=ap.code),
                url_for("plan.action_point", action_point_id=ap.id),
            )
    return render_template(
        "plan/edit_action_point.html", form=form, plan=ap.plan, ap=ap, conflict=conflict
    )


@bp.route("/<code>/goals/new", methods=["GET", "POST"])
@login_required
def new_goal(code: str):
    plan = get_manageable_plan(code)
    form = GoalForm()
    return new_record_page(
        form,
        lambda: services.create_goal(plan, **goal_values(form), by=current_user),
        lambda goal: _("Goal %(number)s added to %(plan)s.", number=goal.number, plan=plan.code),
        heading=_("New goal in %(plan)s", plan=plan.code),
        back=url_for("plan.show", code=code),
    )


def new_record_page(form, create, done, *, heading: str, back: str):
    """The page that adds a goal or an activity to the plan: `create()` once the form is valid,
    then on to the new record's page, saying `done(record)`; else the form again, a broken
    plan rule at its field (`back`: where the page's Cancel goes)."""
    saved = save_form(form, create, services.PlanError, done, page_of)
    return saved or render_form_page(form, heading, back=back)


@bp.route("/goals/<id:goal_id>/edit", methods=["GET", "POST"])
@login_required
def edit_goal(goal_id: int):
    goal = get_plan_record(PriorityGoal, goal_id)
    # The record fills the form only on GET: a POST without its version is a conflict, not a pass.
    form = GoalForm(obj=goal, data=goal_data(goal)) if request.method == "GET" else GoalForm()
    back = url_for("plan.goal", code=goal.plan.code, number=goal.number)

    def write():
        services.update_goal(goal, version=form.version.data, **goal_values(form), by=current_user)

    saved = save_form(
        form,
        write,
        services.PlanError,
        lambda _result: _("Goal %(number)s saved.", number=goal.number),
        lambda _result: url_for("plan.goal", code=goal.plan.code, number=goal.number),
        record=goal,
        back=back,
    )
    heading = _("Edit goal %(number)s of %(plan)s", number=goal.number, plan=goal.plan.code)
    return saved or render_form_page(form, heading, back=back)


@bp.route("/action-points/<id:action_point_id>/activities/new", methods=["GET", "POST"])
@login_required
def new_activity(action_point_id: int):
    ap = get_editable_action_point(action_point_id)
    form = ActivityForm()
    form.set_choices(list_actors())
    return new_record_page(
        form,
        lambda: services.create_activity(ap, **activity_values(form), by=current_user),
        lambda activity: _("Activity %(code)s added.", code=activity.code),
        heading=_("New activity under action point %(code)s", code=ap.code),
        back=page_of(ap),
    )


@bp.route("/activities/<id:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id: int):
    activity = get_plan_record(Activity, activity_id)
    form = ActivityForm(data=activity_data(activity))
    form.set_choices(list_actors())
    back = url_for("plan.action_point", action_point_id=activity.action_point_id)

    def write():
        values = activity_values(form)
        services.update_activity(activity, version=form.version.data, **values, by=current_user)

    saved = save_form(
        form,
        write,
        services.PlanError,
        lambda _result: _("Activity %(code)s saved.", code=activity.code),
        back,
        record=activity,
    )
    heading = _("Edit activity %(code)s", code=activity.code)
    return saved or render_form_page(form, heading, back=back)


@bp.post("/action-points/<id:action_point_id>/continuations")
@login_required
def add_continuation(action_point_id: int):
    ap = get_editable_action_point(action_point_id)
    form = ContinuationForm()

    def link():
        successor = services.resolve_reference(form.continued_in.data, "continued_in")
        services.link_continuation(ap, successor, by=current_user)
        return successor

    saved = save_form(
        form,
        link,
        services.PlanError,
        lambda successor: _("Linked: continued in %(reference)s.", reference=successor.reference),
        url_for("plan.action_point", action_point_id=ap.id),
        default_field="continued_in",
    )
    return saved or render_action_point(services.get_action_point(ap.id), form, status=422)


@bp.post("/action-points/<id:action_point_id>/continuations/<id:successor_id>/remove")
@login_required
def remove_continuation(action_point_id: int, successor_id: int):
    ap = get_editable_action_point(action_point_id)
    successor = db.get_or_404(ActionPoint, successor_id)
    if services.unlink_continuation(ap, successor, by=current_user):
        db.session.commit()
        flash(_("Removed the link to %(reference)s.", reference=successor.reference))
    return redirect(url_for("plan.action_point", action_point_id=ap.id))


@bp.post("/<any(retire, restore):change>/<kind>/<id:record_id>")
@login_required
def retire(change: str, kind: str, record_id: int):
    require(can_manage_plans(current_user))
    record = retirement.get_retirable(kind, record_id) or abort(404)
    what = retirement.describe_shown(record)
    if retirement.retire(record, retired=change == "retire", by=current_user):
        db.session.commit()
        if change == "retire":
            flash(_("Retired %(what)s.", what=what))
        else:
            flash(_("Restored %(what)s.", what=what))
    else:
        flash(_("Nothing to change: %(what)s was already so.", what=what))
    return redirect(page_of(record))


def page_of(record) -> str:
    """Where a record is shown (a retired one too, with a notice)."""
    if isinstance(record, PriorityGoal):
        return url_for("plan.goal", code=record.plan.code, number=record.number)
    if isinstance(record, ActionPoint):
        return url_for("plan.action_point", action_point_id=record.id)
    if isinstance(record, Activity):
        return url_for("plan.action_point", action_point_id=record.action_point_id)
    return (
        url_for("actors.show", actor_id=record.id)
        if record.__tablename__ == "actors"
        else (url_for("actors.index", include_retired=1))
    )


@bp.get("/<code>/export.<any(csv, xlsx, yaml):fmt>")
@login_required
def export_plan(code: str, fmt: str):
    plan = get_plan_or_404(code)
    return download(transfer.export_plan(plan, fmt), f"{plan.code}.{fmt}", fmt)


@bp.get("/import-template.<any(csv, xlsx, yaml):fmt>")
@login_required
def import_template(fmt: str):
    return download(transfer.template(fmt), f"plan-template.{fmt}", fmt)


@bp.route("/<code>/import", methods=["GET", "POST"])
@login_required
def import_plan(code: str):
    plan = get_manageable_plan(code)
    form, preview, errors, confirm = PlanImportForm(), None, [], None
    if form.validate_on_submit():
        try:
            upload = form.file.data
            data = read_capped(upload.stream)
            with reading():  # the preview writes nothing: it must not hold the write lock
                preview = transfer.preview_import(data, upload.filename, plan.code)
            confirm = ConfirmImportForm(upload=uploads.keep(data, upload.filename))
        except transfer.FileError as error:
            errors = error.messages
    return render_template(
        "plan/import.html", plan=plan, form=form, preview=preview, errors=errors, confirm=confirm
    )


@bp.post("/<code>/import/confirm")
@login_required
def confirm_import(code: str):
    plan = get_manageable_plan(code)
    form = ConfirmImportForm()
    kept = uploads.take(form.upload.data) if form.validate_on_submit() else None
    if kept is None:
        flash(_("That upload has expired or was already imported; upload the file again."))
        return redirect(url_for("plan.import_plan", code=plan.code))
    try:  # checked again: the plan may have changed since the preview
        with reading():  # the checks, outside the write lock; then the writes, in bulk
            preview = transfer.preview_import(kept.data, kept.filename, plan.code)
        transfer.apply_import(preview, by=current_user)
    except transfer.FileError as error:
        return render_template(
            "plan/import.html",
            plan=plan,
            form=PlanImportForm(),
            preview=None,
            errors=error.messages,
            confirm=None,
        )
    return commit_and_go(
        _("Imported. %(summary)s", summary=preview.summary(done=True)),
        url_for("plan.show", code=plan.code),
    )


def documents_section(action_point_id: int) -> str:
    return url_for("plan.action_point", action_point_id=action_point_id, _anchor="documents")


@bp.route("/action-points/<id:action_point_id>/documents", methods=["GET", "POST"])
@login_required
def upload_document(action_point_id: int):
    require(can_manage_plans(current_user))
    ap = services.get_action_point(action_point_id) or abort(404)
    form = DocumentForm()

    def write():
        upload = store_upload(form.file.data, by=current_user)
        return documents.attach_document(ap, upload, title=form.title.data, by=current_user)

    saved = save_form(
        form,
        write,
        (UploadError, services.PlanError),
        lambda document: _("Document “%(title)s” attached.", title=document.title),
        documents_section(ap.id),
    )
    return saved or render_template("plan/upload_document.html", form=form, ap=ap)


@bp.post("/documents/<id:document_id>/retire")
@login_required
def retire_document(document_id: int):
    document = get_manageable_document(document_id)
    return step_and_go(
        partial(documents.retire_document, document, by=current_user),
        services.PlanError,
        _("Document “%(title)s” retired.", title=document.title),
        documents_section(document.action_point_id),
    )


@bp.get("/documents/<id:document_id>/<filename>")
@login_required
def download_document(document_id: int, filename: str):
    document = get_readable_document(document_id)
    if filename != document.file.filename:  # one address per file: the name is part of it
        abort(404)
    return send_stored_file(document.file)
