from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from tracker.audit.services import audited_types
from tracker.db import MAX_ID
from tracker.fields import text_field

COMMON_ACTIONS = [
    "create",
    "update",
    "retire",
    "revoke",
    "denied",
    "sign_in",
    "sign_in_failed",
    "sign_in_throttled",
    "sign_out",
    "password_change",
]


# The kinds of record as the trail's page names them (a table not listed reads as its name).
ENTITY_LABELS = {
    "account_links": _l("account links"),
    "action_point_continuations": _l("action point continuations"),
    "action_point_documents": _l("action point documents"),
    "action_point_partners": _l("action point partners"),
    "action_point_statuses": _l("action point statuses"),
    "action_points": _l("action points"),
    "activities": _l("activities"),
    "actor_action_point_statuses": _l("actor action point statuses"),
    "actors": _l("actors"),
    "agenda_items": _l("agenda items"),
    "api_tokens": _l("api tokens"),
    "calendar_feeds": _l("calendar feeds"),
    "commitments": _l("commitments"),
    "decision_action_points": _l("decision action points"),
    "decisions": _l("decisions"),
    "exchange_rates": _l("exchange rates"),
    "follow_up_notes": _l("follow up notes"),
    "follow_ups": _l("follow ups"),
    "meeting_attachments": _l("meeting attachments"),
    "meeting_participants": _l("meeting participants"),
    "meetings": _l("meetings"),
    "minutes": _l("minutes"),
    "notification_digests": _l("notification digests"),
    "notification_settings": _l("notification settings"),
    "notifications": _l("notifications"),
    "outbox": _l("outbox"),
    "plans": _l("plans"),
    "pledge_entries": _l("pledge entries"),
    "pledges": _l("pledges"),
    "priority_goals": _l("priority goals"),
    "progress_updates": _l("progress updates"),
    "published_reports": _l("published reports"),
    "recovery_codes": _l("recovery codes"),
    "reference_group_memberships": _l("reference group memberships"),
    "reporting_rounds": _l("reporting rounds"),
    "round_reminders": _l("round reminders"),
    "sign_in_attempts": _l("sign in attempts"),
    "stored_files": _l("stored files"),
    "update_evidence": _l("update evidence"),
    "users": _l("users"),
    "working_group_members": _l("working group members"),
    "working_groups": _l("working groups"),
}


def entity_label(entity_type: str) -> str:
    """A kind of record in words, in the interface language: "action points"."""
    label = ENTITY_LABELS.get(entity_type)
    return str(label) if label is not None else entity_type.replace("_", " ")


class AuditFilterForm(FlaskForm):
    """The filters of the audit trail, read from the query string by the page and the API."""

    class Meta:
        csrf = False  # a GET search changes nothing: there is nothing to forge

    user = text_field(_l("User (email)"), Optional, max_length=254)
    object_type = SelectField(_l("Object"), validators=[Optional()])
    object_id = IntegerField(
        _l("Object id"),
        validators=[
            Optional(),
            NumberRange(1, MAX_ID, _l("Use a whole number from 1 to %(max)s.", max=MAX_ID)),
        ],
    )
    action = text_field(
        _l("Action"),
        Optional,
        max_length=32,
        # The actions are codes, typed as they are stored: only the sentence is translated.
        description=_l("For example: %(actions)s.", actions=", ".join(COMMON_ACTIONS)),
    )
    date_from = DateField("From", validators=[Optional()], name="from")
    date_to = DateField("To", validators=[Optional()], name="to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "From" and "To" name other things elsewhere (the meeting a follow-up comes from).
        self.date_from.label.text = pgettext("date filter", "From")
        self.date_to.label.text = pgettext("date filter", "To")
        types = audited_types()
        self.object_type.choices = [("", _l("Any")), *((t, entity_label(t)) for t in types)]

    def field_named(self, name: str) -> Field:
        """The field with this query parameter name ("from" is the field date_from)."""
        return next(field for field in self if field.name == name)

    def field_errors(self) -> dict[str, str]:
        """{query parameter: message}, as the API reports them."""
        return {field.name: " ".join(map(str, field.errors)) for field in self if field.errors}

    def filter_values(self) -> dict:
        """The keyword arguments of audit_events_query that the form stands for."""
        return {
            "user_email": self.user.data or None,
            "entity_type": self.object_type.data or None,
            "entity_id": self.object_id.data,
            "action": self.action.data or None,
            "date_from": self.date_from.data,
            "date_to": self.date_to.data,
        }
