from datetime import UTC, date, datetime, timedelta
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from tracker.actors.display import actor_name
from tracker.actors.services import get_actor_by_code, list_actors
from tracker.auth import permissions
from tracker.auth.permissions import (
    get_allowed,
    get_editable_update,
    get_readable_update,
    is_admin,
    require,
)
from tracker.db import StaleVersionError, db, reading
from tracker.pages import commit_and_go, field_error, step_and_go
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint
from tracker.progress import queries, services
from tracker.progress.bulk import read_rows
from tracker.progress.forms import (
    BulkForm,
    EvidenceForm,
    FilterForm,
    RemindForm,
    ReturnForm,
    RoundForm,
    StepForm,
    UpdateForm,
    UploadForm,
    WeightForm,
    update_data,
    update_values,
)
from tracker.progress.models import Round, UpdateEvidence, status_label
from tracker.query_args import MAX_PAGE, int_arg, list_page, page_arg
from tracker.reports.history import describe_changes, page_history
from tracker.uploads.files import UploadError
from tracker.uploads.services import send_stored_file, store_upload

bp = Blueprint("progress", __name__, url_prefix="/progress")
# A status given by its value ("not_reported" too), named as Status.label names it: for the
# report templates, which carry statuses as strings.
bp.add_app_template_global(status_label)


def get_plan_or_404(code: str):
    return plan_services.get_plan(code) or abort(404)


def filter_form(plan=None) -> tuple[FilterForm, queries.Filters]:
    form = FilterForm(request.args)
    form.set_choices(plan.goals if plan else [], *queries.filter_choices())
    return form, form.filters()


def reporting_actors():
    """The actors the current user may report for: its own, or any for the Secretariat."""
    if is_admin(current_user):
        return list_actors()
    require(permissions.can_report_for(current_user, current_user.actor_id))
    return [current_user.actor]


@bp.get("/plans/<code>")
@login_required
def overview(code: str):
    plan = get_plan_or_404(code)
    if "as_of" in request.args:
        # The overview reads today's summary rows; a past day is the progress report's job.
        flash(_("This overview shows today. Here is the progress report as of the day you asked."))
        return redirect(url_for("reports.progress", plan=plan.code, as_of=request.args["as_of"]))
    form, filters = filter_form(plan)
    return render_template(
        "progress/overview.html",
        plan=plan,
        form=form,
        rows=queries.action_points_with_status(plan, filters),
        pending=queries.pending_counts(plan),
        **queries.rollup_shown(plan),
    )


@bp.get("/plans/<code>/matrix")
@login_required
def matrix(code: str):
    plan = get_plan_or_404(code)
    form, filters = filter_form(plan)
    action_points, actors, cells, pending = queries.actor_matrix(plan, filters)
    return render_template(
        "progress/matrix.html",
        plan=plan,
        form=form,
        action_points=action_points,
        actors=actors,
        cells=cells,
        pending=pending,
    )


def since_arg() -> date:
    text = request.args.get("since", "")
    try:
        return date.fromisoformat(text) if text else date.today() - timedelta(days=30)
    except ValueError:
        flash(_("Give the date as YYYY-MM-DD; showing the last 30 days."))
        return date.today() - timedelta(days=30)


@bp.get("/plans/<code>/changes")
@login_required
def changes(code: str):
    plan = get_plan_or_404(code)
    form, filters = filter_form(plan)
    since = since_arg()
    moment = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    statuses, updates, total = queries.changed_since(plan, moment, current_user, filters)
    return render_template(
        "progress/changes.html",
        plan=plan,
        form=form,
        since=since,
        statuses=statuses,
        updates=updates,
        total=total,
    )


@bp.get("/action-points/<id:action_point_id>")
@login_required
def timeline(action_point_id: int):
    ap = plan_services.get_action_point(action_point_id) or abort(404)
    before = int_arg("before")
    entries = queries.timeline(ap, current_user, before=before)
    return render_template(
        "progress/timeline.html",
        ap=ap,
        entries=entries,
        changes=describe_changes([entry.event for entry in entries], plan_id=ap.plan_id),
        status=queries.statuses_of([ap.id]).get(ap.id),
        stale_before=queries.stale_before(),
    )


@bp.post("/action-points/<id:action_point_id>/weight")
@login_required
def weight(action_point_id: int):
    ap = get_allowed(permissions.can_set_weights(current_user), ActionPoint, action_point_id)
    form = WeightForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for messages in form.errors.values() for m in messages))
    else:
        services.set_weight(ap, weight=form.weight.data, by=current_user)
        db.session.commit()
        flash(
            _("Weight of action point %(code)s is now %(weight)d.", code=ap.code, weight=ap.weight)
        )
    return redirect(url_for("progress.timeline", action_point_id=ap.id))


@bp.route("/action-points/<id:action_point_id>/updates/new", methods=["GET", "POST"])
@login_required
def new(action_point_id: int):
    actors = reporting_actors()
    ap = plan_services.get_action_point(action_point_id) or abort(404)
    wanted = request.args.get("actor")
    chosen = actors[0] if len(actors) == 1 else next((a for a in actors if a.code == wanted), None)
    start = queries.starting_point(ap, chosen)
    defaults = {"status": start.status.value, "percent": start.percent} if start else {}
    form = UpdateForm(
        data={"actor": chosen.code if chosen else "", "reported_on": date.today(), **defaults}
    )
    form.set_choices(actors, ap.activities)
    if form.validate_on_submit():
        actor = next(a for a in actors if a.code == form.actor.data)
        submit, files = "submit" in request.form, form.uploads
        try:
            # Evidence goes on a draft; with files, the update is submitted once they are on.
            update = services.create_update(
                ap,
                actor=actor,
                **update_values(form, ap.activities),
                submit=submit and not files,
                by=current_user,
            )
            services.attach_uploads(update, files, by=current_user)
            if submit and files:
                services.submit_update(update, by=current_user)
        except services.ProgressError as error:
            db.session.rollback()  # nothing half-saved: not the update without its files
            field_error(form, error)
        else:
            return commit_and_go(
                saved_update_message("submitted" if submit else "draft", len(files)),
                url_for("progress.show", update_id=update.id),
            )
    return render_template("progress/edit.html", form=form, ap=ap, update=None, start=start)


def saved_update_message(done: str, files: int) -> str:
    """What became of a saved update (`done`: submitted, draft or saved), and its new files."""
    if done == "submitted":
        if files:
            return ngettext(
                "Update submitted, with %(num)d evidence file.",
                "Update submitted, with %(num)d evidence files.",
                files,
            )
        return _("Update submitted.")
    if done == "draft":
        if files:
            return ngettext(
                "Update saved as a draft, with %(num)d evidence file.",
                "Update saved as a draft, with %(num)d evidence files.",
                files,
            )
        return _("Update saved as a draft.")
    if files:
        return ngettext(
            "Update saved, with %(num)d evidence file.",
            "Update saved, with %(num)d evidence files.",
            files,
        )
    return _("Update saved.")


@bp.get("/updates")
@login_required
def index():
    plan = (
        plan_services.get_plan(request.args.get("plan", "")) if request.args.get("plan") else None
    )
    form, filters = filter_form(plan)
    page = list_page(queries.updates_query(current_user, filters, plan=plan), 50)
    args = {name: value for name, value in request.args.items() if name != "page"}
    return render_template("progress/index.html", form=form, plan=plan, page=page, args=args)


def render_update(update, status: int = 200, **forms):
    forms.setdefault("return_form", ReturnForm(formdata=None, version=update.version))
    forms.setdefault("evidence_form", EvidenceForm(formdata=None))
    forms.setdefault("step_form", StepForm(formdata=None, version=update.version))
    update = queries.get_update(update.id)
    page = render_template(
        "progress/show.html",
        update=update,
        history=page_history(update, plan_id=update.action_point.plan_id),
        **forms,
    )
    return page, status


@bp.get("/updates/<id:update_id>")
@login_required
def show(update_id: int):
    return render_update(get_readable_update(update_id))


@bp.post("/updates/<id:update_id>/evidence")
@login_required
def add_evidence(update_id: int):
    update = get_editable_update(update_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        problems = " ".join(str(m) for ms in form.errors.values() for m in ms)
        flash(_("Not attached: %(problems)s", problems=problems), "error")
    else:
        try:
            stored = store_upload(form.file.data, by=current_user)
            services.attach_evidence(update, stored, by=current_user)
        except (UploadError, services.ProgressError) as error:
            db.session.rollback()
            flash(_("Not attached: %(problems)s", problems=error), "error")
        else:
            db.session.commit()
            flash(_("Evidence %(name)s attached.", name=stored.filename))
    # Back to the update either way, so that a refused file leaves the address bar on it.
    return redirect(url_for("progress.show", update_id=update_id, _anchor="evidence"))


@bp.get("/updates/<id:update_id>/evidence/<id:evidence_id>")
@login_required
def evidence(update_id: int, evidence_id: int):
    update = get_readable_update(update_id)
    item = db.session.get(UpdateEvidence, evidence_id)
    if item is None or item.update_id != update.id:
        abort(404)
    return send_stored_file(item.file)


@bp.route("/updates/<id:update_id>/edit", methods=["GET", "POST"])
@login_required
def edit(update_id: int):
    update = get_editable_update(update_id)
    ap = plan_services.get_action_point(update.action_point_id)
    form = UpdateForm(data=update_data(update))
    form.set_choices([update.actor], ap.activities)
    conflict = None
    if form.validate_on_submit():
        try:
            services.edit_update(
                update,
                version=form.version.data,
                **update_values(form, ap.activities),
                by=current_user,
            )
            services.attach_uploads(update, form.uploads, by=current_user)
            if "submit" in request.form:
                services.submit_update(update, by=current_user)
        except services.ProgressError as error:
            db.session.rollback()  # nothing half-saved: not the edit without its files
            update = get_editable_update(update_id)
            field_error(form, error)
        except StaleVersionError as error:
            conflict = error
            db.session.rollback()
            update = get_editable_update(update_id)
            form.version.data = update.version  # saving again now overwrites, knowingly
        else:
            db.session.commit()
            done = "submitted" if "submit" in request.form else "saved"
            flash(saved_update_message(done, len(form.uploads)))
            return redirect(url_for("progress.show", update_id=update.id))
    return render_template("progress/edit.html", form=form, ap=ap, update=update, conflict=conflict)


def workflow_step(update_id: int, step, message, form_class=StepForm, fields=()):
    """Submit, withdraw, validate or return an update, at the version the user saw. A refusal
    (a rule, or someone else changed it meanwhile) goes back to the update with the reason; an
    invalid form (a reason too long) shows the update again with what was typed (422)."""
    update = get_readable_update(update_id)
    form = form_class()
    if not form.validate_on_submit():
        forms = {"return_form": form} if form_class is ReturnForm else {}
        return render_update(update, 422, **forms)
    try:
        step(
            update,
            version=form.version.data,
            by=current_user,
            **{name: form[name].data for name in fields},
        )
    except (services.ProgressError, StaleVersionError) as error:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=error))
    else:
        db.session.commit()
        flash(str(message))
    return redirect(url_for("progress.show", update_id=update_id))


@bp.post("/updates/<id:update_id>/submit")
@login_required
def submit(update_id: int):
    require(permissions.can_write_for(current_user, get_readable_update(update_id).actor_id))
    return workflow_step(update_id, services.submit_update, _l("Update submitted for review."))


@bp.post("/updates/<id:update_id>/withdraw")
@login_required
def withdraw(update_id: int):
    require(permissions.can_write_for(current_user, get_readable_update(update_id).actor_id))
    return workflow_step(
        update_id,
        services.withdraw_update,
        _l("Update withdrawn to draft: change it, then submit it again when it is ready."),
    )


@bp.post("/updates/<id:update_id>/validate")
@login_required
def validate(update_id: int):
    get_readable_update(update_id)
    require(permissions.can_validate_updates(current_user))
    return workflow_step(update_id, services.validate_update, _l("Update validated."))


@bp.post("/updates/<id:update_id>/return")
@login_required
def return_update(update_id: int):
    get_readable_update(update_id)
    require(permissions.can_validate_updates(current_user))
    return workflow_step(
        update_id,
        services.return_update,
        _l("Update returned to its reporter."),
        form_class=ReturnForm,
        fields=("reason",),
    )


@bp.get("/my-work")
@login_required
def my_work():
    # Each list pages on its own (?returned_page=2): paging one keeps the others where they are.
    pages = {name: int_arg(f"{name}_page", 1, maximum=MAX_PAGE) for name in queries.MY_WORK}
    work = queries.my_work(current_user, pages)
    today = date.today()

    def page_url(name: str, number: int) -> str:
        args = {**request.args, f"{name}_page": number}
        return url_for("progress.my_work", **args, _anchor=name.replace("_", "-"))

    return render_template(
        "progress/my_work.html",
        work=work,
        overdue=queries.overdue_follow_ups(current_user.actor_id, today)
        if "follow_ups" in work
        else 0,
        today=today,
        recent_days=queries.RECENT_DAYS,
        page_url=page_url,
        stale_before=queries.stale_before(),
    )


@bp.get("/rounds")
@login_required
def rounds():
    return render_template(
        "progress/rounds.html", rounds=queries.rounds_of(), plans=plan_services.list_plans()
    )


@bp.route("/plans/<code>/rounds/new", methods=["GET", "POST"])
@login_required
def new_round(code: str):
    require(permissions.can_manage_rounds(current_user))
    plan = get_plan_or_404(code)
    form = RoundForm()
    if form.validate_on_submit():
        try:
            round_ = services.create_round(
                plan,
                title=form.title.data,
                opens_on=form.opens_on.data,
                deadline=form.deadline.data,
                by=current_user,
            )
        except services.ProgressError as error:
            field_error(form, error)
        else:
            return commit_and_go(
                _("Round %(title)s opened.", title=round_.title),
                url_for("progress.round", round_id=round_.id),
            )
    return render_template("progress/new_round.html", form=form, plan=plan)


@bp.get("/rounds/<id:round_id>")
@login_required
def round(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form, filters = filter_form(round_.plan)
    del form.workflow  # a round counts reports, whatever their workflow: not a filter here
    sort = request.args.get("sort", "actor")
    sort = sort if sort in queries.NOT_REPORTED_SORTS else "actor"
    action_points, actors, reported, expected = queries.round_report(round_, filters)
    missing = queries.paged(
        queries.not_reported_query(round_, filters, sort), page_arg(), 50, rows=True
    )
    reminders = queries.reminders_of(round_)
    last_reminded: dict = {}
    for reminder in reminders:  # newest first: the first of each actor is its latest
        last_reminded.setdefault(reminder.actor_id, reminder)
    args = {name: value for name, value in request.args.items() if name not in ("page", "sort")}
    return render_template(
        "progress/round.html",
        round=round_,
        form=form,
        action_points=action_points,
        actors=actors,
        reported=reported,
        expected=expected,
        missing=missing,
        sort=sort,
        args=args,
        reminders=reminders,
        last_reminded=last_reminded,
        remind_form=RemindForm(formdata=None),
    )


@bp.post("/rounds/<id:round_id>/remind")
@login_required
def remind(round_id: int):
    round_ = get_allowed(permissions.can_manage_rounds(current_user), Round, round_id)
    form = RemindForm()
    code = form.actor.data if form.validate_on_submit() else None
    actor = get_actor_by_code(code) if code else None
    if form.errors or (code and actor is None):
        flash(_("Not sent: choose an actor from the list of who has not reported."))
    else:
        try:
            reminders = services.remind_non_reporters(round_, actor=actor, by=current_user)
        except services.ProgressError as error:
            flash(_("Not sent: %(reason)s", reason=error))
        else:
            db.session.commit()
            names = ", ".join(r.actor.name for r in reminders)
            flash(
                _(
                    "Reminder recorded for %(names)s. It is listed below; e-mail delivery will "
                    "follow once notifications are in place.",
                    names=names,
                )
            )
    return redirect(url_for("progress.round", round_id=round_id, _anchor="reminders"))


@bp.post("/rounds/<id:round_id>/close")
@login_required
def close_round(round_id: int):
    round_ = get_allowed(permissions.can_manage_rounds(current_user), Round, round_id)
    return step_and_go(
        partial(services.close_round, round_, by=current_user),
        services.ProgressError,
        _("Round %(title)s closed.", title=round_.title),
        url_for("progress.round", round_id=round_.id),
    )


def chosen_actor(form, actors):
    """The reporting actor: the user's own, or the one an admin picked (?actor= or the form)."""
    codes = {a.code: a for a in actors}
    form.actor.choices = [(a.code, f"{actor_name(a)} ({a.code})") for a in actors]
    wanted = form.actor.data or request.args.get("actor") or actors[0].code
    actor = codes.get(wanted) or actors[0]
    form.actor.data = actor.code
    return actor


def saved_message(saved: list, submitted: bool) -> str:
    if submitted:
        return ngettext("%(num)d update submitted.", "%(num)d updates submitted.", len(saved))
    return ngettext(
        "%(num)d update saved as a draft.", "%(num)d updates saved as drafts.", len(saved)
    )


def reporting_form(code: str, form_class):
    """The plan, the form of many updates (dated today) and the actor they are for."""
    actors = reporting_actors()
    plan = get_plan_or_404(code)
    form = form_class(data={"reported_on": date.today()})
    return plan, form, chosen_actor(form, actors)


@bp.route("/plans/<code>/bulk", methods=["GET", "POST"])
@login_required
def bulk(code: str):
    plan, form, actor = reporting_form(code, BulkForm)
    action_points = queries.actor_action_points(plan, actor)
    if request.method == "GET":
        for ap in action_points:
            form.rows.append_entry({"action_point": ap.code})
    errors = {}
    if form.validate_on_submit():
        rows = [
            services.BulkRow(
                line=n,
                action_point=r.action_point.data,
                status=r.status.data,
                percent=r.percent.data,
                narrative=r.narrative.data,
            )
            for n, r in enumerate(form.rows, start=1)
            if r.status.data
        ]
        done, errors = record_bulk(plan, actor, form, lambda: rows)
        if done:
            return done
    titles = {ap.code: ap for ap in action_points}
    return render_template(
        "progress/bulk.html", form=form, plan=plan, actor=actor, titles=titles, errors=errors
    )


def record_bulk(plan, actor, form, read):
    """Save the rows `read()` gives (the bulk form's or an uploaded file's) as one report: a
    redirect to "my work" when saved, else no redirect and the errors by row."""
    try:
        with reading():  # the file and the checks, outside the write lock
            checked = services.check_bulk(
                plan, actor=actor, rows=read(), reported_on=form.reported_on.data, by=current_user
            )
        saved = services.save_bulk(checked, submit=form.submit_now.data, by=current_user)
    except services.ProgressBulkError as error:
        flash(str(error))
        return None, error.rows
    db.session.commit()
    flash(saved_message(saved, form.submit_now.data))
    return redirect(url_for("progress.my_work")), {}


@bp.route("/plans/<code>/upload", methods=["GET", "POST"])
@login_required
def upload(code: str):
    plan, form, actor = reporting_form(code, UploadForm)
    errors = {}
    if form.validate_on_submit():
        file = form.file.data
        done, errors = record_bulk(
            plan, actor, form, lambda: read_rows(file.filename or "", file.read())
        )
        if done:
            return done
    return render_template("progress/upload.html", form=form, plan=plan, errors=errors)
