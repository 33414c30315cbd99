from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.actors.models import Actor
from tracker.plan.models import PriorityGoal


class ActionPointForm(FlaskForm):
    goal_id = SelectField("Priority goal", coerce=int, validators=[InputRequired()])
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=20)],
        description="As in the official text, e.g. 17 or 3.4. Unique within the plan.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=20_000)], description="Markdown."
    )
    lead_actor = SelectField("Lead actor", validators=[Optional()])
    partners = SelectMultipleField("Partner actors", validators=[Optional()])
    target_on = DateField("Target date", validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self, goals: Iterable[PriorityGoal], actors: Iterable[Actor]) -> None:
        self.goal_id.choices = [(g.id, g.label) for g in goals]
        actor_choices = [(a.code, f"{a.name} ({a.code})") for a in actors]
        self.lead_actor.choices = [("", "— none —"), *actor_choices]
        self.partners.choices = actor_choices


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
