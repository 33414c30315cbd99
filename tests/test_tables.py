"""Hostile files against every importer that reads a single table (pledges, rates, progress):
each goes through `tracker.tables`, is refused with a message that names the place, and changes
nothing; exports neutralise what a spreadsheet would run."""

import csv
import html
import io
import zipfile
from dataclasses import dataclass
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from tests import factories
from tracker import tables
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.pledges import transfer
from tracker.pledges.models import ExchangeRate, Pledge, PledgeEntry
from tracker.progress import bulk
from tracker.progress.models import ProgressUpdate

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def counts() -> tuple[int, ...]:
    models = (Pledge, PledgeEntry, ExchangeRate, ProgressUpdate, AuditEvent)
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


@dataclass
class Importer:
    """One import page, signed in as a user who may use it, with a good row to vary."""

    client: object
    url: str
    form: dict
    header: list[str]
    good: list[str]
    text_column: str  # a free-text column, where a formula would hide
    max_rows: int

    def post(self, content: bytes, filename: str) -> str:
        response = self.client.post(
            self.url,
            data={**self.form, "file": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
        )
        assert response.status_code in (200, 302), response.status_code
        return html.unescape(response.get_data(as_text=True))

    def row(self, text: str | None = None) -> list[str]:
        row = list(self.good)
        if text is not None:
            row[self.header.index(self.text_column)] = text
        return row

    def csv(self, *rows: list[str], delimiter: str = ",") -> str:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerows([self.header, *rows])
        return out.getvalue()

    def xlsx(self, *rows: list[str], formula: str | None = None) -> bytes:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(self.header)
        for row in rows:
            sheet.append(row)
        if formula is not None:
            cell = sheet.cell(row=2, column=self.header.index(self.text_column) + 1)
            cell.value = "=" + formula.removeprefix("=")  # the cell now holds a formula
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def refused(self, content: bytes, filename: str) -> str:
        """The page after a refused upload; asserts that nothing was written."""
        before = counts()
        page = self.post(content, filename)
        assert counts() == before
        assert "Nothing was" in page
        return page


@pytest.fixture(params=["pledges", "rates", "progress"])
def importer(request, client, login) -> Importer:
    if request.param == "progress":
        ap = factories.make_action_point()
        login.as_role("focal_point", actor=factories.get_actor("HU"))
        return Importer(
            client,
            f"/progress/plans/{ap.plan.code}/upload",
            {"actor": "HU", "reported_on": date.today().isoformat()},
            ["action_point", "status", "percent", "narrative"],
            [ap.code, "in_progress", "50", "Going well"],
            "narrative",
            bulk.MAX_ROWS,
        )
    login.as_role("admin")
    if request.param == "rates":
        return Importer(
            client,
            "/pledges/rates/import",
            {},
            ["currency", "rate", "valid_on", "source"],
            ["USD", "0.9", "2024-01-02", "ECB"],
            "source",
            transfer.MAX_ROWS,
        )
    return Importer(
        client,
        "/pledges/import",
        {},
        ["actor", "plan", "currency", "kind", "amount", "value_date", "purpose"],
        ["HU", "BP-CFA-2019", "EUR", "pledged", "100.00", "2024-01-02", "Training"],
        "purpose",
        transfer.MAX_ROWS,
    )


def test_a_good_file_is_imported_so_the_refusals_below_mean_something(importer):
    before = counts()
    importer.post(importer.csv(importer.row()).encode(), "good.csv")
    assert counts() != before


def test_a_workbook_with_one_far_stray_cell_is_refused_without_reading_every_row(importer):
    # One cell at XFD1048576 made openpyxl pad a million rows to 16,384 cells each.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(importer.header)
    sheet.append(importer.good)
    sheet.cell(row=1_048_576, column=16_384, value="x")
    out = io.BytesIO()
    workbook.save(out)
    page = importer.refused(out.getvalue(), "far.xlsx")
    assert f"goes on past row {tables.MAX_SHEET_ROWS:,}" in page


def test_cells_beyond_the_read_columns_are_not_read(importer):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(importer.header)
    sheet.append(importer.good)
    sheet.cell(row=2, column=tables.MAX_COLUMNS + 1, value="=1+1")  # would be refused if read
    out = io.BytesIO()
    workbook.save(out)
    before = counts()
    assert "Nothing was" not in importer.post(out.getvalue(), "wide.xlsx")
    assert counts() != before


@pytest.mark.parametrize("formula", FORMULAS)
def test_xlsx_formula_cell_is_refused_at_its_row_and_column(importer, formula):
    page = importer.refused(importer.xlsx(importer.row(), formula=formula), "f.xlsx")
    assert (
        f"Row 2, column '{importer.text_column}': the cell holds a formula; "
        "type the value itself." in page
    )


@pytest.mark.parametrize("formula", [*FORMULAS, "- first point\n- second point"])
def test_csv_text_that_starts_like_a_formula_is_stored_as_written(importer, formula):
    page = importer.post(importer.csv(importer.row(formula)).encode(), "f.csv")
    assert "Nothing was" not in page
    assert read_back(importer) == formula


def test_xlsx_that_is_really_a_csv_is_refused(importer):
    page = importer.refused(importer.csv(importer.row()).encode(), "report.xlsx")
    assert "The file is named .xlsx but is not an Excel workbook." in page


def test_csv_that_is_really_a_workbook_is_refused(importer):
    page = importer.refused(importer.xlsx(importer.row()), "report.csv")
    assert "The file is named .csv but is a workbook or another binary file" in page


def test_zip_bomb_is_refused_before_it_is_unpacked(importer):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 100_000
    page = importer.refused(out.getvalue(), "bomb.xlsx")
    assert "The workbook unpacks to more than 50 MB; it cannot be imported." in page


def test_damaged_workbook_is_refused_not_a_500(importer):
    whole = importer.xlsx(importer.row())
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    page = importer.refused(damaged.getvalue(), "damaged.xlsx")
    assert "The .xlsx file is damaged or not an Excel workbook." in page


def test_merged_cells_are_refused(importer):
    workbook = openpyxl.load_workbook(io.BytesIO(importer.xlsx(importer.row(), importer.row())))
    workbook.active.merge_cells("A2:A3")
    out = io.BytesIO()
    workbook.save(out)
    page = importer.refused(out.getvalue(), "merged.xlsx")
    assert "has merged cells; unmerge them" in page


def test_csv_over_the_row_cap_is_refused_whole(importer):
    rows = [importer.row() for _ in range(importer.max_rows + 1)]
    page = importer.refused(importer.csv(*rows).encode(), "long.csv")
    assert f"The file has more than {importer.max_rows:,} rows; split it up." in page


def test_xlsx_over_the_row_cap_is_refused_whole(importer):
    rows = [importer.row() for _ in range(importer.max_rows + 1)]
    page = importer.refused(importer.xlsx(*rows), "long.xlsx")
    assert f"The file has more than {importer.max_rows:,} rows; split it up." in page


def test_empty_file_is_refused(importer):
    assert "The file is empty." in importer.refused(b"", "empty.csv")
    header_only = importer.csv().encode()
    assert "The file has no rows below its header." in importer.refused(header_only, "h.csv")


def test_missing_column_is_named(importer):
    column = importer.header[0]
    content = importer.csv(importer.row()).encode().replace(column.encode(), b"other", 1)
    page = importer.refused(content, "missing.csv")
    assert f"The file lacks the column(s): {column}." in page


def test_windows_1252_bytes_are_refused_with_how_to_fix_it(importer):
    content = importer.csv(importer.row("Café")).encode("cp1252")
    page = importer.refused(content, "latin.csv")
    assert "Row 2: the file is not UTF-8 text (byte 0xE9" in page and "CSV UTF-8" in page


def test_utf16_without_a_byte_order_mark_is_refused(importer):
    content = importer.csv(importer.row()).encode("utf-16-le")
    page = importer.refused(content, "utf16.csv")
    assert "is not text (it contains NUL bytes); if it is UTF-16 text" in page


def test_other_file_types_are_refused(importer):
    """Refused at the form field (progress) or by the reader (pledges, rates)."""
    before = counts()
    page = importer.post(b"<html><script>x</script></html>", "report.html")
    assert counts() == before
    assert "Cannot read a '.html' file: use a .csv or .xlsx file." in page or (
        "Upload a .csv or .xlsx file." in page
    )


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16", ","), ("utf-8", ";")],
)
def test_bom_utf16_and_semicolon_files_are_read_as_written(importer, encoding, delimiter):
    """Excel writes "CSV UTF-8" with a byte-order mark, "Unicode Text" as UTF-16 with tabs, and
    CSV with semicolons in many European locales; each is read, and so is its text."""
    row = importer.row("Çalıştay; tartışma")
    before = counts()
    page = importer.post(importer.csv(row, delimiter=delimiter).encode(encoding), "r.csv")
    assert "Nothing was" not in page
    assert counts() != before
    assert read_back(importer) == "Çalıştay; tartışma"


def read_back(importer: Importer) -> str:
    """The text column of the row the importer saved last."""
    saved = {
        "narrative": ProgressUpdate.narrative,
        "source": ExchangeRate.source,
        "purpose": Pledge.purpose,
    }[importer.text_column]
    return db.session.scalar(select(saved).order_by(saved.class_.id.desc()))


def test_an_apostrophe_keeps_formula_like_text_and_is_removed(importer):
    page = importer.post(importer.csv(importer.row("'=1+2 (a note)")).encode(), "q.csv")
    assert "Nothing was" not in page
    assert read_back(importer) == "=1+2 (a note)"


def test_pledge_export_neutralises_formula_like_cells_and_parses_back(client, login):
    login.as_role("viewer")
    pledge = factories.make_pledge(purpose=FORMULAS[0], reference="@SUM(A1)")
    db.session.commit()
    code = pledge.plan.code
    text = client.get(f"/pledges/export?plan={code}&format=csv").get_data(as_text=True)
    [row] = [r for r in csv.DictReader(io.StringIO(text)) if r["pledge_id"] == str(pledge.id)]
    assert (row["purpose"], row["reference"]) == ("'" + FORMULAS[0], "'@SUM(A1)")
    data = client.get(f"/pledges/export?plan={code}&format=xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    [cells] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == pledge.id]
    purpose = cells[header.index("purpose")]
    assert (purpose.value, purpose.data_type) == ("'" + FORMULAS[0], "s")
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


@pytest.mark.parametrize(
    "text", ["=1+2", "+1", "-2+3", "@x", "\tx", "\rx", "'quoted", "''", "-500.00", "plain", ""]
)
def test_neutralise_is_undone_by_unneutralise_and_leaves_nothing_to_run(text):
    written = tables.neutralise(text)
    assert tables.unneutralise(written) == text
    assert not tables.looks_like_formula(written)
