"""The Secretariat opens the dashboard at laptop and phone width, then builds the progress report
as of a day from the Reports page and downloads it as PDF and Excel."""

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser.test_progress_workflow import sign_in
from tracker.db import db

PLAN = "BP-CFA-2025"


def make_progress(live_app) -> None:
    with live_app.app_context():
        plan = factories.get_plan(PLAN)
        ap = factories.make_action_point(plan=plan, code="DB-1", title="Dashboard point")
        factories.make_update(ap, workflow="validated", status="completed", narrative="All done.")
        factories.make_action_point(plan=plan, code="DB-2", title="Point nobody reported on")
        db.session.commit()


def charts_are_drawn(page: Page) -> None:
    charts = page.locator("figure.chart svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 4
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 30
        assert chart.locator(":scope > title").count() == 1
        assert chart.locator(":scope > desc").count() == 1


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_dashboard_at_laptop_and_phone_width(page: Page, live_server, live_app):
    make_progress(live_app)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server}/?plan={PLAN}")
    expect(page.get_by_role("heading", name="Where implementation stands")).to_be_visible()
    charts_are_drawn(page)
    expect(page.get_by_role("heading", name="My to-dos")).to_be_visible()
    no_sideways_scroll(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    charts_are_drawn(page)
    no_sideways_scroll(page)
    for chart in page.locator("figure.chart svg").all():
        assert chart.bounding_box()["width"] <= 390


def test_report_as_of_a_day_in_every_format_from_the_reports_page(page: Page, live_server):
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_label("Plan", exact=True).select_option(PLAN)
    yesterday = date.today() - timedelta(days=1)
    page.get_by_label("As of").fill(yesterday.isoformat())
    page.get_by_role("button", name="Build the report").click()
    expect(page.locator("#report-as-of")).to_contain_text(yesterday.strftime("%d %b %Y"))
    expect(page.locator("#report-state")).to_have_text("DRAFT")
    for link, magic in (("PDF", b"%PDF"), ("Excel", b"PK")):
        with page.expect_download() as download:
            page.locator("#report-downloads").get_by_role("link", name=link, exact=True).click()
        with open(download.value.path(), "rb") as file:
            assert file.read(4).startswith(magic)
        assert f"{PLAN}-{yesterday.isoformat()}" in download.value.suggested_filename
