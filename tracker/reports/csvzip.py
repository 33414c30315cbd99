"""The progress report as a zip of UTF-8 CSV files, one per table, streamed in flat memory.

The tables of `reports.sheets` (as in the XLSX) and `updates.csv`: every validated update the
caller's iterable gives, written row by row. The zip is built as it goes: `ZipFile` writes into a
sink that is drained after each piece, and entries carry their sizes in a data descriptor (no
seeking back), so memory does not grow with the number of updates.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from itertools import islice

from tracker.cells import Column, csv_bytes
from tracker.reports.model import ProgressReport
from tracker.reports.sheets import UPDATE_COLUMNS, report_tables, update_csv_row

CHUNK_BYTES = 64 * 1024
BATCH_ROWS = 500  # updates turned into CSV text at a time


class _Sink:
    """What the zip is written into: bytes held only until the next `drain`. It has no `tell`
    or `seek`, so `ZipFile` streams (sizes after each entry, in a data descriptor)."""

    def __init__(self):
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


def _entry(name: str, moment) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a plain readable file when unzipped
    return info


def _header(columns: list[Column]) -> list[str]:
    return [c.key for c in columns]


def report_csv_zip(report: ProgressReport, updates: Iterable[tuple]) -> Iterator[bytes]:
    """The zip's bytes, piece by piece. `updates` yields the rows of
    `reports.updates.validated_updates`; it is read once, as the zip is written."""
    sink = _Sink()
    moment = report.cover.generated_at
    with zipfile.ZipFile(sink, "w") as archive:
        for table in report_tables(report):
            # A byte-order mark, as the plan export writes: Excel then reads the text as UTF-8.
            data = csv_bytes(_header(table.columns), table.rows, bom=True)
            archive.writestr(_entry(table.filename, moment), data)
            yield sink.drain()
        with archive.open(_entry("updates.csv", moment), "w", force_zip64=True) as entry:
            entry.write(csv_bytes(_header(UPDATE_COLUMNS), [], bom=True))
            rows = iter(updates)
            while batch := list(islice(rows, BATCH_ROWS)):
                text = io.StringIO()
                csv.writer(text, lineterminator="\r\n").writerows(map(update_csv_row, batch))
                entry.write(text.getvalue().encode("utf-8"))
                if sink.size >= CHUNK_BYTES:
                    yield sink.drain()
    yield sink.drain()
