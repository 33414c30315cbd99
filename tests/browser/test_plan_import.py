"""The Secretariat fills in a template or edits an export, previews the import, confirms it and
sees the plan change; a bad file is refused with the reason and imports nothing."""

import csv
import io
import re

import openpyxl
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser.test_progress_workflow import sign_in
from tracker.db import db

PLAN = "BP-CFA-2025"  # the 2019 plan's action point count is checked by test_browse_and_edit
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_import_page(page: Page, base: str) -> None:
    page.goto(f"{base}/plans/{PLAN}")
    page.get_by_role("link", name="Import from a file").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"into {PLAN}")


def download(page: Page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def upload(page: Page, name: str, mime_type: str, data: bytes) -> None:
    page.get_by_label("Plan file").set_input_files(
        {"name": name, "mimeType": mime_type, "buffer": data}
    )
    page.get_by_role("button", name="Preview").click()


def workbook_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_admin_fills_in_the_xlsx_template_previews_and_imports_an_action_point(
    page: Page, live_server
):
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_import_page(page, live_server)
    workbook = openpyxl.load_workbook(io.BytesIO(download(page, "Excel (.xlsx)")))
    assert {"goals", "action_points", "activities"} <= set(workbook.sheetnames)
    sheet = workbook["action_points"]
    assert [c.value for c in sheet[1]] == [
        "code",
        "goal",
        "title",
        "description",
        "lead_actor",
        "partners",
        "target_on",
    ]
    assert sheet.max_row == 1
    sheet.append(["I1", "2", "Open a labour mobility help desk", "", "HU", "AT; DE", "2026-06-30"])

    upload(page, "plan.xlsx", XLSX, workbook_bytes(workbook))
    preview = page.locator("#import-preview")
    expect(preview.get_by_role("heading")).to_have_text(
        f"Preview: {PLAN}: 1 to create, 0 to update, 0 unchanged."
    )
    expect(preview.get_by_role("listitem")).to_have_text(
        ["create action point I1: Open a labour mobility help desk"]
    )
    page.get_by_role("button", name="Import these changes").click()

    expect(page.get_by_role("status")).to_contain_text(f"Imported. {PLAN}: 1 created")
    goal = page.get_by_role("region", name=re.compile("Priority goal 2"))
    row = goal.get_by_role("row", name=re.compile("Open a labour mobility help desk"))
    expect(row.get_by_role("cell")).to_have_text(
        ["I1", "Open a labour mobility help desk", "HUHungary", "30 Jun 2026", re.compile(".*")]
    )
    # The lead's code is shown, its name is on hover and what a screen reader reads.
    lead = row.get_by_role("cell").nth(2)
    expect(lead.locator("abbr")).to_have_attribute("title", "Hungary")
    expect(lead.locator(".visually-hidden")).to_have_text("Hungary")


def test_admin_edits_a_csv_export_and_the_preview_counts_one_new_and_one_changed(
    page: Page, live_server, live_app
):
    with live_app.app_context():
        plan = factories.get_plan(PLAN)
        factories.make_action_point(plan=plan, code="I2", title="Map seasonal work schemes")
        db.session.commit()
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server}/plans/{PLAN}")
    text = download(page, "CSV").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    mine = next(r for r in rows if r["type"] == "action_point" and r["code"] == "I2")
    assert mine["title"] == "Map seasonal work schemes"
    assert sum(r["type"] == "goal" for r in rows) == 6
    mine["title"] = "Map seasonal and circular work schemes"
    rows.append({**mine, "code": "I3", "title": "Pilot a skills partnership", "lead_actor": "HU"})
    edited = io.StringIO(newline="")
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    page.get_by_role("link", name="Import from a file").click()
    upload(page, f"{PLAN}.csv", "text/csv", edited.getvalue().encode())
    preview = page.locator("#import-preview")
    expect(preview.get_by_role("heading")).to_contain_text("1 to create, 1 to update")
    expect(preview.get_by_role("listitem")).to_have_text(
        [
            "update action point I2: title 'Map seasonal work schemes' → "
            "'Map seasonal and circular work schemes'",
            "create action point I3: Pilot a skills partnership",
        ]
    )
    page.get_by_role("button", name="Import these changes").click()

    expect(page.get_by_role("status")).to_contain_text("1 created, 1 updated")
    expect(page.get_by_role("link", name="Map seasonal and circular work schemes")).to_be_visible()
    expect(page.get_by_role("link", name="Pilot a skills partnership")).to_be_visible()
    expect(page.get_by_role("link", name="Map seasonal work schemes")).to_have_count(0)


def test_a_text_file_named_xlsx_and_a_formula_are_refused_and_nothing_is_imported(
    page: Page, live_server
):
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server}/plans/{PLAN}")
    defined = page.locator("#defined-count").inner_text()
    open_import_page(page, live_server)

    upload(page, "plan.xlsx", XLSX, b"type,code,goal,title\naction_point,I4,1,Not a workbook\n")
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("The file was not imported; nothing changed.")
    expect(errors).to_contain_text("The file is named .xlsx but is not an Excel workbook.")
    expect(page.locator("#import-preview")).to_have_count(0)

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "action_points"
    sheet.append(["code", "goal", "title", "description", "lead_actor", "partners", "target_on"])
    sheet.append(["I5", "1", "A harmless row", "", "", "", ""])
    sheet.append(["I6", "1", '=HYPERLINK("https://example.org", "Click")', "", "", "", ""])
    upload(page, "plan.xlsx", XLSX, workbook_bytes(workbook))
    expect(errors).to_contain_text(
        "Sheet 'action_points', row 3, column 'title': the cell holds a formula; "
        "type the value itself."
    )
    expect(page.get_by_role("button", name="Import these changes")).to_have_count(0)

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=PLAN).click()
    expect(page.locator("#defined-count")).to_have_text(defined)
    expect(page.get_by_role("link", name="A harmless row")).to_have_count(0)
