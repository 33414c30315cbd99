from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import HiddenInput

from tracker import translated_names
from tracker.actors.display import actor_name
from tracker.actors.models import Actor, ActorKind
from tracker.fields import text_field

TRANSLATED = ("name",)


def actor_choices(actors: Iterable[Actor]) -> list[tuple[str, str]]:
    return [(a.code, f"{actor_name(a)} ({a.code})") for a in actors]


class ActorForm(FlaskForm):
    kind = SelectField(_l("Kind"))
    code = text_field(
        _l("Code"),
        max_length=16,
        description=_l(
            "Two letters for a state, e.g. HU for Hungary; a short name in capitals for an "
            "organisation, e.g. ICMPD."
        ),
    )
    name = text_field(_l("Name"), max_length=200)
    region = text_field(_l("Region"), Optional, max_length=32)
    note = text_field(_l("Note"), Optional, max_length=500)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in ActorKind]


translated_names.add_fields(ActorForm, "name", max_length=200)


def actor_data(actor: Actor) -> dict:
    return {
        "kind": actor.kind.value,
        "code": actor.code,
        "name": actor.name,
        **translated_names.translation_values(actor, TRANSLATED),
        "region": actor.region,
        "note": actor.note,
        "version": actor.version,
    }


def actor_values(form: ActorForm) -> dict:
    return {
        "kind": ActorKind(form.kind.data),
        "code": form.code.data,
        "name": form.name.data,
        "translations": translated_names.translations_from_form(form, TRANSLATED),
        "region": form.region.data,
        "note": form.note.data,
    }


class WorkingGroupForm(FlaskForm):
    code = text_field(_l("Code"), max_length=16)
    name = text_field(_l("Name"), max_length=200)
    chair = SelectField(_l("Chair"), validators=[Optional()])
    note = text_field(_l("Note"), Optional, max_length=500)
    members = SelectMultipleField(_l("Members"), validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        choices = actor_choices(actors)
        self.chair.choices = [("", _l("— none —")), *choices]
        self.members.choices = choices


def working_group_data(group) -> dict:
    return {
        "code": group.code,
        "name": group.name,
        "chair": group.chair.code if group.chair else "",
        "note": group.note,
        "members": [a.code for a in group.members],
        "version": group.version,
    }


class SeatForm(FlaskForm):
    actor = SelectField(_l("Actor"), validators=[DataRequired()])
    role = text_field(_l("Role"), max_length=32, default="member")
    joined_on = DateField(_l("Joined on"), validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        self.actor.choices = actor_choices(actors)


def working_group_values(form: WorkingGroupForm) -> dict:
    """The service arguments a validated form stands for (PlanError at a field)."""
    from tracker.plan.services import resolve_actors

    chair = resolve_actors([form.chair.data or ""], "chair")
    return {
        "code": form.code.data,
        "name": form.name.data,
        "chair": chair[0] if chair else None,
        "note": form.note.data,
        "members": resolve_actors(form.members.data or [], "members"),
    }


class EndSeatForm(FlaskForm):
    left_on = DateField(_l("Left on"), validators=[Optional()], description=_l("Empty: today."))
