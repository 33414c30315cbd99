"""Report pages: the dashboard, the Reports page (build a report, published reports,
comparison), the progress report in every format, and a meeting's brief as PDF. The reports
domain owns its routes, also those under another domain's path, so that nothing imports it."""

from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from tracker.auth.permissions import can_publish_reports, get_allowed
from tracker.db import db
from tracker.i18n import current_language
from tracker.meetings import queries as meeting_queries
from tracker.pages import download, step_and_go
from tracker.progress.models import Round
from tracker.reports import formats, services
from tracker.reports.charts import chart_tables, report_charts
from tracker.reports.dashboard import build_dashboard
from tracker.reports.filters import ReportFilterError, parse_filters, report_language
from tracker.reports.forms import ReportForm, chosen_format
from tracker.reports.model import follow_up_status_label, status_label
from tracker.reports.models import PUBLISHED_FORMATS, PublishedReport
from tracker.reports.pdf import brief_filename, render_brief_pdf
from tracker.reports.queries import build_progress_report
from tracker.uploads.services import send_stored_file
from tracker.web import format_date

bp = Blueprint("reports", __name__)
# One name for each status and kind in every report: the pages use the same labels as the files.
bp.add_app_template_global(status_label, "report_status_label")
bp.add_app_template_global(follow_up_status_label, "report_follow_up_label")


@bp.app_template_global()
def round_publication(round_: Round) -> dict:
    """What the round page shows of its published report (the progress domain does not know
    reports exist: its template asks this global)."""
    return {
        "report": services.published_for_round(round_.id),
        "as_of": services.publication_day(round_),
    }


def _published_reports() -> list[PublishedReport]:
    return list(db.session.scalars(services.published_query()))


def _builder_page(form: ReportForm, filters=None, status: int = 200):
    form.set_choices(filters)
    page = render_template(
        "reports/index.html",
        form=form,
        filters=filters,
        published=_published_reports(),
        formats=PUBLISHED_FORMATS,
    )
    return page, status


def report_form() -> tuple[ReportForm, object]:
    """The report form of the query string, and its filters: None when they are not valid (the
    form then shows why)."""
    form = ReportForm(request.args)
    try:
        return form, parse_filters(request.args)
    except ReportFilterError as error:
        form.show_errors(error)
        return form, None


@bp.get("/")
@login_required
def dashboard():
    """Where implementation stands: the chosen plan's charts, lists and my to-dos."""
    form, filters = report_form()
    if filters is None:
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
    form, filters = report_form()
    return _builder_page(form, status=400) if filters is None else _builder_page(form, filters)


@bp.get("/reports/progress")
@login_required
def progress():
    """The progress report; `format` picks the rendering, the other arguments the content."""
    form, filters = report_form()
    fmt = chosen_format(request.args.get("format"))
    if filters is None:
        return _builder_page(form, status=400)
    if fmt is None:
        form.format.errors = [_("Choose one of the formats offered.")]
        return _builder_page(form, filters, status=400)
    # Built and rendered in the report's language (its words, dates and amounts); the web
    # report's whole page speaks it, so that nothing on it mixes two languages.
    with force_locale(filters.language or current_language()):
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


@bp.get("/reports/published/<id:report_id>/<fmt>")
@login_required
def download_published(report_id: int, fmt: str):
    """A published report's file, byte for byte as stored (410 if its bytes changed since)."""
    published = db.get_or_404(PublishedReport, report_id)
    if fmt not in PUBLISHED_FORMATS:
        abort(
            404,
            _(
                "A published report has no '%(format)s' file: pdf, xlsx, csv or json.",
                format=fmt[:20],
            ),
        )
    return send_stored_file(published.file(fmt))


@bp.post("/reports/rounds/<id:round_id>/publish")
@login_required
def publish(round_id: int):
    round_ = get_allowed(can_publish_reports(current_user), Round, round_id)

    def publish_in_its_language():
        language = report_language(request.form.get("language")) or current_language()
        return services.publish_report(round_, by=current_user, language=language)

    return step_and_go(
        publish_in_its_language,
        (ReportFilterError, services.PublishError),
        lambda published: _(
            "Published the progress report for %(round)s, as of %(day)s: PDF, XLSX, CSV and"
            " JSON, kept as they are now.",
            round=round_.title,
            day=format_date(published.as_of),
        ),
        url_for("progress.round", round_id=round_.id, _anchor="published"),
    )


@bp.get("/reports/compare")
@login_required
def compare():
    """Two published reports compared (`from`, `to`), or one with now (`to=now`); without
    arguments, the newest published report with now."""
    published = _published_reports()
    source, target = request.args.get("from"), request.args.get("to")
    page = {"published": published, "source": source, "target": target or "now"}
    if not published and source is None and target is None:
        return render_template("reports/compare.html", comparison=None, error=None, **page)
    try:
        comparison = services.compare_published(source, target, by=current_user.name)
    except services.PublishError as error:
        page = render_template("reports/compare.html", comparison=None, error=error, **page)
        return page, 400
    return render_template("reports/compare.html", comparison=comparison, error=None, **page)
