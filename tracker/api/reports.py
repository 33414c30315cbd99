"""The progress report in the JSON API: the same report object as the pages, in any format;
published reports (list, metadata, files, publishing) and the comparison of two."""

from flask import abort, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.errors import ApiError
from tracker.api.input import read_json_object
from tracker.api.pagination import page_of
from tracker.api.serializers import iso, round_summary, stored_file
from tracker.api.views import acting_user, answer, bp, found
from tracker.auth.permissions import can_publish_reports, require
from tracker.db import db
from tracker.i18n import current_language
from tracker.progress.models import Round
from tracker.reports import formats, services
from tracker.reports.filters import ReportFilterError, parse_filters, report_language
from tracker.reports.forms import chosen_format
from tracker.reports.models import PUBLISHED_FORMATS, PublishedReport
from tracker.reports.queries import build_progress_report
from tracker.uploads.services import send_stored_file


def report_filters():
    try:
        return parse_filters(request.args)
    except ReportFilterError as error:
        raise ApiError(400, str(error), fields=error.fields) from None


@bp.get("/reports/progress")
def progress_report():
    """The progress report: JSON (the data object itself), or a PDF, XLSX or CSV zip file, in
    the language of `language` (default: the caller's Accept-Language)."""
    fmt = chosen_format(request.args.get("format", "json"))
    if fmt is None or fmt == "html":
        message = _("format must be one of: json, pdf, xlsx, csv.")
        raise ApiError(400, message, fields={"format": message})
    filters = report_filters()
    with force_locale(filters.language or current_language()):
        report = build_progress_report(filters, generated_by=acting_user().name)
        if fmt == "json":
            return report.to_json()
        return formats.download(report, filters, fmt)


def published_detail(published: PublishedReport) -> dict:
    return {
        "id": published.id,
        "plan": published.plan.code,
        "round": round_summary(published.round),
        "as_of": iso(published.as_of),
        "published_at": iso(published.published_at),
        "published_by": published.published_by,
        "language": published.language,
        "files": {
            fmt: {
                **stored_file(stored),
                "url": url_for("api.download_published_report", report_id=published.id, fmt=fmt),
            }
            for fmt, stored in published.files.items()
        },
        "url": url_for("api.get_published_report", report_id=published.id),
    }


def _published_or_404(report_id: int) -> PublishedReport:
    return found(
        db.session.get(PublishedReport, report_id),
        _("There is no published report %(id)s.", id=report_id),
    )


@bp.get("/reports/published")
def list_published_reports():
    return page_of(services.published_query(), published_detail)


@bp.get("/reports/published/<id:report_id>")
def get_published_report(report_id: int):
    return published_detail(_published_or_404(report_id))


@bp.get("/reports/published/<id:report_id>/<fmt>")
def download_published_report(report_id: int, fmt: str):
    """A published file, byte for byte as stored: 410 if its bytes changed since."""
    published = _published_or_404(report_id)
    if fmt not in PUBLISHED_FORMATS:
        abort(404, _("A published report has these files: pdf, xlsx, csv, json."))
    return send_stored_file(published.file(fmt))


@bp.post("/rounds/<id:round_id>/publish")
def publish_round(round_id: int):
    """Publish the round's progress report (Secretariat) in `language` (a query argument or a
    field of a JSON body; default: the caller's Accept-Language). 201 with its metadata; 409
    when the round has its report already (`published_report` in the error: that one)."""
    require(can_publish_reports(current_user))
    round_ = found(db.session.get(Round, round_id), _("There is no round %(id)s.", id=round_id))
    # The body is optional here (the language may come as a query argument); when there is one,
    # it is read as every JSON body is (read_json_object: a bad or absurdly deep one is a 400).
    body = read_json_object() if request.content_length or request.is_json else None
    asked = body.get("language") if body is not None else request.args.get("language")
    try:
        language = report_language(asked if isinstance(asked, str) else None)
    except ReportFilterError as error:
        raise ApiError(400, str(error), fields=error.fields) from None
    if asked is not None and not isinstance(asked, str):
        message = _("Must be a string or null.")
        raise ApiError(400, message, fields={"language": message})
    try:
        published = services.publish_report(
            round_, by=acting_user(), language=language or current_language()
        )
    except services.AlreadyPublished as error:
        db.session.rollback()
        extra = {"published_report": published_detail(error.report)} if error.report else {}
        raise ApiError(
            409, str(error), code="conflict", fields={"round": str(error)}, **extra
        ) from None
    body = published_detail(published)
    return answer(body, 201, {"Location": body["url"]})


@bp.get("/reports/compare")
def compare_reports():
    """What changed from published report `from` to published report `to`, or to now."""
    try:
        comparison = services.compare_published(
            request.args.get("from"), request.args.get("to"), by=acting_user().name
        )
    except services.PublishError as error:
        raise ApiError(400, str(error), fields={error.field: str(error)}) from None
    return {
        "from": published_detail(comparison.source),
        "to": published_detail(comparison.to) if comparison.to else "now",
        **{k: v for k, v in comparison.changes.items() if k not in ("from", "to")},
        "covers": {"from": comparison.changes["from"], "to": comparison.changes["to"]},
    }
