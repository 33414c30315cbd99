"""The Secretariat publishes a round's progress report, validates a new update, publishes for the
next round, and the comparison of the two shows the change."""

import re
from datetime import date

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tracker.db import db
from tracker.progress import services as progress


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/auth/sign-in")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/auth/sign-in"))


def prepare(live_app) -> dict:
    """An action point with a validated update, a submitted one waiting for the Secretariat,
    and two rounds (deadline today: the reports stand as of now)."""
    with live_app.app_context():
        admin = factories.make_user(role="admin", name="Browser Secretariat")
        hungary = factories.get_actor("HU")
        ap = factories.make_action_point(
            code="PB1", title="Joint border training", lead_actor=hungary
        )
        factories.make_update(
            ap,
            by=admin,
            workflow="validated",
            status="in_progress",
            percent=30,
            narrative="The first training was held.",
        )
        waiting = factories.make_update(
            ap,
            by=admin,
            workflow="submitted",
            status="completed",
            percent=100,
            narrative="The first training was held, and all later ones too.",
        )
        plan = ap.plan
        rounds = [
            progress.create_round(
                plan, title=title, opens_on=plan.starts_on, deadline=date.today(), by=admin
            )
            for title in ("Browser round one", "Browser round two")
        ]
        db.session.commit()
        return {"update": waiting.id, "rounds": [r.id for r in rounds]}


def publish(page: Page, base: str, round_id: int, title: str) -> None:
    page.goto(f"{base}/progress/rounds/{round_id}")
    expect(page.locator("#published")).to_contain_text("No report has been published")
    page.get_by_role("button", name="Publish the progress report").click()
    expect(page.get_by_role("status")).to_contain_text(f"Published the progress report for {title}")
    expect(page.get_by_role("button", name="Publish the progress report")).to_have_count(0)
    expect(page.locator("#published").get_by_role("link", name="PDF")).to_be_visible()


def test_secretariat_publishes_two_rounds_and_compares_them(page: Page, live_server, live_app):
    ids = prepare(live_app)
    sign_in(page, live_server)

    publish(page, live_server, ids["rounds"][0], "Browser round one")
    pdf_url = live_server + page.locator("#published").get_by_role(
        "link", name="PDF"
    ).get_attribute("href")
    first_pdf = page.request.get(pdf_url)
    assert first_pdf.ok and first_pdf.body().startswith(b"%PDF-")

    page.goto(f"{live_server}/progress/updates/{ids['update']}")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#workflow")).to_contain_text("Validated")

    publish(page, live_server, ids["rounds"][1], "Browser round two")
    # The first report's file is the same bytes after the validation and the second report.
    again = page.request.get(pdf_url)
    assert again.body() == first_pdf.body()

    page.goto(f"{live_server}/reports/")
    table = page.locator("#published-reports")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Browser round two")
    expect(table.get_by_role("row").nth(2)).to_contain_text("Browser round one")
    form = page.locator("#compare-form")
    for name, title in (("From", "Browser round one"), ("To", "Browser round two")):
        select = form.get_by_label(name)
        select.select_option(select.locator("option", has_text=title).get_attribute("value"))
    form.get_by_role("button", name="Compare").click()

    card = page.locator(".changed-action-point", has_text="Joint border training")
    expect(card.locator(".compare-status")).to_have_text("In progress → Completed")
    expect(card.locator(".compare-percent")).to_contain_text("30.0 % → 100.0 %")
    expect(card.locator("ins")).to_contain_text("and all later ones too")
