from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from tracker import translated_names
from tracker.actors.display import actor_name
from tracker.actors.forms import actor_choices
from tracker.actors.models import Actor
from tracker.fields import file_field, text_area, text_field
from tracker.help_texts import TEXT_FORMAT_HELP
from tracker.i18n import localized
from tracker.money import MoneyError, amount_text, parse_budget
from tracker.plan.models import PriorityGoal


class ActionPointForm(FlaskForm):
    goal_id = SelectField(_l("Priority goal"), coerce=int, validators=[InputRequired()])
    code = text_field(
        _l("Code"),
        max_length=20,
        description=_l("As in the official text, e.g. 17 or 3.4. Unique within the plan."),
    )
    title = text_field(_l("Title"), max_length=300)
    description = text_area(
        _l("Description"), Optional, max_length=20_000, description=TEXT_FORMAT_HELP
    )
    lead_actor = SelectField(_l("Lead actor"), validators=[Optional()])
    partners = SelectMultipleField(_l("Partner actors"), validators=[Optional()])
    target_on = DateField(_l("Target date"), validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self, goals: Iterable[PriorityGoal], actors: Iterable[Actor]) -> None:
        self.goal_id.choices = [(g.id, goal_label(g)) for g in goals]
        choices = actor_choices(actors)
        self.lead_actor.choices = [("", _l("— none —")), *choices]
        self.partners.choices = choices


def goal_label(goal: PriorityGoal) -> str:
    """A goal as a choice names it, in the interface language: "Goal 2: Legal migration"."""
    return str(_l("Goal %(number)s: %(title)s", number=goal.number, title=localized(goal, "title")))


def action_point_data(action_point) -> dict:
    """An action point's current values as the form's fields hold them."""
    return {
        "goal_id": action_point.goal_id,
        "code": action_point.code,
        "title": action_point.title,
        "description": action_point.description,
        "lead_actor": action_point.lead_actor.code if action_point.lead_actor else "",
        "partners": [a.code for a in action_point.partners],
        "target_on": action_point.target_on,
        "version": action_point.version,
    }


def action_point_values(form: ActionPointForm, plan) -> dict:
    """The service arguments a validated form stands for (raises PlanError at a field)."""
    from tracker.plan import services

    lead = services.resolve_actors([form.lead_actor.data or ""], "lead_actor")
    return {
        "goal": services.resolve_goal(plan, form.goal_id.data),
        "code": form.code.data,
        "title": form.title.data,
        "description": form.description.data,
        "lead_actor": lead[0] if lead else None,
        "partners": services.resolve_actors(form.partners.data or [], "partners"),
        "target_on": form.target_on.data,
    }


GOAL_TRANSLATED = ("title",)


class GoalForm(FlaskForm):
    number = IntegerField(_l("Number"), validators=[InputRequired(), NumberRange(1, 99)])
    title = text_field(_l("Title"), max_length=300)
    description = text_area(_l("Description"), Optional, max_length=20_000)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


translated_names.add_fields(GoalForm, "title", max_length=300)


def goal_data(goal: PriorityGoal) -> dict:
    """A goal's names in other languages as the form holds them (the rest comes from `obj`)."""
    return translated_names.translation_values(goal, GOAL_TRANSLATED)


def goal_values(form: GoalForm) -> dict:
    return {
        "number": form.number.data,
        "title": form.title.data,
        "description": form.description.data,
        "translations": translated_names.translations_from_form(form, GOAL_TRANSLATED),
    }


class ActivityForm(FlaskForm):
    code = text_field(
        _l("Code"),
        Optional,
        max_length=20,
        description=_l("Unique within the action point, e.g. A1; left empty, the next free A<n>."),
    )
    title = text_field(_l("Title"), max_length=300)
    description = text_area(_l("Description"), Optional, max_length=20_000)
    lead_actor = SelectField(_l("Lead actor"), validators=[Optional()])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    budget_amount = text_field(
        _l("Estimated budget"), Optional, max_length=20, description=_l("e.g. 1,250,000.00")
    )
    budget_currency = text_field(_l("Currency"), Optional, max_length=3)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        self.lead_actor.choices = [("", _l("— none —")), *((a.code, actor_name(a)) for a in actors)]


def activity_data(activity) -> dict:
    return {
        "code": activity.code,
        "title": activity.title,
        "description": activity.description,
        "lead_actor": activity.lead_actor.code if activity.lead_actor else "",
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "budget_amount": amount_text(activity.budget_minor, activity.budget_currency),
        "budget_currency": activity.budget_currency or "",
        "version": activity.version,
    }


def activity_values(form: ActivityForm) -> dict:
    """The service arguments a validated activity form stands for (PlanError at a field)."""
    from tracker.plan import services

    lead = services.resolve_actors([form.lead_actor.data or ""], "lead_actor")
    amount = (form.budget_amount.data or "").strip()
    currency = (form.budget_currency.data or "").strip().upper()
    budget_minor = budget_currency = None
    if amount or currency:
        try:
            budget_minor, budget_currency = parse_budget(amount, currency)
        except MoneyError as error:
            raise services.PlanError(str(error), f"budget_{error.field}") from None
    return {
        "code": form.code.data or "",
        "title": form.title.data,
        "description": form.description.data,
        "lead_actor": lead[0] if lead else None,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "budget_minor": budget_minor,
        "budget_currency": budget_currency,
    }


class ContinuationForm(FlaskForm):
    continued_in = text_field(
        _l("Continued in"),
        max_length=60,
        description=_l(
            "The later plan's code, a colon and the action point's number, e.g. "
            "BP-CFA-2025:3 for action point 3 of the 2025 plan."
        ),
    )


class PlanImportForm(FlaskForm):
    file = file_field(
        _l("Plan file"),
        description=_l("CSV (UTF-8), XLSX or YAML, at most 5 MB. You see what would change first."),
    )


class ConfirmImportForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired(), Length(max=64)])
