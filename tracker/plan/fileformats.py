"""Plan files as rows: CSV, XLSX and YAML read into, and written from, the same plain rows.

Only the shape of a file is checked here (size, type, encoding, columns, cells); what the values
mean is checked in `transfer`. Every value comes out as text, so that "3.10" stays "3.10".

Spreadsheet cells (CSV, XLSX) that start with = + - @ tab or CR are written with a leading
apostrophe, so that no spreadsheet runs them as a formula; on reading, exactly one leading
apostrophe is removed from every cell, which gives back the original text. A text that itself
starts with an apostrophe is written with one more, for the same reason.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import openpyxl
import yaml
from openpyxl.styles import Font

MAX_FILE_BYTES = 5 * 1024 * 1024
# A small XLSX can unpack to gigabytes (a "zip bomb"): refuse it before openpyxl unpacks it.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 5_000
MAX_CELL_CHARS = 20_000

SHEETS: dict[str, tuple[str, ...]] = {
    "goals": ("number", "title", "description"),
    "action_points": (
        "code",
        "goal",
        "title",
        "description",
        "lead_actor",
        "partners",
        "target_on",
    ),
    "activities": (
        "action_point",
        "code",
        "title",
        "description",
        "lead_actor",
        "starts_on",
        "ends_on",
        "budget_amount",
        "budget_currency",
    ),
}
# One CSV holds all three kinds, told apart by its `type` column.
CSV_TYPES = {"goal": "goals", "action_point": "action_points", "activity": "activities"}
CSV_COLUMNS = (
    "type",
    "number",
    "code",
    "goal",
    "action_point",
    "title",
    "description",
    "lead_actor",
    "partners",
    "target_on",
    "starts_on",
    "ends_on",
    "budget_amount",
    "budget_currency",
)
INSTRUCTIONS_SHEET = "instructions"

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml; charset=utf-8",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls and other old Office files


class FileError(Exception):
    """The file cannot be imported; `messages` lists every problem found, in file order."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Row:
    """One goal, action point or activity as the file gives it: text values by column."""

    sheet: str
    where: str  # how a secretary finds it: "Row 7", "Sheet 'goals', row 3", "goals, item 2"
    values: dict[str, str]

    def at(self, column: str) -> str:
        return f"{self.where}, column '{column}'"


@dataclass
class PlanFile:
    rows: list[Row]
    plan_code: str | None = None  # YAML may name its plan


def format_of(filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise FileError(
            [f"Cannot read a '{suffix or filename}' file: use a .csv, .xlsx or .yaml file."]
        )
    return FORMATS[suffix]


def read_capped(stream) -> bytes:
    """At most MAX_FILE_BYTES of a stream; a larger file is refused without reading the rest."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileError([too_large_message()])
    return data


def too_large_message() -> str:
    return f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it up."


def read_plan_file(data: bytes, filename: str) -> PlanFile:
    """The rows of a plan file, or a FileError listing what is wrong with its shape."""
    fmt = format_of(filename)
    if len(data) > MAX_FILE_BYTES:
        raise FileError([too_large_message()])
    if not data.strip():
        raise FileError(["The file is empty."])
    _check_magic(data, fmt)
    if fmt == "xlsx":
        result = PlanFile(_read_xlsx(data))
    elif fmt == "csv":
        result = PlanFile(_read_csv(_decode(data, "Row")))
    else:
        result = _read_yaml(_decode(data, "Line"))
    if not result.rows:
        raise FileError(["The file holds no goals, action points or activities."])
    return result


def _check_magic(data: bytes, fmt: str) -> None:
    is_zip, is_ole = data.startswith(ZIP_MAGIC), data.startswith(OLE_MAGIC)
    if fmt == "xlsx" and not is_zip:
        kind = "an old Excel 97-2003 file (.xls)" if is_ole else "not an Excel workbook"
        raise FileError(
            [
                f"The file is named .xlsx but is {kind}. Save it from Excel as .xlsx, or give it "
                "the extension of what it is (.csv or .yaml)."
            ]
        )
    if fmt != "xlsx" and (is_zip or is_ole):
        raise FileError(
            [
                f"The file is named .{fmt} but is a workbook or another binary file; save it as "
                f"{fmt.upper()}, or name it .xlsx if it is an Excel workbook."
            ]
        )
    if fmt != "xlsx" and b"\x00" in data:
        raise FileError([f"The file is named .{fmt} but is not text (it contains NUL bytes)."])


def _decode(data: bytes, unit: str) -> str:
    """UTF-8 text, with or without a byte-order mark. Anything else is refused, not guessed:
    Windows-1252 and Latin-2 (Hungarian) share byte values, so a guess could garble names."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileError(
            [
                f"{unit} {line}: the file is not UTF-8 text (byte 0x{data[error.start]:02X} is "
                "not UTF-8; the file looks like Windows-1252 or another older encoding). "
                "In Excel use Save As › 'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice "
                "choose the character set 'Unicode (UTF-8)'."
            ]
        ) from None


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def neutralise(text: str) -> str:
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


# Python's csv module refuses fields over 128 KiB with a bare "field larger than field limit";
# the file cap bounds memory anyway, and our own per-column limits give a message by row and column.
csv.field_size_limit(MAX_FILE_BYTES + 1)


def _read_csv(text: str) -> list[Row]:
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales (Hungarian, German, French) saves "CSV" with semicolons;
    # no column name holds either character, so the header tells which one this file uses.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        table = [(index, record) for index, record in enumerate(records, 1)]
    except csv.Error as error:
        raise FileError([f"Row {records.line_num}: the CSV cannot be read ({error})."]) from None
    if not table:
        raise FileError(["The file is empty."])
    header = _header(table[0][1], CSV_COLUMNS, "The CSV file")
    rows, errors = [], []
    for number, record in table[1:]:
        values = _record_values(header, record, f"Row {number}", errors)
        if values is None:
            continue
        kind = values.pop("type").strip().lower().replace(" ", "_")
        where = f"Row {number}"
        if kind not in CSV_TYPES:
            errors.append(
                f"{where}, column 'type': {kind or '(empty)'!r} is not one of "
                f"{', '.join(CSV_TYPES)}."
            )
            continue
        sheet = CSV_TYPES[kind]
        for column in CSV_COLUMNS[1:]:
            if column not in SHEETS[sheet] and values.get(column):
                errors.append(f"{where}, column '{column}': leave it empty in a {kind} row.")
        rows.append(Row(sheet, where, {c: unneutralise(values[c]) for c in SHEETS[sheet]}))
    _raise_if(errors)
    return _capped(rows)


def _header(cells: Iterable, expected: tuple[str, ...], what: str) -> list[str | None]:
    names = [str(c).strip().lower() if c not in (None, "") else None for c in cells]
    while names and names[-1] is None:
        names.pop()
    errors = []
    present = [n for n in names if n]
    missing = [c for c in expected if c not in present]
    unknown = [n for n in present if n not in expected]
    doubled = sorted({n for n in present if present.count(n) > 1})
    if missing:
        errors.append(f"{what} lacks the column(s): {', '.join(missing)}.")
    if unknown:
        errors.append(
            f"{what} has column(s) the tracker does not know: {', '.join(unknown)}. "
            f"The columns are: {', '.join(expected)}."
        )
    if doubled:
        errors.append(f"{what} has the column(s) {', '.join(doubled)} more than once.")
    _raise_if(errors)
    return names


def _record_values(
    header: list[str | None], cells: list, where: str, errors: list[str]
) -> dict[str, str] | None:
    """A record's cells by column name as text; None for a blank record or a broken one."""
    texts = [_cell_text(cell, where, errors) for cell in cells]
    if not any(t.strip() for t in texts):
        return None
    if len(texts) > len(header) and any(t.strip() for t in texts[len(header) :]):
        errors.append(f"{where}: it has more cells ({len(texts)}) than there are columns.")
        return None
    values = {}
    for index, name in enumerate(header):
        text = texts[index] if index < len(texts) else ""
        if name is None:
            if text.strip():
                errors.append(f"{where}: column {index + 1} holds a value but has no name.")
            continue
        if len(text) > MAX_CELL_CHARS:
            errors.append(
                f"{where}, column '{name}': the text has {len(text):,} characters; "
                f"at most {MAX_CELL_CHARS:,} fit in a cell."
            )
            text = ""
        if "\x00" in text:
            errors.append(f"{where}, column '{name}': the text contains a NUL character.")
        values[name] = text
    return values


def _cell_text(value, where: str, errors: list[str]) -> str:
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
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _capped(rows: list[Row]) -> list[Row]:
    if len(rows) > MAX_ROWS:
        raise FileError([f"The file has more than {MAX_ROWS:,} rows; split it up."])
    return rows


def _raise_if(errors: list[str]) -> None:
    if errors:
        raise FileError(errors)


def _read_xlsx(data: bytes) -> list[Row]:
    unreadable = FileError(["The .xlsx file is damaged or not an Excel workbook."])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise FileError(["The workbook unpacks to more than 50 MB; it cannot be imported."])
            if "xl/workbook.xml" not in archive.namelist():
                raise FileError(["The file is a ZIP archive but not an Excel workbook."])
            merged = {n for n in archive.namelist() if b"<mergeCell " in archive.read(n)}
        # data_only=False: a formula must be seen to be refused. data_only=True would give its
        # cached result, or nothing when the program that wrote the file never calculated it.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return _capped(_workbook_rows(workbook, merged))
        finally:
            workbook.close()
    except FileError:
        raise
    # A damaged ZIP or workbook XML fails in many ways (BadZipFile, zlib.error, KeyError,
    # ValueError, XML parse errors, …) at open or while rows are read: each is the same refusal.
    except Exception:
        raise unreadable from None


def _workbook_rows(workbook, merged_parts: set[str]) -> list[Row]:
    rows, errors = [], []
    names = [ws.title for ws in workbook.worksheets]
    unknown = [n for n in names if n.strip().lower() not in (*SHEETS, INSTRUCTIONS_SHEET)]
    if unknown:
        raise FileError(
            [
                f"The workbook has sheet(s) the tracker does not know: {', '.join(unknown)}. "
                f"The sheets are: {', '.join(SHEETS)} (and an optional '{INSTRUCTIONS_SHEET}')."
            ]
        )
    for ws in workbook.worksheets:
        sheet = ws.title.strip().lower()
        if sheet == INSTRUCTIONS_SHEET:
            continue
        # openpyxl's read-only sheets do not list merged cells; the sheet's XML part does.
        if ws._worksheet_path.lstrip("/") in merged_parts:
            errors.append(
                f"Sheet '{ws.title}' has merged cells; unmerge them (Home › Merge & Center) so "
                "that every row has its own values."
            )
            continue
        records = ws.iter_rows()
        header_cells = next(records, None)
        if header_cells is None:
            continue
        header = _header([c.value for c in header_cells], SHEETS[sheet], f"Sheet '{ws.title}'")
        for number, cells in enumerate(records, 2):
            where = f"Sheet '{ws.title}', row {number}"
            if number > MAX_ROWS + 1:
                raise FileError([f"Sheet '{ws.title}' has more than {MAX_ROWS:,} rows."])
            for cell in cells:
                if cell.data_type == "f":
                    column = header[cell.column - 1] if cell.column <= len(header) else None
                    errors.append(
                        f"{where}, column '{column or cell.column_letter}': the cell holds a "
                        "formula; type the value itself."
                    )
            values = _record_values(header, [c.value for c in cells], where, errors)
            if values is not None:
                text = {c: unneutralise(values[c]) for c in SHEETS[sheet]}
                rows.append(Row(sheet, where, text))
    _raise_if(errors)
    return rows


class PlanYamlLoader(yaml.SafeLoader):
    """safe_load with two changes: aliases are refused (an alias "bomb" of a few lines expands to
    billions of nodes), and every scalar stays text (so code 3.10 is not the number 3.1 and a date
    is not turned into something else); only `null` and `~` mean nothing."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a plan file", event.start_mark
            )
        return super().compose_node(parent, index)


def _read_yaml(text: str) -> PlanFile:
    try:
        # Bandit B506 does not know PlanYamlLoader: a SafeLoader subclass that also refuses aliases.
        document = yaml.load(text, Loader=PlanYamlLoader)  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"Line {mark.line + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise FileError([f"{line}the YAML cannot be read: {problem}."]) from None
    except RecursionError:
        raise FileError(["The YAML is nested too deeply."]) from None
    if document is None:
        raise FileError(["The file is empty."])
    if not isinstance(document, dict):
        raise FileError(["The YAML must be a mapping with the keys plan, " + ", ".join(SHEETS)])
    unknown = [str(k) for k in document if k not in ("plan", *SHEETS)]
    if unknown:
        raise FileError(
            [
                f"The YAML has key(s) the tracker does not know: {', '.join(unknown)}. "
                f"The keys are: plan, {', '.join(SHEETS)}."
            ]
        )
    rows, errors = [], []
    for sheet, columns in SHEETS.items():
        items = document.get(sheet) or []
        if not isinstance(items, list):
            errors.append(f"'{sheet}' must be a list of items (each starting with '- ').")
            continue
        for number, item in enumerate(items, 1):
            where = f"{sheet}, item {number}"
            values = _yaml_item(item, columns, where, errors)
            if values is not None:
                rows.append(Row(sheet, where, values))
    _raise_if(errors)
    plan = document.get("plan")
    if plan is not None and not isinstance(plan, str):
        raise FileError(["'plan' must be a plan code, e.g. BP-CFA-2019."])
    return PlanFile(_capped(rows), plan_code=plan)


def _yaml_item(item, columns: tuple[str, ...], where: str, errors: list[str]) -> dict | None:
    if not isinstance(item, dict):
        errors.append(f"{where}: must be a mapping of {', '.join(columns)}.")
        return None
    values = {}
    for key in item:
        if key not in columns:
            errors.append(f"{where}: unknown key '{key}'; the keys are: {', '.join(columns)}.")
    for column in columns:
        value = item.get(column)
        if column == "partners" and isinstance(value, list):
            value = "; ".join(v for v in value if isinstance(v, str))
        if value is not None and not isinstance(value, str):
            errors.append(f"{where}, '{column}': must be text, not a list or a mapping.")
            value = None
        value = value or ""
        if len(value) > MAX_CELL_CHARS:
            errors.append(
                f"{where}, '{column}': the text has {len(value):,} characters; "
                f"at most {MAX_CELL_CHARS:,} fit."
            )
        values[column] = value
    return values


def write_plan_file(fmt: str, plan_code: str, rows: dict[str, list[dict[str, str]]]) -> bytes:
    """A plan file in `fmt` from rows of text by sheet (an empty string is an empty cell)."""
    if fmt == "csv":
        return _write_csv(rows)
    if fmt == "xlsx":
        return _write_xlsx(rows)
    return _write_yaml(plan_code, rows)


def _write_csv(rows: dict[str, list[dict[str, str]]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    types = {sheet: kind for kind, sheet in CSV_TYPES.items()}
    for sheet, items in rows.items():
        for item in items:
            cells = {c: neutralise(v) for c, v in item.items()}
            writer.writerow([types[sheet], *(cells.get(c, "") for c in CSV_COLUMNS[1:])])
    # The byte-order mark makes Excel open the file as UTF-8 (non-Latin text stays readable).
    return out.getvalue().encode("utf-8-sig")


INSTRUCTIONS = [
    "One row per record; the first row of each sheet names the columns. Keep the sheet and "
    "column names as they are.",
    "goals: number, title, description. action_points: code (unique in the plan, e.g. 17 or "
    "3.4), goal (its number), lead_actor and partners (actor codes such as HU or ICMPD; "
    "partners separated by ';'), target_on (YYYY-MM-DD).",
    "activities: action_point (its code), code (unique within the action point, e.g. A1), "
    "starts_on and ends_on (YYYY-MM-DD), budget_amount (e.g. 1250000.00) and budget_currency "
    "(e.g. EUR).",
    "Importing again updates changed rows and leaves the rest; it never deletes anything.",
    "A leading apostrophe is removed from every cell (exports add one before = + - @).",
]


def _write_xlsx(rows: dict[str, list[dict[str, str]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet, columns in SHEETS.items():
        ws = workbook.create_sheet(sheet)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for item in rows.get(sheet, []):
            ws.append([neutralise(item.get(c, "")) or None for c in columns])
        for index in range(1, len(columns) + 1):
            # Text format, so that Excel keeps code 3.10 as typed instead of making it 3.1.
            letter = openpyxl.utils.get_column_letter(index)
            ws.column_dimensions[letter].width = 40 if columns[index - 1] == "title" else 16
            for (cell,) in ws.iter_rows(min_col=index, max_col=index):
                cell.number_format = "@"
    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for line in INSTRUCTIONS:
        notes.append([line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_yaml(plan_code: str, rows: dict[str, list[dict[str, str]]]) -> bytes:
    document: dict = {"plan": plan_code}
    for sheet in SHEETS:
        document[sheet] = [
            {c: _yaml_value(c, v) for c, v in item.items()} for item in rows.get(sheet, [])
        ]
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    return text.encode("utf-8")


def _yaml_value(column: str, value: str):
    if column == "partners":
        return split_codes(value)
    return value or None


def split_codes(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]


def yaml_template() -> bytes:
    return (
        b"# A plan file for `tracker import plan FILE --plan CODE` or the Import page.\n"
        b"# Every value is text; dates are YYYY-MM-DD; actors are codes (HU, ICMPD, ...).\n"
        b"plan: BP-CFA-2019\n"
        b"goals: []  # - {number: '1', title: ..., description: ...}\n"
        b"action_points: []  # - {code: '17', goal: '1', title: ..., lead_actor: HU, "
        b"partners: [AT, TR], target_on: '2026-06-30'}\n"
        b"activities: []  # - {action_point: '17', code: A1, title: ..., starts_on: '2026-01-15', "
        b"budget_amount: '1250000.00', budget_currency: EUR}\n"
    )
