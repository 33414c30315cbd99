"""Report pages and downloads. The reports domain owns its routes, also those under another
domain's path (a meeting's brief as PDF), so that no other domain imports `reports`."""

from datetime import date

from flask import Blueprint, abort
from flask_login import login_required

from tracker.meetings import queries as meeting_queries
from tracker.pages import download
from tracker.reports.pdf import brief_filename, render_brief_pdf

bp = Blueprint("reports", __name__)


@bp.get("/meetings/<id:meeting_id>/brief.pdf")
@login_required
def brief_pdf(meeting_id: int):
    meeting = meeting_queries.meeting_heading(meeting_id) or abort(404)
    brief = meeting_queries.brief(meeting, date.today())
    return download(render_brief_pdf(brief, meeting), brief_filename(meeting), "pdf")
