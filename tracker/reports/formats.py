"""One report, five renderings: each format reads the same ProgressReport."""

import json
from collections.abc import Iterator

from flask import Response, stream_with_context

from tracker.reports.charts import report_charts
from tracker.reports.csvzip import report_csv_zip
from tracker.reports.filters import ReportFilters
from tracker.reports.model import ProgressReport
from tracker.reports.pdf import render_report_pdf
from tracker.reports.queries import narrowed_actor_ids
from tracker.reports.updates import validated_updates
from tracker.reports.xlsx import render_report_xlsx
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
    """The report as a whole file of `fmt` (json, pdf, xlsx); the CSV zip streams (`chunks`)."""
    if fmt == "json":
        return json.dumps(report.to_json(), ensure_ascii=False, indent=1).encode()
    if fmt == "xlsx":
        return render_report_xlsx(report)
    if fmt == "pdf":
        return render_report_pdf(report, {k: str(v) for k, v in charts_of(report).items()})
    raise ValueError(f"{fmt!r} is not a whole-file format")


def chunks(report: ProgressReport, filters: ReportFilters, fmt: str) -> Iterator[bytes]:
    """The report as a file of `fmt`, in pieces: the CSV zip carries every validated update of
    the period, read from a streaming cursor, so it never sits whole in memory."""
    if fmt != "csv":
        yield render_bytes(report, fmt)
        return
    actor_ids = narrowed_actor_ids(filters)
    updates = validated_updates(
        action_point_ids=[ap.id for ap in report.action_points],
        actor_ids=sorted(actor_ids) if actor_ids is not None else None,
        period_from=filters.start,
        period_to=filters.end,
        validated_by=filters.cutoff,
    )
    yield from report_csv_zip(report, updates)


def download(report: ProgressReport, filters: ReportFilters, fmt: str) -> Response:
    if fmt == "csv":
        # The cursor needs the request's session for as long as the answer streams.
        body = stream_with_context(chunks(report, filters, fmt))
    else:
        body = render_bytes(report, fmt)
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(filename(report, fmt))
    return response
