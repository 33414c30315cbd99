"""A Reference Group meeting is created, minuted and decided; the owner marks a follow-up done;
the next meeting of the series carries the one left open."""

import re

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser.test_progress_workflow import sign_in, sign_out
from tracker.db import db

FOCAL_EMAIL = "focal-meetings@example.org"
FOCAL_PASSWORD = "browser-focal-password"


def create_meeting(page: Page, base: str, title: str, number: str, day: str) -> None:
    page.goto(f"{base}/meetings/new")
    page.get_by_label("Kind").select_option("reference_group")
    series = page.get_by_label("Series", exact=True)
    # Exactly this series: other tests' series' names may contain "Reference Group" too.
    if series.locator("option", has_text=re.compile(r"^Reference Group meeting$")).count():
        series.select_option(label="Reference Group meeting")
        # The page's script fills in the series' next number and hides the new series' name.
        expect(page.get_by_label("Number in the series")).to_have_value(number)
        expect(page.get_by_label("Name of the new series")).to_be_hidden()
    else:
        series.select_option("new")
        page.get_by_label("Name of the new series").fill("Reference Group meeting")
        page.get_by_label("Number in the series").fill(number)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Starts", exact=True).fill(f"{day}T09:00")
    page.get_by_label("Ends", exact=True).fill(f"{day}T17:00")
    page.get_by_label("Place", exact=True).fill("Istanbul")
    page.get_by_label("Virtual meeting").check()  # a checkbox one can tick, not an empty bar
    expect(page.get_by_label("Virtual meeting")).to_be_checked()
    page.get_by_label("Host").select_option("TR")
    # The host state's zone is proposed; Budapest was the default.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Istanbul")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def add_follow_up(page: Page, text: str) -> None:
    page.get_by_text("Add a follow-up action").click()
    page.locator("#follow-up-text").fill(text)
    page.get_by_label("Owner").select_option("HU")
    page.get_by_label("Due on").fill("2000-01-31")
    page.get_by_role("button", name="Add follow-up").click()
    expect(page.get_by_role("status")).to_contain_text("Follow-up action added.")


def test_a_reference_group_meeting_is_followed_to_done_across_the_next_meeting(
    page: Page, live_server, live_app
):
    with live_app.app_context():
        factories.make_user(
            role="focal_point",
            actor=factories.get_actor("HU"),
            email=FOCAL_EMAIL,
            password=FOCAL_PASSWORD,
        )
        db.session.commit()

    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    create_meeting(page, live_server, "12th Reference Group meeting", "12", "2020-03-10")
    meeting_url = page.url
    expect(page.get_by_text("10 Mar 2020 09:00 (Europe/Istanbul)")).to_be_visible()

    page.get_by_text("Record minutes (a new version)").click()
    page.locator("#minutes-text").fill("We **agreed** on <script>alert(1)</script> training.")
    page.get_by_role("button", name="Save minutes").click()
    expect(page.locator(".minutes strong")).to_have_text("agreed")
    expect(page.locator(".minutes")).to_contain_text("<script>alert(1)</script>")

    page.get_by_text("Record a decision").click()
    page.locator("#decision-text").fill("Hungary shares its curriculum.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#decisions + ol")).to_contain_text("Hungary shares its curriculum.")

    add_follow_up(page, "Share the curriculum")
    add_follow_up(page, "Translate the handbook")
    expect(page.locator("#follow-ups + .table-box table")).to_contain_text("overdue")
    sign_out(page)

    sign_in(page, live_server, FOCAL_EMAIL, FOCAL_PASSWORD)
    page.goto(meeting_url)
    row = page.get_by_role("row").filter(has_text="Share the curriculum")
    row.get_by_role("link", name="Update status").click()
    page.get_by_label("Status", exact=True).select_option("done")
    page.get_by_label("Note").fill("Sent to all members on 2 April.")
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_contain_text("Follow-up is now done.")
    expect(page.get_by_role("row").filter(has_text="Share the curriculum")).to_contain_text("Done")
    sign_out(page)

    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    create_meeting(page, live_server, "13th Reference Group meeting", "13", "2020-09-10")
    agenda = page.locator("#agenda + ol")
    expect(agenda).to_contain_text("Follow-up: Translate the handbook")
    expect(agenda).not_to_contain_text("Share the curriculum")
    page.get_by_text("Add a whole group").click()
    page.get_by_label("Group").select_option("reference-group")
    page.get_by_role("button", name="Add the group").click()
    expect(page.get_by_role("status")).to_contain_text("participant(s) added.")
    expect(page.locator("#participants + ul li")).not_to_have_count(0)
    expect(page.locator("#participants + ul")).to_contain_text("Invited")
    page.get_by_role("link", name="Pre-meeting brief").click()
    expect(page.get_by_role("heading", name="Pre-meeting brief: 13th")).to_be_visible()
    expect(page.locator(".brief")).to_contain_text("Translate the handbook")
    expect(page.locator(".brief")).to_contain_text("12th Reference Group meeting")
