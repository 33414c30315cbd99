"""A focal point reports, the Secretariat validates or returns, and the plan page shows it."""

import re

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tracker.db import db

FOCAL_PASSWORD = "browser-focal-password"


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/auth/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in, one lands on the dashboard.
    expect(page.get_by_role("heading", name="Where implementation stands")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator("#account-menu").click()  # the account menu holds "Sign out"
    page.get_by_role("button", name="Sign out").click()


def make_focal_point_and_action_point(live_app, code: str, title: str) -> tuple[str, int]:
    with live_app.app_context():
        hungary = factories.get_actor("HU")
        email = f"focal-{code}@example.org"
        factories.make_user(role="focal_point", actor=hungary, email=email, password=FOCAL_PASSWORD)
        ap = factories.make_action_point(code=code, title=title, lead_actor=hungary)
        db.session.commit()
        return email, ap.id


def report(page: Page, base: str, ap_id: int, percent: str, narrative: str) -> None:
    page.goto(f"{base}/plans/action-points/{ap_id}")
    page.get_by_role("link", name="Report progress").click()
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_label("Percent complete").fill(percent)
    page.get_by_label("Narrative").fill(narrative)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Update saved as a draft.")
    expect(page.locator("#workflow")).to_contain_text("Draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#workflow")).to_contain_text("Submitted")


def test_focal_point_reports_admin_validates_and_the_plan_page_shows_it(
    page: Page, live_server, live_app
):
    email, ap_id = make_focal_point_and_action_point(live_app, "B1", "Train border guards")
    sign_in(page, live_server, email, FOCAL_PASSWORD)
    report(page, live_server, ap_id, "35", "Two **workshops** held.")
    expect(page.locator("#narrative strong")).to_have_text("workshops")
    expect(page.get_by_role("button", name="Validate")).to_have_count(0)
    sign_out(page)

    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("link", name="My work").click()
    page.locator("#to-validate + .table-box table").get_by_role("link").first.click()
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#workflow")).to_contain_text("Validated")

    page.goto(f"{live_server}/plans/BP-CFA-2019")
    row = page.get_by_role("row", name=re.compile("Train border guards"))
    expect(row.locator(".ap-status")).to_contain_text("In progress")
    expect(row.locator(".ap-status")).to_contain_text("35 %")


def test_admin_returns_with_a_reason_and_the_focal_point_sees_it(page: Page, live_server, live_app):
    email, ap_id = make_focal_point_and_action_point(live_app, "B2", "Map return counselling")
    sign_in(page, live_server, email, FOCAL_PASSWORD)
    report(page, live_server, ap_id, "10", "Started.")
    update_url = page.url
    sign_out(page)

    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(update_url)
    page.get_by_label("Reason for returning").fill("Please add the workshop report.")
    page.get_by_role("button", name="Return to reporter").click()
    expect(page.locator("#return-reason")).to_contain_text("Please add the workshop report.")
    sign_out(page)

    sign_in(page, live_server, email, FOCAL_PASSWORD)
    page.get_by_role("link", name="My work").click()
    returned = page.locator("#returned + .table-box table")
    expect(returned).to_contain_text("BP-CFA-2019 B2")
    returned.get_by_role("link").first.click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("alert").first).to_contain_text("Please add the workshop report.")
    page.get_by_label("Evidence links").fill("https://example.org/workshop-report.pdf")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator("#workflow")).to_contain_text("Submitted")
