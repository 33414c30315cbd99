"""The status badge as a template global: a Python function, not a Jinja macro, because plan
pages show it on hundreds of rows and a macro call costs about ten times more."""

from datetime import date

from markupsafe import Markup

COLOURS = {
    "completed": "success",
    "in_progress": "primary",
    "ongoing": "info",
    "on_hold": "warning",
    "discontinued": "dark",
    "planned": "secondary",
}
STALE = Markup(' <span class="badge text-bg-warning" title="{}">stale</span>')


def status_badge(row, stale_before: date | None = None) -> Markup:
    """A summary row's status and percent (or "Not reported"), flagged stale when old."""
    if row is None:
        html = Markup('<span class="text-muted">Not reported</span>')
        return html + (STALE.format("No validated update") if stale_before else "")
    value = row.status.value
    html = Markup(
        '<span class="badge status-{} text-bg-{}">{}</span> <span class="percent">{} %</span>'
    ).format(value, COLOURS.get(value, "light"), row.status.label, row.percent)
    if stale_before and row.reported_on < stale_before:
        html += STALE.format(f"No validated update since {row.reported_on:%d %b %Y}")
    return html
