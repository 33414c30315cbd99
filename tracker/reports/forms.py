"""The report builder's form: filters, as-of day and format, sent by GET so a link reproduces it.

The rules themselves live in filters.parse_filters (shared with the API and the command line);
this form only offers the choices and shows that function's messages at their fields."""

from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, literal_column, select, union_all
from wtforms import DateField, SelectField, SelectMultipleField

from tracker.actors.display import actor_name
from tracker.actors.models import Actor, WorkingGroup
from tracker.db import db
from tracker.i18n import current_language, language_name, languages
from tracker.plan.models import Plan
from tracker.reports.filters import FORMATS, ReportFilterError, ReportFilters

FORMAT_LABELS = {
    "html": _l("Web page"),
    "pdf": "PDF",
    "xlsx": _l("Excel workbook (XLSX)"),
    "csv": _l("CSV tables (zip)"),
    "json": "JSON",
}


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    plan = SelectField(_l("Plan"))
    goal = SelectMultipleField(
        _l("Priority goals"), description=_l("None chosen: every goal. Ctrl or ⌘ chooses several.")
    )
    actor = SelectMultipleField(
        _l("Actors"), description=_l("None chosen: every actor. Ctrl or ⌘ chooses several.")
    )
    working_group = SelectField(_l("Working group"))
    from_ = DateField(_l("Period from"), name="from")
    to = DateField(_l("to"))
    as_of = DateField(_l("As of"), description=_l("Empty: today. A past day rebuilds the report."))
    format = SelectField(_l("Format"), default="html")
    # The report's own language, whatever the interface speaks (default: the interface's).
    language = SelectField(_l("Language of the report"))

    def set_choices(self, filters: ReportFilters | None, goals=None) -> None:
        """Offer the plans, the chosen plan's goals (`goals`: anything with number and title,
        by default the plan's own), actors and working groups: one query for the three lists,
        as the dashboard counts its queries."""
        kind = literal_column("'plan'")
        none = literal_column("NULL")
        rows = db.session.execute(
            union_all(
                # An actor's kind and names in other languages, for actor_name (first: the union
                # reads its columns' types from the first select).
                select(
                    literal_column("'actor'"),
                    Actor.code,
                    Actor.name,
                    Actor.kind,
                    Actor.translations,
                ),
                select(kind, Plan.code, func.coalesce(Plan.short_title, Plan.title), none, none),
                select(literal_column("'group'"), WorkingGroup.code, WorkingGroup.name, none, none),
            )
        ).all()
        plans = sorted(
            ((code, name) for k, code, name, *_rest in rows if k == "plan"),
            key=lambda plan: (plan[0] == "DEMO", plan[0]),
        )
        self.format.choices = list(FORMAT_LABELS.items())
        # Each language named in itself, and marked so (a reader's tools say "Русский" in Russian).
        self.language.choices = [
            (code, language_name(code), {"lang": code}) for code in languages()
        ]
        if not self.language.raw_data:
            self.language.data = (filters and filters.language) or current_language()
        self.plan.choices = [(code, f"{code} — {name}") for code, name in plans]
        if goals is None:
            goals = filters.plan.goals if filters else []
        self.goal.choices = [
            (str(g.number), _("Goal %(number)s: %(title)s", number=g.number, title=g.title))
            for g in goals
        ]
        named = [
            (actor_name(SimpleNamespace(code=code, name=name, kind=kind, translations=names)), code)
            for k, code, name, kind, names in rows
            if k == "actor"
        ]
        self.actor.choices = [(code, f"{name} ({code})") for name, code in sorted(named)]
        groups = sorted((name, code) for k, code, name, *_rest in rows if k == "group")
        self.working_group.choices = [("", _("any"))] + [(code, name) for name, code in groups]
        if filters is not None and not self.plan.raw_data:
            self.plan.data = filters.plan.code

    def show_errors(self, error: ReportFilterError) -> None:
        fields = {"from": self.from_, "plan": self.plan}
        for name, message in error.fields.items():
            field = fields.get(name) or getattr(self, name, None)
            if field is not None:
                field.errors = (
                    [*field.errors, message] if isinstance(field.errors, list) else [message]
                )


def chosen_format(value: str | None) -> str | None:
    """The format asked for, or None when it is not one of ours."""
    value = (value or "html").strip().lower()
    return value if value in FORMATS else None
