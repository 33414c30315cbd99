"""Plan files as rows: CSV, XLSX and YAML read into, and written from, the same plain rows.

Only the shape of a file is checked here (size, type, encoding, columns, cells), by the rules of
`tracker.tables` that every import shares; what the values mean is checked in `transfer`. A plan
workbook has a sheet per kind of row, and a plan CSV tells them apart by its `type` column.
"""

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import openpyxl
import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Font

from tracker import translated_names
from tracker.tables import (
    MAX_CELL_CHARS,
    FileError,
    Workbook,
    check_content,
    check_header,
    csv_records,
    decode,
    format_from_name,
    header_names,
    neutralise,
    open_workbook,
    raise_if,
    record_values,
)

MAX_ROWS = 5_000

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
# Optional columns: a goal's title in each other language of the interface (`title_ru`); the
# languages come from the catalogues, so that adding one adds its column. Column names stay
# English whatever the interface language: the files are a machine format.
TRANSLATED = {"goals": ("title",)}


def optional_columns(sheet: str) -> tuple[str, ...]:
    return translated_names.columns(TRANSLATED.get(sheet, ()))


def columns_of(sheet: str) -> tuple[str, ...]:
    """Every column a sheet may have: the required ones, then the optional ones."""
    return SHEETS[sheet] + optional_columns(sheet)


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
CSV_OPTIONAL = tuple(dict.fromkeys(c for sheet in SHEETS for c in optional_columns(sheet)))
INSTRUCTIONS_SHEET = "instructions"

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml; charset=utf-8",
}


@dataclass
class Row:
    """One goal, action point or activity as the file gives it: text values by column."""

    sheet: str
    where: str  # how a secretary finds it: "Row 7", "Sheet 'goals', row 3", "goals, item 2"
    values: dict[str, str | None]  # None: an optional column the file does not have

    def at(self, column: str) -> str:
        return _("%(where)s, column '%(column)s'", where=self.where, column=column)


@dataclass
class PlanFile:
    rows: list[Row]
    plan_code: str | None = None  # YAML may name its plan


def format_of(filename: str) -> str:
    return format_from_name(filename, FORMATS)


def read_plan_file(data: bytes, filename: str) -> PlanFile:
    """The rows of a plan file, or a FileError listing what is wrong with its shape."""
    fmt = format_of(filename)
    check_content(data, fmt, text_formats=("csv", "yaml"))
    if fmt == "xlsx":
        with open_workbook(data) as workbook:
            result = PlanFile(_capped(_workbook_rows(workbook)))
    elif fmt == "csv":
        result = PlanFile(_read_csv(decode(data, "Row")))
    else:
        result = _read_yaml(decode(data, "Line"))
    if not result.rows:
        raise FileError([_("The file holds no goals, action points or activities.")])
    return result


def _read_csv(text: str) -> list[Row]:
    cells, records = csv_records(text, max_rows=MAX_ROWS)
    if not cells:
        raise FileError([_("The file is empty.")])
    header = header_names(cells)
    check_header(header, CSV_COLUMNS, _("The CSV file"), known=CSV_COLUMNS + CSV_OPTIONAL)
    rows, errors = [], []
    for record in records:
        values = record_values(header, record, errors)
        if values is None:
            continue
        kind = values.pop("type").strip().lower().replace(" ", "_")
        where = record.where
        if kind not in CSV_TYPES:
            errors.append(
                _(
                    "%(where)s, column 'type': %(value)s is not one of %(types)s.",
                    where=where,
                    value=repr(kind or _("(empty)")),
                    types=", ".join(CSV_TYPES),
                )
            )
            continue
        sheet = CSV_TYPES[kind]
        for column in CSV_COLUMNS[1:] + CSV_OPTIONAL:
            if column not in columns_of(sheet) and values.get(column):
                errors.append(
                    _(
                        "%(where)s, column '%(column)s': leave it empty in a %(type)s row.",
                        where=where,
                        column=column,
                        type=kind,
                    )
                )
        rows.append(Row(sheet, where, _row_values(sheet, values)))
    raise_if(errors)
    return _capped(rows)


def _row_values(sheet: str, values: dict[str, str]) -> dict[str, str | None]:
    """A row's values by column; an optional column the file does not have is None (an
    import then keeps what is stored), where an empty cell is ""."""
    row: dict[str, str | None] = {c: values[c] for c in SHEETS[sheet]}
    row.update({c: values.get(c) for c in optional_columns(sheet)})
    return row


def _capped(rows: list[Row]) -> list[Row]:
    if len(rows) > MAX_ROWS:
        raise FileError(
            [_("The file has more than %(max)s rows; split it up.", max=format(MAX_ROWS, ","))]
        )
    return rows


def _refuse_unknown(unknown: list[str], sentence: Any, **known: str) -> None:
    """A file that names sheets or keys the tracker does not know is refused: `sentence` names
    them (its %(unknown)s) and says which it knows."""
    if unknown:
        raise FileError([str(sentence) % {"unknown": ", ".join(unknown), **known}])


def _workbook_rows(workbook: Workbook) -> list[Row]:
    rows, errors = [], []
    names = [ws.title for ws in workbook.worksheets]
    _refuse_unknown(
        [n for n in names if n.strip().lower() not in (*SHEETS, INSTRUCTIONS_SHEET)],
        _l(
            "The workbook has sheet(s) the tracker does not know: %(unknown)s. The "
            "sheets are: %(sheets)s (and an optional '%(instructions)s')."
        ),
        sheets=", ".join(SHEETS),
        instructions=INSTRUCTIONS_SHEET,
    )
    for ws in workbook.worksheets:
        sheet = ws.title.strip().lower()
        if sheet == INSTRUCTIONS_SHEET:
            continue
        label = _("Sheet '%(sheet)s'", sheet=ws.title)
        try:
            cells, records = workbook.records(ws, max_rows=MAX_ROWS, label=label)
        except FileError as error:
            errors.extend(error.messages)
            continue
        if not cells:
            continue
        header = header_names(cells)
        check_header(header, SHEETS[sheet], label, known=columns_of(sheet))
        for record in records:
            values = record_values(header, record, errors)
            if values is not None:
                rows.append(Row(sheet, record.where, _row_values(sheet, values)))
    raise_if(errors)
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
                None, None, _("aliases (*name) are not allowed in a plan file"), event.start_mark
            )
        return super().compose_node(parent, index)


def _read_yaml(text: str) -> PlanFile:
    try:
        # Bandit B506 does not know PlanYamlLoader: a SafeLoader subclass that also refuses aliases.
        document = yaml.load(text, Loader=PlanYamlLoader)  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark:
            message = _(
                "Line %(line)d: the YAML cannot be read: %(problem)s.",
                line=mark.line + 1,
                problem=problem,
            )
        else:
            message = _("the YAML cannot be read: %(problem)s.", problem=problem)
        raise FileError([message]) from None
    except RecursionError:
        raise FileError([_("The YAML is nested too deeply.")]) from None
    if document is None:
        raise FileError([_("The file is empty.")])
    if not isinstance(document, dict):
        raise FileError(
            [_("The YAML must be a mapping with the keys plan, %(keys)s", keys=", ".join(SHEETS))]
        )
    _refuse_unknown(
        [str(k) for k in document if k not in ("plan", *SHEETS)],
        _l(
            "The YAML has key(s) the tracker does not know: %(unknown)s. The keys are: "
            "plan, %(keys)s."
        ),
        keys=", ".join(SHEETS),
    )
    rows, errors = [], []
    for sheet in SHEETS:
        items = document.get(sheet) or []
        if not isinstance(items, list):
            errors.append(
                _("'%(sheet)s' must be a list of items (each starting with '- ').", sheet=sheet)
            )
            continue
        for number, item in enumerate(items, 1):
            where = _("%(sheet)s, item %(number)d", sheet=sheet, number=number)
            values = _yaml_item(item, sheet, columns_of(sheet), where, errors)
            if values is not None:
                rows.append(Row(sheet, where, values))
    raise_if(errors)
    plan = document.get("plan")
    if plan is not None and not isinstance(plan, str):
        raise FileError([_("'plan' must be a plan code, e.g. BP-CFA-2019.")])
    return PlanFile(_capped(rows), plan_code=plan)


def _yaml_item(
    item, sheet: str, columns: tuple[str, ...], where: str, errors: list[str]
) -> dict | None:
    if not isinstance(item, dict):
        errors.append(
            _("%(where)s: must be a mapping of %(keys)s.", where=where, keys=", ".join(columns))
        )
        return None
    values = {}
    for key in item:
        if key not in columns:
            errors.append(
                _(
                    "%(where)s: unknown key '%(key)s'; the keys are: %(keys)s.",
                    where=where,
                    key=key,
                    keys=", ".join(columns),
                )
            )
    for column in columns:
        value = item.get(column)
        if column == "partners" and isinstance(value, list):
            value = "; ".join(v for v in value if isinstance(v, str))
        if value is not None and not isinstance(value, str):
            errors.append(
                _(
                    "%(where)s, '%(column)s': must be text, not a list or a mapping.",
                    where=where,
                    column=column,
                )
            )
            value = None
        if value is None and column not in SHEETS.get(sheet, ()) and column not in item:
            values[column] = None  # an optional key left out: see _row_values
            continue
        value = value or ""
        if len(value) > MAX_CELL_CHARS:
            errors.append(
                _(
                    "%(where)s, '%(column)s': the text has %(length)s characters; at most "
                    "%(max)s fit.",
                    where=where,
                    column=column,
                    length=format(len(value), ","),
                    max=format(MAX_CELL_CHARS, ","),
                )
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
    header = CSV_COLUMNS + CSV_OPTIONAL
    writer.writerow(header)
    types = {sheet: kind for kind, sheet in CSV_TYPES.items()}
    for sheet, items in rows.items():
        for item in items:
            cells = {c: neutralise(v) for c, v in item.items()}
            writer.writerow([types[sheet], *(cells.get(c, "") for c in header[1:])])
    # The byte-order mark makes Excel open the file as UTF-8 (non-Latin text stays readable).
    return out.getvalue().encode("utf-8-sig")


# The workbook's own instructions, for people: in the language of the person who downloads it.
INSTRUCTIONS = [
    _l(
        "One row per record; the first row of each sheet names the columns. Keep the sheet and "
        "column names as they are."
    ),
    _l(
        "goals: number, title, description. action_points: code (unique in the plan, e.g. 17 or "
        "3.4), goal (its number), lead_actor and partners (actor codes such as HU or ICMPD; "
        "partners separated by ';'), target_on (YYYY-MM-DD)."
    ),
    _l(
        "activities: action_point (its code), code (unique within the action point, e.g. A1), "
        "starts_on and ends_on (YYYY-MM-DD), budget_amount (e.g. 1250000.00) and budget_currency "
        "(e.g. EUR)."
    ),
    _l(
        "Optional on goals: the title in another language of the interface, in the column "
        "title_ and the language's code (title_ru); empty, the English title is shown."
    ),
    _l("Importing again updates changed rows and leaves the rest; it never deletes anything."),
    _l("A leading apostrophe is removed from every cell (exports add one before = + - @)."),
]


def _write_xlsx(rows: dict[str, list[dict[str, str]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        columns = columns_of(sheet)
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
        notes.append([str(line)])
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
