from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from tracker.actors.display import actor_name
from tracker.actors.models import Actor
from tracker.actors.services import list_actors
from tracker.auth.permissions import (
    can_manage_rates,
    can_pledge,
    can_pledge_for,
    get_editable_action_point,
    get_writable_pledge,
    require,
)
from tracker.db import db, reading
from tracker.money import format_rate, parse_amount, parse_rate, typed_amount
from tracker.pages import commit_and_go, render_form_page, save_form
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint, Plan, PriorityGoal
from tracker.pledges import services, totals
from tracker.pledges.forms import (
    EntryForm,
    NeedForm,
    PledgeEditForm,
    PledgeForm,
    RateForm,
    UploadForm,
    entry_values,
    need_values,
    pledge_edit_values,
)
from tracker.pledges.matrix_args import funding_matrix_args, query_date
from tracker.pledges.models import EntryKind, Pledge
from tracker.query_args import list_page
from tracker.reports.history import page_history
from tracker.uploads.files import content_disposition

bp = Blueprint("pledges", __name__, url_prefix="/pledges")

# Whole sentences: in Russian the kind's word changes with the sentence around it.
ENTRY_RECORDED = {
    EntryKind.PLEDGED: _l("Pledged entry recorded."),
    EntryKind.COMMITTED: _l("Committed entry recorded."),
    EntryKind.DISBURSED: _l("Disbursed entry recorded."),
}


bp.add_app_template_filter(format_rate, "rate")


@bp.context_processor
def reporting_currency() -> dict:
    """Every pledge page gives its sums in the reporting currency: one place tells them which."""
    return {"reporting": totals.reporting_currency()}


def selected_plan() -> tuple[Plan, list[Plan]]:
    """The plan named by ?plan=CODE, else the first plan (real plans before the demo), and every
    plan for the picker: one query."""
    plans = plan_services.list_plans()
    code = request.args.get("plan")
    plan = next((p for p in plans if p.code == code), None) if code else next(iter(plans), None)
    return plan or abort(404), plans


def pledge_list_page(template: str, rows_filter: dict, **context):
    """A list of pledges with each pledge's totals in the reporting currency (3 queries)."""
    pledges = services.list_pledges(**rows_filter)
    by_pledge = totals.sum_entries(Pledge.id, **rows_filter)
    return render_template(
        template,
        pledges=pledges,
        by_pledge={key[0]: t for key, t in by_pledge.items()},
        overall=totals.total_of(by_pledge),
        **context,
    )


@bp.get("/")
@login_required
def index():
    plan, plans = selected_plan()
    by_actor = totals.sum_entries(Pledge.actor_id, plan_id=plan.id)
    return render_template(
        "pledges/index.html",
        plan=plan,
        plans=plans,
        actors={a.id: a for a in list_actors()},
        by_actor={key[0]: t for key, t in by_actor.items()},
        overall=totals.total_of(by_actor),
    )


@bp.get("/actors/<id:actor_id>")
@login_required
def actor(actor_id: int):
    actor = db.get_or_404(Actor, actor_id)
    return pledge_list_page("pledges/actor.html", {"actor_id": actor.id}, actor=actor)


@bp.get("/goals/<id:goal_id>")
@login_required
def goal(goal_id: int):
    goal = db.get_or_404(PriorityGoal, goal_id)
    return pledge_list_page("pledges/goal.html", {"goal_id": goal.id}, goal=goal)


@bp.get("/action-points/<id:action_point_id>")
@login_required
def action_point(action_point_id: int):
    ap = db.get_or_404(ActionPoint, action_point_id)
    form = NeedForm(
        data={
            "currency": ap.budget_currency or totals.reporting_currency(),
            "amount": typed_amount(ap.budget_minor, ap.budget_currency),
        }
    )
    return action_point_page(ap, form)


def action_point_page(ap: ActionPoint, need_form: NeedForm):
    """The pledges to an action point, with the form of its estimated budget (as saved, or as
    posted and refused)."""
    return pledge_list_page(
        "pledges/action_point.html", {"action_point_id": ap.id}, ap=ap, need_form=need_form
    )


@bp.post("/action-points/<id:action_point_id>/need")
@login_required
def set_need(action_point_id: int):
    ap = get_editable_action_point(action_point_id)
    form = NeedForm()
    saved = save_form(
        form,
        lambda: services.set_funding_need(ap, **need_values(form), by=current_user),
        services.PledgeError,
        _("Estimated budget of action point %(code)s saved.", code=ap.code),
        url_for("pledges.action_point", action_point_id=ap.id),
        default_field="amount",
    )
    return saved or action_point_page(ap, form)


@bp.get("/matrix")
@login_required
def matrix():
    plan, plans = selected_plan()
    args = funding_matrix_args(blank_is_absent=True)
    return render_template(
        "pledges/matrix.html",
        plan=plan,
        plans=plans,
        m=totals.funding_matrix(plan, **args),
        measure=EntryKind(args["measure"]),
        measures=list(EntryKind),
    )


@bp.get("/funding")
@login_required
def funding():
    plan, plans = selected_plan()
    report = totals.funding_report(plan, as_of=query_date("as_of", blank_is_absent=True))
    return render_template("pledges/funding.html", plan=plan, plans=plans, report=report)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(can_pledge(current_user))
    form = PledgeForm()
    actors = list_actors() if current_user.is_admin else [current_user.actor]
    form.actor.choices = [(a.code, f"{actor_name(a)} ({a.code})") for a in actors]
    form.target.choices = services.target_choices()
    if request.method == "GET":
        form.currency.data = totals.reporting_currency()
        form.target.data = request.args.get("target")

    def write():
        actor = next(a for a in actors if a.code == form.actor.data)
        require(can_pledge_for(current_user, actor.id))
        terms = services.PledgeTerms(
            actor=actor,
            target=services.parse_target_key(form.target.data),
            currency=form.currency.data,
            amount_minor=parse_amount(form.amount.data, form.currency.data),
            pledged_on=form.pledged_on.data,
            purpose=form.purpose.data,
            reference=form.reference.data,
        )
        return services.create_pledge(terms, by=current_user)

    saved = save_form(
        form,
        write,
        services.PledgeError,
        _("Pledge recorded."),
        lambda pledge: url_for("pledges.show", pledge_id=pledge.id),
        default_field="amount",
    )
    return saved or render_template("pledges/new.html", form=form)


@bp.get("/<id:pledge_id>")
@login_required
def show(pledge_id: int):
    pledge = services.get_pledge(pledge_id) or abort(404)
    rows = totals.entry_rows(pledge_id=pledge.id)
    return render_template(
        "pledges/show.html",
        pledge=pledge,
        rows=rows,
        overall=totals.overall(rows),
        history=page_history(pledge, plan_id=pledge.plan_id),
        can_record=can_pledge_for(current_user, pledge.actor_id),
    )


@bp.route("/<id:pledge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pledge_id: int):
    pledge = get_writable_pledge(pledge_id)
    # The record fills the form only on GET: a POST without its version is a conflict, not a pass.
    form = PledgeEditForm(obj=pledge if request.method == "GET" else None)
    back = url_for("pledges.show", pledge_id=pledge.id)

    saved = save_form(
        form,
        lambda: services.update_pledge(pledge, **pledge_edit_values(form), by=current_user),
        services.PledgeError,
        _("Pledge saved."),
        back,
        record=pledge,
        default_field="purpose",
    )
    return saved or render_form_page(
        form, _("Edit pledge: %(purpose)s", purpose=pledge.purpose), back=back
    )


@bp.route("/<id:pledge_id>/entries/new", methods=["GET", "POST"])
@login_required
def new_entry(pledge_id: int):
    pledge = get_writable_pledge(pledge_id)
    form = EntryForm(currency=pledge.currency)
    if request.method == "GET":
        form.value_date.data = date.today()

    saved = save_form(
        form,
        lambda: services.record_entry(pledge, **entry_values(form), by=current_user),
        services.PledgeError,
        lambda _entry: str(ENTRY_RECORDED[EntryKind(form.kind.data)]),
        url_for("pledges.show", pledge_id=pledge.id),
        default_field="amount",
    )
    return saved or render_template("pledges/new_entry.html", form=form, pledge=pledge)


@bp.route("/rates", methods=["GET", "POST"])
@login_required
def rates():
    form = RateForm()
    upload = UploadForm()
    if request.method == "POST":
        require(can_manage_rates(current_user))
    saved = save_form(
        form,
        lambda: services.set_rate(
            currency=form.currency.data,
            reporting_currency=totals.reporting_currency(),
            rate=parse_rate(form.rate.data),
            valid_on=form.valid_on.data,
            source=form.source.data,
            by=current_user,
        ),
        services.PledgeError,
        _("Rate for %(currency)s saved.", currency=form.currency.data),
        url_for("pledges.rates"),
        default_field="rate",
    )
    if saved:
        return saved
    listed = list_page(services.rates_query(totals.reporting_currency()), 200)
    return render_template("pledges/rates.html", form=form, upload=upload, rates=listed)


@bp.post("/rates/import")
@login_required
def import_rates():
    require(can_manage_rates(current_user))
    from tracker.pledges import transfer

    upload = UploadForm()
    if not upload.validate_on_submit():
        flash(_("Choose a CSV or XLSX file of rates."))
        return redirect(url_for("pledges.rates"))
    with reading():  # the checks, outside the write lock; then the writes, in bulk
        checked = transfer.check_rates(upload.file.data.read(), upload.file.data.filename or "")
    result = transfer.apply_rates(checked, by=current_user)
    if result.errors:
        db.session.rollback()
        return render_template("pledges/import_errors.html", result=result, back="pledges.rates")
    return commit_and_go(
        ngettext("Imported %(num)d rate.", "Imported %(num)d rates.", result.count),
        url_for("pledges.rates"),
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_pledges():
    require(can_pledge(current_user))
    from tracker.pledges import transfer

    upload = UploadForm()
    if upload.validate_on_submit():
        with reading():  # the checks, outside the write lock; then the writes, in bulk
            checked = transfer.check_pledges(
                upload.file.data.read(),
                upload.file.data.filename or "",
                may_pledge_for=lambda actor_id: can_pledge_for(current_user, actor_id),
            )
        result = transfer.apply_pledges(checked, by=current_user)
        if not result.errors:
            return commit_and_go(
                ngettext(
                    "Imported %(num)d pledges and entries.",
                    "Imported %(num)d pledges and entries.",
                    result.count,
                ),
                url_for("pledges.index"),
            )
        db.session.rollback()
        return render_template("pledges/import_errors.html", result=result, back="pledges.index")
    return render_template("pledges/import.html", upload=upload)


@bp.get("/export")
@login_required
def export():
    from tracker.pledges import transfer

    plan, _ = selected_plan()
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(400, _("format must be csv or xlsx."))
    data, media_type = transfer.export_pledges(plan, fmt)
    return Response(
        data,
        mimetype=media_type,
        headers={"Content-Disposition": content_disposition(f"pledges-{plan.code}.{fmt}")},
    )
