from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput, TextInput

from tracker.actors.models import Actor
from tracker.help_texts import TEXT_FORMAT_HELP
from tracker.meetings.follow_ups import MAX_NOTE, MAX_TEXT
from tracker.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    FollowUp,
    FollowUpStatus,
    Meeting,
    MeetingKind,
)
from tracker.meetings.queries import Series
from tracker.meetings.services import (
    MAX_MINUTES,
    MeetingError,
    country_zones,
    is_ambiguous,
    known_zones,
    next_number,
    parse_moment,
    series_key,
)
from tracker.plan.models import ActionPoint, Plan

# The picker writes 2026-03-10T09:00; typed text may add an offset (+01:00), which is how the
# second 02:30 of the night the clocks go back is told from the first.
WHEN_HELP = "The local time where the meeting is held (its time zone is chosen below)."
NEW_SERIES = "new"
DEFAULT_ZONE = "Europe/Budapest"


class MomentInput(TextInput):
    """The browser's date and time picker (`datetime-local`); a text box for a value with an
    offset, which the picker cannot show (the second 02:30 of the night the clocks go back)."""

    def __call__(self, field, **kwargs):
        value = field._value() or ""
        with_offset = "+" in value or value.count("-") > 2 or value.upper().endswith("Z")
        kwargs.setdefault("type", "text" if with_offset else "datetime-local")
        return super().__call__(field, **kwargs)


def _actor_choices(actors: Iterable[Actor], empty: str | None = None) -> list[tuple[str, str]]:
    choices = [("", empty)] if empty else []
    return choices + [(a.code, f"{a.name} ({a.code})") for a in actors]


def _action_point_choices(action_points: Iterable[ActionPoint]) -> list[tuple[str, str]]:
    return [(ap.code, f"{ap.code} {ap.title[:80]}") for ap in action_points]


class MeetingForm(FlaskForm):
    plan = SelectField("Plan", validators=[InputRequired()])
    kind = SelectField("Kind", validators=[InputRequired()])
    series = StringField(
        "Series",
        validators=[InputRequired(), Length(max=80)],
        description="The same word for every meeting of one series, e.g. reference-group for the "
        "Reference Group's meetings.",
    )
    number = IntegerField("Number in the series", validators=[Optional()])
    title = StringField("Title", validators=[InputRequired(), Length(max=300)])
    starts_at = StringField(
        "Starts", validators=[InputRequired()], description=WHEN_HELP, widget=MomentInput()
    )
    ends_at = StringField(
        "Ends", validators=[InputRequired()], description=WHEN_HELP, widget=MomentInput()
    )
    timezone = StringField(
        "Time zone",
        validators=[Optional(), Length(max=64)],
        description="Region and city of the meeting's clock, e.g. Europe/Budapest or Asia/Tbilisi.",
    )
    place = StringField("Place", validators=[Optional(), Length(max=300)])
    is_virtual = BooleanField("Virtual meeting")
    url = StringField("Meeting link", validators=[Optional(), Length(max=2000)])
    host_actor = SelectField("Host", validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in MeetingKind]

    def set_choices(self, plans: Iterable[Plan], actors: Iterable[Actor]) -> None:
        self.plan.choices = [(p.code, f"{p.code} {p.title}") for p in plans]
        self.host_actor.choices = _actor_choices(actors, "— none —")


def timezone_choices(current: str | None, host_code: str | None) -> dict[str, list]:
    """Every zone, grouped: first the likely ones (the zone already chosen, the host state's,
    Budapest, UTC), then all of them in alphabetical order."""
    likely = list(dict.fromkeys([*filter(None, [current]), *country_zones(host_code)]))
    likely += [zone for zone in (DEFAULT_ZONE, "UTC") if zone not in likely]
    zones = known_zones()
    likely = [zone for zone in likely if zone in zones]
    rest = [(zone, zone.replace("_", " ")) for zone in zones if zone not in likely]
    return {
        "Likely": [(zone, zone.replace("_", " ")) for zone in likely],
        "All time zones": rest,
    }


class MeetingPageForm(MeetingForm):
    """The meeting form of the pages: the series chosen by name (or a new one started), the
    number and title filled in when left empty, the time zone chosen from a list. The API
    keeps MeetingForm: keys and zone names as text."""

    series = SelectField(
        "Series",
        validators=[InputRequired()],
        description="Open follow-ups of a series' meetings carry over to its next meeting.",
    )
    new_series = StringField(
        "Name of the new series",
        validators=[Optional(), Length(max=200)],
        description="Only when starting a new series, e.g. Black Sea working group.",
    )
    number = IntegerField(
        "Number in the series",
        validators=[Optional()],
        description="Left empty: the next number of the series.",
    )
    title = StringField(
        "Title",
        validators=[Optional(), Length(max=300)],
        description="Left empty: the series name and number, e.g. Reference Group meeting 13.",
    )
    timezone = SelectField(
        "Time zone",
        validators=[InputRequired()],
        description="Where the meeting is held: its times are entered and shown in this zone.",
        invalid_choice_message="Choose a time zone from the list.",
    )

    def set_page_choices(self, plans, actors, series: list[Series]) -> None:
        self.set_choices(plans, actors)
        self.series_list = series
        self.series.choices = [
            (s.key, s.name, {"data-next": s.next_number, "data-kind": s.kind}) for s in series
        ] + [(NEW_SERIES, "Start a new series…", {})]
        self.timezone.choices = timezone_choices(self.timezone.data, self.host_actor.data)
        # The host state's zone rides on its option: the page's script proposes it.
        self.host_actor.choices = [("", "— none —", {})] + [
            (a.code, f"{a.name} ({a.code})", {"data-zone": next(iter(country_zones(a.code)), "")})
            for a in actors
        ]

    def validate_new_series(self, field) -> None:
        named = bool((field.data or "").strip())
        if self.series.data == NEW_SERIES and not named:
            raise ValidationError("Give the name of the new series.")
        if self.series.data != NEW_SERIES and named:
            # Typed, then an existing series chosen: ask, rather than drop the name unsaid.
            raise ValidationError(
                "You named a new series but chose an existing one: choose “Start a new "
                "series…” above, or clear this name."
            )


def page_meeting_values(form: MeetingPageForm, actors: Iterable[Actor], *, new: bool) -> dict:
    """meeting_values for the pages: a new series' key made from its name (refused when a series
    of that name exists), the next number of a new meeting's series when none is given, and a
    title made of the series name and number when none is given."""
    values = meeting_values(form, actors)
    by_key = {s.key: s for s in form.series_list}
    if form.series.data == NEW_SERIES:
        name = form.new_series.data.strip()
        values["series"] = series_key(name)
        if values["series"] in by_key or name.lower() in {s.name.lower() for s in form.series_list}:
            raise MeetingError(
                f"There is already a series called “{name}”: choose it in the list.", "new_series"
            )
    else:
        name = by_key[form.series.data].name
    if new and values["number"] is None:
        values["number"] = next_number(values["series"])
    if not (values["title"] or "").strip():
        number = values["number"]
        values["title"] = f"{name} {number}" if number else name
    return values


def meeting_data(meeting: Meeting) -> dict:
    return {
        "plan": meeting.plan.code,
        "kind": meeting.kind.value,
        "series": meeting.series,
        "number": meeting.number,
        "title": meeting.title,
        "starts_at": _local(meeting, meeting.starts_at),
        "ends_at": _local(meeting, meeting.ends_at),
        "timezone": meeting.timezone,
        "place": meeting.place,
        "is_virtual": meeting.is_virtual,
        "url": meeting.url,
        "host_actor": meeting.host_actor.code if meeting.host_actor else "",
    }


def _local(meeting: Meeting, moment) -> str:
    try:
        local = moment.astimezone(ZoneInfo(meeting.timezone))
    except (ValueError, ZoneInfoNotFoundError):
        return moment.isoformat(timespec="minutes")  # with its offset: still unambiguous
    if is_ambiguous(local):
        # Without its offset, saving the form again would move the second occurrence of the
        # hour the clocks go back to the first.
        return local.isoformat(timespec="minutes")
    return local.strftime("%Y-%m-%dT%H:%M")


def meeting_values(form: MeetingForm, actors: Iterable[Actor]) -> dict:
    """The form's values for create_meeting/update_meeting (MeetingError on a bad moment)."""
    zone = form.timezone.data
    return {
        "kind": form.kind.data,
        "series": form.series.data,
        "number": form.number.data,
        "title": form.title.data,
        "starts_at": parse_moment(form.starts_at.data, zone, "starts_at"),
        "ends_at": parse_moment(form.ends_at.data, zone, "ends_at"),
        "timezone": zone,
        "place": form.place.data,
        "is_virtual": form.is_virtual.data,
        "url": form.url.data,
        "host_actor": next((a for a in actors if a.code == form.host_actor.data), None),
    }


class ParticipantForm(FlaskForm):
    actor = SelectField("Actor", validators=[InputRequired()])
    attendance = SelectField("Attendance", validators=[InputRequired()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        self.actor.choices = _actor_choices(actors)
        self.attendance.choices = [(a.value, a.label) for a in Attendance]


def participant_values(form: ParticipantForm, actors: Iterable[Actor]) -> dict:
    """The validated form's values for set_participant (the actor is one of the choices)."""
    actor = next(a for a in actors if a.code == form.actor.data)
    return {"actor": actor, "attendance": form.attendance.data}


class ParticipantGroupForm(FlaskForm):
    group = SelectField(
        "Group",
        validators=[InputRequired()],
        invalid_choice_message="Choose the Reference Group or a working group.",
    )
    # Its own id: the meeting page also holds ParticipantForm's `attendance`.
    attendance = SelectField("Attendance", id="group-attendance", validators=[InputRequired()])

    def set_choices(self, groups: list[tuple[str, str, list[int]]], actors: Iterable[Actor]):
        """The groups of queries.participant_groups, with their members that are not retired."""
        by_id = {actor.id: actor for actor in actors if not actor.is_retired}
        self.groups = {
            value: (name, [by_id[i] for i in ids if i in by_id]) for value, name, ids in groups
        }
        self.group.choices = [
            (value, f"{name[:1].upper()}{name[1:]} ({len(members)} members)")
            for value, (name, members) in self.groups.items()
        ]
        self.attendance.choices = [(a.value, a.label) for a in Attendance]


def participant_group_values(form: ParticipantGroupForm) -> dict:
    """The validated form's values for add_participants."""
    name, actors = form.groups[form.group.data]
    return {"group": name, "actors": actors, "attendance": form.attendance.data}


class AgendaItemForm(FlaskForm):
    title = StringField("Agenda item", validators=[InputRequired(), Length(max=500)])
    # Only the meeting's own plan is offered, so another plan's code is refused here.
    action_point = SelectField(
        "Action point",
        validators=[Optional()],
        invalid_choice_message="Not an action point of the meeting's plan.",
    )
    goal = SelectField(
        "Priority goal",
        validators=[Optional()],
        invalid_choice_message="Not a priority goal of the meeting's plan.",
    )

    def set_choices(self, plan: Plan) -> None:
        self.action_point.choices = [("", "— none —")] + _action_point_choices(plan.action_points)
        self.goal.choices = [("", "— none —")] + [
            (str(g.number), f"{g.number}. {g.title[:80]}") for g in plan.goals
        ]


def agenda_item_values(form: AgendaItemForm, plan: Plan) -> dict:
    """The validated form's values for add_agenda_item."""
    return {
        "title": form.title.data,
        "action_point": next(
            (ap for ap in plan.action_points if ap.code == form.action_point.data), None
        ),
        "goal": next((g for g in plan.goals if str(g.number) == form.goal.data), None),
    }


def agenda_item_data(item: AgendaItem) -> dict:
    return {
        "title": item.title,
        "action_point": item.action_point.code if item.action_point else "",
        "goal": str(item.goal.number) if item.goal else "",
    }


class AgendaMoveForm(FlaskForm):
    # The range (1 to the number of items) is the service's to check: it knows the agenda.
    position = IntegerField("Position", validators=[Optional()], description="1 is the first item.")


class AgendaItemChangeForm(AgendaItemForm):
    """The API's PATCH of an agenda item: its title and links, its position, or both."""

    position = AgendaMoveForm.position


class MinutesForm(FlaskForm):
    # Distinct ids: the meeting page holds several forms with a `text` field.
    text = TextAreaField(
        "Minutes",
        id="minutes-text",
        validators=[InputRequired()],
        description=f"{TEXT_FORMAT_HELP} At most {MAX_MINUTES:,} characters. Saving adds a new "
        "version.",
    )


class DecisionForm(FlaskForm):
    text = TextAreaField(
        "Decision", id="decision-text", validators=[InputRequired(), Length(max=MAX_TEXT)]
    )
    action_points = SelectMultipleField(
        "Linked action points",
        validators=[Optional()],
        invalid_choice_message="Not an action point of the meeting's plan.",
    )

    def set_choices(self, plan: Plan) -> None:
        self.action_points.choices = _action_point_choices(plan.action_points)


class DecisionEditForm(DecisionForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def decision_data(decision: Decision) -> dict:
    return {"text": decision.text, "action_points": [ap.code for ap in decision.action_points]}


def decision_values(form: DecisionForm, plan: Plan) -> dict:
    """The validated form's values for record_decision and update_decision."""
    codes = set(form.action_points.data or [])
    return {
        "text": form.text.data,
        "action_points": [ap for ap in plan.action_points if ap.code in codes],
    }


class FollowUpEditForm(FlaskForm):
    text = TextAreaField(
        "Follow-up action",
        id="follow-up-text",
        validators=[InputRequired(), Length(max=MAX_TEXT)],
    )
    # Optional here: the service says what is missing, in one place for pages and API.
    owner = SelectField("Owner", validators=[Optional()])
    due_on = DateField("Due on", validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        self.owner.choices = _actor_choices(actors, "— choose the owner —")


class FollowUpForm(FollowUpEditForm):
    version = None  # a new follow-up has no version yet
    decision = SelectField("Decision", validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor], meeting: Meeting) -> None:
        super().set_choices(actors)
        self.decision.choices = [("", "— none —")] + [
            (str(d.id), d.text[:80]) for d in meeting.decisions
        ]


def follow_up_data(follow_up: FollowUp) -> dict:
    return {
        "text": follow_up.text,
        "owner": follow_up.owner_actor.code,
        "due_on": follow_up.due_on,
    }


def follow_up_edit_values(form: FollowUpEditForm, actors: Iterable[Actor]) -> dict:
    """The validated form's values for update_follow_up (the service says what is missing)."""
    return {
        "text": form.text.data,
        "owner": next((a for a in actors if a.code == form.owner.data), None),
        "due_on": form.due_on.data,
        "version": form.version.data,
    }


def follow_up_values(form: FollowUpForm, actors: Iterable[Actor], meeting: Meeting) -> dict:
    """The validated form's values for add_follow_up (the service says what is missing)."""
    return {
        "text": form.text.data,
        "owner": next((a for a in actors if a.code == form.owner.data), None),
        "due_on": form.due_on.data,
        "decision": next((d for d in meeting.decisions if str(d.id) == form.decision.data), None),
    }


class FollowUpStatusForm(FlaskForm):
    status = SelectField("Status", validators=[InputRequired()])
    note = TextAreaField("Note", validators=[InputRequired(), Length(max=MAX_NOTE)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, s.label) for s in FollowUpStatus]


class StepForm(FlaskForm):
    """A button with no fields (carry over): the CSRF token only."""


class AttachmentForm(FlaskForm):
    # Size and type are checked by store_upload, the one place for upload rules.
    file = FileField("File", validators=[FileRequired("Choose a file to attach.")])
