"""Tables in CSV and XLSX files: read into rows of text under one set of rules, and cells written
so that no spreadsheet runs them. Every import and export of the tracker goes through here.

Reading refuses, with a message that names the row and column where there is one: a file over
MAX_FILE_BYTES; bytes that are not what the file's name says; a workbook that unpacks to more
than MAX_UNZIPPED_BYTES (checked before openpyxl unpacks it); text that is neither UTF-8 nor
UTF-16 with a byte-order mark; a formula (an XLSX formula cell, or CSV text that a spreadsheet
would run); merged cells; and more rows than the importer's cap. Every value comes out as text,
so that "3.10" stays "3.10".

Cells that start with = + - @ tab or CR are written with a leading apostrophe (plain numbers
such as -500.00 excepted: they cannot run), and so is a text that itself starts with one; on
reading, exactly one leading apostrophe is removed from every cell, which gives back the text.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import openpyxl
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from tracker.i18n import format_number

MAX_FILE_BYTES = 5 * 1024 * 1024
# A small XLSX can unpack to gigabytes (a "zip bomb"): refuse it before openpyxl unpacks it.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_CELL_CHARS = 20_000
# A workbook's rows are read this far and no further, blank ones included, and only their first
# MAX_COLUMNS cells: one stray cell at column XFD or row 1,048,576 would otherwise make openpyxl
# pad every row in between to 16,384 cells (a 5 KB file kept a worker busy for minutes).
MAX_COLUMNS = 64
MAX_SHEET_ROWS = 20_000
TABLE_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls and other old Office files
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode Text" is UTF-16 with one of these
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_NEUTRALISED_STARTS = frozenset("".join(FORMULA_STARTS) + "'")


class FileError(Exception):
    """The file cannot be imported; `messages` lists every problem found, in file order."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Record:
    """One non-blank line of a CSV file or row of a sheet, as text, before the header names it."""

    number: int  # as a spreadsheet numbers it: the header is 1
    where: str  # "Row 7" or "Sheet 'goals', row 3"
    cells: list[str]
    formulas: set[int] | None = None  # XLSX: indexes of formula cells; None for CSV text


@dataclass
class TableRow:
    number: int
    values: dict[str, str] = field(default_factory=dict)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """The cell text to export: no spreadsheet runs it, and `unneutralise` gives it back."""
    if text[:1] not in _NEUTRALISED_STARTS:  # most text: one check (CSV zips run it per cell)
        return text
    return "'" + text if looks_like_formula(text) or text.startswith("'") else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def read_capped(stream) -> bytes:
    """At most MAX_FILE_BYTES of a stream; a larger file is refused without reading the rest."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileError([too_large_message()])
    return data


def too_large_message() -> str:
    return _(
        "The file is larger than %(num)d MB; split it up.", num=MAX_FILE_BYTES // (1024 * 1024)
    )


def _either(names: list[str]) -> str:
    """ ".csv", ".csv or .xlsx", ".csv, .yaml or .xlsx"."""
    if len(names) == 1:
        return names[0]
    return _("%(some)s or %(last)s", some=", ".join(names[:-1]), last=names[-1])


def format_from_name(filename: str, formats: dict[str, str]) -> str:
    """The format that `formats` (suffix → format) gives the file's name, or a FileError."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in formats:
        names = [f".{fmt}" for fmt in dict.fromkeys(formats.values())]
        allowed = _either(names)
        raise FileError(
            [
                _(
                    "Cannot read a '%(name)s' file: use a %(allowed)s file.",
                    name=suffix or filename,
                    allowed=allowed,
                )
            ]
        )
    return formats[suffix]


def check_content(data: bytes, fmt: str, text_formats: tuple[str, ...] = ("csv",)) -> None:
    """Refuse a file that is too large, empty, or not what its format says it is."""
    if len(data) > MAX_FILE_BYTES:
        raise FileError([too_large_message()])
    if not data.strip():
        raise FileError([_("The file is empty.")])
    is_zip, is_ole = data.startswith(ZIP_MAGIC), data.startswith(OLE_MAGIC)
    if fmt == "xlsx" and not is_zip:
        others = _either([f".{f}" for f in text_formats])
        if is_ole:
            message = _(
                "The file is named .xlsx but is an old Excel 97-2003 file (.xls). Save it from "
                "Excel as .xlsx, or give it the extension of what it is (%(others)s).",
                others=others,
            )
        else:
            message = _(
                "The file is named .xlsx but is not an Excel workbook. Save it from Excel as "
                ".xlsx, or give it the extension of what it is (%(others)s).",
                others=others,
            )
        raise FileError([message])
    if fmt != "xlsx" and (is_zip or is_ole):
        raise FileError(
            [
                _(
                    "The file is named .%(format)s but is a workbook or another binary file; "
                    "save it as %(name)s, or name it .xlsx if it is an Excel workbook.",
                    format=fmt,
                    name=fmt.upper(),
                )
            ]
        )
    if fmt != "xlsx" and b"\x00" in data and not data.startswith(UTF16_BOMS):
        raise FileError(
            [
                _(
                    "The file is named .%(format)s but is not text (it contains NUL bytes); if "
                    "it is UTF-16 text without a byte-order mark, save it as 'CSV UTF-8' instead.",
                    format=fmt,
                )
            ]
        )


def decode(data: bytes, unit: str | None = None) -> str:
    """UTF-8 text, with or without a byte-order mark, or UTF-16 with one. Anything else is refused,
    not guessed: Windows-1252 and Latin-2 (Hungarian) share byte values, so a guess could garble
    names."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileError(
                [_("The file starts as UTF-16 text but is damaged; save it as 'CSV UTF-8'.")]
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        where = f"{unit} {line}" if unit else _("Row %(number)d", number=line)
        raise FileError(
            [
                _(
                    "%(where)s: the file is not UTF-8 text (byte 0x%(byte)s is not UTF-8; the "
                    "file looks like Windows-1252 or another older encoding). In Excel use Save "
                    "As › 'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice choose the "
                    "character set 'Unicode (UTF-8)'.",
                    where=where,
                    byte=format(data[error.start], "02X"),
                )
            ]
        ) from None


def cell_text(value) -> str:
    """An XLSX cell's value as text. A float's shortest repr is what was typed (1250.5); a whole
    one loses its ".0" unless so large that it would come out as a long string of digits."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _too_many_rows(what: str, max_rows: int) -> FileError:
    return FileError(
        [
            _(
                "%(what)s has more than %(num)s rows; split it up.",
                what=what,
                num=format_number(max_rows),
            )
        ]
    )


# Python's csv module refuses fields over 128 KiB with a bare "field larger than field limit";
# the file cap bounds memory anyway, and MAX_CELL_CHARS gives a message by row and column.
csv.field_size_limit(MAX_FILE_BYTES + 1)


def csv_records(text: str, *, max_rows: int) -> tuple[list[str], list[Record]]:
    """The header cells and the non-blank records of CSV text."""
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales (Hungarian, German, French) saves "CSV" with semicolons, and
    # its "Unicode Text" with tabs; no column name holds any of them, so the header tells.
    delimiter = next((d for d in (",", ";", "\t") if d in first_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] = []
    records: list[Record] = []
    try:
        for number, cells in enumerate(reader, 1):
            if number == 1:
                header = cells
            elif any(c.strip() for c in cells):
                if len(records) == max_rows:
                    raise _too_many_rows(_("The file"), max_rows)
                records.append(Record(number, _("Row %(number)d", number=number), cells))
    except csv.Error as error:
        raise FileError(
            [
                _(
                    "Row %(number)d: the CSV cannot be read (%(error)s).",
                    number=reader.line_num,
                    error=error,
                )
            ]
        ) from None
    return header, records


class Workbook:
    """An opened XLSX workbook (see `open_workbook`): its sheets, read as records."""

    def __init__(self, book, merged_parts: set[str]):
        self.worksheets = book.worksheets
        self._merged_parts = merged_parts

    def records(
        self, ws, *, max_rows: int, label: str | None = None
    ) -> tuple[list[str], list[Record]]:
        """The header cells and the non-blank rows of a sheet; `label` names it in messages."""
        # openpyxl's read-only sheets do not list merged cells; the sheet's XML part does.
        if ws._worksheet_path.lstrip("/") in self._merged_parts:
            raise FileError(
                [
                    _(
                        "Sheet '%(sheet)s' has merged cells; unmerge them (Home › Merge & "
                        "Center) so that every row has its own values.",
                        sheet=ws.title,
                    )
                ]
            )
        header: list[str] = []
        records: list[Record] = []
        try:
            ws.reset_dimensions()  # the sheet's declared size is not trusted: rows are counted
            for number, cells in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), 1):
                if number > MAX_SHEET_ROWS:
                    raise FileError(
                        [
                            _(
                                "%(what)s goes on past row %(num)s; delete the empty rows below "
                                "the data (or split the file up).",
                                what=label or _("The sheet"),
                                num=format_number(MAX_SHEET_ROWS),
                            )
                        ]
                    )
                texts = [cell_text(cell.value) for cell in cells]
                if number == 1:
                    header = texts
                elif any(t.strip() for t in texts):
                    if len(records) == max_rows:
                        raise _too_many_rows(label or _("The file"), max_rows)
                    if label:
                        where = _("%(sheet)s, row %(number)d", sheet=label, number=number)
                    else:
                        where = _("Row %(number)d", number=number)
                    formulas = {i for i, cell in enumerate(cells) if cell.data_type == "f"}
                    records.append(Record(number, where, texts, formulas))
        except FileError:
            raise
        # A damaged sheet fails in many ways (zlib.error, KeyError, ValueError, XML parse errors)
        # while its rows are read: each is the same refusal.
        except Exception:
            raise _damaged() from None
        return header, records


def _damaged() -> FileError:
    return FileError([_("The .xlsx file is damaged or not an Excel workbook.")])


@contextmanager
def open_workbook(data: bytes) -> Iterator[Workbook]:
    """An XLSX workbook checked for its unpacked size first, closed on leaving."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise FileError(
                    [_("The workbook unpacks to more than 50 MB; it cannot be imported.")]
                )
            if "xl/workbook.xml" not in archive.namelist():
                raise FileError([_("The file is a ZIP archive but not an Excel workbook.")])
            merged = {n for n in archive.namelist() if b"<mergeCell " in archive.read(n)}
        # data_only=False: a formula must be seen to be refused. data_only=True would give its
        # cached result, or nothing when the program that wrote the file never calculated it.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except FileError:
        raise
    except Exception:
        raise _damaged() from None
    try:
        yield Workbook(book, merged)
    finally:
        book.close()  # a read-only workbook keeps its archive open until closed


def header_names(cells: Iterable[str]) -> list[str | None]:
    """Column names as the tracker spells them ("Value date" is value_date); None for a blank."""
    names = [c.strip().lower().replace(" ", "_") or None for c in cells]
    while names and names[-1] is None:
        names.pop()
    return names


def check_header(
    names: list[str | None],
    required: Iterable[str],
    what: str,
    *,
    known: tuple[str, ...] | None = None,
) -> None:
    """Refuse a header that lacks a required column, names one twice or, where `known` is
    given, names one that is not known."""
    present = [n for n in names if n]
    errors = []
    missing = [c for c in required if c not in present]
    if missing:
        errors.append(
            _("%(what)s lacks the column(s): %(columns)s.", what=what, columns=", ".join(missing))
        )
    unknown = [n for n in present if known is not None and n not in known]
    if unknown:
        errors.append(
            _(
                "%(what)s has column(s) the tracker does not know: %(unknown)s. "
                "The columns are: %(known)s.",
                what=what,
                unknown=", ".join(unknown),
                known=", ".join(known or ()),
            )
        )
    doubled = sorted({n for n in present if present.count(n) > 1})
    if doubled:
        errors.append(
            _(
                "%(what)s has the column(s) %(columns)s more than once.",
                what=what,
                columns=", ".join(doubled),
            )
        )
    raise_if(errors)


def record_values(
    header: list[str | None], record: Record, errors: list[str]
) -> dict[str, str] | None:
    """A record's cells by column name, each with one leading apostrophe removed; None (and the
    problems added to `errors`) for a record that breaks a rule."""
    count = len(errors)

    def at(index: int) -> str:
        name = header[index] if index < len(header) else None
        return _(
            "%(where)s, column '%(column)s'",
            where=record.where,
            column=name or get_column_letter(index + 1),
        )

    # A formula cell's cached value is not what anyone typed: refused. CSV text that merely
    # starts like one ("- first point" in a Markdown narrative) is text, stored as written:
    # nothing here runs it, pages escape it, and exports neutralise it.
    for index in sorted(record.formulas or ()):
        errors.append(
            _("%(where)s: the cell holds a formula; type the value itself.", where=at(index))
        )
    cells = record.cells
    if len(cells) > len(header) and any(t.strip() for t in cells[len(header) :]):
        errors.append(
            _(
                "%(where)s: it has more cells (%(num)d) than there are columns.",
                where=record.where,
                num=len(cells),
            )
        )
        return None
    values = {}
    for index, name in enumerate(header):
        text = cells[index] if index < len(cells) else ""
        if name is None:
            if text.strip():
                errors.append(
                    _(
                        "%(where)s: column %(number)d holds a value but has no name.",
                        where=record.where,
                        number=index + 1,
                    )
                )
            continue
        if len(text) > MAX_CELL_CHARS:
            errors.append(
                _(
                    "%(where)s: the text has %(num)s characters; at most %(max)s fit in a cell.",
                    where=at(index),
                    num=format_number(len(text)),
                    max=format_number(MAX_CELL_CHARS),
                )
            )
            text = ""
        if "\x00" in text:
            errors.append(_("%(where)s: the text contains a NUL character.", where=at(index)))
        values[name] = unneutralise(text)
    return values if len(errors) == count else None


def raise_if(errors: list[str]) -> None:
    if errors:
        raise FileError(errors)


def read_table(
    data: bytes, filename: str, *, required: Iterable[str], max_rows: int
) -> list[TableRow]:
    """The rows of a .csv file or of an .xlsx file's first sheet, values stripped and keyed by
    column name (columns other than `required` are kept too); a FileError lists every problem."""
    fmt = format_from_name(filename, TABLE_FORMATS)
    check_content(data, fmt)
    if fmt == "csv":
        cells, records = csv_records(decode(data), max_rows=max_rows)
    else:
        with open_workbook(data) as workbook:
            cells, records = workbook.records(workbook.worksheets[0], max_rows=max_rows)
    header = header_names(cells)
    check_header(header, required, _("The file"))
    rows, errors = [], []
    for record in records:
        values = record_values(header, record, errors)
        if values is not None:
            rows.append(TableRow(record.number, {k: v.strip() for k, v in values.items()}))
    raise_if(errors)
    if not rows:
        raise FileError([_("The file has no rows below its header.")])
    return rows
