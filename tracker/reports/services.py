"""Publishing a round's progress report: rendered once in four formats, stored with their
SHA-256 through the upload module, and never made again. Services flush, never commit."""

import json
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden

from tracker.audit.services import By, record_event
from tracker.auth.permissions import can_publish_reports
from tracker.db import db, guarded_write, utcnow
from tracker.i18n import SOURCE_LANGUAGE
from tracker.progress.models import Round
from tracker.query_args import QueryArgError, whole_number
from tracker.reports import formats
from tracker.reports.compare import CompareError, compare_reports
from tracker.reports.filters import ReportFilters
from tracker.reports.model import ProgressReport
from tracker.reports.models import PUBLISHED_FORMATS, PublishedReport
from tracker.reports.queries import build_progress_report
from tracker.uploads.services import read_stored_file, store_generated
from tracker.web import format_date


class PublishError(Exception):
    """A report that cannot be published; `field` names the input it belongs to."""

    def __init__(self, message: str, field: str = "round"):
        super().__init__(message)
        self.field = field


class AlreadyPublished(PublishError):
    """The round has its report already (`report`: it, when known)."""

    def __init__(self, message: str, report: PublishedReport | None = None):
        super().__init__(message)
        self.report = report


def published_for_round(round_id: int) -> PublishedReport | None:
    return db.session.scalar(select(PublishedReport).where(PublishedReport.round_id == round_id))


def publication_day(round_: Round, today: date | None = None) -> date:
    """The day a round's report stands at: the day it is published. The Secretariat publishes
    once it has validated what came in by the deadline; a report as of the deadline would leave
    all of that out."""
    return today or utcnow().date()


def publication_filters(round_: Round) -> ReportFilters:
    """The whole plan, now, over the round's period (reports dated from its opening to its
    deadline)."""
    return ReportFilters(plan=round_.plan, period_from=round_.opens_on, period_to=round_.deadline)


def _name_of(by: By) -> str:
    return by if isinstance(by, str) else by.name


def _already_published(existing: PublishedReport) -> AlreadyPublished:
    return AlreadyPublished(
        _(
            "The progress report for round %(round)s was already published on %(day)s by"
            " %(name)s. A published report is never made again: download it from the Reports"
            " page, or compare it with now.",
            round=existing.round.title,
            day=format_date(existing.published_at),
            name=existing.published_by,
        ),
        existing,
    )


def publish_report(round_: Round, *, by: By, language: str = SOURCE_LANGUAGE) -> PublishedReport:
    """Build the round's progress report ("Published for <round>" on its cover) in `language`
    (a code of i18n.languages(), checked by the caller), render it as PDF, XLSX, CSV zip and
    JSON, and keep the four files. Once per round: AlreadyPublished otherwise, also when
    another publisher wins a race (nothing of the loser's is kept)."""
    if not isinstance(by, str) and not can_publish_reports(by):
        raise Forbidden(_("Only the Secretariat publishes reports."))
    if (existing := published_for_round(round_.id)) is not None:
        raise _already_published(existing)
    filters = publication_filters(round_)
    with force_locale(language):
        report = build_progress_report(
            filters, generated_by=_name_of(by), published_for=round_.title
        )
        files = render_files(report, filters)
    return store_published(round_, report, files, by=by, language=language)


def render_files(report: ProgressReport, filters: ReportFilters) -> dict[str, bytes]:
    """The report in every published format, whole (the CSV zip is collected from its stream)."""
    return {
        fmt: b"".join(formats.chunks(report, filters, fmt))
        if fmt == "csv"
        else formats.render_bytes(report, fmt)
        for fmt in PUBLISHED_FORMATS
    }


def file_name(report: ProgressReport, round_: Round, fmt: str) -> str:
    stem = formats.filename(report, fmt).rpartition(".")[0]
    return f"{stem}-round-{round_.id}.{formats.EXTENSIONS[fmt]}"


def store_published(
    round_: Round,
    report: ProgressReport,
    files: dict[str, bytes],
    *,
    by: By,
    language: str = SOURCE_LANGUAGE,
) -> PublishedReport:
    """Keep rendered files (written in `language`) as the round's published report, with its
    audit event."""
    duplicate = AlreadyPublished(
        _(
            "The progress report for round %(round)s has just been published by someone else;"
            " nothing of yours was saved. Reload the page to see it.",
            round=round_.title,
        )
    )
    with guarded_write(duplicate=duplicate):
        stored = {
            fmt: store_generated(
                files[fmt], file_name(report, round_, fmt), formats.MEDIA_TYPES[fmt], by=by
            )
            for fmt in PUBLISHED_FORMATS
        }
        published = PublishedReport(
            round_id=round_.id,
            plan_id=round_.plan_id,
            as_of=report.cover.as_of,
            published_at=report.cover.generated_at,
            published_by_id=None if isinstance(by, str) else by.id,
            published_by=_name_of(by)[:200],
            language=language,
            **{f"{fmt}_file_id": stored[fmt].id for fmt in PUBLISHED_FORMATS},
        )
        db.session.add(published)
    record_event(
        by=by,
        action="publish",
        entity=round_,
        summary=f"Published the progress report for round {round_.title}",
        changes={
            "published_report": [None, published.id],
            "as_of": [None, published.as_of.isoformat()],
            "language": [None, language],
            **{f"{fmt}_sha256": [None, stored[fmt].sha256] for fmt in PUBLISHED_FORMATS},
        },
    )
    return published


def published_data(published: PublishedReport) -> dict:
    """The report's data object as it was published (its JSON file, checked against its
    SHA-256: altered bytes are a 410, never read)."""
    return json.loads(read_stored_file(published.json_file))


def published_query():
    """Every published report, newest first, with what a list shows loaded."""
    return (
        select(PublishedReport)
        .options(
            joinedload(PublishedReport.round),
            joinedload(PublishedReport.plan),
            *(joinedload(getattr(PublishedReport, f"{fmt}_file")) for fmt in PUBLISHED_FORMATS),
        )
        .order_by(PublishedReport.published_at.desc(), PublishedReport.id.desc())
    )


@dataclass
class Comparison:
    """Two reports compared: `changes` is compare_reports' answer; `to` is None for now."""

    source: PublishedReport
    to: PublishedReport | None
    changes: dict


def _published_arg(name: str, text: str) -> PublishedReport:
    try:
        report_id = whole_number(name, text)
    except QueryArgError:
        raise PublishError(
            _(
                "%(name)s: give the number of a published report (see the Reports page).",
                name=name,
            ),
            name,
        ) from None
    published = db.session.get(PublishedReport, report_id)
    if published is None:
        raise PublishError(
            _("%(name)s: there is no published report %(id)s.", name=name, id=report_id), name
        )
    return published


def newest_published() -> PublishedReport | None:
    return db.session.scalars(published_query().limit(1)).first()


def compare_published(source: str | None, target: str | None, *, by: By) -> Comparison:
    """Compare published report `source` (an id; absent: the newest) with `target`: another
    one's id, or "now" (absent too: the plan's report built now, by `by`). PublishError names
    the argument that is wrong."""
    source, target = (source or "").strip(), (target or "now").strip().lower()
    if source:
        old = _published_arg("from", source)
    elif (old := newest_published()) is None:
        raise PublishError(_("from: no report has been published yet."), "from")
    new = None if target == "now" else _published_arg("to", target)
    if new is not None and new.plan_id != old.plan_id:
        raise PublishError(
            _(
                "to: report %(new)s is of %(new_plan)s, report %(old)s of %(old_plan)s; compare"
                " two reports of one plan.",
                new=new.id,
                new_plan=new.plan.code,
                old=old.id,
                old_plan=old.plan.code,
            ),
            "to",
        )
    if new is None:
        now = build_progress_report(ReportFilters(plan=old.plan), generated_by=_name_of(by))
        new_data = now.to_json()
    else:
        new_data = published_data(new)
    try:
        changes = compare_reports(published_data(old), new_data)
    except CompareError as error:
        raise PublishError(str(error), "to") from None
    return Comparison(old, new, changes)
