"""Reading a bulk report from CSV or XLSX into rows; the services check the rows' content.

Kept small and local on purpose: plan import (another issue) has its own reader, and the two may
be unified later.
"""

import csv
import io

from tracker.progress.services import BulkRow, ProgressBulkError

COLUMNS = ("action_point", "status", "percent", "narrative", "evidence_links")
REQUIRED = ("action_point", "status")
MAX_ROWS = 2_000


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _rows_from_table(table: list[list]) -> list[BulkRow]:
    if not table:
        raise ProgressBulkError({0: {"file": "The file is empty."}})
    header = [_cell(name).lower().replace(" ", "_") for name in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        message = f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(COLUMNS)}."
        raise ProgressBulkError({1: {"header": message}})
    if len(table) - 1 > MAX_ROWS:
        raise ProgressBulkError({0: {"file": f"At most {MAX_ROWS} rows at a time."}})
    rows = []
    for number, values in enumerate(table[1:], start=2):
        record = {
            name: _cell(v) for name, v in zip(header, values, strict=False) if name in COLUMNS
        }
        if not any(record.values()):
            continue  # blank lines are common at the end of a sheet
        rows.append(
            BulkRow(
                line=number,
                action_point=record.get("action_point", ""),
                status=record.get("status", ""),
                percent=record.get("percent", ""),
                narrative=record.get("narrative") or None,
                evidence_links=record.get("evidence_links", "").split(),
            )
        )
    return rows


def read_rows(filename: str, content: bytes) -> list[BulkRow]:
    """Rows of a .csv (UTF-8) or .xlsx file; a file that is neither is refused as a whole."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        workbook = None
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            table = [list(row) for row in workbook.active.iter_rows(values_only=True)]
        except Exception:  # a damaged archive fails in many ways: zip, XML, missing parts
            raise ProgressBulkError(
                {0: {"file": "This is not a readable XLSX workbook."}}
            ) from None
        finally:
            if workbook is not None:
                workbook.close()  # a read-only workbook keeps its archive open until closed
        return _rows_from_table(table)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProgressBulkError({0: {"file": "Save the CSV as UTF-8 text."}}) from None
    if "\x00" in text:
        raise ProgressBulkError({0: {"file": "This is not a text CSV file."}})
    try:
        return _rows_from_table(list(csv.reader(io.StringIO(text))))
    except csv.Error as error:
        raise ProgressBulkError({0: {"file": f"The CSV cannot be read: {error}."}}) from None
