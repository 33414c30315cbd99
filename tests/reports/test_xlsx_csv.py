"""The progress report as XLSX and as a CSV zip: read back with openpyxl and csv, both carry the
report object's figures as real cells (XLSX) and exact text (CSV), and nothing a spreadsheet
would run."""

import csv
import io
import tracemalloc
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from tests.reports.sample import HOSTILE, UNICODE, sample_report
from tracker.money import format_minor
from tracker.reports.csvzip import report_csv_zip
from tracker.reports.model import status_label
from tracker.reports.sheets import STATUSES
from tracker.reports.xlsx import render_report_xlsx
from tracker.tables import cell_text, looks_like_formula, unneutralise

SHEETS = [
    "Cover",
    "Summary",
    "Action points",
    "Narratives",
    "Activities",
    "Meetings",
    "Follow-ups",
    "Reporters",
]
FILES = [
    "cover.csv",
    "summary.csv",
    "action_points.csv",
    "narratives.csv",
    "activities.csv",
    "meetings.csv",
    "follow_ups.csv",
    "reporters.csv",
    "updates.csv",
]


def workbook(report):
    return openpyxl.load_workbook(io.BytesIO(render_report_xlsx(report)))


def sheet_rows(book, title) -> list[dict]:
    header, *rows = [list(r) for r in book[title].iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def csv_files(report, updates=()) -> dict[str, list[dict]]:
    data = b"".join(report_csv_zip(report, updates))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


def exact(value) -> Decimal:
    """A money cell as the import would read it (its shortest text), as an exact Decimal."""
    return Decimal(cell_text(value))


def test_the_workbook_has_a_sheet_per_section_with_frozen_headings_and_a_filter():
    book = workbook(sample_report(41, 3))
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.b for c in ws[1])
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(4 <= w <= 80 for w in widths), (ws.title, widths)
    narrative = book["Narratives"]["H2"]
    assert narrative.alignment.wrap_text
    assert book["Narratives"].column_dimensions["H"].width == 80


def test_numbers_percents_money_and_dates_are_real_cells():
    report = sample_report(8, 2)
    ap = next(ap for ap in report.action_points if ap.code == "2")
    book = workbook(report)
    header = [c.value for c in book["Action points"][1]]
    [cells] = [r for r in book["Action points"].iter_rows(min_row=2) if r[1].value == ap.code]
    row = dict(zip(header, cells, strict=True))
    assert row["Code"].value == ap.code == "2" and row["Code"].data_type == "s"
    assert row["Goal"].value == 2 and isinstance(row["Weight"].value, int)
    assert isinstance(row["Progress"].value, int | float)
    assert row["Progress"].number_format == "0.0%"
    assert row["Progress"].value == pytest.approx(ap.percent / 100)
    assert isinstance(row["Reported on"].value, datetime)
    assert row["Reported on"].value.date() == ap.reported_on
    assert row["Reported on"].number_format == "yyyy-mm-dd"
    pledged = row["Pledged (EUR)"]
    assert isinstance(pledged.value, int | float) and pledged.number_format == "#,##0.00"
    assert exact(pledged.value) == Decimal(format_minor(ap.funding.pledged, "EUR"))
    assert exact(row["Disbursed (EUR)"].value) == Decimal("-0.01")
    assert row["Stale"].value is False and row["Stale"].data_type == "b"
    validated = book["Narratives"]["G2"]
    assert validated.value == datetime(2024, 5, 2, 9, 30)  # UTC, as the heading says
    assert validated.number_format == "yyyy-mm-dd hh:mm"
    cover = dict(book["Cover"].iter_rows(min_row=2, values_only=True))
    assert cover["As of"] == datetime(2024, 6, 30)
    assert cover["Action points defined"] == 8


@pytest.mark.parametrize(
    ("currency", "number_format", "decimals"),
    [("JPY", "#,##0", 0), ("KWD", "#,##0.000", 3), ("EUR", "#,##0.00", 2)],
)
def test_money_has_its_currency_in_the_heading_and_its_minor_digits(
    currency, number_format, decimals
):
    report = sample_report(2, 1, currency=currency)
    book = workbook(report)
    header = [c.value for c in book["Summary"][1]]
    assert f"Pledged ({currency})" in header
    cell = book["Summary"].cell(2, header.index(f"Pledged ({currency})") + 1)
    assert cell.number_format == number_format
    assert exact(cell.value) == Decimal(format_minor(report.funding.pledged, currency))
    text = csv_files(report)["summary.csv"][0][f"pledged_{currency.lower()}"]
    assert text == format_minor(report.funding.pledged, currency)
    assert len(text.partition(".")[2]) == decimals


def test_an_amount_beyond_fifteen_digits_is_written_as_exact_text():
    report = sample_report(1, 1)
    report.action_points[0].funding.pledged = 12_345_678_901_234_567
    cell = dict(
        zip(
            [c.value for c in workbook(report)["Action points"][1]],
            workbook(report)["Action points"][2],
            strict=True,
        )
    )["Pledged (EUR)"]
    assert (cell.value, cell.data_type) == ("123456789012345.67", "s")


def test_no_cell_in_either_format_is_a_formula_and_the_text_comes_back():
    report = sample_report(8, 3)
    book = workbook(report)
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not looks_like_formula(cell.value), (ws.title, cell.value)
                    texts.append(unneutralise(cell.value))
    for name, rows in csv_files(report).items():
        for row in rows:
            for value in row.values():
                assert not looks_like_formula(value), (name, value)
    for hostile in HOSTILE:
        assert hostile in texts
    assert "=cmd|' /C calc'!A0" in texts and "@secretariat" in texts and "+HU" in texts
    narratives = sheet_rows(book, "Narratives")
    assert (
        unneutralise(narratives[0]["Narrative"]) == report.action_points[0].narratives[0].narrative
    )


def test_the_workbook_and_the_zip_carry_the_report_objects_figures():
    report = sample_report(41, 3)
    book = workbook(report)
    files = csv_files(report)

    summary_x, summary_c = sheet_rows(book, "Summary"), files["summary.csv"]
    wholes = [(None, report.percent, report.counts, report.funding)] + [
        (g.number, g.percent, g.counts, g.funding) for g in report.goals
    ]
    assert len(summary_x) == len(summary_c) == len(wholes)
    for x, c, (number, percent, counts, funding) in zip(summary_x, summary_c, wholes, strict=True):
        assert x["Goal"] == (int(c["goal"]) if c["goal"] else None) == number
        assert x["Progress"] == pytest.approx(percent / 100) and float(c["percent"]) == percent
        for status in STATUSES:
            assert counts.get(status, 0) == int(c[status])
            assert x[status.replace("_", " ").capitalize()] == counts.get(status, 0)
        for measure in ("pledged", "committed", "disbursed"):
            text = format_minor(getattr(funding, measure), "EUR")
            assert c[f"{measure}_eur"] == text
            assert exact(x[f"{measure.capitalize()} (EUR)"]) == Decimal(text)
        if funding.has_need:
            assert c["gap_eur"] == format_minor(funding.gap, "EUR")
            assert exact(x["Gap (EUR)"]) == Decimal(c["gap_eur"])
        else:
            assert (c["need_eur"], c["gap_eur"], x["Need (EUR)"], x["Gap (EUR)"]) == (
                "",
                "",
                None,
                None,
            )

    aps_x, aps_c = sheet_rows(book, "Action points"), files["action_points.csv"]
    assert len(aps_x) == len(aps_c) == 41
    for x, c, ap in zip(aps_x, aps_c, report.action_points, strict=True):
        assert unneutralise(x["Code"]) == unneutralise(c["code"]) == ap.code
        assert unneutralise(x["Title"]) == unneutralise(c["title"]) == ap.title
        assert x["Status"] == status_label(c["status"]) and c["status"] == ap.status
        assert (
            x["Progress"] == pytest.approx(ap.percent / 100) and float(c["percent"]) == ap.percent
        )
        reported = ap.reported_on.isoformat() if ap.reported_on else ""
        assert c["reported_on"] == reported
        assert (x["Reported on"].date().isoformat() if x["Reported on"] else "") == reported
        assert c["stale"] == ("true" if ap.stale else "false") and x["Stale"] is ap.stale
        assert c["partners"] == (x["Partners"] or "") == ", ".join(ap.partners)
        committed = format_minor(ap.funding.committed, "EUR")
        assert c["committed_eur"] == committed
        assert exact(x["Committed (EUR)"]) == Decimal(committed)

    narratives = [(ap.code, n) for ap in report.action_points for n in ap.narratives]
    narr_x, narr_c = sheet_rows(book, "Narratives"), files["narratives.csv"]
    assert len(narr_x) == len(narr_c) == len(narratives) == 31 * 3
    for x, c, (code, n) in zip(narr_x, narr_c, narratives, strict=True):
        assert x["Action point"] == c["action_point"] == code
        assert unneutralise(x["Narrative"]) == unneutralise(c["narrative"]) == n.narrative
        assert x["Validated at (UTC)"] == n.validated_at.replace(tzinfo=None)
        assert datetime.fromisoformat(c["validated_at"]) == n.validated_at
        assert int(c["percent"]) == n.percent and x["Progress"] == pytest.approx(n.percent / 100)

    reporters = [(r.actor_code, a, n) for r in report.reporters for a, n in r.counts.items()]
    rep_x, rep_c = sheet_rows(book, "Reporters"), files["reporters.csv"]
    assert [
        (unneutralise(x["Actor"]), x["Action point"], x["Validated updates"]) for x in rep_x
    ] == (reporters)
    assert [(unneutralise(c["actor"]), c["action_point"], int(c["updates"])) for c in rep_c] == (
        reporters
    )

    follow_x, follow_c = sheet_rows(book, "Follow-ups"), files["follow_ups.csv"]
    follow = report.meetings[0].follow_ups
    assert [(x["Due on"].date(), x["Overdue"]) for x in follow_x] == [
        (f.due_on, f.overdue) for f in follow
    ]
    assert [(c["due_on"], c["overdue"]) for c in follow_c] == [
        (f.due_on.isoformat(), str(f.overdue).lower()) for f in follow
    ]
    assert len(sheet_rows(book, "Activities")) == len(files["activities.csv"]) == 41
    meeting = sheet_rows(book, "Meetings")[0]
    assert unneutralise(meeting["Decisions"]) == "=Adopt the plan\nMeet again"


def test_a_report_with_no_action_points_gives_headings_and_says_so():
    report = sample_report(0, 0)
    book = workbook(report)
    assert book.sheetnames == SHEETS
    for title in ("Action points", "Narratives", "Activities", "Reporters"):
        assert book[title].max_row == 1
        assert book[title].auto_filter.ref.startswith("A1:")
    assert len(sheet_rows(book, "Summary")) == 1 + len(report.goals)
    cover = dict(book["Cover"].iter_rows(min_row=2, values_only=True))
    assert cover["Action points defined"] == 0 and cover["Action points expected"] == 41
    assert cover["Note"] == "0 of 41 action points are defined."
    files = csv_files(report)
    assert list(files) == FILES
    assert files["action_points.csv"] == [] and files["updates.csv"] == []
    data = b"".join(report_csv_zip(report, []))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("action_points.csv").decode("utf-8-sig").startswith("goal,code,title")


def test_unicode_right_to_left_and_control_characters_survive_or_are_shown():
    report = sample_report(6, 1)
    report.action_points[5].narratives[0].narrative = f"{UNICODE}\x0bnext\x00"
    book = workbook(report)
    narratives = sheet_rows(book, "Narratives")
    assert narratives[-1]["Narrative"] == f"{UNICODE}\ufffdnext\ufffd"
    assert unneutralise(sheet_rows(book, "Cover")[1]["Value"]) == f"Call for Action {UNICODE}"
    files = csv_files(report)
    assert files["narratives.csv"][-1]["narrative"] == f"{UNICODE}\x0bnext\x00"


def test_a_narrative_too_long_for_a_cell_is_cut_in_the_workbook_and_whole_in_the_zip():
    report = sample_report(1, 1)
    long = "word " * 8_000
    report.action_points[0].narratives[0].narrative = long
    cell = sheet_rows(workbook(report), "Narratives")[0]["Narrative"]
    assert len(cell) <= 32_767 and cell.endswith("more characters]")
    assert long.startswith(cell[:32_000])
    assert csv_files(report)["narratives.csv"][0]["narrative"] == long


def _updates(count: int):
    """`count` update rows, made on the fly from a few shared values (tracemalloc slows every
    allocation, and the test is about the zip's memory, not the generator's)."""
    days = [date(2020, 1, 1) + timedelta(days=n) for n in range(2000)]
    moments = [datetime(2020, 1, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=n) for n in range(997)]
    texts = [f"Update {n}: the training went well. " + "More text. " * 20 for n in range(100)]
    codes = [str(n) for n in range(1, 42)]
    for n in range(count):
        yield (
            codes[n % 41],
            "HU",
            "in_progress",
            n % 101,
            days[n % 2000],
            moments[n % 997],
            texts[n % 100] if n < count - 1 else "The last update.",
            "Hungary",
        )


def test_updates_csv_gives_back_every_update_exactly():
    rows = [
        ("3.4", "HU", "completed", 100, date(2024, 6, 1), datetime(2024, 6, 2, tzinfo=UTC), "=1+2")
        + ("Hungary",),
        ("10", "@X", "planned", 5, date(2024, 6, 3), datetime(2024, 6, 4, tzinfo=UTC), "")
        + ("=X",),
        ("11", "TR", "on_hold", 40, date(2024, 6, 5), datetime(2024, 6, 6, tzinfo=UTC), UNICODE)
        + ("Türkiye",),
        ("12", "TR", "ongoing", 0, date(2024, 6, 7), datetime(2024, 6, 8, tzinfo=UTC), 'a\nb,c"')
        + ("Türkiye",),
    ]
    got = csv_files(sample_report(2, 1), iter(rows))["updates.csv"]
    assert [
        (
            unneutralise(r["action_point"]),
            unneutralise(r["actor"]),
            r["status"],
            int(r["percent"]),
            date.fromisoformat(r["reported_on"]),
            datetime.fromisoformat(r["validated_at"]),
            unneutralise(r["narrative"]),
            unneutralise(r["actor_name"]),
        )
        for r in got
    ] == rows
    assert got[0]["narrative"] == "'=1+2" and got[1]["actor"] == "'@X"
    assert got[1]["actor_name"] == "'=X" and got[0]["actor_name"] == "Hungary"


def test_the_zip_streams_200000_updates_in_flat_memory(tmp_path):
    report = sample_report(41, 3)
    path = tmp_path / "report.zip"
    pieces = 0
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            for piece in report_csv_zip(report, _updates(200_000)):
                out.write(piece)
                pieces += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert pieces > 10  # handed out as it is written, not at the end
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == FILES
        info = archive.getinfo("updates.csv")
        assert info.file_size > 50 * 1024 * 1024 > info.compress_size
        with archive.open("updates.csv") as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
            header = next(reader)
            rows = list(row[-1][:20] for row in reader)
    assert header[0] == "action_point" and len(rows) == 200_000
    assert rows[-1] == "The last update."
