"""The PDF format: a Typst template per document, the data passed as JSON through `sys_inputs`.

User text never becomes Typst markup: the templates read strings from the JSON and place them as
text, so `#`, `$`, `*`, `]`, `@` or `<script>` print as typed. Narratives are Markdown; they are
parsed here (the pages' dialect) into a small block structure (paragraphs, headings, lists,
quotes, code, tables, with runs of bold, italic and code text) that the template draws through
its own functions: nothing is evaluated. Fonts come from typst itself (Latin, Cyrillic, Greek,
Hebrew) and from `fonts/` (Arabic, CJK); system fonts are never read, so a report prints the
same on every machine. The output is tagged PDF/A-2a and PDF/UA-1.
"""

import json
import logging
import re
import unicodedata
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import typst
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker.actors.display import actor_name
from tracker.i18n import current_language, format_number, format_percent
from tracker.money import format_grouped
from tracker.reports.charts import funding_names
from tracker.reports.model import (
    NOT_REPORTED,
    Funding,
    Narrative,
    ProgressReport,
    follow_up_status_label,
    meeting_kind_label,
    status_label,
)
from tracker.web import _markdown as markdown_parser  # the pages' Markdown dialect
from tracker.web import format_date, format_datetime, format_in_zone

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
TEMPLATES = HERE / "typst"
FONTS = HERE / "fonts"
FONT_FAMILIES = ["Libertinus Serif", "Noto Sans Arabic", "Droid Sans Fallback"]
# PDF/A-2a: archivable and tagged; PDF/UA-1: accessible (title, language, alt text, structure).
PDF_STANDARDS = ["a-2a", "ua-1"]
NARRATIVE_LIMIT = 1_500  # characters of Markdown per narrative in the PDF
LONG_WORD = 40  # a run of this many characters with no space gets break opportunities
# The charts of the progress report, in the PDF's order, with their captions.
CHARTS = {
    "progress": _l("Plan and goal progress"),
    "status_mix": _l("Status mix per goal"),
    "over_time": _l("Plan progress over time"),
    "funding": _l("Funding per goal"),
}
STATUS_ORDER = [
    "not_started",
    "planned",
    "in_progress",
    "ongoing",
    "completed",
    "on_hold",
    "discontinued",
    NOT_REPORTED,
]


class PdfError(RuntimeError):
    """Typst refused the document (a template fault, or a chart that is not valid SVG)."""


def render_report_pdf(report: ProgressReport, charts: dict[str, str]) -> bytes:
    """The progress report as a PDF; `charts` maps a chart's key (CHARTS) to its SVG."""
    return _compile("progress.typ", report_data(report, charts), report.cover.generated_at)


def render_brief_pdf(brief, meeting) -> bytes:
    """The pre-meeting brief (tracker.meetings.queries.Brief) of `meeting` as a PDF."""
    generated_at = datetime.now(UTC).replace(microsecond=0)
    return _compile("brief.typ", brief_data(brief, meeting, generated_at), generated_at)


def _compile(template: str, data: dict, moment: datetime) -> bytes:
    """The PDF, PDF/A-2a and PDF/UA-1 when it can be. Both standards refuse a character that no
    shipped font has (Korean, Devanagari, emoji…): such a document is made again as plain tagged
    PDF, where that character shows as a box, rather than not at all."""
    inputs = {"data": json.dumps(_printable(data), ensure_ascii=False)}
    try:
        return _typst(template, inputs, moment, PDF_STANDARDS)
    except typst.TypstError as error:
        logger.warning("%s: not PDF/A or PDF/UA (%s)", template, error.message)
    try:
        return _typst(template, inputs, moment, [])
    except typst.TypstError as error:
        raise PdfError(_("The PDF could not be made: %(reason)s", reason=error.message)) from error


def _typst(template: str, inputs: dict, moment: datetime, standards: list[str]) -> bytes:
    return typst.compile(
        str(TEMPLATES / template),
        root=str(TEMPLATES),
        font_paths=_fonts(),
        ignore_system_fonts=True,
        sys_inputs=inputs,
        pdf_standards=standards,
        # The PDF's dates are the data's, so the same report gives the same bytes.
        timestamp=moment if moment.tzinfo else moment.replace(tzinfo=UTC),
    )


# Control characters (but tab and newline), lone surrogates and noncharacters: no font draws
# them, no reader needs them, and a surrogate cannot even be encoded.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000))
    + "]"
)


def _printable(value):
    if isinstance(value, str):
        return _UNPRINTABLE.sub("", value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


@cache
def _fonts() -> typst.Fonts:
    # Read once per process: the fonts are not scanned again for every document.
    return typst.Fonts(include_system_fonts=False, font_paths=[str(FONTS)])


# Where a Typst template sets a value in its own style (bold, larger) inside a translated
# sentence, the sentence carries this mark and the template puts the value in its place.
SLOT = "{value}"


def labels() -> dict[str, str]:
    """Every word the PDF templates (common.typ, progress.typ, brief.typ) print of their own, in
    the current language: one vocabulary, so a word both documents print is said once."""
    return {
        # The page furniture (common.typ) and the words of both documents.
        "page": _("Page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
        **funding_names(),
        "status": _("Status"),
        "owner": _("Owner"),
        "due": _("Due"),
        "actor": _("Actor"),
        "updates": _("Updates"),
        # The progress report's.
        "progress_report": _("Progress report"),
        "plan_period": _("Plan period"),
        "as_of": _("As of"),
        "rebuilt": _("(rebuilt from the history as it stood at the end of that day)"),
        "reporting_period": _("Reporting period"),
        "filters": _("Filters"),
        "no_filters": _("none (the whole plan)"),
        "action_points": _("Action points"),
        "generated": _("Generated"),
        "contents": _("Contents"),
        "summary": _("Summary"),
        "goal": _("Goal"),
        "title": _("Title"),
        "progress": _("Progress"),
        "stale": _("Stale"),
        "status_heading": _("Status of the action points"),
        "no_action_points": _("No action points."),
        "funding": _("Funding"),
        "over_time": _("Progress over time"),
        "no_action_points_in_goal": _("No action points defined under this goal."),
        "lead": _("Lead"),
        "partners": _("Partners"),
        "activities": _("Activities"),
        "narratives": _("Narratives"),
        "no_update": _("No validated update."),
        "meetings": _("Meetings, decisions and follow-ups"),
        "no_meetings": _("No meetings in the period."),
        "decisions": _("Decisions"),
        "follow_up": _("Follow-up"),
        "annex": _("Annex: who reported on what"),
        "annex_intro": _(
            "Validated updates in the period, per actor: how many, and on which action points."
        ),
        "no_reporters": _("No validated update in the period."),
        # The pre-meeting brief's.
        "none": _("None."),
        "all_have_news": _("None: every action point has news."),
        "action": _("Action"),
        "from": _("From"),
        "action_point": _("Action point"),
        "actors": _("Actors"),
        "status_now": _("Status now"),
        "percent": "%",
        "all": _("All"),
        "last_update": _("Last validated update"),
    }


def _frame(title: str, footer: str) -> dict:
    """What common.typ reads of every document: its title, language, fonts, words and footer."""
    return {
        "title": title,
        "lang": current_language(),
        "labels": labels(),
        "fonts": FONT_FAMILIES,
        "footer": footer,
    }


def report_data(report: ProgressReport, charts: dict[str, str]) -> dict:
    """What progress.typ reads: every text already formatted and translated, money with its
    currency; the template itself writes no word."""
    cover = report.cover
    return {
        **_frame(
            _("Progress report: %(code)s %(title)s", code=cover.plan_code, title=cover.plan_title),
            _(
                "%(code)s · as of %(day)s · %(state)s",
                code=cover.plan_code,
                day=format_date(cover.as_of),
                state=cover.state_label,
            ),
        ),
        "cover": {
            "plan_code": cover.plan_code,
            "plan_title": cover.plan_title,
            "plan_period": cover.plan_period,
            "as_of": format_date(cover.as_of),
            "historical": cover.is_historical,
            "period": f"{format_date(cover.period_from)} – {format_date(cover.period_to)}",
            "filters": [list(line) for line in cover.filter_lines],
            "generated": _(
                "%(moment)s by %(name)s",
                moment=format_datetime(cover.generated_at),
                name=cover.generated_by,
            ),
            "state": cover.state_label,
            "draft": cover.published_for is None,
            "defined": (
                ngettext(
                    "%(num)d of %(expected)d action points defined",
                    "%(num)d of %(expected)d action points defined",
                    cover.defined_action_points,
                    expected=cover.expected_action_points,
                )
                if cover.expected_action_points is not None
                else ngettext(
                    "%(num)d action point defined",
                    "%(num)d action points defined",
                    cover.defined_action_points,
                )
            ),
        },
        "notes": list(report.notes),
        "currency": report.currency,
        "summary": ngettext(
            "Plan progress: %(percent)s (weighted) · stale action points: %(num)d · amounts in"
            " %(currency)s",
            "Plan progress: %(percent)s (weighted) · stale action points: %(num)d · amounts in"
            " %(currency)s",
            report.stale,
            percent=SLOT,
            currency=report.currency,
        ),
        "percent": _percent(report.percent),
        "counts": _counts(report.counts),
        "stale": report.stale,
        "funding": _funding(report.funding, report.currency),
        "charts": [
            {"title": str(title), "svg": charts[key]}
            for key, title in CHARTS.items()
            if charts.get(key)
        ],
        "over_time": [[p.label, _percent(p.percent)] for p in report.over_time],
        "goals": [
            {
                "number": goal.number,
                "heading": _("Goal %(number)s: %(title)s", number=goal.number, title=goal.title),
                "title": goal.title,
                "percent": _percent(goal.percent),
                "line": ngettext(
                    "Progress %(percent)s · %(num)d stale · %(counts)s",
                    "Progress %(percent)s · %(num)d stale · %(counts)s",
                    goal.stale,
                    percent=SLOT,
                    counts=_counts_text(goal.counts),
                ),
                "counts": _counts(goal.counts),
                "stale": goal.stale,
                "funding": _funding(goal.funding, report.currency),
                "action_points": [_action_point(ap, report.currency) for ap in goal.action_points],
            }
            for goal in report.goals
        ],
        "meetings": [
            {
                "title": m.title,
                "kind": meeting_kind_label(m.kind),
                "when": format_datetime(m.starts_at),
                "place": m.place or _("virtual"),
                "decisions": list(m.decisions),
                "follow_ups": [
                    {
                        "text": f.text,
                        "owner": f.owner_name or f.owner,
                        "due": format_date(f.due_on),
                        "status": _overdue(follow_up_status_label(f.status), f.overdue),
                        "overdue": f.overdue,
                    }
                    for f in m.follow_ups
                ],
            }
            for m in report.meetings
        ],
        "reporters": [
            {
                "actor": f"{r.actor_name} ({r.actor_code})",
                "total": r.total,
                "action_points": ", ".join(
                    code if n == 1 else f"{code} ×{n}" for code, n in r.counts.items() if n
                ),
            }
            for r in report.reporters
        ],
    }


def _overdue(status: str, overdue: bool) -> str:
    return _("%(status)s, overdue", status=status) if overdue else status


def _action_point(ap, currency: str) -> dict:
    if ap.stale and ap.reported_on:
        stale = _("Yes: no validated update since %(day)s", day=format_date(ap.reported_on))
    elif ap.stale:
        stale = _("Yes: no validated update")
    else:
        stale = _("No")
    return {
        "code": ap.code,
        "title": ap.title,
        "lead": ap.lead_name or ap.lead or "—",
        "partners": ", ".join(ap.partner_names or ap.partners) or "—",
        "status_line": _(
            "%(status)s, %(percent)s (last reported %(day)s)",
            status=status_label(ap.status),
            percent=_percent(ap.percent),
            day=format_date(ap.reported_on),
        ),
        "stale": stale,
        "narratives": [_narrative(n) for n in ap.narratives],
        "activities": [
            {
                "code": a.code,
                "title": a.title,
                "note": _(
                    "(lead %(lead)s; %(dates)s)",
                    lead=a.lead_name or a.lead or "—",
                    dates=format_date(a.starts_on) + " – " + format_date(a.ends_on),
                ),
            }
            for a in ap.activities
        ],
        "funding": _funding(ap.funding, currency),
    }


def _narrative(narrative: Narrative) -> dict:
    # Cleaned before parsing: markdown-it would turn a NUL into U+FFFD.
    kept, left_out = trim(_printable(narrative.narrative or ""), NARRATIVE_LIMIT)
    return {
        "actor": f"{narrative.actor_name} ({narrative.actor_code})",
        "line": _(
            "%(status)s, %(percent)s · reported %(reported)s · validated %(validated)s",
            status=status_label(narrative.status),
            percent=format_percent(narrative.percent),
            reported=format_date(narrative.reported_on),
            validated=format_date(narrative.validated_at),
        ),
        "blocks": markdown_blocks(kept),
        "left_out": (
            ngettext(
                "… %(count)s character left out; the full text is in the web report and the XLSX.",
                "… %(count)s characters left out; the full text is in the web report and the XLSX.",
                left_out,
                count=format_number(left_out),
            )
            if left_out
            else None
        ),
    }


def brief_data(brief, meeting, generated_at: datetime) -> dict:
    """What brief.typ reads."""
    reporting = brief.reporting
    moment = format_datetime(brief.since)
    if brief.previous:
        since = _(
            "What changed since the previous meeting of the series, %(meeting)s (%(moment)s), up"
            " to this meeting's start. The status beside an action point, and each follow-up's,"
            " is today's.",
            meeting=brief.previous.title,
            moment=moment,
        )
    else:
        since = _(
            "What changed since the start of plan %(plan)s (%(moment)s), up to this meeting's"
            " start. The status beside an action point, and each follow-up's, is today's.",
            plan=meeting.plan.code,
            moment=moment,
        )
    totals = brief.pledges_total
    return {
        **_frame(
            _("Pre-meeting brief: %(meeting)s", meeting=meeting.title),
            _(
                "Brief: %(meeting)s · as of %(day)s",
                meeting=meeting.title,
                day=format_date(brief.today),
            ),
        ),
        "kicker": _("Pre-meeting brief · plan %(plan)s", plan=meeting.plan.code),
        "meeting": meeting.title,
        "when": format_in_zone(meeting.starts_at, meeting.timezone),
        "place": meeting.place or _("virtual"),
        "plan": meeting.plan.code,
        "since": since,
        "generated": _("Generated %(moment)s", moment=format_datetime(generated_at)),
        "headings": {
            "follow_ups": _(
                "Follow-up actions due or overdue (%(count)s)", count=len(brief.follow_ups)
            ),
            "news": _(
                "Action points with validated updates since (%(count)s)", count=len(brief.news)
            ),
            "pledges": _(
                "Pledge ledger entries recorded since, by actor (%(currency)s)",
                currency=reporting,
            ),
            "quiet": _(
                "Action points with no validated update since (%(count)s)", count=len(brief.quiet)
            ),
        },
        "follow_ups": [
            {
                "text": f.text,
                "owner": f.owner_actor.name,
                "due": format_date(f.due_on),
                "status": _overdue(str(f.status.label), f.is_overdue(brief.today)),
                "overdue": f.is_overdue(brief.today),
                "meeting": f.meeting.title,
            }
            for f in brief.follow_ups
        ],
        "news": [
            {
                "code": n.action_point.code,
                "title": n.action_point.title,
                "updates": n.updates,
                "actors": n.actors,
                "status": str(n.status.status.label) if n.status else "—",
                "percent": format_percent(n.status.percent) if n.status else "—",
            }
            for n in brief.news
        ],
        "quiet": [
            {
                "code": n.action_point.code,
                "title": n.action_point.title,
                "last": format_date(n.status.validated_at) if n.status else _("never"),
            }
            for n in brief.quiet
        ],
        "currency": reporting,
        "pledges": [
            [f"{actor_name(brief.actors[actor_id])} ({brief.actors[actor_id].code})"]
            + _totals(sums, reporting)
            for actor_id, sums in brief.pledges.items()
        ],
        "pledges_total": _totals(totals, reporting) if brief.pledges else None,
        "missing": (
            ngettext(
                "Incomplete totals: %(num)d ledger entry in %(currencies)s has no exchange rate on"
                " or before its value date; it is left out of the totals, never guessed.",
                "Incomplete totals: %(num)d ledger entries in %(currencies)s have no exchange rate"
                " on or before their value date; they are left out of the totals, never guessed.",
                totals.missing,
                currencies=", ".join(sorted(totals.missing_currencies)),
            )
            if totals.missing
            else None
        ),
    }


def _totals(totals, currency: str) -> list[str]:
    return [format_grouped(totals.get(m), currency) for m in ("pledged", "committed", "disbursed")]


def _funding(funding: Funding, currency: str) -> dict:
    def money(amount: int) -> str:
        return format_grouped(amount, currency)

    return {
        "need": money(funding.need) if funding.has_need else _("no need set"),
        "pledged": money(funding.pledged),
        "committed": money(funding.committed),
        "disbursed": money(funding.disbursed),
        "gap": money(funding.gap) if funding.has_need else "—",
        "missing": (
            ngettext(
                "%(num)d entry or budget left out: no exchange rate on or before its date.",
                "%(num)d entries or budgets left out: no exchange rate on or before their date.",
                funding.missing,
            )
            if funding.missing
            else None
        ),
    }


def _counts(counts: dict[str, int]) -> list[list]:
    known = [s for s in STATUS_ORDER if counts.get(s)]
    others = sorted(s for s in counts if s not in STATUS_ORDER and counts[s])
    return [[status_label(s), counts[s]] for s in known + others]


def _counts_text(counts: dict[str, int]) -> str:
    lines = _counts(counts)
    if not lines:
        return _("no action points")
    return " · ".join(f"{name}: {format_number(n)}" for name, n in lines)


def _percent(value: float) -> str:
    return format_percent(value, 1)


def trim(text: str, limit: int) -> tuple[str, int]:
    """The text cut to at most `limit` characters, at a space when one is near; and how many
    characters were left out."""
    if len(text) <= limit:
        return text, 0
    cut = text[:limit]
    space = cut.rfind(" ", limit - 200)
    if space > 0:
        cut = cut[:space]
    cut = cut.rstrip()
    return cut, len(text) - len(cut)


def markdown_blocks(text: str) -> list[dict]:
    """Markdown as data for the template: a list of blocks, each {"k": kind, ...}.

    p, h: {"r": runs, "rtl": bool}; ul, ol: {"items": [[block, ...], ...], "start": n};
    quote: {"b": [block, ...]}; code: {"t": text}; hr: {}; table: {"rows": [[runs, ...], ...]}.
    A run is {"t": text} with "b", "i", "c" (bold, italic, code) when set."""
    root: list[dict] = []
    containers: list = [root]  # where the next block goes (a list of blocks or a list node)
    table: dict | None = None
    leaf = "p"
    for token in markdown_parser.parse(text):
        kind = token.type
        if kind in ("paragraph_open", "heading_open"):
            leaf = "h" if kind == "heading_open" else "p"
        elif kind == "inline":
            runs = _runs(token.children or [])
            if table is not None:
                table["rows"][-1].append(runs)
            elif runs:
                containers[-1].append({"k": leaf, "r": runs, "rtl": _is_rtl(runs)})
        elif kind in ("bullet_list_open", "ordered_list_open"):
            node = {"k": "ul" if kind == "bullet_list_open" else "ol", "items": []}
            node["start"] = int(token.attrGet("start") or 1)
            containers[-1].append(node)
            containers.append(node["items"])
        elif kind == "list_item_open":
            item: list[dict] = []
            containers[-1].append(item)
            containers.append(item)
        elif kind == "blockquote_open":
            node = {"k": "quote", "b": []}
            containers[-1].append(node)
            containers.append(node["b"])
        elif kind in ("bullet_list_close", "ordered_list_close", "list_item_close") or (
            kind == "blockquote_close"
        ):
            containers.pop()
        elif kind in ("code_block", "fence"):
            containers[-1].append({"k": "code", "t": _breakable(token.content.rstrip("\n"))})
        elif kind == "hr":
            containers[-1].append({"k": "hr"})
        elif kind == "table_open":
            table = {"k": "table", "rows": []}
            containers[-1].append(table)
        elif kind == "tr_open" and table is not None:
            table["rows"].append([])
        elif kind == "table_close":
            table = None
    return root


def _runs(children) -> list[dict]:
    runs: list[dict] = []
    bold = italic = False

    def add(text: str, code: bool = False) -> None:
        flags = {k: True for k, on in (("b", bold), ("i", italic), ("c", code)) if on}
        if runs and not code and {k: v for k, v in runs[-1].items() if k != "t"} == flags:
            runs[-1]["t"] += text
        else:
            runs.append({"t": text, **flags})

    for child in children:
        kind = child.type
        if kind == "text":
            add(_breakable(child.content))
        elif kind == "code_inline":
            add(_breakable(child.content), code=True)
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind in ("strong_open", "strong_close"):
            bold = kind == "strong_open"
        elif kind in ("em_open", "em_close"):
            italic = kind == "em_open"
        elif kind == "image":
            add(_("[image: %(text)s]", text=child.content) if child.content else _("[image]"))
        elif kind in ("html_inline",):  # not produced with raw HTML off; kept as text if ever
            add(child.content)
    return runs


_LONG_WORD = re.compile(rf"\S{{{LONG_WORD},}}")


def _breakable(text: str) -> str:
    """A word too long for the line gets zero-width spaces, or it would run off the page."""
    return _LONG_WORD.sub(
        lambda m: "\u200b".join(
            m.group()[i : i + LONG_WORD // 2] for i in range(0, len(m.group()), LONG_WORD // 2)
        ),
        text,
    )


def _is_rtl(runs: list[dict]) -> bool:
    """The paragraph's direction: that of its first strongly directional character."""
    for run in runs:
        for char in run["t"]:
            direction = unicodedata.bidirectional(char)
            if direction in ("R", "AL"):
                return True
            if direction == "L":
                return False
    return False


def report_filename(report: ProgressReport) -> str:
    return f"{report.cover.plan_code}-progress-{report.cover.as_of:%Y-%m-%d}.pdf"


def brief_filename(meeting) -> str:
    return f"brief-{meeting.id}-{meeting.starts_at:%Y-%m-%d}.pdf"
