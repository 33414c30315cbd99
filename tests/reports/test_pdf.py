"""The PDF format: the progress report and the pre-meeting brief, rendered by Typst and read back
with poppler (pdftotext, pdffonts, pdfinfo)."""

import re
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from tests import factories
from tests.reports import sample_pdf as sample
from tracker.db import db
from tracker.reports.pdf import NARRATIVE_LIMIT, markdown_blocks, render_report_pdf, trim

CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60" role="img">'
    "<title>Progress</title><desc>Goal 1 at 40 %</desc>"
    '<rect width="80" height="20" fill="#1d4ed8"/><text x="5" y="50">Chart label 42</text></svg>'
)
BIDI_CONTROLS = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    done = subprocess.run(
        [tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args, "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def text_of(pdf: bytes) -> str:
    """The PDF's text with bidi marks dropped and whitespace collapsed: what a reader sees."""
    return " ".join(BIDI_CONTROLS.sub("", poppler("pdftotext", pdf)).split())


def pages_of(pdf: bytes) -> list[str]:
    pages = BIDI_CONTROLS.sub("", poppler("pdftotext", pdf)).split("\f")
    return [" ".join(page.split()) for page in pages if page.strip()]


def one_action_point_report(*narratives, **overrides):
    action_point = sample.action_point("1.1", list(narratives), **overrides)
    return sample.report([sample.goal(1, [action_point])])


def test_typst_and_markdown_syntax_in_user_text_prints_literally():
    report = one_action_point_report(sample.narrative("HU", sample.HOSTILE), title=sample.HOSTILE)
    report.meetings[0].decisions = [sample.HOSTILE]
    text = text_of(render_report_pdf(report, {}))
    # Plain text fields (a title, a decision) print exactly as typed, twice (title in contents).
    assert text.count(sample.HOSTILE) >= 3
    # The narrative is Markdown: *b* is emphasis, everything else is text, never Typst or HTML.
    assert "#let x = 1 $x$ b ] \\ @ref <script>alert(1)</script>" in text


def test_markdown_becomes_blocks_of_text_never_markup():
    blocks = markdown_blocks(
        "## Plan #1\n\nSome **bold** and `#code`.\n\n- one\n- two\n\n1. first\n\n"
        "<script>alert(1)</script>\n\n> quoted"
    )
    assert [b["k"] for b in blocks] == ["h", "p", "ul", "ol", "p", "quote"]
    assert blocks[1]["r"] == [
        {"t": "Some "},
        {"t": "bold", "b": True},
        {"t": " and "},
        {"t": "#code", "c": True},
        {"t": "."},
    ]
    assert blocks[2]["items"][1][0]["r"] == [{"t": "two"}]
    assert blocks[4]["r"] == [{"t": "<script>alert(1)</script>"}]


def test_a_long_narrative_is_trimmed_with_a_note_of_what_was_left_out():
    long = ("Border management training continued. " * 600)[:19_990] + " ENDMARK"
    _, left_out = trim(long, NARRATIVE_LIMIT)
    text = text_of(render_report_pdf(one_action_point_report(sample.narrative("AT", long)), {}))
    assert (
        f"{left_out:,} characters left out; the full text is in the web report and the XLSX" in text
    )
    assert left_out > 18_000 and "ENDMARK" not in text and "Border management training" in text


def test_cyrillic_turkish_arabic_hebrew_and_chinese_print_with_the_shipped_fonts():
    narratives = [sample.narrative(f"A{i}", t) for i, t in enumerate(sample.SCRIPTS.values())]
    pdf = render_report_pdf(one_action_point_report(*narratives), {})
    text = text_of(pdf)
    for script, sample_text in sample.SCRIPTS.items():
        assert sample_text in text, script
    fonts = poppler("pdffonts", pdf)
    assert "NotoSansArabic" in fonts and "DroidSansFallback" in fonts
    # Only typst's own fonts and the shipped ones: system fonts are never read.
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    assert all(
        name.startswith(("LibertinusSerif", "NotoSansArabic", "DroidSansFallback", "DejaVuSans"))
        for name in names
    ), names


def test_a_report_is_pdf_a_and_pdf_ua_when_every_character_has_a_shipped_font():
    pdf = render_report_pdf(one_action_point_report(sample.narrative("HU", "Plain text.")), {})
    assert b"pdfaid:part" in pdf and b"pdfuaid:part" in pdf


def test_a_script_without_a_shipped_font_still_renders_as_plain_tagged_pdf():
    narratives = [sample.narrative("KR", "한국어 보고서 😀 and the rest in English")]
    pdf = render_report_pdf(one_action_point_report(*narratives), {})
    assert "and the rest in English" in text_of(pdf) and b"pdfaid:part" not in pdf
    assert re.search(r"Tagged:\s+yes", poppler("pdfinfo", pdf))


def test_control_characters_and_lone_surrogates_are_dropped_not_fatal():
    narratives = [sample.narrative("HU", "bell\x07 escape\x1b[31m null\x00 half\ud800 end")]
    text = text_of(render_report_pdf(one_action_point_report(*narratives), {}))
    assert "bell escape[31m null half end" in text


def test_every_page_footer_carries_the_as_of_date_and_page_numbers():
    report = one_action_point_report(sample.narrative("HU", "Enough text. " * 120))
    pages = pages_of(render_report_pdf(report, {}))
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert "as of 30 Jun 2024" in page and f"Page {number} of {len(pages)}" in page


def test_the_cover_says_draft_and_the_report_has_an_outline():
    pdf = render_report_pdf(one_action_point_report(), {"progress": CHART})
    pages = pages_of(pdf)
    assert "DRAFT" in pages[0] and "BP-TEST" in pages[0] and "Test Secretariat" in pages[0]
    assert "Contents" in pages[1] and "1.1 Action point 1.1" in pages[1]
    assert b"/Outlines" in pdf
    info = poppler("pdfinfo", pdf)
    assert re.search(r"Tagged:\s+yes", info) and "Progress report: BP-TEST" in info
    assert "Chart label 42" in text_of(pdf)  # the chart, embedded as SVG, keeps its text


def test_the_same_report_gives_the_same_bytes():
    report = one_action_point_report(sample.narrative("HU", "Same text."))
    assert render_report_pdf(report, {"funding": CHART}) == render_report_pdf(
        report, {"funding": CHART}
    )


def test_a_published_report_names_its_round():
    report = one_action_point_report()
    report.cover = replace(report.cover, published_for="Reporting round 2024")
    first_page = pages_of(render_report_pdf(report, {}))[0]
    assert "Published for Reporting round 2024" in first_page and "DRAFT" not in first_page


def test_an_action_point_without_validated_update_says_so():
    text = text_of(render_report_pdf(one_action_point_report(), {}))
    assert "No validated update." in text and "Yes: no validated update" in text


def test_a_report_with_no_action_points_still_renders_with_its_note():
    report = sample.report(
        [sample.goal(1, []), sample.goal(2, [])],
        notes=["0 of 41 action points defined: the Secretariat has not imported them yet."],
        reporters=[],
        meetings=[],
        counts={},
    )
    pages = pages_of(render_report_pdf(report, {}))
    note = "0 of 41 action points defined: the Secretariat has not imported them yet."
    assert note in pages[0] and note in " ".join(pages[2:])
    assert "No action points defined under this goal." in " ".join(pages)
    assert "No validated update in the period." in " ".join(pages)


def test_the_brief_downloads_as_a_pdf(client, login):
    factories.make_meeting(starts_at=datetime.now(UTC) - timedelta(days=30))
    factories.make_pledge(actor=factories.get_actor("AT"), amount_minor=123_456_789)
    busy = factories.make_action_point(title="Reported on since [the last] meeting")
    factories.make_update(busy, workflow="validated")
    meeting = factories.make_meeting(
        title="Reference Group in İstanbul, 布达佩斯进程",
        starts_at=datetime.now(UTC) + timedelta(days=2),
    )
    factories.make_follow_up(meeting, text="Send the #draft $now$", due_on=date.today())
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/meetings/{meeting.id}/brief").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/brief.pdf"' in page
    response = client.get(f"/meetings/{meeting.id}/brief.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = text_of(response.data)
    assert "Reference Group in İstanbul, 布达佩斯进程" in text
    assert "Send the #draft $now$" in text and busy.title in text
    assert "1,234,567.89 EUR" in text  # the pledge of AT, and the total


def test_the_api_gives_the_brief_as_pdf_on_request(api):
    meeting = factories.make_meeting(title="Senior officials, Baku")
    db.session.commit()
    api.as_role("viewer")
    response = api.get(f"/api/v1/meetings/{meeting.id}/brief?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Senior officials, Baku" in text_of(response.data)
    refused = api.get(f"/api/v1/meetings/{meeting.id}/brief?format=docx")
    assert refused.status_code == 400 and "format" in refused.get_json()["error"]["message"]
