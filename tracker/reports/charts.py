"""The progress report's charts: SVG from the macros in `templates/_macros/charts.html`.

The dashboard, the report page and the PDF all take their charts from `report_charts`, and the
table beside each chart from `chart_tables`, so a chart and its table carry the same figures.
Both need an app context (for the Jinja environment and its filters), not a request.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from tracker.i18n import SOURCE_LANGUAGE, current_language, format_percent
from tracker.money import format_grouped
from tracker.progress.models import Status
from tracker.reports.model import NOT_REPORTED, Funding, GoalLine, ProgressReport, status_label

FUNDING_SERIES = ("need", "pledged", "committed", "disbursed")


def status_series() -> list[tuple[str, str]]:
    """The statuses a chart draws, in order, each with its label in the current language."""
    return [(key, status_label(key)) for key in (NOT_REPORTED, *Status)]


def funding_names() -> dict[str, str]:
    """The funding figures' names (need, pledged, committed, disbursed, gap), as headings."""
    return {
        "need": _("Need"),
        "pledged": _("Pledged"),
        "committed": _("Committed"),
        "disbursed": _("Disbursed"),
        "gap": _("Gap"),
    }


@dataclass
class Coverage:
    """A heat map's data: cells[(row, column)] = count, 0-based indices into the two label lists.
    Rows are actors: the chart shows their codes (space is short), with `row_names` on hover;
    its description and table say the names."""

    row_labels: list[str]
    column_labels: list[str]
    cells: dict[tuple[int, int], int] = field(default_factory=dict)
    row_names: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return self.row_names or self.row_labels


@dataclass
class ChartTable:
    caption: str
    headers: list[str]
    rows: list[list[str]]


def goal_label(goal: GoalLine) -> str:
    return _("Goal %(number)s", number=goal.number)


def percent_text(percent: float) -> str:
    """A percent as the charts print it (their macro _pct): English keeps its "24.5 %"."""
    if current_language() == SOURCE_LANGUAGE:
        return f"{percent:.1f} %"
    return format_percent(percent, 1)


def coverage_from_reporters(report: ProgressReport) -> Coverage:
    """Actors × goals from the report's annex: how many of each goal's action points each actor
    reported on in the period (validated updates)."""
    goal_of = {ap.code: ap.goal_number for ap in report.action_points}
    columns = {goal.number: index for index, goal in enumerate(report.goals)}
    cells: dict[tuple[int, int], int] = {}
    for row, reporter in enumerate(report.reporters):
        for code, updates in reporter.counts.items():
            column = columns.get(goal_of.get(code, -1))
            if updates and column is not None:
                cells[row, column] = cells.get((row, column), 0) + 1
    return Coverage(
        [reporter.actor_code for reporter in report.reporters],
        [goal_label(goal) for goal in report.goals],
        cells,
        [reporter.actor_name for reporter in report.reporters],
    )


def _empty_message(report: ProgressReport) -> str:
    if report.cover.defined_action_points == 0:
        return _("No action points defined yet.")
    return _("No action points in this report.")


def report_charts(report: ProgressReport, coverage: Coverage | None = None) -> dict[str, Markup]:
    """The report's charts as SVG: progress, status_mix, over_time, funding (and coverage when a
    coverage matrix is given). Each chart's <desc> states its figures in words, or why there are
    none: with no action points every figure is a zero, so the charts say that instead."""
    macros = current_app.jinja_env.get_template("_macros/charts.html").module
    goals = [(goal_label(goal), goal) for goal in report.goals]
    no_points = not report.action_points
    no_points_text = _empty_message(report)
    progress = [(_("Plan"), report.percent), *((label, g.percent) for label, g in goals)]
    mix = [(label, g.counts) for label, g in goals]
    quarters = [(p.label, p.percent) for p in report.over_time]
    no_quarters_text = (
        no_points_text if no_points else _("No quarter has ended since the plan began.")
    )
    funding = [(label, g.funding) for label, g in goals]
    funded = any(getattr(f, key) for _label, f in funding for key in FUNDING_SERIES)
    no_funding_text = _("No funding recorded for any goal yet.")
    charts = {
        "progress": macros.render_progress_bars(
            "chart-progress",
            _("Progress of the plan and of each goal"),
            no_points_text
            if no_points
            else _percent_desc(_("Weighted progress, 0 to 100 %%"), progress),
            [] if no_points else progress,
            empty=no_points_text,
        ),
        "status_mix": macros.render_status_mix(
            "chart-status",
            _("Action points by status, per goal"),
            no_points_text if no_points else _status_desc(mix),
            [] if no_points else mix,
            status_series(),
            empty=no_points_text,
        ),
        "over_time": macros.render_line_chart(
            "chart-over-time",
            _("Plan progress at the end of each quarter"),
            _percent_desc(_("Plan progress, 0 to 100 %%"), quarters)
            if quarters and not no_points
            else no_quarters_text,
            [] if no_points else quarters,
            empty=no_quarters_text,
        ),
        "funding": macros.render_funding_bars(
            "chart-funding",
            _("Funding per goal (%(currency)s)", currency=report.currency),
            _funding_desc(funding, report.currency) if funded else no_funding_text,
            funding,
            report.currency,
            empty=no_funding_text,
        ),
    }
    if coverage is not None:
        no_reports_text = _("Nobody has reported yet.")
        charts["coverage"] = macros.render_heatmap(
            "chart-coverage",
            _("Who reported on which goal"),
            _coverage_desc(coverage) if any(coverage.cells.values()) else no_reports_text,
            coverage.row_labels,
            coverage.column_labels,
            coverage.cells,
            empty=no_reports_text,
            row_titles=coverage.names,
        )
    return charts


def _listing(intro: str, parts: list[str]) -> str:
    return _("%(intro)s: %(parts)s.", intro=intro, parts="; ".join(parts))


def _percent_desc(intro: str, items: list[tuple[str, float]]) -> str:
    return _listing(intro, [f"{label} {percent_text(p)}" for label, p in items])


def _status_desc(rows: list[tuple[str, dict[str, int]]]) -> str:
    def counts(row: dict[str, int]) -> str:
        return ", ".join(f"{name} {row[key]}" for key, name in series if row.get(key))

    series = status_series()
    return _listing(
        _("Action points in each status"),
        [f"{label}: {counts(c) or _('none')}" for label, c in rows],
    )


def _funding_desc(rows: list[tuple[str, Funding]], currency: str) -> str:
    names = funding_names()

    def amounts(funding: Funding) -> str:
        need = format_grouped(funding.need, currency) if funding.has_need else _("no estimate")
        rest = [format_grouped(getattr(funding, key), currency) for key in FUNDING_SERIES[1:]]
        figures = zip(FUNDING_SERIES, [need, *rest], strict=True)
        return ", ".join(f"{names[key].lower()} {figure}" for key, figure in figures)

    return _listing(
        _("Need, pledged, committed and disbursed"),
        [f"{label}: {amounts(f)}" for label, f in rows],
    )


def _coverage_desc(coverage: Coverage) -> str:
    def reported(r: int) -> str:
        columns = enumerate(coverage.column_labels)
        return ", ".join(
            f"{col} {coverage.cells[r, c]}" for c, col in columns if coverage.cells.get((r, c))
        )

    rows = [f"{actor}: {reported(r) or _('none')}" for r, actor in enumerate(coverage.names)]
    return _listing(_("Action points each actor reported on, per goal"), rows)


def chart_tables(report: ProgressReport, coverage: Coverage | None = None) -> dict[str, ChartTable]:
    """The table under each chart of `report_charts`, with the same keys and figures in full."""
    goals = [(goal_label(goal), goal) for goal in report.goals]
    used = [(k, name) for k, name in status_series() if any(g.counts.get(k) for _l, g in goals)]
    money = report.currency
    names = funding_names()

    def amounts(funding) -> list[str]:
        need = format_grouped(funding.need, money) if funding.has_need else _("no estimate")
        gap = format_grouped(funding.gap, money) if funding.has_need else "—"
        rest = [format_grouped(getattr(funding, key), money) for key in FUNDING_SERIES[1:]]
        return [need, *rest, gap]

    tables = {
        "progress": ChartTable(
            _("Progress (weighted)"),
            ["", _("Progress")],
            [[_("Plan"), percent_text(report.percent)]]
            + [[label, percent_text(g.percent)] for label, g in goals],
        ),
        "status_mix": ChartTable(
            _("Action points by status"),
            [_("Goal"), *(name for _k, name in used), _("Total")],
            [
                [label, *(str(g.counts.get(k, 0)) for k, _n in used), str(sum(g.counts.values()))]
                for label, g in goals
            ],
        ),
        "over_time": ChartTable(
            _("Plan progress by quarter"),
            [_("Quarter"), _("Progress")],
            [[p.label, percent_text(p.percent)] for p in report.over_time],
        ),
        "funding": ChartTable(
            _("Funding in %(currency)s", currency=money),
            [_("Goal"), *names.values()],
            [[label, *amounts(g.funding)] for label, g in goals]
            + [[_("Plan"), *amounts(report.funding)]],
        ),
    }
    if coverage is not None:
        tables["coverage"] = ChartTable(
            _("Action points reported on, by actor and goal"),
            [_("Actor"), *coverage.column_labels],
            [
                [
                    actor,
                    *(
                        str(coverage.cells.get((r, c), 0))
                        for c in range(len(coverage.column_labels))
                    ),
                ]
                for r, actor in enumerate(coverage.names)
            ],
        )
    return tables
