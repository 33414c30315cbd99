"""The parts of a meeting as the page and the API write them: each form with the choices the
meeting offers, and each write from a validated form to its service, written once for both.

A write takes the meeting (or, for an edit, the record), the validated form and who acts; it
returns what the service returns.
"""

from collections.abc import Callable
from dataclasses import dataclass

from tracker.actors.services import list_actors
from tracker.meetings import agenda, follow_ups, queries, services
from tracker.meetings.forms import (
    AgendaItemForm,
    DecisionEditForm,
    DecisionForm,
    FollowUpEditForm,
    FollowUpForm,
    ParticipantForm,
    ParticipantGroupForm,
    agenda_item_data,
    agenda_item_values,
    decision_data,
    decision_values,
    follow_up_data,
    follow_up_edit_values,
    follow_up_values,
    participant_group_values,
    participant_values,
)
from tracker.meetings.models import Meeting


def with_choices(form, meeting: Meeting | None, actors: list | None = None):
    """`form` with the choices it offers for `meeting`: its plan's action points and goals, or
    the actors (read once here, or given; kept as `form.actors` for the form's values)."""
    if isinstance(form, AgendaItemForm | DecisionForm):
        form.set_choices(meeting.plan)
        return form
    if not isinstance(form, ParticipantForm | ParticipantGroupForm | FollowUpEditForm):
        return form
    form.actors = list_actors() if actors is None else actors
    if isinstance(form, ParticipantGroupForm):
        form.set_choices(queries.participant_groups(), form.actors)
    elif isinstance(form, FollowUpForm):
        form.set_choices(form.actors, meeting)
    else:
        form.set_choices(form.actors)
    return form


def set_participant(meeting, form, by):
    return services.set_participant(meeting, **participant_values(form, form.actors), by=by)


def add_participant_group(meeting, form, by):
    return services.add_participants(meeting, **participant_group_values(form), by=by)


def add_agenda_item(meeting, form, by):
    return agenda.add_agenda_item(meeting, **agenda_item_values(form, meeting.plan), by=by)


def update_agenda_item(item, form, by):
    values = agenda_item_values(form, item.meeting.plan)
    return agenda.update_agenda_item(item, **values, by=by)


def move_agenda_item(item, form, by):
    return agenda.move_agenda_item(item, position=form.position.data, by=by)


def cancel_meeting(meeting, form, by):
    return services.cancel_meeting(meeting, by=by)


def carry_over(meeting, form, by):
    return services.carry_over(meeting, by=by)


def record_minutes(meeting, form, by):
    return services.record_minutes(meeting, text=form.text.data, by=by)


def record_decision(meeting, form, by):
    values = decision_values(form, meeting.plan)
    return follow_ups.record_decision(meeting, **values, by=by)


def update_decision(decision, form, by):
    values = decision_values(form, decision.meeting.plan)
    return follow_ups.update_decision(decision, **values, version=form.version.data, by=by)


def add_follow_up(meeting, form, by):
    values = follow_up_values(form, form.actors, meeting)
    return follow_ups.add_follow_up(meeting, **values, by=by)


def update_follow_up(follow_up, form, by):
    values = follow_up_edit_values(form, form.actors)
    return follow_ups.update_follow_up(follow_up, **values, by=by)


def change_follow_up_status(follow_up, form, by):
    status, note = form.status.data, form.note.data
    return follow_ups.change_follow_up_status(
        follow_up, status=status, note=note, version=form.version.data, by=by
    )


@dataclass(frozen=True)
class Kind:
    """A kind of record of a meeting: how it is found in its meeting (None when it is not
    there) and removed; for those with an edit page, its form, the record as the form shows it,
    and its write."""

    find: Callable[[Meeting, object], object | None]
    remove: Callable
    form: type | None = None
    data: Callable[[object], dict] | None = None
    write: Callable | None = None


PARTICIPANT = Kind(services.get_participant, services.remove_participant)
ATTACHMENT = Kind(services.get_attachment, services.remove_attachment)
AGENDA_ITEM = Kind(
    agenda.get_agenda_item,
    agenda.remove_agenda_item,
    AgendaItemForm,
    agenda_item_data,
    update_agenda_item,
)
DECISION = Kind(
    follow_ups.get_decision,
    follow_ups.remove_decision,
    DecisionEditForm,
    decision_data,
    update_decision,
)
FOLLOW_UP = Kind(
    follow_ups.get_follow_up,
    follow_ups.remove_follow_up,
    FollowUpEditForm,
    follow_up_data,
    update_follow_up,
)
