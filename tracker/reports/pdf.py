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

from tracker.money import format_grouped
from tracker.reports.model import NOT_REPORTED, Funding, Narrative, ProgressReport
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
CHARTS = {
    "progress": "Plan and goal progress",
    "status_mix": "Status mix per goal",
    "over_time": "Plan progress over time",
    "funding": "Funding per goal",
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
        raise PdfError(f"The PDF could not be made: {error.message}") from error


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


def report_data(report: ProgressReport, charts: dict[str, str]) -> dict:
    """What progress.typ reads: every text already formatted, money with its currency."""
    cover = report.cover
    return {
        "title": f"Progress report: {cover.plan_code} {cover.plan_title}",
        "fonts": FONT_FAMILIES,
        "footer": f"{cover.plan_code} · as of {format_date(cover.as_of)} · {cover.state}",
        "cover": {
            "plan_code": cover.plan_code,
            "plan_title": cover.plan_title,
            "plan_period": cover.plan_period,
            "as_of": format_date(cover.as_of),
            "historical": cover.is_historical,
            "period": f"{format_date(cover.period_from)} – {format_date(cover.period_to)}",
            "filters": _filters(cover.filters),
            "generated": f"{format_datetime(cover.generated_at)} by {cover.generated_by}",
            "state": cover.state,
            "draft": cover.published_for is None,
            "defined": (
                f"{cover.defined_action_points} of {cover.expected_action_points} action points "
                "defined"
                if cover.expected_action_points is not None
                else f"{cover.defined_action_points} action points defined"
            ),
        },
        "notes": list(report.notes),
        "currency": report.currency,
        "percent": _percent(report.percent),
        "counts": _counts(report.counts),
        "stale": report.stale,
        "funding": _funding(report.funding, report.currency),
        "charts": [
            {"title": title, "svg": charts[key]} for key, title in CHARTS.items() if charts.get(key)
        ],
        "over_time": [[p.label, _percent(p.percent)] for p in report.over_time],
        "goals": [
            {
                "number": goal.number,
                "title": goal.title,
                "percent": _percent(goal.percent),
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
                "kind": _label(m.kind),
                "when": format_datetime(m.starts_at),
                "place": m.place or "virtual",
                "decisions": list(m.decisions),
                "follow_ups": [
                    {
                        "text": f.text,
                        "owner": f.owner_name or f.owner,
                        "due": format_date(f.due_on),
                        "status": _label(f.status),
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


def _action_point(ap, currency: str) -> dict:
    return {
        "code": ap.code,
        "title": ap.title,
        "lead": ap.lead_name or ap.lead or "—",
        "partners": ", ".join(ap.partner_names or ap.partners) or "—",
        "status": _label(ap.status),
        "percent": _percent(ap.percent),
        "reported_on": format_date(ap.reported_on),
        "stale": (
            ("Yes: no validated update since " + format_date(ap.reported_on))
            if ap.stale and ap.reported_on
            else "Yes: no validated update"
            if ap.stale
            else "No"
        ),
        "narratives": [_narrative(n) for n in ap.narratives],
        "activities": [
            {
                "code": a.code,
                "title": a.title,
                "lead": a.lead_name or a.lead or "—",
                "dates": f"{format_date(a.starts_on)} – {format_date(a.ends_on)}",
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
        "status": _label(narrative.status),
        "percent": f"{narrative.percent} %",
        "reported_on": format_date(narrative.reported_on),
        "validated_at": format_date(narrative.validated_at),
        "blocks": markdown_blocks(kept),
        "left_out": (
            f"… {left_out:,} characters left out; the full text is in the web report and the XLSX."
            if left_out
            else None
        ),
    }


def brief_data(brief, meeting, generated_at: datetime) -> dict:
    """What brief.typ reads."""
    reporting = brief.reporting
    since = (
        f"the previous meeting of the series, {brief.previous.title}"
        if brief.previous
        else f"the start of plan {meeting.plan.code}"
    )
    totals = brief.pledges_total
    return {
        "title": f"Pre-meeting brief: {meeting.title}",
        "fonts": FONT_FAMILIES,
        "footer": f"Brief: {meeting.title} · as of {format_date(brief.today)}",
        "meeting": meeting.title,
        "when": format_in_zone(meeting.starts_at, meeting.timezone),
        "place": meeting.place or "virtual",
        "plan": meeting.plan.code,
        "since": f"What changed since {since} ({format_datetime(brief.since)}), up to this "
        "meeting's start. The status beside an action point, and each follow-up's, is today's.",
        "generated": format_datetime(generated_at),
        "follow_ups": [
            {
                "text": f.text,
                "owner": f.owner_actor.name,
                "due": format_date(f.due_on),
                "status": f.status.label,
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
                "status": n.status.status.label if n.status else "—",
                "percent": f"{n.status.percent} %" if n.status else "—",
            }
            for n in brief.news
        ],
        "quiet": [
            {
                "code": n.action_point.code,
                "title": n.action_point.title,
                "last": format_date(n.status.validated_at) if n.status else "never",
            }
            for n in brief.quiet
        ],
        "currency": reporting,
        "pledges": [
            [f"{brief.actors[actor_id].name} ({brief.actors[actor_id].code})"]
            + _totals(sums, reporting)
            for actor_id, sums in brief.pledges.items()
        ],
        "pledges_total": _totals(totals, reporting) if brief.pledges else None,
        "missing": (
            f"Incomplete totals: {totals.missing} ledger entries in "
            f"{', '.join(sorted(totals.missing_currencies))} have no exchange rate on or before "
            "their value date; they are left out of the totals, never guessed."
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
        "need": money(funding.need) if funding.has_need else "no need set",
        "pledged": money(funding.pledged),
        "committed": money(funding.committed),
        "disbursed": money(funding.disbursed),
        "gap": money(funding.gap) if funding.has_need else "—",
        "missing": (
            f"{funding.missing} entries or budgets left out: no exchange rate on or before "
            "their date."
            if funding.missing
            else None
        ),
    }


def _counts(counts: dict[str, int]) -> list[list]:
    known = [s for s in STATUS_ORDER if counts.get(s)]
    others = sorted(s for s in counts if s not in STATUS_ORDER and counts[s])
    return [[_label(s), counts[s]] for s in known + others]


def _filters(filters: dict[str, list[str] | str]) -> list[list[str]]:
    return [
        [_label(name), ", ".join(value) if isinstance(value, list | tuple) else str(value)]
        for name, value in filters.items()
        if value
    ]


def _label(value: str) -> str:
    """A status or kind as the pages show it (`in_progress` → `In progress`), as Status.label."""
    return str(value).replace("_", " ").capitalize()


def _percent(value: float) -> str:
    return f"{value:.1f} %"


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
            add(f"[image: {child.content}]" if child.content else "[image]")
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
