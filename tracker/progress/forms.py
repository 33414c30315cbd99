from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from tracker.actors.display import actor_name
from tracker.actors.models import Actor, WorkingGroup
from tracker.fields import file_field, text_area, text_field
from tracker.help_texts import TEXT_FORMAT_HELP
from tracker.i18n import format_number
from tracker.plan.models import Activity, PriorityGoal
from tracker.progress.models import (
    DEFAULT_PERCENTS,
    NOT_REPORTED_LABEL,
    ProgressUpdate,
    Status,
    Workflow,
)
from tracker.progress.queries import NOT_REPORTED, Filters
from tracker.progress.services import (
    MAX_EVIDENCE_FILES,
    MAX_NARRATIVE,
    MAX_REASON,
    MAX_WEIGHT,
)


def status_choices() -> list[tuple[str, str]]:
    def default(status: Status) -> str:
        percent = DEFAULT_PERCENTS[status]
        return _("keeps the last percent") if percent is None else f"{percent} %"

    return [(s.value, f"{s.label} ({default(s)})") for s in Status]


PERCENT_HELP = _l("0 to 100. Leave empty for the status's default; you may adjust it.")
# The shared text-format help, then the limit (its number written in the interface language
# when the form is shown).
NARRATIVE_HELP = LazyString(
    lambda: ngettext(
        "%(format)s At most %(count)s character.",
        "%(format)s At most %(count)s characters.",
        MAX_NARRATIVE,
        format=TEXT_FORMAT_HELP,
        count=format_number(MAX_NARRATIVE),
    )
)
EVIDENCE_FILES_HELP = _l(
    "Choose one or several at once (at most %(num)d an update): PDF, image, office document, "
    "text or CSV. If one is refused, nothing is saved.",
    num=MAX_EVIDENCE_FILES,
)
SUBMIT_NOW = _l("Submit to the Secretariat now (otherwise saved as drafts)")


class UpdateForm(FlaskForm):
    actor = SelectField(_l("Reporting actor"), validators=[InputRequired()])
    activity_id = SelectField(_l("Activity (optional)"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[InputRequired()])
    percent = IntegerField(
        _l("Percent complete"),
        validators=[Optional(), NumberRange(0, 100)],
        description=PERCENT_HELP,
    )
    reported_on = DateField(
        _l("Reporting date"),
        validators=[InputRequired()],
        description=_l("The date the report is about; not in the future."),
    )
    narrative = text_area(
        _l("Narrative"), Optional, max_length=MAX_NARRATIVE, description=NARRATIVE_HELP
    )
    evidence_links = text_area(
        _l("Evidence links"),
        Optional,
        max_length=50_000,
        description=_l("One web address (http:// or https://) a line."),
    )
    evidence_files = MultipleFileField(
        _l("Evidence files (optional)"), description=EVIDENCE_FILES_HELP
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()

    @property
    def uploads(self) -> list:
        """The files chosen (a browser sends one empty part when none is)."""
        return [f for f in self.evidence_files.data or [] if getattr(f, "filename", None)]

    def set_choices(self, actors: Iterable[Actor], activities: Iterable[Activity]) -> None:
        self.actor.choices = [(a.code, f"{actor_name(a)} ({a.code})") for a in actors]
        self.activity_id.choices = [("", _("— the action point as a whole —"))] + [
            (str(a.id), a.title) for a in activities
        ]


def update_data(update: ProgressUpdate) -> dict:
    return {
        "actor": update.actor.code,
        "activity_id": str(update.activity_id) if update.activity_id else "",
        "status": update.status.value,
        "percent": update.percent,
        "reported_on": update.reported_on,
        "narrative": update.narrative,
        "evidence_links": "\n".join(update.evidence_links or []),
        "version": update.version,
    }


def update_values(form: UpdateForm, activities: Iterable[Activity]) -> dict:
    """The service arguments a validated form stands for."""
    by_id = {str(a.id): a for a in activities}
    return {
        "status": form.status.data,
        "percent": form.percent.data,
        "reported_on": form.reported_on.data,
        "narrative": form.narrative.data,
        "evidence_links": (form.evidence_links.data or "").splitlines(),
        "activity": by_id.get(form.activity_id.data or ""),
    }


class ReturnForm(FlaskForm):
    reason = text_area(_l("Reason for returning"), max_length=MAX_REASON)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class StepForm(FlaskForm):
    """Submit or validate: only the version the user saw."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class WeightForm(FlaskForm):
    weight = IntegerField(_l("Weight"), validators=[InputRequired(), NumberRange(0, MAX_WEIGHT)])


class RoundForm(FlaskForm):
    title = text_field(_l("Title"), max_length=200)
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])


class RemindForm(FlaskForm):
    """Remind who has not reported in a round: one actor (its code), or everyone (empty)."""

    actor = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=20)])


class FilterForm(FlaskForm):
    """The filters of every progress list (query string, so no CSRF token)."""

    class Meta:
        csrf = False

    goal = SelectField(_l("Goal"), validators=[Optional()])
    actor = SelectField(_l("Actor"), validators=[Optional()])
    working_group = SelectField(_l("Working group"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    workflow = SelectField(_l("Workflow"), validators=[Optional()])

    def set_choices(
        self,
        goals: Iterable[PriorityGoal],
        actors: Iterable[Actor],
        working_groups: Iterable[WorkingGroup],
    ) -> None:
        self.goals = {str(g.number): g for g in goals}
        self.actors = {a.code: a for a in actors}
        self.working_groups = {w.code: w for w in working_groups}
        anything = [("", _("any"))]
        self.goal.choices = anything + [(n, _("Goal %(number)s", number=n)) for n in self.goals]
        self.actor.choices = anything + [
            (c, f"{actor_name(a)} ({c})") for c, a in self.actors.items()
        ]
        self.working_group.choices = anything + [
            (c, w.name) for c, w in self.working_groups.items()
        ]
        self.status.choices = (
            anything
            + [(s.value, s.label) for s in Status]
            + [(NOT_REPORTED, str(NOT_REPORTED_LABEL))]
        )
        self.workflow.choices = anything + [(w.value, w.label) for w in Workflow]

    def filters(self) -> Filters:
        """The filters asked for; an unknown value is left out (the form shows its error)."""
        self.validate()
        ok = {name: field.data for name, field in self._fields.items() if not field.errors}
        return Filters(
            goal=self.goals.get(ok.get("goal") or ""),
            actor=self.actors.get(ok.get("actor") or ""),
            working_group=self.working_groups.get(ok.get("working_group") or ""),
            status=ok.get("status") or None,
            workflow=Workflow(ok["workflow"]) if ok.get("workflow") else None,
        )


class BulkRowForm(Form):
    class Meta:
        def get_translations(self, form):
            # A row is a plain Form (no CSRF token of its own): WTForms' messages ("Number must
            # be between 0 and 100.") in the interface language, as FlaskForm gives them.
            return FlaskForm.Meta.get_translations(self, form)

    action_point = StringField(widget=HiddenInput())
    status = SelectField(_l("Status"), validators=[Optional()])
    percent = IntegerField(_l("Percent"), validators=[Optional(), NumberRange(0, 100)])
    narrative = text_area(_l("Narrative"), Optional, max_length=MAX_NARRATIVE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _("— no change —")), *status_choices()]


class BulkForm(FlaskForm):
    actor = SelectField(_l("Reporting actor"), validators=[InputRequired()])
    reported_on = DateField(_l("Reporting date"), validators=[InputRequired()])
    submit_now = BooleanField(SUBMIT_NOW)
    rows = FieldList(FormField(BulkRowForm))


class EvidenceForm(FlaskForm):
    file = file_field(
        _l("Evidence file"),
        description=_l("PDF, image, office document, text or CSV; the type is checked by content."),
    )


class UploadForm(FlaskForm):
    actor = SelectField(_l("Reporting actor"), validators=[InputRequired()])
    reported_on = DateField(_l("Reporting date"), validators=[InputRequired()])
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file.")),
        ],
        description=_l(
            "Columns: action_point, status, percent, narrative, evidence_links "
            "(web addresses separated by spaces). The first row holds the column names."
        ),
    )
    submit_now = BooleanField(SUBMIT_NOW)
