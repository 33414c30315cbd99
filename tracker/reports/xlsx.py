"""The progress report as an XLSX workbook: one sheet per section (see `reports.sheets`), real
number, percent, money and date cells, frozen headings and an autofilter on every sheet."""

import io

from openpyxl import Workbook

from tracker.cells import write_sheet
from tracker.reports.model import ProgressReport
from tracker.reports.sheets import report_tables


def render_report_xlsx(report: ProgressReport) -> bytes:
    """The workbook's bytes. Write-only: rows stream to the file as they are added."""
    workbook = Workbook(write_only=True)
    for table in report_tables(report, readable=True):
        write_sheet(workbook, table.title, table.columns, table.rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
