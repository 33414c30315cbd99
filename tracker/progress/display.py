"""The status badge as a template global: plain Python, because plan pages show it on hundreds of
rows, and a Jinja macro (or Markup.format) there cost 25 ms a page at ten years of data."""

from datetime import date

from markupsafe import Markup, escape

from tracker.progress.models import Status

COLOURS = {
    "completed": "success",
    "in_progress": "primary",
    "ongoing": "info",
    "on_hold": "warning",
    "discontinued": "dark",
    "planned": "secondary",
}
BADGES = {
    s.value: f'<span class="badge status-{s.value} text-bg-{COLOURS.get(s.value, "light")}">'
    f"{escape(s.label)}</span>"
    for s in Status
}
NOT_REPORTED = '<span class="text-muted">Not reported</span>'
STALE = ' <span class="badge text-bg-warning" title="{}">stale</span>'


def status_badge(row, stale_before: date | None = None) -> Markup:
    """A summary row's status and percent (or "Not reported"), flagged stale when old; `row` is
    anything with status, percent and reported_on (None, or a None status: not reported).

    No user text goes in: the badge HTML is built from the Status enum (escaped above), an
    integer and a date, so marking it safe cannot let markup through."""
    status = getattr(row, "status", None)
    if status is None:
        html = NOT_REPORTED + (STALE.format("No validated update") if stale_before else "")
    else:
        html = f'{BADGES[Status(status).value]} <span class="percent">{int(row.percent)} %</span>'
        if stale_before and row.reported_on < stale_before:
            html += STALE.format(f"No validated update since {row.reported_on:%d %b %Y}")
    return Markup(html)  # nosec B704
