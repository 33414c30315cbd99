"""The audit trail as a person reads it: the one place that turns a stored change into words.

The trail keeps what machines need (codes, ids, enum values, a file's SHA-256; the API serves
them as they are). A history panel shows what a person recognises: an actor's name, an action
point's number and title, a follow-up's text, "Ongoing" for `ongoing`, a file's name. The
records the events name are looked up for the whole list at once (one query at most), never
one per row. Here in reports/, not audit/: it reads every domain, and audit/ imports none.
"""

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from babel.numbers import format_decimal
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, cast, literal, null, select, union_all

from tracker.actors.display import localized_name
from tracker.actors.models import Actor, ActorKind
from tracker.audit.models import AuditEvent
from tracker.audit.services import LABELS, english_label, field_label, history_of
from tracker.auth.models import Role
from tracker.db import db
from tracker.i18n import (
    SOURCE_LANGUAGE,
    current_language,
    format_day,
    format_money,
    format_number,
    format_percent,
)
from tracker.meetings.models import LABELS as MEETING_LABELS
from tracker.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    FollowUp,
    FollowUpStatus,
    MeetingKind,
)
from tracker.notifications.models import Delivery
from tracker.plan.models import ActionPoint, Activity, Plan, PriorityGoal
from tracker.pledges.models import ENTRY_KIND_LABELS, EntryKind, TargetKind
from tracker.progress.models import STATUS_LABELS, Status, Workflow
from tracker.translated_names import other_languages

TEXT_LENGTH = 120


# Fields whose values are one of these enums' values, shown by the member's label.
ENUMS: dict[str, tuple[type, ...]] = {
    "status": (Status, FollowUpStatus),
    "workflow": (Workflow,),
    "kind": (MeetingKind, ActorKind, EntryKind),
    "attendance": (Attendance,),
    "role": (Role,),
    "target_kind": (TargetKind,),
}

# Fields that name records, by the kind of record their values point at.
REFERENCES = {
    "actor": "actor",
    "owner_actor": "actor",
    "host_actor": "actor",
    "lead_actor": "actor",
    "partners": "actor",
    "members": "actor",
    "target": "target",
    "follow_ups": "follow_up",
    "agenda_item": "agenda_item",
    "decision": "decision",
    "action_point": "action_point",
    "action_points": "action_point",
    "goal": "goal",
}

# Stored for machines only; the same event names the file in words.
HIDDEN = {"sha256", "file_id"}

# The changed fields that audit.services.LABELS leaves to their column's name ("Evidence
# links"), as their forms name them in the reader's language; English keeps the column's name.
FIELD_LABELS = {
    "text": _l("Text"),
    "place": _l("Place"),
    "series": _l("Series"),
    "reference": _l("Reference"),
    "purpose": _l("Purpose"),
    "currency": _l("Currency"),
    "rate": _l("Rate"),
    "source": _l("Source"),
    "budget": _l("Estimated budget"),
    "weight": _l("Weight"),
    "position": _l("Position"),
    "reason": _l("Reason"),
    "evidence_links": _l("Evidence links"),
    "activity": _l("Activity"),
    "decision": _l("Decision"),
    "follow_up": _l("Follow-up"),
    "attachment": _l("Attachment"),
    "cancelled_at": _l("Cancelled"),
    "opens_on": _l("Opens on"),
    "deadline": _l("Deadline"),
    "reminded": _l("Reminded"),
    "published_report": _l("Published report"),
    "as_of": _l("As of"),
    "email": _l("Email"),
    "is_active": _l("Active"),
    "delivery": _l("Notifications by mail"),
    "successor": _l("Successor"),
    "departing": _l("Handed over by"),
    "held_by": _l("Held by"),
    "updates": _l("Updates"),
    "pledges": _l("Pledges"),
}


def _label(field: str) -> str:
    """A changed field as a history panel names it, in the interface language."""
    if field in FIELD_LABELS and current_language() != SOURCE_LANGUAGE:
        return str(FIELD_LABELS[field])
    return field_label(field)


# A hand-over's lists of the records it moved: "none" when there were none.
HANDED_OVER = {"updates", "pledges"}

# Events whose changes are keyed by the participant's actor code.
PARTICIPANT_ACTIONS = {"participant", "participant_remove"}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class HistoryEntry:
    summary: str
    by: str
    occurred_at: datetime
    changes: list[Change]


def page_history(entity: db.Model, *, plan_id: int | None = None) -> list[HistoryEntry]:
    """A record's history panel: its newest events, in words."""
    return describe_events(history_of(entity), plan_id=plan_id)


def describe_events(
    events: Iterable[AuditEvent], *, plan_id: int | None = None
) -> list[HistoryEntry]:
    """Events in words. `plan_id` names the plan whose action point codes and goal numbers the
    events carry (a meeting's, a pledge's); without it they are shown as numbers alone."""
    events = list(events)
    changes = describe_changes(events, plan_id=plan_id)
    return [
        HistoryEntry(
            summary_in_words(event.summary), event.by, event.occurred_at, changes[event.id]
        )
        for event in events
    ]


def _msgid(label: Any) -> str:
    """The English of a lazy label (the text its catalogue entry is keyed by)."""
    args = getattr(label, "_args", None)
    return args[0] if args else str(label)


# An event's summary is stored once, in English, for everyone who reads the trail; it is shown
# in the reader's language by the first of these shapes that matches it whole (so the more
# specific shape comes first). A summary that none knows is shown as stored. Codes, names and
# the texts people typed stay as they were written; dates, amounts and counts are written for
# the reader (see _CONVERT), and a label the summary carries in English (a status, an entry
# kind) is shown by its one label source. A message is a lazy string, or a function of the
# values where the sentence has a count (its plural forms).
#
# A shape is written once, as its message: the stored English reads as the msgid (or as its
# `english=` where the message words it otherwise, and always for a function), and each
# %(name)s in it stands for a value that looks as VALUES says, or as the shape's keyword says.

# A participant's attendance, as its value ("invited") and as its English label ("Invited").
_ATTENDANCE_VALUES = "|".join(a.value for a in Attendance)
_ATTENDANCE_LABELS = "|".join(re.escape(_msgid(MEETING_LABELS[a])) for a in Attendance)

# What a value looks like in a stored summary, by its placeholder's name; any other: _ANY.
_ANY, _ANY_OR_NONE, _WORD, _NUMBER = r".+", r".*", r"\S+", r"\d+"
_HOUSE_DAY = r"\d{2} [A-Z][a-z]{2} \d{4}"  # "05 Dec 2026"
_THOUSANDS = r"[\d,]+"  # "1,234"
VALUES = {
    # Codes, references, addresses (the accounts of a hand-over too), token prefixes: one word.
    **dict.fromkeys(("ap", "plan", "code", "new_code", "reference", "prefix"), _WORD),
    **dict.fromkeys(("email", "new_email", "giver", "taker", "new_date", "new_role"), _WORD),
    # Records' numbers and positions, counts, minutes.
    **dict.fromkeys(("number", "position", "before", "after", "meeting", "update"), _NUMBER),
    **dict.fromkeys(("num", "count", "percent", "updates", "pledges"), _NUMBER),
    **dict.fromkeys(("user", "minutes", "limit"), _NUMBER),
    # The demo's counts, written with thousands separators.
    **dict.fromkeys(("points", "activities", "entries", "meetings", "years"), _THOUSANDS),
    "status_code": r"\d{3}",
    "date": r"\d{4}-\d{2}-\d{2}",
    "amount": r"-?\d+(?:\.\d+)?",
    "currency": r"[A-Z]{3}",
    "reporting": r"[A-Z]{3}",
    "kind": "|".join(kind.value for kind in EntryKind),
    "role": r"[a-z_]+",
    "text": _ANY_OR_NONE,
    "attendance": _ATTENDANCE_VALUES,
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _shape(message: Any, *, english: str = "", **values: str) -> tuple[re.Pattern, Any]:
    """A summary's pattern, made from its English wording, and the message that shows it."""
    pieces = _PLACEHOLDER.split(english or _msgid(message))  # text, name, text, ..., text
    pattern = "".join(
        f"(?P<{piece}>{values.get(piece) or VALUES.get(piece, _ANY)})"
        if i % 2  # a placeholder's name
        else re.escape(piece.replace("%%", "%"))
        for i, piece in enumerate(pieces)
    )
    return re.compile(pattern), message


SUMMARIES: list[tuple[re.Pattern, Any]] = [
    # Progress updates, action point statuses and rounds.
    _shape(_l("Submitted an update (%(actor)s on action point %(ap)s)")),
    _shape(_l("Drafted an update (%(actor)s on action point %(ap)s)")),
    _shape(_l("Submitted the update (%(actor)s on action point %(ap)s)")),
    _shape(_l("Withdrew the update to draft (%(actor)s on action point %(ap)s)")),
    _shape(_l("Returned the update (%(actor)s on action point %(ap)s)")),
    _shape(_l("Validated the update (%(actor)s on action point %(ap)s)")),
    # A file's name runs up to the first " (" the rest matches from; fields have no brackets.
    _shape(_l("Attached evidence %(file)s (%(actor)s on action point %(ap)s)"), file=r".+?"),
    _shape(_l("Edited %(fields)s (%(actor)s on action point %(ap)s)"), fields=r"[^()]+"),
    _shape(_l("Validated a synthetic update")),
    _shape(_l("Reported a synthetic update")),
    _shape(
        _l("Overall status: %(status)s, %(percent)s (update %(update)s, reported %(date)s)"),
        english="Overall status: %(status)s, %(percent)s%% (update %(update)s, reported %(date)s)",
    ),
    _shape(_l("Changed weight")),
    _shape(_l("Opened reporting round %(title)s on %(plan)s")),
    _shape(_l("Closed round %(title)s")),
    _shape(
        lambda v: ngettext(
            "Reminded %(name)s (%(code)s) of %(num)d action point not reported in round %(title)s",
            "Reminded %(name)s (%(code)s) of %(num)d action points not reported in round %(title)s",
            **v,
        ),
        english="Reminded %(name)s (%(code)s) of %(num)s action point(s) not reported in round "
        "%(title)s",
        code=r"[^()]+",
    ),
    _shape(_l("Published the progress report for round %(title)s")),
    _shape(
        _l(
            "Loaded demo: action points %(points)s, activities %(activities)s, progress "
            "updates %(updates)s, ledger entries %(entries)s, meetings %(meetings)s, years "
            "%(years)s"
        ),
        english="Loaded demo: %(points)s action points, %(activities)s activities, %(updates)s "
        "progress updates, %(entries)s ledger entries, %(meetings)s meetings, %(years)s year(s)",
        updates=_THOUSANDS,  # like the demo's other counts
    ),
    # Pledges, their ledgers, exchange rates and budgets.
    _shape(_l("%(actor)s pledged %(amount)s"), english="%(actor)s pledged %(amount)s %(currency)s"),
    _shape(
        _l("Recorded “%(kind)s” %(amount)s, value date %(date)s: %(reason)s"),
        english="Recorded %(kind)s %(amount)s %(currency)s on %(date)s: %(reason)s",
    ),
    _shape(
        _l("Recorded “%(kind)s” %(amount)s, value date %(date)s"),
        english="Recorded %(kind)s %(amount)s %(currency)s on %(date)s",
    ),
    _shape(_l("Edited pledge")),
    _shape(_l("Rate %(currency)s/%(reporting)s on %(date)s: %(rate)s")),
    _shape(_l("Rate %(currency)s/%(reporting)s on %(date)s")),
    _shape(_l("Set the estimated budget")),
    _shape(_l("Cleared the estimated budget")),
    # Meetings: agenda, participants, minutes, files, decisions and follow-ups.
    _shape(_l("Agenda item %(before)s moved to %(after)s: %(title)s"), title=_ANY_OR_NONE),
    _shape(_l("Agenda item %(position)s removed: %(title)s"), title=_ANY_OR_NONE),
    _shape(_l("Agenda item %(position)s edited: %(title)s"), title=_ANY_OR_NONE),
    _shape(_l("Agenda item added to meeting %(meeting)s")),
    _shape(_l("Meeting edited")),
    _shape(_l("Meeting cancelled")),
    _shape(_l("Meeting %(title)s created")),
    _shape(
        lambda v: ngettext(
            "%(num)d open follow-up carried onto the agenda",
            "%(num)d open follow-ups carried onto the agenda",
            **v,
        ),
        english="%(num)s open follow-up(s) carried onto the agenda",
    ),
    _shape(_l("%(name)s removed from the participants")),
    _shape(_l("Minutes version %(number)s")),
    _shape(_l("File %(file)s removed from the meeting")),
    _shape(_l("File %(file)s attached")),
    _shape(_l("Decision recorded at meeting %(meeting)s")),
    _shape(_l("Decision edited: %(text)s")),
    _shape(_l("Decision removed: %(text)s")),
    _shape(_l("Follow-up for %(owner)s removed: %(text)s")),
    _shape(_l("Follow-up for %(owner)s due %(date)s"), date=_HOUSE_DAY),
    # A follow-up is handed from one actor to another: by their names, not their accounts.
    _shape(
        _l("Due date moved from %(date)s to %(new_date)s. Handed from %(giver)s to %(taker)s."),
        date=_WORD,
        giver=_ANY,
        taker=_ANY,
    ),
    _shape(_l("Due date moved from %(date)s to %(new_date)s."), date=_WORD),
    _shape(_l("Handed from %(giver)s to %(taker)s."), giver=_ANY, taker=_ANY),
    _shape(_l("Follow-up text corrected")),
    _shape(_l("Follow-up %(follow_up_status)s → %(new_follow_up_status)s")),
    # Accounts: invitations, sign-in, two-factor, tokens, calendar feeds, hand-overs.
    _shape(
        _l(
            "Handed over the work of %(giver)s to %(taker)s: open updates %(updates)s, "
            "pledges in progress %(pledges)s; account deactivated"
        ),
        english="Handed over the work of %(giver)s to %(taker)s: %(updates)s open update(s), "
        "%(pledges)s pledge(s) in progress; account deactivated",
    ),
    _shape(
        _l(
            "%(taker)s took over the work of %(giver)s: open updates %(updates)s, pledges in "
            "progress %(pledges)s"
        ),
        english="%(taker)s took over the work of %(giver)s: %(updates)s open update(s), "
        "%(pledges)s pledge(s) in progress",
    ),
    _shape(_l("Handed over from %(giver)s to %(taker)s")),
    _shape(_l("Invited %(email)s again")),
    _shape(_l("Invited %(email)s (%(role)s)")),
    _shape(_l("Created account %(email)s (%(role)s)")),
    _shape(_l("Account %(email)s: %(account_changes)s")),
    _shape(_l("Password of %(email)s set")),
    # What was typed at sign-in, which need not be an address.
    _shape(_l("Failed sign-in as %(email)s"), email=_ANY),
    _shape(_l("Wrong current password given on the password page of %(email)s"), email=_ANY),
    _shape(
        _l(
            "Sign-in as %(email)s refused from this address for up to %(minutes)s minutes: too "
            "many failures"
        ),
        email=_ANY,
    ),
    _shape(
        _l(
            "Sign-in as %(email)s refused this address, for any account, for up to "
            "%(minutes)s minutes: too many failures"
        ),
        email=_ANY,
    ),
    _shape(
        _l(
            "Sign-in as %(email)s refused from addresses it never signed in from for up to "
            "%(minutes)s minutes: too many failures"
        ),
        email=_ANY,
    ),
    _shape(_l("%(email)s gave the right password; second factor asked")),
    _shape(_l("%(email)s signed in with an authenticator code")),
    _shape(_l("%(email)s signed in with a recovery code")),
    _shape(_l("%(email)s signed in")),
    _shape(_l("%(email)s signed out")),
    _shape(_l("%(email)s changed their password")),
    _shape(_l("%(email)s changed their name")),
    _shape(_l("%(email)s asked to change their email to %(new_email)s")),
    _shape(_l("%(email)s changed their email to %(new_email)s")),
    _shape(_l("%(email)s accepted the invitation and set a password")),
    _shape(_l("Withdrew the invitation of %(email)s; the account is deactivated")),
    _shape(_l("A password reset link was mailed to %(email)s")),
    _shape(_l("%(email)s set a new password through a reset link; every session ended")),
    _shape(_l("%(email)s turned on two-factor sign-in")),
    _shape(_l("%(email)s turned off two-factor sign-in")),
    _shape(_l("Two-factor sign-in of %(email)s reset; their sessions ended")),
    _shape(_l("Wrong or reused second-factor code for %(email)s")),
    _shape(_l("%(email)s made new recovery codes")),
    _shape(_l("API token %(prefix)s… for %(email)s")),
    _shape(_l("Revoked API token %(prefix)s…")),
    _shape(
        _l(
            "Tokens from this address refused for %(minutes)s minutes: %(limit)s failed (the "
            "last: token %(prefix)s)"
        )
    ),
    _shape(
        _l(
            "Tokens from this address refused for %(minutes)s minutes: %(limit)s failed (the "
            "last: the calendar feed of user %(user)s)"
        )
    ),
    _shape(_l("Replaced the calendar feed address for %(email)s; the old one stopped working")),
    _shape(_l("New calendar feed address for %(email)s")),
    _shape(_l("Calendar feed address for %(email)s")),
    _shape(_l("Revoked the calendar feed address of %(email)s (made with API token %(prefix)s…)")),
    _shape(_l("Revoked the calendar feed address of %(email)s")),
    _shape(_l("Notifications by mail: %(delivery)s")),
    # The plan, goals, activities, documents and actors.
    _shape(_l("Created action point %(code)s in %(plan)s")),
    _shape(_l("Created activity %(code)s under action point %(ap)s")),
    _shape(_l("Edited activity %(code)s of action point %(ap)s: %(fields)s")),
    _shape(_l("Added goal %(number)s to %(plan)s")),
    _shape(_l("Edited goal %(number)s of %(plan)s: %(fields)s")),
    _shape(_l("Official wording of goal %(number)s of %(plan)s")),
    _shape(_l("Added commitment %(number)s to %(plan)s")),
    _shape(_l("Added plan %(code)s")),
    _shape(_l("Continued in %(reference)s")),
    _shape(_l("No longer continued in %(reference)s")),
    _shape(
        _l("Attached “%(title)s” (%(file)s) to action point %(ap)s"),
        title=_ANY_OR_NONE,
        file=_ANY_OR_NONE,
    ),
    _shape(_l("Retired “%(title)s” of action point %(ap)s"), title=_ANY_OR_NONE),
    _shape(_l("Added actor %(code)s")),
    _shape(_l("Edited actor %(code)s: %(fields)s")),
    _shape(_l("Added working group %(code)s")),
    _shape(_l("Edited working group %(code)s: %(fields)s")),
    _shape(_l("Added participating state %(name)s")),
    _shape(_l("Added observer state %(name)s")),
    _shape(_l("Added organisation %(name)s")),
    _shape(
        _l("%(name)s joined the Reference Group."), english="%(name)s joined the Reference Group"
    ),
    _shape(_l("%(name)s left the Reference Group."), english="%(name)s left the Reference Group"),
    _shape(_l("Names of actor %(code)s")),
    _shape(_l("Names of plan %(code)s")),
    _shape(_l("Names of goal %(number)s of %(plan)s")),
    # The shapes that end in anything: last, so that a specific one above wins. The summaries
    # that end in a full stop only in their message are worded without it.
    _shape(
        _l("%(group)s: %(count)s added as “%(attendance)s”"),
        english="%(group)s: %(count)s %(attendance)s",
    ),
    _shape(_l("%(name)s: %(attendance)s"), attendance=_ATTENDANCE_LABELS),
    _shape(_l("%(request)s refused (%(status_code)s)")),
    _shape(_l("Retired %(what)s."), english="Retired %(what)s"),
    _shape(_l("Restored %(what)s."), english="Restored %(what)s"),
    _shape(_l("Edited %(fields)s"), fields=r"[a-z0-9 ,()-]+"),
    _shape(_l("Added %(name)s."), english="Added %(name)s"),
]

# What `retirement.describe` wrote into "Retired …" and "Restored …".
DESCRIBED: list[tuple[re.Pattern, Any]] = [
    _shape(_l("goal %(number)s of %(plan)s")),
    _shape(_l("action point %(reference)s")),
    _shape(_l("activity %(code)s of action point %(reference)s")),
    _shape(_l("actor %(code)s")),
    _shape(_l("working group %(code)s")),
]

# What `update_user` wrote after "Account <email>: ", one part each, joined by ", ".
ACCOUNT_CHANGES: list[tuple[re.Pattern, Any]] = [
    _shape(_l("reactivated")),
    _shape(_l("deactivated")),
    _shape(_l("role %(role)s → %(new_role)s"), role=_WORD),
    _shape(_l("actor %(code)s → %(new_code)s")),
    _shape(_l("name changed")),
]


def _labelled(labels: dict, text: str) -> str:
    """A label a summary carries in English (or the member's value), in the reader's words."""
    for member, label in labels.items():
        if text in (_msgid(label), getattr(member, "value", None)):
            return str(label)
    return text


def _role(text: str) -> str:
    try:
        return str(Role(text).label)
    except ValueError:
        return text


def _delivery(text: str) -> str:
    """A delivery choice as "Notifications by mail: …" wrote it (its English label)."""
    for member in Delivery:
        with force_locale(SOURCE_LANGUAGE):
            english = str(member.label)
        if text in (english, member.value):
            return str(member.label)
    return text


def _day(text: str) -> str:
    """A date a summary carries (ISO, or the house's "05 Dec 2026"), in the reader's format."""
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d %b %Y").date()):
        try:
            return format_day(parse(text))
        except ValueError:
            continue
    return text


def _count(text: str) -> str:
    try:
        return format_number(int(text.replace(",", "")))
    except ValueError:
        return text


def _decimal(text: str) -> str:
    """A decimal as stored ("1000.00", "1.0850") in the reader's notation, its decimals kept."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return text
    decimals = "0" * max(0, -value.as_tuple().exponent)
    pattern = f"#,##0.{decimals}" if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=current_language())


def _account_changes(text: str) -> str:
    return ", ".join(_translated(part, ACCOUNT_CHANGES) or part for part in text.split(", "))


# How a value a summary carries is written for the reader, by the name of its group.
_CONVERT = {
    "fields": lambda text: _fields_in_words(text),
    "what": lambda text: _translated(text, DESCRIBED) or text,
    "account_changes": _account_changes,
    "date": _day,
    "new_date": _day,
    "status": lambda text: _labelled(STATUS_LABELS, text),
    "kind": lambda text: _labelled(ENTRY_KIND_LABELS, text),
    "attendance": lambda text: _labelled(MEETING_LABELS, text),
    "follow_up_status": lambda text: _labelled(MEETING_LABELS, text),
    "new_follow_up_status": lambda text: _labelled(MEETING_LABELS, text),
    "role": _role,
    "new_role": _role,
    "delivery": _delivery,
    "percent": lambda text: format_percent(int(text)),
    "rate": _decimal,
    "num": int,
    "count": _count,
    "points": _count,
    "activities": _count,
    "updates": _count,
    "entries": _count,
    "meetings": _count,
    "years": _count,
    "pledges": _count,
}


def _translated(text: str, patterns: list[tuple[re.Pattern, Any]]) -> str | None:
    for pattern, message in patterns:
        if (match := pattern.fullmatch(text)) is None:
            continue
        values = {
            name: _CONVERT[name](value) if name in _CONVERT else value
            for name, value in match.groupdict().items()
        }
        if "amount" in values:  # an amount and its currency: written as the reader writes money
            try:
                values["amount"] = format_money(Decimal(values["amount"]), values["currency"])
            except ArithmeticError:
                values["amount"] = f"{values['amount']} {values['currency']}"
        return message(values) if callable(message) else str(message) % values
    return None


def _fields_in_words(text: str) -> str:
    """The changed fields of a summary ("lead actor, partner actors") in the reader's words."""
    english = {english_label(field).lower(): field for field in LABELS}
    words = []
    for word in text.split(", "):
        field = english.get(word)
        if field is None and (match := re.fullmatch(r"(.+) in (\w+)", word)):
            base = english.get(match.group(1), match.group(1).replace(" ", "_"))
            code = next(
                (c for c in other_languages() if english_label(f"{base}_{c}").lower() == word),
                None,
            )
            field = f"{base}_{code}" if code else None
        if field is None:
            field = word.replace(" ", "_")
        words.append(_label(field).lower())
    return ", ".join(words)


def summary_in_words(summary: str) -> str:
    """A stored summary in the interface language (see SUMMARIES)."""
    if current_language() == SOURCE_LANGUAGE or not summary:
        return summary
    return _translated(summary, SUMMARIES) or summary


def describe_changes(
    events: Iterable[AuditEvent], *, plan_id: int | None = None
) -> dict[int, list[Change]]:
    """Each event's changes in words, by event id (for lists that show more of the event)."""
    events = list(events)
    names = _Names.load(events, plan_id)
    return {
        event.id: [
            change
            for field, values in (event.changes or {}).items()
            if (change := _change(event, field, values, names)) is not None
        ]
        for event in events
    }


def _pairs(events: list[AuditEvent]):
    for event in events:
        for field, values in (event.changes or {}).items():
            if isinstance(values, list | tuple) and len(values) == 2:
                yield event, field, values


def _kind_of(event: AuditEvent, field: str) -> str | None:
    if event.action in PARTICIPANT_ACTIONS and field not in REFERENCES:
        return "participant"
    return REFERENCES.get(field)


def _flat(value: Any) -> list:
    if value is None or isinstance(value, dict):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


TARGET_WORDS = {
    "plan": _l("The whole plan %(code)s: %(title)s"),
    "goal": _l("Goal %(number)s: %(title)s"),
    "action_point": _l("Action point %(code)s: %(title)s"),
    "activity": _l("Activity %(code)s: %(title)s"),
}

# A record an event named that has since been deleted from its meeting.
REMOVED = {
    "follow_up": _l("Follow up (removed)"),
    "agenda_item": _l("Agenda item (removed)"),
    "decision": _l("Decision (removed)"),
}


# What a pledge can fund: (kind, model, the attribute that numbers it).
TARGET_MODELS = (
    ("plan", Plan, "code"),
    ("goal", PriorityGoal, "number"),
    ("action_point", ActionPoint, "code"),
    ("activity", Activity, "code"),
)


def _ids(values: set) -> set[int]:
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


def _lookup(kind: str, key, code, title, where, translations=None):
    """One arm of the UNION: (kind, key as text, code, title, translations as JSON text) of the
    records `where` selects."""
    return select(
        literal(kind, String).label("kind"),
        cast(key, String).label("key"),
        cast(code, String).label("code") if code is not None else null().label("code"),
        cast(title, Text).label("title"),
        (
            cast(translations, Text).label("translations")
            if translations is not None
            else null().label("translations")
        ),
    ).where(where)


def _lookups(wanted: dict[str, set], plan_id: int | None) -> list:
    lookups = []
    codes = {c for c in wanted["actor"] if isinstance(c, str)}
    if codes:
        # The actor's kind rides in the code column: a state's name may come from the CLDR.
        lookups.append(
            _lookup(
                "actor",
                Actor.code,
                Actor.kind,
                Actor.name,
                Actor.code.in_(codes),
                Actor.translations,
            )
        )
    for kind, model, column in (
        ("follow_up", FollowUp, FollowUp.text),
        ("agenda_item", AgendaItem, AgendaItem.title),
        ("decision", Decision, Decision.text),
    ):
        if ids := _ids(wanted[kind]):
            lookups.append(_lookup(kind, model.id, None, column, model.id.in_(ids)))
    if plan_id is not None:
        if codes := {str(c) for c in wanted["action_point"] if isinstance(c, str | int)}:
            where = (ActionPoint.plan_id == plan_id) & ActionPoint.code.in_(codes)
            lookups.append(
                _lookup("action_point", ActionPoint.code, None, ActionPoint.title, where)
            )
        if numbers := _ids(wanted["goal"]):
            where = (PriorityGoal.plan_id == plan_id) & PriorityGoal.number.in_(numbers)
            lookups.append(
                _lookup(
                    "goal",
                    PriorityGoal.number,
                    None,
                    PriorityGoal.title,
                    where,
                    PriorityGoal.translations,
                )
            )
    targets: dict[str, set[int]] = defaultdict(set)
    for key in wanted["target"]:
        kind, _, text = str(key).partition(":")
        if text.isdigit():
            targets[kind].add(int(text))
    for kind, model, code in TARGET_MODELS:
        if targets[kind]:
            where = model.id.in_(targets[kind])
            translations = getattr(model, "translations", None)
            lookups.append(
                _lookup(
                    f"target_{kind}",
                    model.id,
                    getattr(model, code),
                    model.title,
                    where,
                    translations,
                )
            )
    return lookups


def _from_session(wanted: dict[str, set], plan_id: int | None) -> list[tuple]:
    """Rows for the records the page has loaded already (a meeting's participants, a pledge's
    actor and target), taken out of `wanted`: a panel that names only those costs no query.
    Only attributes already loaded are read, so that this never lazy-loads one row at a time."""
    rows = []
    for record in list(db.session.identity_map.values()):
        loaded = record.__dict__
        if isinstance(record, Actor) and loaded.get("code") in wanted["actor"]:
            if "name" in loaded and "translations" in loaded and "kind" in loaded:
                wanted["actor"].discard(loaded["code"])
                rows.append(
                    (
                        "actor",
                        loaded["code"],
                        loaded["kind"],
                        loaded["name"],
                        loaded["translations"],
                    )
                )
            continue
        for kind, model, text in (
            ("follow_up", FollowUp, "text"),
            ("agenda_item", AgendaItem, "title"),
            ("decision", Decision, "text"),
        ):
            if isinstance(record, model) and loaded.get("id") in wanted[kind] and text in loaded:
                wanted[kind].discard(loaded["id"])
                rows.append((kind, str(loaded["id"]), None, loaded[text], None))
        for kind, model, code in TARGET_MODELS:
            key = f"{kind}:{loaded.get('id')}"
            if isinstance(record, model) and key in wanted["target"]:
                if code in loaded and "title" in loaded:
                    wanted["target"].discard(key)
                    versions = loaded.get("translations")
                    rows.append(
                        (
                            f"target_{kind}",
                            str(loaded["id"]),
                            loaded[code],
                            loaded["title"],
                            versions,
                        )
                    )
        if plan_id is None or loaded.get("plan_id") != plan_id or "title" not in loaded:
            continue
        if isinstance(record, ActionPoint) and loaded.get("code") in wanted["action_point"]:
            wanted["action_point"].discard(loaded["code"])
            rows.append(("action_point", loaded["code"], None, loaded["title"], None))
        if (
            isinstance(record, PriorityGoal)
            and loaded.get("number") in wanted["goal"]
            and "translations" in loaded
        ):
            wanted["goal"].discard(loaded["number"])
            rows.append(
                ("goal", str(loaded["number"]), None, loaded["title"], loaded["translations"])
            )
    return rows


class _Names:
    """The words for every record the events name: one query for all of them (a UNION of a
    lookup per kind), so that a history panel costs at most one query more than its events."""

    def __init__(self, rows: Iterable[tuple] = ()):
        self.by_kind: dict[str, dict] = defaultdict(dict)
        for kind, key, code, title, translations in rows:
            if isinstance(translations, str):
                translations = json.loads(translations)
            if kind == "actor":
                actor = SimpleNamespace(
                    code=key, kind=_actor_kind(code), name=title, translations=translations
                )
                self.by_kind[kind][key] = localized_name(actor)
                continue
            title = _short(_localized(title, translations))
            if kind in ("follow_up", "agenda_item", "decision"):
                self.by_kind[kind][int(key)] = title
            elif kind == "action_point":
                self.by_kind[kind][key] = _(
                    "Action point %(code)s: %(title)s", code=key, title=title
                )
            elif kind == "goal":
                self.by_kind[kind][int(key)] = _(
                    "Goal %(number)s: %(title)s", number=key, title=title
                )
            else:  # what a pledge funds, by its "kind:id" key
                target_kind = kind.removeprefix("target_")
                words = str(TARGET_WORDS[target_kind]) % {
                    "code": code,
                    "number": code,
                    "title": title,
                }
                self.by_kind["target"][f"{target_kind}:{key}"] = words

    @classmethod
    def load(cls, events: list[AuditEvent], plan_id: int | None) -> "_Names":
        wanted: dict[str, set] = defaultdict(set)
        for event, field, values in _pairs(events):
            kind = _kind_of(event, field)
            if kind == "participant":
                wanted["actor"].add(str(field))
            elif kind:
                for value in values:
                    wanted[kind].update(_flat(value))
        rows = _from_session(wanted, plan_id)
        if lookups := _lookups(wanted, plan_id):
            rows += db.session.execute(union_all(*lookups)).all()
        return cls(rows)

    def word(self, kind: str, value: Any) -> str:
        known = self.by_kind.get(kind, {})
        if value in known:
            return known[value]
        if kind == "action_point":
            return _("Action point %(code)s", code=value)
        if kind == "goal":
            return _("Goal %(number)s", number=value)
        if kind == "target":
            return _("a record since removed")
        if kind in REMOVED:
            return str(REMOVED[kind])
        return str(value)


def _actor_kind(value) -> ActorKind | None:
    try:
        return ActorKind(value)
    except ValueError:
        return None


def _localized(title: str | None, translations: dict | None, field: str = "title") -> str | None:
    """A plan's or goal's title in the interface language, when it carries one."""
    language = current_language()
    if language == SOURCE_LANGUAGE or not translations:
        return title
    return (translations.get(language) or {}).get(field) or title


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TEXT_LENGTH else text[: TEXT_LENGTH - 1] + "…"


def _enum_label(classes: tuple[type, ...], value: Any) -> str:
    for cls in classes:
        try:
            member = cls(value)
        except ValueError:
            continue
        return getattr(member, "label", None) or member.value.replace("_", " ").capitalize()
    return str(value)


def _removed_record(value: dict) -> str:
    """A record deleted from a meeting, as the event kept it: its own words."""
    for key in ("filename", "title", "text"):
        if value.get(key):
            return _short(str(value[key]))
    return _("(removed)")


def _scalar(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "percent" and isinstance(value, int):
        return f"{format_number(value)} %"
    if isinstance(value, str):
        if value == "none" and field in HANDED_OVER:
            return _("none")
        if field.endswith("_total") and current_language() != SOURCE_LANGUAGE:
            return _decimal(value)  # a ledger total, as stored ("1000.00")
        if field.endswith("_at") and _ISO_MOMENT.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return _("%(day)s %(time)s UTC", day=format_day(moment), time=moment.strftime("%H:%M"))
        if field.endswith("_on") and _ISO_DATE.fullmatch(value):
            try:
                return format_day(date.fromisoformat(value))
            except ValueError:
                return value
    return str(value)


def _value(event: AuditEvent, field: str, value: Any, names: _Names) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return _removed_record(value)
    kind = _kind_of(event, field)
    if kind == "participant":
        return _enum_label((Attendance,), value)
    if isinstance(value, list | tuple):
        words = [_value(event, field, item, names) or "—" for item in value]
        return ", ".join(words) if words else _("none")
    if kind:
        return names.word(kind, value)
    if field in ENUMS:
        return _enum_label(ENUMS[field], value)
    return _scalar(field, value)


def _change(event: AuditEvent, field: str, values: Any, names: _Names) -> Change | None:
    if field in HIDDEN or field.endswith("_sha256"):  # a published report's files' digests
        return None
    if not (isinstance(values, list | tuple) and len(values) == 2):
        return Change(_label(field), None, _short(str(values)))
    before, after = values
    if before == after:
        # An edit that names the record it changed (the same id before and after), or a new
        # participant's attendance (recorded as both): the value once.
        before = None
    if _kind_of(event, field) == "participant":
        label = names.word("actor", str(field))
    else:
        label = _label(field)
    return Change(label, _value(event, field, before, names), _value(event, field, after, names))
