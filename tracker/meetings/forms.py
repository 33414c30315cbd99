from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
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
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput, TextInput

from tracker.actors.display import actor_name
from tracker.actors.models import Actor
from tracker.fields import file_field, text_area, text_field
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
from tracker.meetings.queries import REFERENCE_GROUP, Series
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
WHEN_HELP = _l("The local time where the meeting is held (its time zone is chosen below).")
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
    return choices + [(a.code, f"{actor_name(a)} ({a.code})") for a in actors]


def _action_point_choices(action_points: Iterable[ActionPoint]) -> list[tuple[str, str]]:
    return [(ap.code, f"{ap.code} {ap.title[:80]}") for ap in action_points]


class MeetingForm(FlaskForm):
    plan = SelectField(_l("Plan"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    series = text_field(
        _l("Series"),
        InputRequired,
        max_length=80,
        description=_l(
            "The same word for every meeting of one series, e.g. reference-group for the "
            "Reference Group's meetings."
        ),
    )
    number = IntegerField(_l("Number in the series"), validators=[Optional()])
    title = text_field(_l("Title"), InputRequired, max_length=300)
    starts_at = StringField(
        _l("Starts"), validators=[InputRequired()], description=WHEN_HELP, widget=MomentInput()
    )
    ends_at = StringField(
        _l("Ends"), validators=[InputRequired()], description=WHEN_HELP, widget=MomentInput()
    )
    timezone = text_field(
        _l("Time zone"),
        Optional,
        max_length=64,
        render_kw={"translate": "no"},  # zone ids (Europe/Budapest) are names, not words
        description=_l(
            "Region and city of the meeting's clock, e.g. Europe/Budapest or Asia/Tbilisi."
        ),
    )
    place = text_field(_l("Place"), Optional, max_length=300)
    is_virtual = BooleanField(_l("Virtual meeting"))
    url = text_field(_l("Meeting link"), Optional, max_length=2000)
    host_actor = SelectField(_l("Host"), validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in MeetingKind]

    def set_choices(self, plans: Iterable[Plan], actors: Iterable[Actor]) -> None:
        self.plan.choices = [(p.code, f"{p.code} {p.title}") for p in plans]
        self.host_actor.choices = _actor_choices(actors, _("— none —"))


def timezone_choices(current: str | None, host_code: str | None) -> dict[str, list]:
    """Every zone, grouped: first the likely ones (the zone already chosen, the host state's,
    Budapest, UTC), then all of them in alphabetical order."""
    likely = list(dict.fromkeys([*filter(None, [current]), *country_zones(host_code)]))
    likely += [zone for zone in (DEFAULT_ZONE, "UTC") if zone not in likely]
    zones = known_zones()
    likely = [zone for zone in likely if zone in zones]
    rest = [(zone, zone.replace("_", " ")) for zone in zones if zone not in likely]
    return {
        _("Likely"): [(zone, zone.replace("_", " ")) for zone in likely],
        _("All time zones"): rest,
    }


class MeetingPageForm(MeetingForm):
    """The meeting form of the pages: the series chosen by name (or a new one started), the
    number and title filled in when left empty, the time zone chosen from a list. The API
    keeps MeetingForm: keys and zone names as text."""

    series = SelectField(
        _l("Series"),
        validators=[InputRequired()],
        description=_l("Open follow-ups of a series' meetings carry over to its next meeting."),
    )
    new_series = text_field(
        _l("Name of the new series"),
        Optional,
        max_length=200,
        description=_l("Only when starting a new series, e.g. Black Sea working group."),
    )
    number = IntegerField(
        _l("Number in the series"),
        validators=[Optional()],
        description=_l("Left empty: the next number of the series."),
    )
    title = text_field(
        _l("Title"),
        Optional,
        max_length=300,
        description=_l("Left empty: the series name and number, e.g. Reference Group meeting 13."),
    )
    timezone = SelectField(
        _l("Time zone"),
        render_kw={"translate": "no"},  # zone ids (Europe/Budapest) are names, not words
        validators=[InputRequired()],
        description=_l("Where the meeting is held: its times are entered and shown in this zone."),
        invalid_choice_message=_l("Choose a time zone from the list."),
    )

    def set_page_choices(self, plans, actors, series: list[Series]) -> None:
        self.set_choices(plans, actors)
        self.series_list = series
        self.series.choices = [
            (s.key, s.name, {"data-next": s.next_number, "data-kind": s.kind}) for s in series
        ] + [(NEW_SERIES, _("Start a new series…"), {})]
        self.timezone.choices = timezone_choices(self.timezone.data, self.host_actor.data)
        # The host state's zone rides on its option: the page's script proposes it.
        self.host_actor.choices = [("", _("— none —"), {})] + [
            (
                a.code,
                f"{actor_name(a)} ({a.code})",
                {"data-zone": next(iter(country_zones(a.code)), "")},
            )
            for a in actors
        ]

    def validate_new_series(self, field) -> None:
        named = bool((field.data or "").strip())
        if self.series.data == NEW_SERIES and not named:
            raise ValidationError(_("Give the name of the new series."))
        if self.series.data != NEW_SERIES and named:
            # Typed, then an existing series chosen: ask, rather than drop the name unsaid.
            raise ValidationError(
                _(
                    "You named a new series but chose an existing one: choose “Start a new "
                    "series…” above, or clear this name."
                )
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
                _("There is already a series called “%(name)s”: choose it in the list.", name=name),
                "new_series",
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
    actor = SelectField(_l("Actor"), validators=[InputRequired()])
    attendance = SelectField(_l("Attendance"), validators=[InputRequired()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        self.actor.choices = _actor_choices(actors)
        self.attendance.choices = [(a.value, a.label) for a in Attendance]


def participant_values(form: ParticipantForm, actors: Iterable[Actor]) -> dict:
    """The validated form's values for set_participant (the actor is one of the choices)."""
    actor = next(a for a in actors if a.code == form.actor.data)
    return {"actor": actor, "attendance": form.attendance.data}


class ParticipantGroupForm(FlaskForm):
    group = SelectField(
        _l("Group"),
        validators=[InputRequired()],
        invalid_choice_message=_l("Choose the Reference Group or a working group."),
    )
    # Its own id: the meeting page also holds ParticipantForm's `attendance`.
    attendance = SelectField(_l("Attendance"), id="group-attendance", validators=[InputRequired()])

    def set_choices(self, groups: list[tuple[str, str, list[int]]], actors: Iterable[Actor]):
        """The groups of queries.participant_groups, with their members that are not retired."""
        by_id = {actor.id: actor for actor in actors if not actor.is_retired}
        self.groups = {
            value: (name, [by_id[i] for i in ids if i in by_id]) for value, name, ids in groups
        }
        self.group.choices = [
            (
                value,
                ngettext(
                    "%(name)s (%(num)d member)",
                    "%(name)s (%(num)d members)",
                    len(members),
                    name=_("The Reference Group")
                    if value == REFERENCE_GROUP
                    else name[:1].upper() + name[1:],
                ),
            )
            for value, (name, members) in self.groups.items()
        ]
        self.attendance.choices = [(a.value, a.label) for a in Attendance]


def participant_group_values(form: ParticipantGroupForm) -> dict:
    """The validated form's values for add_participants."""
    name, actors = form.groups[form.group.data]
    return {"group": name, "actors": actors, "attendance": form.attendance.data}


class AgendaItemForm(FlaskForm):
    title = text_field(_l("Agenda item"), InputRequired, max_length=500)
    # Only the meeting's own plan is offered, so another plan's code is refused here.
    action_point = SelectField(
        _l("Action point"),
        validators=[Optional()],
        invalid_choice_message=_l("Not an action point of the meeting's plan."),
    )
    goal = SelectField(
        _l("Priority goal"),
        validators=[Optional()],
        invalid_choice_message=_l("Not a priority goal of the meeting's plan."),
    )

    def set_choices(self, plan: Plan) -> None:
        self.action_point.choices = [("", _("— none —"))] + _action_point_choices(
            plan.action_points
        )
        self.goal.choices = [("", _("— none —"))] + [
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
    position = IntegerField(
        _l("Position"), validators=[Optional()], description=_l("1 is the first item.")
    )


class AgendaItemChangeForm(AgendaItemForm):
    """The API's PATCH of an agenda item: its title and links, its position, or both."""

    position = AgendaMoveForm.position


class MinutesForm(FlaskForm):
    # Distinct ids: the meeting page holds several forms with a `text` field.
    text = TextAreaField(
        _l("Minutes"),
        id="minutes-text",
        validators=[InputRequired()],
        description=_l(
            "%(format)s At most %(max)d characters. Saving adds a new version.",
            format=TEXT_FORMAT_HELP,
            max=MAX_MINUTES,
        ),
    )


class DecisionForm(FlaskForm):
    text = text_area(_l("Decision"), InputRequired, max_length=MAX_TEXT, id="decision-text")
    action_points = SelectMultipleField(
        _l("Linked action points"),
        validators=[Optional()],
        invalid_choice_message=_l("Not an action point of the meeting's plan."),
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
    text = text_area(
        _l("Follow-up action"), InputRequired, max_length=MAX_TEXT, id="follow-up-text"
    )
    # Optional here: the service says what is missing, in one place for pages and API.
    owner = SelectField(_l("Owner"), validators=[Optional()])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor]) -> None:
        self.owner.choices = _actor_choices(actors, _("— choose the owner —"))


class FollowUpForm(FollowUpEditForm):
    version = None  # a new follow-up has no version yet
    decision = SelectField(_l("Decision"), validators=[Optional()])

    def set_choices(self, actors: Iterable[Actor], meeting: Meeting) -> None:
        super().set_choices(actors)
        self.decision.choices = [("", _("— none —"))] + [
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
    status = SelectField(_l("Status"), validators=[InputRequired()])
    note = text_area(_l("Note"), InputRequired, max_length=MAX_NOTE)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, s.label) for s in FollowUpStatus]


class StepForm(FlaskForm):
    """A button with no fields (carry over): the CSRF token only."""


class AttachmentForm(FlaskForm):
    # Size and type are checked by store_upload, the one place for upload rules.
    file = file_field(_l("File"), _l("Choose a file to attach."))
