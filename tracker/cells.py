"""Typed cells for exports: one row of Python values, written as real XLSX cells or as CSV text.

A value's type says how it is written. XLSX: numbers as numbers, `Money` in major units with a
money format for its currency, `Percent` as a fraction with a percent format, dates and
moments as date cells, text through `tables.neutralise`. CSV: plain text ("1250000.00",
"42.5", "2024-06-30"), text neutralised too. Both faces come from one row, so they cannot
disagree.

A spreadsheet number holds 15 significant digits (Excel's limit; openpyxl writes 16 and reads a
float back). A money amount or decimal with more than that, or of 10^15 or more, is written as
its exact text instead: a number cell would lose digits, and a re-import could not give them back.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tracker.i18n import format_number
from tracker.money import format_grouped, format_minor, minor_digits
from tracker.tables import neutralise

EXCEL_DIGITS = 15
EXCEL_MAX_CHARS = 32_767  # Excel refuses to open a workbook with a longer cell
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60
WRAP_WIDTH = 80
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units of `currency`."""

    minor: int
    currency: str


@dataclass(frozen=True)
class Percent:
    """A percent 0–100, as the tracker keeps percents (42.5 is 42.5 %)."""

    value: float


@dataclass(frozen=True)
class Column:
    """A column of an exported table: its XLSX heading, its CSV heading, and whether its text is
    long (wrapped in a wide column)."""

    label: str
    key: str
    wrap: bool = False


def major_units(amount: Money) -> Decimal:
    """125000000 minor units of EUR → Decimal("1250000.00"), exactly."""
    return Decimal(amount.minor).scaleb(-minor_digits(amount.currency))


def money_format(currency: str) -> str:
    digits = minor_digits(currency)
    return "#,##0." + "0" * digits if digits else "#,##0"


def fits_a_number_cell(number: Decimal) -> bool:
    """Whether a spreadsheet number cell holds `number` exactly (see the module docstring)."""
    digits = len(number.normalize().as_tuple().digits)
    return abs(number) < 10**EXCEL_DIGITS and digits <= EXCEL_DIGITS


def csv_text(value) -> str:
    """A value as CSV text: plain decimals, ISO dates, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Money):
        return format_minor(value.minor, value.currency)
    if isinstance(value, Percent):
        return _plain(value.value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return _plain(value)
    return neutralise(str(value))


def _plain(number: float | int) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return format(Decimal(repr(number)), "f") if isinstance(number, float) else str(number)


def csv_row(values: Iterable) -> list[str]:
    return [csv_text(v) for v in values]


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable], *, bom: bool = False) -> bytes:
    """A whole CSV file (header and rows) as UTF-8, lines ending CR LF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows(csv_row(row) for row in rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _xlsx_text(text: str) -> str:
    # Characters XML 1.0 cannot hold (most C0 controls) would make openpyxl refuse the whole
    # workbook: each becomes U+FFFD, visibly.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(text))
    if len(text) > EXCEL_MAX_CHARS:
        left = len(text) - EXCEL_MAX_CHARS + 40
        more = _("[%(num)s more characters]", num=format_number(left))
        text = f"{text[: EXCEL_MAX_CHARS - 40]}… {more}"
    return text


def xlsx_value(value) -> tuple[object, str | None]:
    """A value as an XLSX cell's value and number format (None: General)."""
    if value is None or isinstance(value, bool | int):
        return value, None
    if isinstance(value, str):
        return _xlsx_text(value), None
    if isinstance(value, Money):
        number = major_units(value)
        if fits_a_number_cell(number):
            return number, money_format(value.currency)
        return format_minor(value.minor, value.currency), None
    if isinstance(value, Percent):
        return float(Decimal(repr(float(value.value))) / 100), PERCENT_FORMAT
    if isinstance(value, datetime):
        # Excel has no time zones: moments are written in UTC, as the headings say.
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return moment, MOMENT_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, Decimal):
        return (value, None) if fits_a_number_cell(value) else (format(value, "f"), None)
    if isinstance(value, float):
        return value, None
    return _xlsx_text(str(value)), None


def _shown_width(value) -> int:
    """About how many characters a value takes on screen, for the column width."""
    if value is None:
        return 0
    if isinstance(value, Money):
        return len(format_grouped(value.minor, value.currency)) - len(value.currency) - 1
    if isinstance(value, Percent):
        return 6
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = value if isinstance(value, str) else str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def write_sheet(workbook, title: str, columns: Sequence[Column], rows: Sequence[Sequence]) -> None:
    """A sheet of a write-only workbook: a bold heading row, frozen, with an autofilter over the
    table; columns as wide as their contents (capped); long text wrapped."""
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, 1):
        widest = max([len(column.label), *(_shown_width(row[index - 1]) for row in rows)])
        cap = WRAP_WIDTH if column.wrap else MAX_WIDTH
        sheet.column_dimensions[get_column_letter(index)].width = min(widest + 2, cap)
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    heading = []
    for column in columns:
        cell = WriteOnlyCell(sheet, _xlsx_text(column.label))
        cell.font = _BOLD
        heading.append(cell)
    sheet.append(heading)
    # Beside a wrapped (tall) cell, the others read best from the top.
    wraps = any(column.wrap for column in columns)
    aligned = [_WRAP if c.wrap else _TOP if wraps else None for c in columns]
    styles: dict = {}  # (number format, alignment) -> the style of a cell that has them
    for row in rows:
        out = []
        for value, alignment in zip(row, aligned, strict=True):
            cell_value, number_format = xlsx_value(value)
            cell = WriteOnlyCell(sheet, cell_value)
            if number_format or alignment is not None:
                # Setting a format or an alignment looks the style up in the workbook's tables
                # (a third of the time of a 15,000-cell report): do it once per combination and
                # copy the result, which is what openpyxl's own cell.copy does.
                key = (number_format, id(alignment))
                if key not in styles:
                    if number_format:
                        cell.number_format = number_format
                    if alignment is not None:
                        cell.alignment = alignment
                    styles[key] = cell._style
                cell._style = copy(styles[key])
            out.append(cell)
        sheet.append(out)
