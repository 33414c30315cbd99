"""The progress report in the JSON API: the same report object as the pages, in any format."""

from flask import request

from tracker.api.errors import ApiError
from tracker.api.views import acting_user, bp
from tracker.reports import formats
from tracker.reports.filters import ReportFilterError, parse_filters
from tracker.reports.forms import chosen_format
from tracker.reports.queries import build_progress_report


def report_filters():
    try:
        return parse_filters(request.args)
    except ReportFilterError as error:
        raise ApiError(400, str(error), fields=error.fields) from None


@bp.get("/reports/progress")
def progress_report():
    """The progress report: JSON (the data object itself), or a PDF, XLSX or CSV zip file."""
    fmt = chosen_format(request.args.get("format", "json"))
    if fmt is None or fmt == "html":
        message = "format must be one of: json, pdf, xlsx, csv."
        raise ApiError(400, message, fields={"format": message})
    filters = report_filters()
    report = build_progress_report(filters, generated_by=acting_user().name)
    if fmt == "json":
        return report.to_json()
    return formats.download(report, filters, fmt)
