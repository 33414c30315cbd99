"""Pledges, ledger entries, exchange rates and funding reports in the JSON API (same blueprint).

Money in and out is `{"amount": "1250000.00", "currency": "EUR"}`: a JSON number for money is
refused with 422, so that no client can send an amount through a float.
"""

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from tracker.actors.services import get_actor_by_code
from tracker.api.errors import ApiError, handle_api_error, invalid
from tracker.api.input import date_arg, read_json_object, valid_json_form
from tracker.api.pagination import page_of
from tracker.api.serializers import pledge_detail, pledge_json, totals_json
from tracker.api.views import acting_user, answer, bp, created, found
from tracker.auth import permissions
from tracker.i18n import SOURCE_LANGUAGE
from tracker.money import MoneyError, check_currency, money_json, parse_amount, parse_rate
from tracker.plan import services as plan_services
from tracker.pledges import services, totals
from tracker.pledges.forms import PledgeEditForm, pledge_edit_values
from tracker.pledges.matrix_args import funding_matrix_args
from tracker.query_args import int_arg

MONEY_HELP = _l('Money is an object {"amount": "1250.00", "currency": "EUR"} (a string amount).')


def handle_pledge_error(error: services.PledgeError):
    field = error.field or "input"
    return handle_api_error(ApiError(error.status, str(error), fields={field: str(error)}))


bp.register_error_handler(services.PledgeError, handle_pledge_error)


class Body:
    """A JSON object read field by field; every problem is collected, then one 422."""

    def __init__(self, allowed: set[str], required: set[str]):
        self.data = read_json_object()
        self.errors: dict[str, str] = {
            name: _("Unknown field.") for name in self.data if name not in allowed
        }
        for name in required:
            if self.data.get(name) is None:
                self.errors[name] = _("This field is required.")

    def text(self, name: str, limit: int) -> str | None:
        value = self.data.get(name)
        if value is None or name in self.errors:
            return None
        if not isinstance(value, str) or "\x00" in value:
            self.errors[name] = _("Must be a string without NUL characters.")
        elif len(value) > limit:
            self.errors[name] = ngettext(
                "At most %(num)d character.", "At most %(num)d characters.", limit
            )
        else:
            return value
        return None

    def date(self, name: str) -> date | None:
        value = self.text(name, 10)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.errors[name] = _("Must be a date, YYYY-MM-DD.")
            return None

    def money(self, name: str, currency: str | None = None) -> tuple[int, str] | None:
        value = self.data.get(name)
        if value is None or name in self.errors:
            return None
        if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
            self.errors[name] = str(MONEY_HELP)
            return None
        try:
            code = check_currency(value["currency"])
            if currency is not None and code != currency:
                self.errors[name] = _(
                    "The amount must be in the pledge's currency, %(currency)s.",
                    currency=currency,
                )
                return None
            # A program's amounts mean the same whatever language its messages are asked in.
            return parse_amount(value["amount"], code, SOURCE_LANGUAGE), code
        except MoneyError as error:
            self.errors[name] = str(error)
            return None

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)


def _plan_arg(required: bool = False):
    code = request.args.get("plan")
    if code is None:
        if not required:
            return None
        plans = plan_services.list_plans()  # the default, as on the pages: the first real plan
        if not plans:
            raise ApiError(400, _("plan: give a plan code, e.g. ?plan=BP-CFA-2019."))
        return plans[0]
    plan = plan_services.get_plan(code)
    if plan is None:
        raise ApiError(400, _("plan: there is no plan %(code)s.", code=code))
    return plan


@bp.get("/pledges")
def list_pledges():
    actor_id = None
    if code := request.args.get("actor"):
        actor = get_actor_by_code(code)
        if actor is None:
            raise ApiError(400, _("actor: there is no actor %(code)s.", code=code))
        actor_id = actor.id
    plan = _plan_arg()
    query = services.pledges_query(
        actor_id=actor_id,
        plan_id=plan.id if plan else None,
        goal_id=int_arg("goal_id"),
        action_point_id=int_arg("action_point_id"),
    )
    return page_of(query, pledge_json)


@bp.post("/pledges")
def create_pledge():
    permissions.require(permissions.can_pledge(current_user))
    body = Body(
        {"actor", "target", "amount", "pledged_on", "purpose", "reference"},
        {"actor", "target", "amount", "pledged_on", "purpose"},
    )
    actor_code = body.text("actor", 16)
    actor = get_actor_by_code(actor_code) if actor_code is not None else None
    if actor_code is not None and actor is None:
        body.errors["actor"] = _("There is no actor %(code)s.", code=actor_code)
    money = body.money("amount")
    pledged_on = body.date("pledged_on")
    purpose, reference = body.text("purpose", 500), body.text("reference", 100)
    target_value = body.data.get("target")
    if target_value is not None and (
        not isinstance(target_value, dict) or set(target_value) != {"kind", "id"}
    ):
        body.errors["target"] = _('An object {"kind": "action_point", "id": 12}.')
    body.done()
    permissions.require(permissions.can_pledge_for(current_user, actor.id))
    target = services.resolve_target(str(target_value["kind"]), target_value["id"])
    amount_minor, currency = money
    if amount_minor <= 0:
        raise invalid({"amount": _("A pledge must be for an amount greater than zero.")})
    terms = services.PledgeTerms(
        actor=actor,
        target=target,
        currency=currency,
        amount_minor=amount_minor,
        pledged_on=pledged_on,
        purpose=purpose,
        reference=reference,
    )
    pledge = services.create_pledge(terms, by=acting_user())
    return created(pledge_detail(pledge), ".get_pledge", pledge_id=pledge.id)


@bp.get("/pledges/<id:pledge_id>")
def get_pledge(pledge_id: int):
    pledge = found(services.get_pledge(pledge_id), _("There is no pledge %(id)s.", id=pledge_id))
    return pledge_detail(pledge)


@bp.patch("/pledges/<id:pledge_id>")
def update_pledge(pledge_id: int):
    pledge = permissions.get_writable_pledge(pledge_id)
    current = {"purpose": pledge.purpose, "reference": pledge.reference}
    form = valid_json_form(
        PledgeEditForm, read_json_object(), current=current, required={"version"}
    )
    services.update_pledge(pledge, **pledge_edit_values(form), by=acting_user())
    return answer(pledge_detail(pledge))


@bp.post("/pledges/<id:pledge_id>/entries")
def create_entry(pledge_id: int):
    pledge = permissions.get_writable_pledge(pledge_id)
    body = Body({"kind", "amount", "value_date", "reason"}, {"kind", "amount", "value_date"})
    kind = body.text("kind", 16)
    money = body.money("amount", currency=pledge.currency)
    value_date = body.date("value_date")
    reason = body.text("reason", services.MAX_REASON)
    body.done()
    services.record_entry(
        pledge,
        kind=kind,
        amount_minor=money[0],
        value_date=value_date,
        reason=reason,
        by=acting_user(),
    )
    return answer(pledge_detail(services.get_pledge(pledge.id)), 201)


@bp.get("/exchange-rates")
def list_exchange_rates():
    reporting = totals.reporting_currency()
    currency = request.args.get("currency")
    return page_of(
        services.rates_query(reporting, currency.upper() if currency else None),
        lambda r: {
            "id": r.id,
            "currency": r.currency,
            "reporting_currency": r.reporting_currency,
            "rate": r.rate,
            "valid_on": r.valid_on.isoformat(),
            "source": r.source,
        },
    )


@bp.post("/exchange-rates")
def create_exchange_rate():
    permissions.require(permissions.can_manage_rates(current_user))
    body = Body({"currency", "rate", "valid_on", "source"}, {"currency", "rate", "valid_on"})
    currency = body.text("currency", 10)
    valid_on = body.date("valid_on")
    source = body.text("source", 200)
    rate = None
    if "rate" not in body.errors:
        try:
            rate = parse_rate(body.data.get("rate"), SOURCE_LANGUAGE)
        except MoneyError as error:
            body.errors["rate"] = str(error)
    body.done()
    row = services.set_rate(
        currency=currency,
        reporting_currency=totals.reporting_currency(),
        rate=rate,
        valid_on=valid_on,
        source=source,
        by=acting_user(),
    )
    return answer(
        {
            "id": row.id,
            "currency": row.currency,
            "reporting_currency": row.reporting_currency,
            "rate": row.rate,
            "valid_on": row.valid_on.isoformat(),
            "source": row.source,
        },
        201,
    )


@bp.put("/action-points/<id:action_point_id>/funding-need")
def set_funding_need(action_point_id: int):
    action_point = permissions.get_editable_action_point(action_point_id)
    body = Body({"budget"}, set())
    money = body.money("budget")
    body.done()
    services.set_funding_need(
        action_point,
        amount_minor=money[0] if money else None,
        currency=money[1] if money else None,
        by=acting_user(),
    )
    return answer({"budget": money_json(action_point.budget_minor, action_point.budget_currency)})


@bp.get("/reports/pledge-matrix")
def pledge_matrix():
    plan = _plan_arg(required=True)
    matrix = totals.funding_matrix(plan, **funding_matrix_args(blank_is_absent=False))
    r = matrix.reporting
    return {
        "plan": plan.code,
        "reporting_currency": r,
        "columns": [{"goal_id": g, "label": label} for g, label in matrix.columns],
        "rows": [
            {
                "actor": row.actor.code,
                "cells": [totals_json(row.cells[g], r) for g, _label in matrix.columns],
                "total": totals_json(row.total, r),
            }
            for row in matrix.rows
        ],
        "column_totals": [totals_json(matrix.column_totals[g], r) for g, _label in matrix.columns],
        "total": totals_json(matrix.grand, r),
    }


def _need_json(need: totals.Need, reporting: str) -> dict:
    return {
        "id": need.record_id,
        "label": need.label,
        "need": money_json(need.need, reporting) if need.has_need else None,
        "budgets_without_rate": need.need_missing,
        "committed": totals_json(need.committed, reporting),
        "gap": money_json(need.gap, reporting) if need.has_need else None,
        "coverage_percent": str(need.coverage) if need.coverage is not None else None,
    }


@bp.get("/reports/funding")
def funding_report():
    plan = _plan_arg(required=True)
    report = totals.funding_report(plan, as_of=date_arg("as_of"))
    r = report.reporting
    return {
        "plan": _need_json(report.plan, r),
        "as_of": report.as_of.isoformat(),
        "reporting_currency": r,
        "goals": [
            {
                **_need_json(goal, r),
                "action_points": [_need_json(n, r) for n in report.action_points[goal.record_id]],
            }
            for goal in report.goals
        ],
    }
