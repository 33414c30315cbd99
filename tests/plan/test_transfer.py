"""Plan import and export: every bad file of issue 3 is refused by row and column, changing
nothing; a good file imports once; exports parse back to exactly what was exported."""

import csv
import io
import zipfile

import openpyxl
import pytest
import yaml
from sqlalchemy import func, select

from tests import factories
from tracker import tables
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.plan import fileformats, services, transfer
from tracker.plan.fileformats import CSV_COLUMNS, FileError
from tracker.plan.models import ActionPoint, Activity, PriorityGoal

HEADER = ",".join(CSV_COLUMNS)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def ap_row(code="17", goal="1", title="Return counselling", lead="HU", partners="AT; TR") -> str:
    return f"action_point,,{code},{goal},,{title},,{lead},{partners},2026-06-30,,,,"


def activity_row(ap="17", code="A1", amount="1250000.00", currency="EUR") -> str:
    return f"activity,,{code},,{ap},Workshop,,TR,,,2026-01-15,2026-02-01,{amount},{currency}"


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def row_count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def errors_of(data: bytes, filename: str = "plan.csv") -> list[str]:
    before = (audit_count(), row_count(ActionPoint), row_count(Activity))
    with pytest.raises(FileError) as error:
        transfer.apply_import(transfer.preview_import(data, filename), by="tests")
    assert (audit_count(), row_count(ActionPoint), row_count(Activity)) == before
    return error.value.messages


def do_import(data: bytes, filename: str = "plan.csv", plan: str | None = None):
    return transfer.apply_import(transfer.preview_import(data, filename, plan), by="tests")


def test_csv_import_creates_rows_and_a_second_import_changes_nothing():
    data = csv_file(ap_row(), activity_row())
    first = do_import(data)
    assert (first.count("create"), first.count("update")) == (2, 0)
    ap = services.find_action_point(factories.get_plan(), "17")
    assert [a.code for a in ap.partners] == ["AT", "TR"] or {a.code for a in ap.partners} == {
        "AT",
        "TR",
    }
    assert ap.activities[0].budget_minor == 125_000_000
    events = audit_count()
    again = do_import(data)
    assert again.count("unchanged") == 2 and again.changed == []
    assert audit_count() == events


def test_changed_row_updates_in_place_with_before_and_after_in_the_audit_trail():
    do_import(csv_file(ap_row(title="Old title")))
    ap = services.find_action_point(factories.get_plan(), "17")
    preview = do_import(csv_file(ap_row(title="New title", lead="TR")))
    assert preview.count("update") == 1
    assert services.find_action_point(factories.get_plan(), "17").id == ap.id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == ap.id).order_by(AuditEvent.id.desc())
    ).first()
    assert event.changes["title"] == ["Old title", "New title"]
    assert event.changes["lead_actor"] == ["HU", "TR"]


def test_dry_run_reports_per_row_changes_and_writes_nothing(runner, tmp_path):
    do_import(csv_file(ap_row(title="Old title")))
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_file(ap_row(title="New title"), ap_row(code="18")))
    events = audit_count()
    result = runner.invoke(args=["import", "plan", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "update action point 17: title 'Old title' → 'New title'" in result.output
    assert "create action point 18" in result.output
    assert "1 to create, 1 to update, 0 unchanged" in result.output
    assert audit_count() == events
    assert services.find_action_point(factories.get_plan(), "18") is None


def test_cli_import_then_export_round_trips(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(csv_file(ap_row(), activity_row()))
    assert runner.invoke(args=["import", "plan", str(source)]).exit_code == 0
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "plan", str(out), "--plan", "BP-CFA-2019"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["import", "plan", str(out)])
    assert "0 created, 0 updated" in again.output


def test_cli_import_of_a_bad_file_lists_errors_and_exits_non_zero(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file(ap_row(goal="9")))
    result = runner.invoke(args=["import", "plan", str(path)])
    assert result.exit_code == 1
    assert "Row 2, column 'goal': no priority goal 9 in BP-CFA-2019." in result.output
    assert "nothing changed" in result.output


TRICKY_TEXTS = [
    "Руководство — возврат и реадмиссия",
    "Göç ve kalkınma: İstanbul, Şanlıurfa",
    '=HYPERLINK("http://evil")',
    "+1 more",
    "-5 items",
    "@SUM(A1)",
    "'quoted' already",
    "Multi\nline\r\nwith CRLF",
    "\ttab first",
    "中文 عربى  ",
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_export_then_import_round_trips_exactly(fmt):
    plan = factories.get_plan()
    goal = plan.goals[2]
    for index, text in enumerate(TRICKY_TEXTS):
        ap = factories.make_action_point(
            code=f"{index + 1}.10",
            goal=goal,
            title=f"Title {text.strip()}"[:300],
            description=text,
            lead_actor=factories.get_actor("TR"),
            partners=[factories.get_actor("HU"), factories.get_actor("ICMPD")],
        )
        services.create_activity(
            ap,
            code="A1",
            title=text.strip() or "x",
            description=text,
            budget_minor=5,
            budget_currency="JPY",
            by="tests",
        )
    exported = transfer.export_rows(plan)
    data = transfer.export_plan(plan, fmt)
    parsed = fileformats.read_plan_file(data, f"plan.{fmt}")
    by_sheet = {sheet: [r.values for r in parsed.rows if r.sheet == sheet] for sheet in exported}
    assert by_sheet == exported
    preview = transfer.preview_import(data, f"plan.{fmt}")
    assert preview.changed == [], preview.lines()
    descriptions = {r["description"] for r in exported["action_points"]}
    stored = {services.clean_text(text) for text in TRICKY_TEXTS}  # line breaks kept as LF
    assert stored <= descriptions and "Multi\nline\nwith CRLF" in descriptions


def test_exported_cells_that_look_like_formulas_are_neutralised():
    factories.make_action_point(code="1", title="=1+2", description="@cmd")
    data = transfer.export_plan(factories.get_plan(), "csv")
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    ap = next(r for r in records if r["type"] == "action_point")
    assert ap["title"] == "'=1+2" and ap["description"] == "'@cmd"
    workbook = openpyxl.load_workbook(
        io.BytesIO(transfer.export_plan(factories.get_plan(), "xlsx"))
    )
    cell = workbook["action_points"]["C2"]
    assert cell.value == "'=1+2" and cell.data_type == "s"


def test_export_leaves_out_retired_action_points():
    kept, gone = factories.make_action_point(code="1"), factories.make_action_point(code="2")
    from tracker.audit.services import set_retired

    set_retired(gone, retired=True, by="tests", label="action point 2")
    codes = [r["code"] for r in transfer.export_rows(factories.get_plan())["action_points"]]
    assert codes == [kept.code]


def test_yaml_names_its_plan_and_an_import_goes_there():
    data = b"plan: BP-CFA-2025\naction_points:\n  - {code: '3.10', goal: 2, title: Later}\n"
    do_import(data, "plan.yaml")
    ap = services.find_action_point(factories.get_plan("BP-CFA-2025"), "3.10")
    assert ap is not None and ap.goal.number == 2


def test_yaml_plan_that_contradicts_the_option_is_refused():
    data = b"plan: BP-CFA-2025\naction_points: []\ngoals:\n  - {number: 1, title: x}\n"
    with pytest.raises(FileError, match="for plan BP-CFA-2025, not BP-CFA-2019"):
        transfer.preview_import(data, "plan.yaml", "BP-CFA-2019")


def test_goals_in_the_file_are_created_before_action_points_that_use_them():
    data = csv_file(ap_row(goal="7"), "goal,7,,,,A seventh goal,,,,,,,,")
    do_import(data)
    plan = factories.get_plan()
    goal = db.session.scalar(
        select(PriorityGoal).where(PriorityGoal.plan_id == plan.id, PriorityGoal.number == 7)
    )
    assert services.find_action_point(plan, "17").goal_id == goal.id


# Bad files: each is refused with a message naming the place, and changes nothing. ------------


def test_missing_column_is_named():
    header = HEADER.replace(",partners", "")
    row = "action_point,,17,1,,Title,,HU,2026-06-30,,,,"
    assert errors_of(csv_file(row, header=header)) == [
        "The CSV file lacks the column(s): partners."
    ]


def test_extra_column_is_named():
    messages = errors_of(csv_file(ap_row() + ",x", header=HEADER + ",colour"))
    assert messages[0].startswith("The CSV file has column(s) the tracker does not know: colour.")


def test_duplicate_code_is_refused_with_both_rows():
    messages = errors_of(csv_file(ap_row(), ap_row(title="Again")))
    assert messages == [
        "Row 3, column 'code': action point 17 appears twice in the file (also Row 2)."
    ]


def test_unknown_goal_number_is_refused_in_words():
    assert errors_of(csv_file(ap_row(goal="9"))) == [
        "Row 2, column 'goal': no priority goal 9 in BP-CFA-2019."
    ]


def test_every_error_of_the_file_is_listed_not_only_the_first():
    messages = errors_of(
        csv_file(ap_row(goal="x", lead="XX"), activity_row(ap="99", amount="1.2345"))
    )
    assert messages == [
        "Row 2, column 'goal': 'x' is not a number from 1 to 99.",
        "Row 2, column 'lead_actor': no actor with the code 'XX'.",
        "Row 3, column 'action_point': no action point 99 in BP-CFA-2019.",
        "Row 3, column 'budget_amount': EUR has 2 decimal places; 1.2345 has 4.",
    ]


def test_budgets_follow_the_shared_money_rules():
    """Budgets are parsed by tracker.money, as pledges are: the ISO 4217 list, the currency's
    decimals, no negative amounts; the error names the column at fault."""
    messages = errors_of(
        csv_file(
            ap_row(),
            activity_row(code="A1", currency="XYZ"),
            activity_row(code="A2", amount="-5.00"),
            activity_row(code="A3", amount="1.5", currency="JPY"),
        )
    )
    assert messages == [
        "Row 3, column 'budget_currency': Unknown currency 'XYZ': use a currency code "
        "such as EUR or USD.",
        "Row 4, column 'budget_amount': A budget cannot be negative.",
        "Row 5, column 'budget_amount': JPY has no minor unit: give a whole amount.",
    ]


def test_two_megabyte_cell_is_refused_at_its_row_and_column():
    messages = errors_of(csv_file(ap_row(title="x" * 2_000_000)))
    assert messages == [
        "Row 2, column 'title': the text has 2,000,000 characters; at most 20,000 fit in a cell."
    ]


def test_overlong_title_is_refused_at_the_model_limit():
    assert errors_of(csv_file(ap_row(title="x" * 301))) == [
        "Row 2, column 'title': at most 300 characters (301 given)."
    ]


def test_windows_1252_csv_is_refused_with_how_to_fix_it():
    data = csv_file(ap_row(title="Café numéro")).decode().encode("cp1252")
    [message] = errors_of(data)
    assert message.startswith("Row 2: the file is not UTF-8 text (byte 0xE9")
    assert "CSV UTF-8" in message


def test_csv_with_a_byte_order_mark_is_read():
    data = "\ufeff".encode() + csv_file(ap_row(title="Çalıştay"))
    do_import(data)
    assert services.find_action_point(factories.get_plan(), "17").title == "Çalıştay"


def test_semicolon_separated_csv_is_read():
    header = HEADER.replace(",", ";")
    row = 'action_point;;17;1;;Title; with a semicolon;;HU;"AT; TR";2026-06-30;;;;'
    row = row.replace("Title; with a semicolon", '"Title; with a semicolon"')
    do_import(csv_file(row, header=header))
    ap = services.find_action_point(factories.get_plan(), "17")
    assert ap.title == "Title; with a semicolon" and len(ap.partners) == 2


def test_empty_file_is_refused():
    assert errors_of(b"") == ["The file is empty."]


def test_header_only_file_is_refused_as_holding_nothing():
    assert errors_of(csv_file()) == ["The file holds no goals, action points or activities."]


def test_fifty_megabyte_file_is_refused_before_it_is_read_whole(runner, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as file:
        file.truncate(50 * 1024 * 1024)  # sparse: 50 MB to the reader
    result = runner.invoke(args=["import", "plan", str(path)])
    assert result.exit_code == 1
    assert "The file is larger than 5 MB" in result.output

    class Stream:
        asked = 0

        def read(self, size):
            Stream.asked = size
            return b"x" * size

    with pytest.raises(FileError):
        tables.read_capped(Stream())
    assert Stream.asked == tables.MAX_FILE_BYTES + 1


def test_yaml_alias_bomb_is_refused_without_expanding():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    [message] = errors_of(bomb.encode(), "plan.yaml")
    assert (
        message
        == "Line 2: the YAML cannot be read: aliases (*name) are not allowed in a plan file."
    )


def test_yaml_keeps_codes_as_written():
    do_import(
        b"action_points:\n  - {code: 3.10, goal: 1, title: T, target_on: 2026-06-30}\n", "p.yml"
    )
    assert services.find_action_point(factories.get_plan(), "3.10") is not None


def test_yaml_unknown_key_is_refused():
    data = b"action_points:\n  - {code: '1', goal: 1, title: T, colour: red}\n"
    assert errors_of(data, "plan.yaml") == [
        "action_points, item 1: unknown key 'colour'; the keys are: code, goal, title, "
        "description, lead_actor, partners, target_on."
    ]


def workbook_bytes(fill) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet, columns in fileformats.SHEETS.items():
        workbook.create_sheet(sheet).append(columns)
    fill(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_with_a_formula_is_refused_at_its_cell():
    def fill(workbook):
        workbook["action_points"].append(["17", "1", '=CONCAT("a","b")'])

    assert errors_of(workbook_bytes(fill), "plan.xlsx") == [
        "Sheet 'action_points', row 2, column 'title': the cell holds a formula; type the "
        "value itself."
    ]


def test_xlsx_with_merged_cells_is_refused():
    def fill(workbook):
        sheet = workbook["action_points"]
        sheet.append(["17", "1", "Title"])
        sheet.append(["18", "1", "Title"])
        sheet.merge_cells("B2:B3")

    [message] = errors_of(workbook_bytes(fill), "plan.xlsx")
    assert message.startswith("Sheet 'action_points' has merged cells; unmerge them")


def test_xlsx_with_an_unknown_sheet_is_refused():
    def fill(workbook):
        workbook.create_sheet("Sheet1")

    [message] = errors_of(workbook_bytes(fill), "plan.xlsx")
    assert "sheet(s) the tracker does not know: Sheet1" in message


def test_xlsx_that_unpacks_to_a_zip_bomb_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    assert errors_of(out.getvalue(), "plan.xlsx") == [
        "The workbook unpacks to more than 50 MB; it cannot be imported."
    ]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"type,code\r\n", "plan.xlsx", "The file is named .xlsx but is not an Excel workbook."),
        (b"\xd0\xcf\x11\xe0 old", "plan.xlsx", "is an old Excel 97-2003 file (.xls)"),
        (b"PK\x03\x04 zipped", "plan.csv", "The file is named .csv but is a workbook"),
        (b"PK\x03\x04 zipped", "plan.yaml", "The file is named .yaml but is a workbook"),
        (b"anything", "plan.txt", "Cannot read a '.txt' file: use a .csv, .xlsx or .yaml file."),
    ],
)
def test_file_that_is_not_what_its_extension_says_is_refused(content, filename, expected):
    [message] = errors_of(content, filename)
    assert expected in message


def test_csv_row_with_a_value_in_a_column_its_type_does_not_use_is_refused():
    row = "goal,7,,,,Goal,,HU,,,,,,"
    assert errors_of(csv_file(row)) == ["Row 2, column 'lead_actor': leave it empty in a goal row."]


def test_bad_dates_and_reversed_dates_are_refused():
    row = "activity,,A1,,17,W,,,,,2026-02-30,2026-01-01,,"
    messages = errors_of(csv_file(ap_row(), row))
    assert messages == [
        "Row 3, column 'starts_on': '2026-02-30' is not a date written YYYY-MM-DD (2026-06-30)."
    ]
    row = "activity,,A1,,17,W,,,,,2026-02-03,2026-01-01,,"
    assert errors_of(csv_file(ap_row(), row)) == [
        "Row 3, column 'ends_on': the end date is before the start date."
    ]


def test_templates_import_as_files_with_no_rows():
    for fmt in ("csv", "xlsx", "yaml"):
        with pytest.raises(FileError, match="holds no goals"):
            transfer.preview_import(transfer.template(fmt), f"template.{fmt}")
    assert yaml.safe_load(transfer.template("yaml"))["plan"] == "BP-CFA-2019"
