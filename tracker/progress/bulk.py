"""Reading a bulk report from CSV or XLSX into rows, by the shared rules of `tracker.tables`; the
services check the rows' content."""

from tracker.progress.services import BulkRow, ProgressBulkError
from tracker.tables import FileError, read_table

COLUMNS = ("action_point", "status", "percent", "narrative", "evidence_links")
REQUIRED = ("action_point", "status")
MAX_ROWS = 2_000  # a report covers one plan's action points: 41 in 2019


def read_rows(filename: str, content: bytes) -> list[BulkRow]:
    """Rows of a .csv or .xlsx file; a file that breaks a rule of `tables` is refused whole."""
    try:
        rows = read_table(content, filename, required=REQUIRED, max_rows=MAX_ROWS)
    except FileError as error:
        problems = {f"file {n}": message for n, message in enumerate(error.messages, 1)}
        raise ProgressBulkError({0: problems}) from None
    return [
        BulkRow(
            line=row.number,
            action_point=row.values["action_point"],
            status=row.values["status"],
            percent=row.values.get("percent", ""),
            narrative=row.values.get("narrative") or None,
            evidence_links=row.values.get("evidence_links", "").split(),
        )
        for row in rows
    ]
