from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from tracker.actors.services import list_actors
from tracker.audit.services import history_of
from tracker.auth.permissions import (
    can_manage_plans,
    get_editable_action_point,
    get_manageable_document,
    get_readable_document,
    require,
)
from tracker.db import StaleVersionError, db
from tracker.plan import documents, services
from tracker.plan.forms import ActionPointForm, action_point_data, action_point_values
from tracker.plan.models import Plan
from tracker.uploads.forms import DocumentForm
from tracker.uploads.services import UploadError, send_stored_file, store_upload

bp = Blueprint("plan", __name__, url_prefix="/plans")


def get_plan_or_404(code: str) -> Plan:
    return services.get_plan(code) or abort(404)


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
    defined = sum(len(goal.action_points) for goal in goals)
    return render_template("plan/show.html", plan=plan, goals=goals, defined=defined)


@bp.get("/<code>/goals/<id:number>")
@login_required
def goal(code: str, number: int):
    plan = get_plan_or_404(code)
    goal = services.get_goal(plan, number) or abort(404)
    return render_template("plan/goal.html", plan=plan, goal=goal)


@bp.get("/action-points/<id:action_point_id>")
@login_required
def action_point(action_point_id: int):
    action_point = services.get_action_point(action_point_id) or abort(404)
    history = history_of(action_point)
    return render_template("plan/action_point.html", ap=action_point, history=history)


@bp.route("/<code>/action-points/new", methods=["GET", "POST"])
@login_required
def new_action_point(code: str):
    require(can_manage_plans(current_user))
    plan = get_plan_or_404(code)
    form = ActionPointForm()
    form.set_choices(plan.goals, list_actors())
    if form.validate_on_submit():
        try:
            ap = services.create_action_point(
                plan, **action_point_values(form, plan), by=current_user
            )
        except services.PlanError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Action point {ap.code} created.")
            return redirect(url_for("plan.action_point", action_point_id=ap.id))
    return render_template("plan/edit_action_point.html", form=form, plan=plan, ap=None)


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
            db.session.commit()
            flash(f"Action point {ap.code} saved.")
            return redirect(url_for("plan.action_point", action_point_id=ap.id))
    return render_template(
        "plan/edit_action_point.html", form=form, plan=ap.plan, ap=ap, conflict=conflict
    )


def documents_section(action_point_id: int) -> str:
    return url_for("plan.action_point", action_point_id=action_point_id, _anchor="documents")


@bp.route("/action-points/<id:action_point_id>/documents", methods=["GET", "POST"])
@login_required
def upload_document(action_point_id: int):
    require(can_manage_plans(current_user))
    ap = services.get_action_point(action_point_id) or abort(404)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            upload = store_upload(form.file.data, by=current_user)
            document = documents.attach_document(ap, upload, title=form.title.data, by=current_user)
        except (UploadError, services.PlanError) as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Document “{document.title}” attached.")
            return redirect(documents_section(ap.id))
    return render_template("plan/upload_document.html", form=form, ap=ap)


@bp.post("/documents/<id:document_id>/retire")
@login_required
def retire_document(document_id: int):
    document = get_manageable_document(document_id)
    try:
        documents.retire_document(document, by=current_user)
    except services.PlanError as error:
        flash(str(error))
    else:
        db.session.commit()
        flash(f"Document “{document.title}” retired.")
    return redirect(documents_section(document.action_point_id))


@bp.get("/documents/<id:document_id>/<filename>")
@login_required
def download_document(document_id: int, filename: str):
    document = get_readable_document(document_id)
    if filename != document.file.filename:  # one address per file: the name is part of it
        abort(404)
    return send_stored_file(document.file)
