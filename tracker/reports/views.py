"""Report pages: the dashboard, the Reports page (build a report, published reports,
comparison), the progress report in every format, and a meeting's brief as PDF. The reports
domain owns its routes, also those under another domain's path, so that nothing imports it."""

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from tracker.meetings import queries as meeting_queries
from tracker.pages import download
from tracker.reports import formats
from tracker.reports.charts import chart_tables, report_charts
from tracker.reports.dashboard import build_dashboard
from tracker.reports.filters import ReportFilterError, parse_filters
from tracker.reports.forms import ReportForm, chosen_format
from tracker.reports.pdf import brief_filename, render_brief_pdf
from tracker.reports.queries import build_progress_report

bp = Blueprint("reports", __name__)


def _builder_page(form: ReportForm, filters=None, status: int = 200):
    form.set_choices(filters)
    return render_template("reports/index.html", form=form, filters=filters), status


@bp.get("/")
@login_required
def dashboard():
    """Where implementation stands: the chosen plan's charts, lists and my to-dos."""
    form = ReportForm(request.args)
    try:
        filters = parse_filters(request.args)
    except ReportFilterError as error:
        form.show_errors(error)
        filters = parse_filters(MultiDict())  # the default view, with the messages shown
    board = build_dashboard(filters, current_user)
    form.set_choices(filters, goals=board.report.goals)
    return render_template(
        "reports/dashboard.html",
        board=board,
        form=form,
        filters=filters,
        charts=report_charts(board.report, board.coverage),
        tables=chart_tables(board.report, board.coverage),
    )


@bp.get("/reports/")
@login_required
def index():
    form = ReportForm(request.args)
    try:
        filters = parse_filters(request.args)
    except ReportFilterError as error:
        form.show_errors(error)
        return _builder_page(form, status=400)
    return _builder_page(form, filters)


@bp.get("/reports/progress")
@login_required
def progress():
    """The progress report; `format` picks the rendering, the other arguments the content."""
    form = ReportForm(request.args)
    fmt = chosen_format(request.args.get("format"))
    try:
        filters = parse_filters(request.args)
    except ReportFilterError as error:
        form.show_errors(error)
        return _builder_page(form, status=400)
    if fmt is None:
        form.format.errors = ["Choose one of the formats offered."]
        return _builder_page(form, filters, status=400)
    report = build_progress_report(filters, generated_by=current_user.name)
    if fmt == "html":
        return render_template(
            "reports/progress.html",
            report=report,
            filters=filters,
            charts=formats.charts_of(report),
            tables=chart_tables(report),
        )
    return formats.download(report, filters, fmt)


@bp.get("/meetings/<id:meeting_id>/brief.pdf")
@login_required
def brief_pdf(meeting_id: int):
    meeting = meeting_queries.meeting_heading(meeting_id) or abort(404)
    brief = meeting_queries.brief(meeting, date.today())
    return download(render_brief_pdf(brief, meeting), brief_filename(meeting), "pdf")
