"""The words of notifications, in the reader's language.

A notification keeps what it says as a key and its values (`Notification.params`), not as a
sentence: the Notifications page renders it in the language of whoever reads it, and its mail
in the language of its recipient (`force_locale`). The English sentence is stored beside it
(`text`, `detail`) for the API, the log and notifications made before this existed.

Values are JSON: dates are ISO strings under a name ending in `_on`, meeting times an ISO local
time under `starts` with its zone's name under `zone`; they are written for the language when
rendered.
"""

from datetime import UTC, date, datetime

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.i18n import SOURCE_LANGUAGE, current_language

MAX_TEXT = 500


def _deadline(when: str):
    """The reminder of a round's deadline, one whole sentence per `when`."""
    sentences = {
        "today": lambda v, n: ngettext(
            "Round %(title)s: the deadline (%(deadline_on)s) is today and %(actor)s has not "
            "reported on %(num)d action point(s)",
            "Round %(title)s: the deadline (%(deadline_on)s) is today and %(actor)s has not "
            "reported on %(num)d action point(s)",
            n,
            **v,
        ),
        "tomorrow": lambda v, n: ngettext(
            "Round %(title)s: the deadline (%(deadline_on)s) is tomorrow and %(actor)s has not "
            "reported on %(num)d action point(s)",
            "Round %(title)s: the deadline (%(deadline_on)s) is tomorrow and %(actor)s has not "
            "reported on %(num)d action point(s)",
            n,
            **v,
        ),
        "in_days": lambda v, n: ngettext(
            "Round %(title)s: the deadline (%(deadline_on)s) is in %(days)d days and %(actor)s "
            "has not reported on %(num)d action point(s)",
            "Round %(title)s: the deadline (%(deadline_on)s) is in %(days)d days and %(actor)s "
            "has not reported on %(num)d action point(s)",
            n,
            **v,
        ),
        "passed": lambda v, n: ngettext(
            "Round %(title)s: the deadline (%(deadline_on)s) has passed and %(actor)s has not "
            "reported on %(num)d action point(s)",
            "Round %(title)s: the deadline (%(deadline_on)s) has passed and %(actor)s has not "
            "reported on %(num)d action point(s)",
            n,
            **v,
        ),
    }
    return lambda v: sentences[when](v, v.pop("num"))


# key: a function of the values that writes the sentence in the current language.
TEXTS = {
    "update_returned": lambda v: _(
        "Your update (%(actor)s on action point %(point)s) was returned", **v
    ),
    "update_validated": lambda v: _(
        "Your update (%(actor)s on action point %(point)s) was validated", **v
    ),
    "update_submitted": lambda v: _(
        "An update waits for validation (%(actor)s on action point %(point)s)", **v
    ),
    "updates_submitted": lambda v: ngettext(
        "%(num)d update of %(actor)s waits for validation",
        "%(num)d updates of %(actor)s wait for validation",
        v.pop("num"),
        **v,
    ),
    "round_opens": lambda v: _(
        "Reporting round %(title)s (%(plan)s) opens on %(opens_on)s, deadline %(deadline_on)s",
        **v,
    ),
    "round_open": lambda v: _(
        "Reporting round %(title)s (%(plan)s) is open, deadline %(deadline_on)s", **v
    ),
    "deadline_today": _deadline("today"),
    "deadline_tomorrow": _deadline("tomorrow"),
    "deadline_in_days": _deadline("in_days"),
    "deadline_passed": _deadline("passed"),
    "not_reported": lambda v: _("Not reported yet: %(codes)s.", **v),
    "reason": lambda v: _("Reason: %(reason)s", **v),
    "meeting_scheduled": lambda v: _("Meeting scheduled: %(title)s, %(when)s", **v),
    "meeting_moved": lambda v: _("Meeting moved: %(title)s, now %(when)s", **v),
    "meeting_cancelled": lambda v: _("Meeting cancelled: %(title)s, %(when)s", **v),
    "where": lambda v: _("Where: %(place)s", **v),
    "where_virtual": lambda v: _("Where: Virtual"),
    "join": lambda v: _("Join: %(url)s", **v),
    "decision_recorded": lambda v: _("Decision recorded at %(title)s", **v),
    "minutes_recorded": lambda v: _("Minutes of %(title)s recorded (version %(number)s)", **v),
    "follow_up_overdue": lambda v: _("Follow-up overdue since %(due_on)s: %(text)s", **v),
    "follow_up_due": lambda v: _("Follow-up due on %(due_on)s: %(text)s", **v),
}


def one_line(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(value: str) -> str:
    """A stored ISO date as the language writes it in full ("05 December 2026", "5 декабря
    2026 г.")."""
    day = date.fromisoformat(value)
    if current_language() == SOURCE_LANGUAGE:
        return f"{day:%d %B %Y}"
    return babel_date(day, "long", locale=current_language())


def _moment(starts: str, zone: str) -> str:
    """A meeting's local start and its zone: "05 December 2026, 14:00 (Europe/Vienna)"."""
    moment = datetime.fromisoformat(starts)
    if current_language() == SOURCE_LANGUAGE:
        written = f"{moment:%d %B %Y, %H:%M}"
    else:
        written = babel_datetime(moment, "d MMMM y, HH:mm", locale=current_language())
    return f"{written} ({zone})"


def stamp(moment: datetime) -> str:
    """When a notification was made, in UTC, for the digest: "05 Dec 14:00", "5 дек. 14:00"."""
    if current_language() == SOURCE_LANGUAGE:
        return f"{moment:%d %b %H:%M}"
    return babel_datetime(moment, "d MMM HH:mm", tzinfo=UTC, locale=current_language())


def render(message: list | tuple | None, fallback: str | None = None) -> str | None:
    """A stored message in the current language: [key, values], or a list of them for lines
    (a meeting's place, then its link). `fallback` when there is none, or when a key is unknown
    (a notification of an older version)."""
    if not message:
        return fallback
    if isinstance(message[0], list | tuple):
        lines = [render(line) for line in message]
        return fallback if None in lines else "\n".join(lines)
    key, values = message
    if key not in TEXTS:
        return fallback
    values = dict(values)
    for name, value in list(values.items()):
        if name.endswith("_on") and isinstance(value, str):
            values[name] = _day(value)
    if "starts" in values:
        values["when"] = _moment(values.pop("starts"), values.pop("zone", "UTC"))
    return TEXTS[key](values)
