"""The progress report as tables: the sheets of the XLSX and the files of the CSV zip, defined
once so that the two cannot disagree. Values are typed (`cells.Money`, `cells.Percent`, dates);
`tracker.cells` writes them as real cells or as plain text.

The XLSX is a report for people: its sheet names, headings, field names and statuses are in the
report's language (`readable=True`). The CSV files are data: their headings are the columns'
keys, and their values stay English words and codes, whatever the language of the report."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _

from tracker.cells import Column, Money, Percent
from tracker.progress.models import Status
from tracker.reports.model import (
    NOT_REPORTED,
    ProgressReport,
    follow_up_status_label,
    meeting_kind_label,
    status_label,
)
from tracker.tables import neutralise

STATUSES = [s.value for s in Status] + [NOT_REPORTED]


def N_(text: str) -> str:  # noqa: N802 (gettext's name for "mark only")
    """Marks an English text for the catalogue; `_words` translates it where people read it."""
    return text


# The CSV zip's updates.csv only: data, with the keys as its headings (the labels are not read).
UPDATE_COLUMNS = [
    Column("Action point", "action_point"),
    Column("Actor", "actor"),
    Column("Actor name", "actor_name"),
    Column("Status", "status"),
    Column("Progress", "percent"),
    Column("Reported on", "reported_on"),
    Column("Validated at (UTC)", "validated_at"),
    Column("Narrative", "narrative", wrap=True),
]


@dataclass
class Table:
    title: str  # the sheet's name (at most 31 characters)
    filename: str  # the CSV file's name in the zip
    columns: list[Column]
    rows: list[list]


def _words(readable: bool):
    """How a table says its own words: translated for the XLSX, English for the CSV."""
    return _ if readable else lambda text, **values: text % values if values else text


def update_csv_row(row: tuple) -> list[str]:
    """A row of `reports.updates.validated_updates` as CSV text: what `cells.csv_row` writes for
    these types, spelled out because it runs once per update (100,000 in ten years)."""
    action_point, actor, status, percent, reported_on, validated_at, narrative, actor_name = row
    return [
        neutralise(action_point),
        neutralise(actor),
        neutralise(actor_name),
        status,
        str(percent),
        reported_on.isoformat(),
        validated_at.astimezone(UTC).isoformat(),
        neutralise(narrative or ""),
    ]


# A table's columns, each with how it reads its value from a row's record (a tuple: the record,
# or in a table of sub-records the parent and the sub-record), so that a heading and its values
# are declared together and cannot fall out of step.
Fields = dict[Column, Callable[..., Any]]


def _table(title: str, filename: str, fields: Fields, records: Iterable[tuple]) -> Table:
    readers = list(fields.values())
    rows = [[read(*record) for read in readers] for record in records]
    return Table(title, filename, list(fields), rows)


def _shown(label: Callable[[str], str], readable: bool) -> Callable[[str], str]:
    """A status or a kind as a table shows it: by its label for people, as stored for data."""
    return label if readable else (lambda value: value)


def _count_of(status: str) -> Callable[[Any], int]:
    return lambda line: line.counts.get(status, 0)


def _money(figure: str, currency: str) -> Callable[[Any], Money | None]:
    """How a record's funding figure is read; need and gap stay empty where no need is known."""

    def read(record) -> Money | None:
        if figure in ("need", "gap") and not record.funding.has_need:
            return None
        return Money(getattr(record.funding, figure), currency)

    return read


def _funding_fields(currency: str) -> Fields:
    """The funding figures of a record's `funding`, in the reporting currency."""
    headings = {
        "need": _("Need (%(currency)s)", currency=currency),
        "pledged": _("Pledged (%(currency)s)", currency=currency),
        "committed": _("Committed (%(currency)s)", currency=currency),
        "disbursed": _("Disbursed (%(currency)s)", currency=currency),
        "gap": _("Gap (%(currency)s)", currency=currency),
    }
    fields: Fields = {
        Column(heading, f"{figure}_{currency.lower()}"): _money(figure, currency)
        for figure, heading in headings.items()
    }
    fields[Column(_("Left out (no rate)"), "left_out_no_rate")] = lambda r: r.funding.missing
    return fields


def cover_table(report: ProgressReport, readable: bool = False) -> Table:
    cover, say = report.cover, _words(readable)
    built_from = N_("history (as of a past date)") if cover.is_historical else N_("current state")
    rows: list[list] = [
        [say(N_("Plan")), cover.plan_code],
        [say(N_("Plan title")), cover.plan_title],
        [say(N_("Plan period")), cover.plan_period],
        [say(N_("Action points defined")), cover.defined_action_points],
        [say(N_("Action points expected")), cover.expected_action_points],
        [say(N_("As of")), cover.as_of],
        [say(N_("Built from")), say(built_from)],
        [say(N_("Period from")), cover.period_from],
        [say(N_("Period to")), cover.period_to],
    ]
    if readable:
        rows += [[_("Filter: %(name)s", name=name), value] for name, value in cover.filter_lines]
    else:
        for name, value in cover.filters.items():
            rows.append([f"Filter: {name}", value if isinstance(value, str) else ", ".join(value)])
    rows += [
        [say(N_("Generated at (UTC)")), cover.generated_at],
        [say(N_("Generated by")), cover.generated_by],
        [say(N_("State")), cover.state_label if readable else cover.state],
        [say(N_("Reporting currency")), report.currency],
    ]
    rows += [[say(N_("Note")), note] for note in report.notes]
    columns = [Column(_("Field"), "field"), Column(_("Value"), "value", wrap=True)]
    return Table(_("Cover"), "cover.csv", columns, rows)


def summary_table(report: ProgressReport, readable: bool = False) -> Table:
    # The whole plan, as the first line of the goals' table.
    whole_plan = SimpleNamespace(
        number=None,
        title=_words(readable)(N_("Whole plan (%(plan)s)"), plan=report.cover.plan_code),
        percent=report.percent,
        stale=report.stale,
        counts=report.counts,
        funding=report.funding,
    )
    fields: Fields = {
        Column(_("Goal"), "goal"): lambda line: line.number,
        Column(_("Title"), "title", wrap=True): lambda line: line.title,
        Column(_("Progress"), "percent"): lambda line: Percent(line.percent),
        Column(_("Stale"), "stale"): lambda line: line.stale,
        **{Column(status_label(s), s): _count_of(s) for s in STATUSES},
        **_funding_fields(report.currency),
    }
    lines = [(line,) for line in (whole_plan, *report.goals)]
    return _table(_("Summary"), "summary.csv", fields, lines)


def action_points_table(report: ProgressReport, readable: bool = False) -> Table:
    status = _shown(status_label, readable)
    fields: Fields = {
        Column(_("Goal"), "goal"): lambda ap: ap.goal_number,
        Column(_("Code"), "code"): lambda ap: ap.code,
        Column(_("Title"), "title", wrap=True): lambda ap: ap.title,
        Column(_("Lead"), "lead"): lambda ap: ap.lead,
        Column(_("Lead name"), "lead_name"): lambda ap: ap.lead_name,
        Column(_("Partners"), "partners"): lambda ap: ", ".join(ap.partners),
        Column(_("Partner names"), "partner_names", wrap=True): lambda ap: ", ".join(
            ap.partner_names
        ),
        Column(_("Status"), "status"): lambda ap: status(ap.status),
        Column(_("Progress"), "percent"): lambda ap: Percent(ap.percent),
        Column(_("Weight"), "weight"): lambda ap: ap.weight,
        Column(_("Reported on"), "reported_on"): lambda ap: ap.reported_on,
        Column(_("Stale"), "stale"): lambda ap: ap.stale,
        **_funding_fields(report.currency),
    }
    records = [(ap,) for ap in report.action_points]
    return _table(_("Action points"), "action_points.csv", fields, records)


def narratives_table(report: ProgressReport, readable: bool = False) -> Table:
    status = _shown(status_label, readable)
    fields: Fields = {
        Column(_("Action point"), "action_point"): lambda ap, n: ap.code,
        Column(_("Actor"), "actor"): lambda ap, n: n.actor_code,
        Column(_("Actor name"), "actor_name"): lambda ap, n: n.actor_name,
        Column(_("Status"), "status"): lambda ap, n: status(n.status),
        Column(_("Progress"), "percent"): lambda ap, n: Percent(n.percent),
        Column(_("Reported on"), "reported_on"): lambda ap, n: n.reported_on,
        Column(_("Validated at (UTC)"), "validated_at"): lambda ap, n: n.validated_at,
        Column(_("Narrative"), "narrative", wrap=True): lambda ap, n: n.narrative,
    }
    records = [(ap, n) for ap in report.action_points for n in ap.narratives]
    return _table(_("Narratives"), "narratives.csv", fields, records)


def activities_table(report: ProgressReport) -> Table:
    fields: Fields = {
        Column(_("Action point"), "action_point"): lambda ap, a: ap.code,
        Column(_("Code"), "code"): lambda ap, a: a.code,
        Column(_("Title"), "title", wrap=True): lambda ap, a: a.title,
        Column(_("Lead"), "lead"): lambda ap, a: a.lead,
        Column(_("Lead name"), "lead_name"): lambda ap, a: a.lead_name,
        Column(_("Starts on"), "starts_on"): lambda ap, a: a.starts_on,
        Column(_("Ends on"), "ends_on"): lambda ap, a: a.ends_on,
    }
    records = [(ap, a) for ap in report.action_points for a in ap.activities]
    return _table(_("Activities"), "activities.csv", fields, records)


def meetings_table(report: ProgressReport, readable: bool = False) -> Table:
    kind = _shown(meeting_kind_label, readable)
    fields: Fields = {
        Column(_("Meeting"), "meeting"): lambda m: m.title,
        Column(_("Kind"), "kind"): lambda m: kind(m.kind),
        Column(_("Starts at (UTC)"), "starts_at"): lambda m: m.starts_at,
        Column(_("Place"), "place"): lambda m: m.place,
        Column(_("Decisions"), "decisions", wrap=True): lambda m: "\n".join(m.decisions),
        Column(_("Follow-ups"), "follow_ups"): lambda m: len(m.follow_ups),
    }
    return _table(_("Meetings"), "meetings.csv", fields, [(m,) for m in report.meetings])


def follow_ups_table(report: ProgressReport, readable: bool = False) -> Table:
    status = _shown(follow_up_status_label, readable)
    fields: Fields = {
        Column(_("Meeting"), "meeting"): lambda m, f: m.title,
        Column(_("Meeting starts at (UTC)"), "meeting_starts_at"): lambda m, f: m.starts_at,
        Column(_("Follow-up"), "follow_up", wrap=True): lambda m, f: f.text,
        Column(_("Owner"), "owner"): lambda m, f: f.owner,
        Column(_("Owner name"), "owner_name"): lambda m, f: f.owner_name,
        Column(_("Due on"), "due_on"): lambda m, f: f.due_on,
        Column(_("Status"), "status"): lambda m, f: status(f.status),
        Column(_("Overdue"), "overdue"): lambda m, f: f.overdue,
    }
    records = [(m, f) for m in report.meetings for f in m.follow_ups]
    return _table(_("Follow-ups"), "follow_ups.csv", fields, records)


def reporters_table(report: ProgressReport) -> Table:
    fields: Fields = {
        Column(_("Actor"), "actor"): lambda r, code, count: r.actor_code,
        Column(_("Actor name"), "actor_name"): lambda r, code, count: r.actor_name,
        Column(_("Action point"), "action_point"): lambda r, code, count: code,
        Column(_("Validated updates"), "updates"): lambda r, code, count: count,
    }
    records = [(r, code, count) for r in report.reporters for code, count in r.counts.items()]
    return _table(_("Reporters"), "reporters.csv", fields, records)


def report_tables(report: ProgressReport, *, readable: bool = False) -> list[Table]:
    """Every table of the report, in reading order: one sheet or CSV file each; `readable`: for
    the XLSX (words in the report's language), else for the CSV zip (English words, codes)."""
    return [
        cover_table(report, readable),
        summary_table(report, readable),
        action_points_table(report, readable),
        narratives_table(report, readable),
        activities_table(report),
        meetings_table(report, readable),
        follow_ups_table(report, readable),
        reporters_table(report),
    ]
