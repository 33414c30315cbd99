import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/plans/")
    expect(page).to_have_url(re.compile(r"/auth/sign-in"))
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Action plans")).to_be_visible()


def test_admin_browses_plan_goal_and_action_point_then_edits_it(page: Page, live_server):
    sign_in(page, live_server)
    page.get_by_role("link", name=re.compile("Call for Action 2019")).click()
    expect(page.locator("#defined-count")).to_contain_text("0 of 41 action points defined")

    page.get_by_role("link", name="New action point").first.click()
    page.get_by_label("Priority goal").select_option(label="Goal 2: Legal migration & mobility")
    page.get_by_label("Code", exact=True).fill("17")
    page.get_by_label("Title").fill("Strengthen labour migration pathways")
    page.get_by_label("Lead actor").select_option("HU")
    page.get_by_role("button", name="Create action point").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action point 17")

    page.get_by_role("link", name="BP-CFA-2019").click()
    expect(page.locator("#defined-count")).to_contain_text("1 of 41 action points defined")
    page.get_by_role("link", name=re.compile("Priority goal 2")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priority goal 2")
    page.get_by_role("link", name="Strengthen labour migration pathways").click()

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Title").fill("Strengthen legal labour migration pathways")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status"))).to_contain_text(
        "Action point 17 saved."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Strengthen legal labour migration pathways"
    )
    latest = page.locator("#history + ol > li").first
    expect(latest).to_contain_text("Edited title")
    expect(latest.locator("del")).to_have_text("Strengthen labour migration pathways")
    expect(latest.locator("ins")).to_have_text("Strengthen legal labour migration pathways")


def test_phone_width_page_has_no_horizontal_scroll(page: Page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server)
    page.goto(f"{live_server}/plans/BP-CFA-2019")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375
