"""One report, five renderings: each format reads the same ProgressReport."""

import json

from flask import Response

from tracker.reports.charts import report_charts
from tracker.reports.filters import ReportFilters
from tracker.reports.model import ProgressReport
from tracker.uploads.files import content_disposition

MEDIA_TYPES = {
    "json": "application/json",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
}
EXTENSIONS = {"json": "json", "pdf": "pdf", "xlsx": "xlsx", "csv": "zip"}


def filename(report: ProgressReport, fmt: str) -> str:
    cover = report.cover
    return f"progress-report-{cover.plan_code}-{cover.as_of.isoformat()}.{EXTENSIONS[fmt]}"


def charts_of(report: ProgressReport) -> dict:
    """The report's charts as SVG, by name (the same on the page and in the PDF)."""
    return report_charts(report)


def render_bytes(report: ProgressReport, fmt: str) -> bytes:
    """The report as a file of `fmt` (json, pdf, xlsx), whole, for the command line and for
    publishing; the CSV zip is streamed instead (`csv_chunks`)."""
    if fmt == "json":
        return json.dumps(report.to_json(), ensure_ascii=False, indent=1).encode()
    raise ValueError(f"unknown format {fmt!r}")


def download(report: ProgressReport, filters: ReportFilters, fmt: str) -> Response:
    response = Response(render_bytes(report, fmt), mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(filename(report, fmt))
    return response
