"""A focal point pledges to an action point and records its ledger; totals follow on the pledge
and by-actor pages, stay "incomplete" while a currency has no rate, and the ledger refuses what
its rules forbid."""

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, click_nav
from tests.browser.test_progress_workflow import FOCAL_PASSWORD, sign_in, sign_out
from tracker.db import db
from tracker.pledges import services as pledge_services

PLAN = "BP-CFA-2025"  # the 2019 plan's action point count is checked by test_browse_and_edit


def make_focal_point(live_app, actor_code: str) -> str:
    with live_app.app_context():
        email = f"focal-pledges-{actor_code.lower()}@example.org"
        actor = factories.get_actor(actor_code)
        factories.make_user(role="focal_point", actor=actor, email=email, password=FOCAL_PASSWORD)
        db.session.commit()
        return email


def make_action_point(live_app, code: str, title: str) -> None:
    with live_app.app_context():
        factories.make_action_point(plan=factories.get_plan(PLAN), code=code, title=title)
        db.session.commit()


def new_pledge(page: Page, ap_code: str, title: str, currency: str, amount: str) -> None:
    click_nav(page, "Pledges", "Pledges")
    page.get_by_role("link", name="New pledge").click()
    # The search box narrows the hundred-odd funds to the one named, and selects it.
    page.get_by_label("Search the funds").fill(f"{ap_code}: {title}")
    label = f"Action point {ap_code}: {title} ({PLAN})"
    expect(page.get_by_label("Funds", exact=True)).to_have_value(
        page.get_by_label("Funds", exact=True)
        .locator("option", has_text=label)
        .get_attribute("value")
    )
    page.get_by_label("Currency").fill(currency)
    page.get_by_label("Amount pledged").fill(amount)
    page.get_by_label("Date of the pledge").fill("2025-03-01")
    page.get_by_label("Purpose").fill(title)
    page.get_by_role("button", name="Record pledge").click()
    expect(page.get_by_role("status").filter(has_text="Pledge recorded.")).to_be_visible()


def record_entry(page: Page, kind: str, amount: str, reason: str = "") -> None:
    page.get_by_role("link", name="Record an entry").click()
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Value date").fill("2025-06-30")
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Record entry").click()


def show_pledges_by_actor(page: Page) -> None:
    click_nav(page, "Pledges", "Pledges")
    page.get_by_label("Plan").select_option(PLAN)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=f"Pledges to {PLAN}")).to_be_visible()


def test_focal_point_pledges_commits_disburses_and_sees_the_totals(
    page: Page, live_server, live_app
):
    make_action_point(live_app, "P1", "Train document examiners")
    sign_in(page, live_server, make_focal_point(live_app, "HU"), FOCAL_PASSWORD)

    new_pledge(page, "P1", "Train document examiners", "EUR", "250,000")
    expect(page.locator("#pledged")).to_have_text("250,000.00 EUR")
    expect(page.locator("#ledger thead")).not_to_contain_text("Rate")  # EUR per EUR: nothing
    record_entry(page, "disbursed", "100")
    expect(page.get_by_label("Amount")).to_have_accessible_error_message(
        "Record a commitment first: nothing is committed yet."
    )
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Pledge #").click()
    record_entry(page, "committed", "150 000")
    expect(page.get_by_role("status")).to_contain_text("Committed entry recorded.")
    record_entry(page, "disbursed", "60000.50")
    expect(page.get_by_role("status")).to_contain_text("Disbursed entry recorded.")
    expect(page.locator("#committed")).to_have_text("150,000.00 EUR")
    expect(page.locator("#disbursed")).to_have_text("60,000.50 EUR")
    expect(page.locator("#remaining")).to_contain_text("89,999.50 EUR")
    expect(page.locator("#ledger tbody tr")).to_have_count(3)

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="HU").click()
    expect(page.get_by_role("heading", name="Pledges by Hungary (HU)")).to_be_visible()
    expect(page.locator("#total-pledged")).to_have_text("250,000.00 EUR")
    expect(page.locator("#total-committed")).to_have_text("150,000.00 EUR")
    expect(page.locator("#total-disbursed")).to_have_text("60,000.50 EUR")

    show_pledges_by_actor(page)
    hungary = page.get_by_role("row", name="Hungary (HU)")
    expect(hungary.get_by_role("cell")).to_have_text(
        ["Hungary (HU)", "250,000.00 EUR", "150,000.00 EUR", "60,000.50 EUR"]
    )


def test_a_pledge_without_an_exchange_rate_is_incomplete_until_the_admin_adds_one(
    page: Page, live_server, live_app
):
    make_action_point(live_app, "P2", "Fund reintegration counselling")
    sign_in(page, live_server, make_focal_point(live_app, "CH"), FOCAL_PASSWORD)
    new_pledge(page, "P2", "Fund reintegration counselling", "CHF", "200000.00")
    pledge_url = page.url
    expect(page.locator("#ledger tbody tr")).to_contain_text("no rate")
    expect(page.locator("#missing-rates")).to_contain_text("Incomplete totals")
    show_pledges_by_actor(page)
    switzerland = page.get_by_role("row", name="Switzerland (CH)")
    expect(switzerland.get_by_role("cell").nth(1)).to_have_text("0.00 EUR incomplete")
    sign_out(page)

    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    click_nav(page, "Pledges", "Pledges")
    page.get_by_role("link", name="Exchange rates").click()
    page.get_by_label("Currency").fill("CHF")
    page.get_by_label("Rate", exact=True).fill("1.05")
    page.get_by_label("Valid from").fill("2025-01-01")
    page.get_by_label("Source").fill("ECB reference rate")
    page.get_by_role("button", name="Save rate").click()
    expect(page.get_by_role("status")).to_contain_text("Rate for CHF saved.")

    show_pledges_by_actor(page)
    switzerland = page.get_by_role("row", name="Switzerland (CH)")
    expect(switzerland.get_by_role("cell")).to_have_text(
        ["Switzerland (CH)", "210,000.00 EUR", "0.00 EUR", "0.00 EUR"]
    )
    expect(page.locator("#missing-rates")).to_have_count(0)
    page.goto(pledge_url)
    expect(page.locator("#ledger tbody tr")).to_contain_text("210,000.00 EUR")
    expect(page.locator("#missing-rates")).to_have_count(0)


def test_the_ledger_refuses_a_reduction_without_a_reason_and_changes_nothing(
    page: Page, live_server, live_app
):
    email = make_focal_point(live_app, "AT")
    with live_app.app_context():
        ap = factories.make_action_point(plan=factories.get_plan(PLAN), code="P3")
        target = pledge_services.Target(
            pledge_services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap
        )
        pledge = factories.make_pledge(actor=factories.get_actor("AT"), target=target)
        db.session.commit()
        pledge_id = pledge.id
    sign_in(page, live_server, email, FOCAL_PASSWORD)
    page.goto(f"{live_server}/pledges/{pledge_id}")
    expect(page.locator("#ledger tbody tr")).to_have_count(1)

    record_entry(page, "pledged", "-400.00")
    expect(page.get_by_label("Reason")).to_have_accessible_error_message(
        "A reduction or cancellation needs a reason."
    )
    page.get_by_label("Kind").select_option("disbursed")
    page.get_by_label("Amount").fill("500.00")
    page.get_by_role("button", name="Record entry").click()
    expect(page.get_by_label("Amount")).to_have_accessible_error_message(
        "Record a commitment first: nothing is committed yet."
    )

    page.get_by_role("link", name=f"Pledge #{pledge_id}").click()
    expect(page.locator("#ledger tbody tr")).to_have_count(1)
    expect(page.locator("#pledged")).to_have_text("1,000.00 EUR")
    expect(page.locator("#disbursed")).to_have_text("0.00 EUR")
