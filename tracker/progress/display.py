"""The status badge as a template global: plain Python, because plan pages show it on hundreds of
rows, and a Jinja macro (or Markup.format) there cost 25 ms a page at ten years of data."""

from datetime import date
from functools import cache

from flask_babel import gettext as _
from markupsafe import Markup, escape

from tracker.i18n import current_language, format_day
from tracker.progress.models import NOT_REPORTED_LABEL, Status

COLOURS = {
    "completed": "success",
    "in_progress": "primary",
    "ongoing": "info",
    "on_hold": "warning",
    "discontinued": "dark",
    "planned": "secondary",
}


@cache
def _badges(language: str) -> dict[str, str]:
    """Each status's badge in a language, built once per language (the labels are Status.label,
    escaped here); the caller's locale is `language`."""
    badges = {
        s.value: f'<span class="badge status-{s.value} text-bg-{COLOURS.get(s.value, "light")}">'
        f"{escape(s.label)}</span>"
        for s in Status
    }
    badges[""] = f'<span class="text-muted">{escape(NOT_REPORTED_LABEL)}</span>'
    return badges


def _stale(title: str) -> str:
    word = escape(_("stale"))
    return f' <span class="badge text-bg-warning" title="{escape(title)}">{word}</span>'


def status_badge(row, stale_before: date | None = None) -> Markup:
    """A summary row's status and percent (or "Not reported"), flagged stale when old; `row` is
    anything with status, percent and reported_on (None, or a None status: not reported).

    No user text goes in: the badge HTML is built from the Status labels and our own words
    (escaped here), an integer and a date, so marking it safe cannot let markup through."""
    badges = _badges(current_language())
    status = getattr(row, "status", None)
    if status is None:
        html = badges[""] + (_stale(_("No validated update")) if stale_before else "")
    else:
        html = f'{badges[Status(status).value]} <span class="percent">{int(row.percent)} %</span>'
        if stale_before and row.reported_on < stale_before:
            html += _stale(
                _("No validated update since %(date)s", date=format_day(row.reported_on))
            )
    return Markup(html)  # nosec B704
