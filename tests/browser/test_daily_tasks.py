"""The daily tasks of issue 14, done as a person would at a laptop (1366 px) and on a phone
(390 px): from the home page (the dashboard), by clicking, typing and choosing files only, within
a number of page loads.

What is counted: the main frame's navigations (Playwright's "framenavigated" on page.main_frame)
after landing on the home page, signed in. Each link followed is one; a form posted and
redirected (POST, redirect, GET) is one, as the browser sees it; a same-page anchor would be one
too, so the figure is an upper bound. Opening a header menu or a <details> is none. The sign-in
page and the home page are the only addresses typed (page.goto).
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, click_nav
from tests.browser.test_progress_workflow import sign_in
from tracker.actors import services as actor_services
from tracker.actors.models import ReferenceGroupMembership
from tracker.db import db
from tracker.meetings.models import Meeting
from tracker.progress.models import ProgressUpdate, Workflow

PASSWORD = "browser-daily-tasks-password"
PLAN = "BP-CFA-2025"  # the 2019 plan's action point count is checked by test_browse_and_edit
WIDTHS = {"laptop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(WIDTHS))
def width(request, page: Page) -> str:
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


class PageLoads:
    """Counts the main frame's navigations from the moment it is made (see the module's
    docstring)."""

    def __init__(self, page: Page):
        self.count = 0
        page.on("framenavigated", lambda frame: self._seen(page, frame))

    def _seen(self, page: Page, frame) -> None:
        if frame == page.main_frame:
            self.count += 1

    def within(self, figure: int) -> int:
        """The count, asserted to be at most `figure` (and not zero: a task loads pages, so
        zero would mean the counting is broken)."""
        assert 0 < self.count <= figure, f"{self.count} page loads, more than {figure}"
        return self.count


def go_home(page: Page, base: str) -> PageLoads:
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Where implementation stands")).to_be_visible()
    return PageLoads(page)


def make_focal_point(live_app, email: str) -> None:
    with live_app.app_context():
        factories.make_user(
            role="focal_point", actor=factories.get_actor("HU"), email=email, password=PASSWORD
        )
        db.session.commit()


def make_action_point(live_app, code: str, title: str) -> int:
    with live_app.app_context():
        ap = factories.make_action_point(
            plan=factories.get_plan(PLAN),
            code=code,
            title=title,
            lead_actor=factories.get_actor("HU"),
        )
        db.session.commit()
        return ap.id


def test_a_focal_point_logs_an_update_with_evidence_and_submits_it(
    page: Page, live_server, live_app, width
):
    code = f"DT1{width[0].upper()}"
    title = f"Train border guards in risk analysis ({width})"
    email = f"daily-update-{width}@example.org"
    make_focal_point(live_app, email)
    ap_id = make_action_point(live_app, code, title)
    sign_in(page, live_server, email, PASSWORD)
    loads = go_home(page, live_server)

    click_nav(page, "Plans")
    page.get_by_role("link", name=re.compile(PLAN)).click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Report progress").click()
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_label("Percent complete").fill("40")
    page.get_by_label("Narrative").fill("Three workshops held in Szeged.")
    page.get_by_label("Evidence files").set_input_files(
        [{"name": "workshops.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}]
    )
    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator("#workflow")).to_contain_text("Submitted")
    expect(page.get_by_role("link", name="workshops.pdf")).to_be_visible()
    loads.within(6)

    with live_app.app_context():
        update = db.session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.action_point_id == ap_id)
        ).one()
        assert update.workflow == Workflow.SUBMITTED
        assert update.percent == 40
        assert [item.file.filename for item in update.evidence_files] == ["workshops.pdf"]
    print(f"update logged at {width}: {loads.count} page loads")


def open_from_my_work(page: Page, ap_code: str) -> None:
    """My work, then the update of that action point in the Secretariat's queue."""
    click_nav(page, "My work")
    queue = page.locator("#to-validate + .table-box table")
    queue.get_by_role("row").filter(has_text=f"{PLAN} {ap_code}").get_by_role("link").click()


def test_the_secretariat_validates_one_update_and_returns_another(
    page: Page, live_server, live_app, width
):
    codes = {"validate": f"DT2V{width[0].upper()}", "return": f"DT2R{width[0].upper()}"}
    with live_app.app_context():
        hungary = factories.get_actor("HU")
        focal = factories.make_user(role="focal_point", actor=hungary, password=PASSWORD)
        ids = {
            task: factories.make_update(
                factories.make_action_point(
                    plan=factories.get_plan(PLAN), code=code, lead_actor=hungary
                ),
                by=focal,
                actor=hungary,
                workflow="submitted",
                percent=30,
            ).id
            for task, code in codes.items()
        }
        db.session.commit()
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)

    loads = go_home(page, live_server)
    open_from_my_work(page, codes["validate"])
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#workflow")).to_contain_text("Validated")
    validated = loads.within(4)

    loads = go_home(page, live_server)
    open_from_my_work(page, codes["return"])
    page.get_by_label("Reason for returning").fill("Please attach the workshop report.")
    page.get_by_role("button", name="Return to reporter").click()
    expect(page.locator("#return-reason")).to_contain_text("Please attach the workshop report.")
    loads.within(4)

    with live_app.app_context():
        assert db.session.get(ProgressUpdate, ids["validate"]).workflow == Workflow.VALIDATED
        returned = db.session.get(ProgressUpdate, ids["return"])
        assert returned.workflow == Workflow.RETURNED
        assert returned.return_reason == "Please attach the workshop report."
    print(f"validated at {width}: {validated} page loads; returned: {loads.count}")


def record_entry(page: Page, kind: str, amount: str) -> None:
    page.get_by_role("link", name="Record an entry").click()
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Value date").fill("2026-06-30")
    page.get_by_role("button", name="Record entry").click()
    expect(page.get_by_role("status")).to_contain_text(f"{kind.capitalize()} entry recorded.")


def test_a_focal_point_records_a_pledge_a_commitment_and_a_disbursement(
    page: Page, live_server, live_app, width
):
    # Sweden, not Hungary: test_pledges checks Hungary's totals across its pledges.
    code = f"DT3{width[0].upper()}"
    title = f"Equip a document examination lab ({width})"
    email = f"daily-pledge-{width}@example.org"
    with live_app.app_context():
        sweden = factories.get_actor("SE")
        factories.make_user(role="focal_point", actor=sweden, email=email, password=PASSWORD)
        factories.make_action_point(plan=factories.get_plan(PLAN), code=code, title=title)
        db.session.commit()
    sign_in(page, live_server, email, PASSWORD)
    loads = go_home(page, live_server)

    click_nav(page, "Pledges", "Pledges")
    page.get_by_role("link", name="New pledge").click()
    page.get_by_label("Search the funds").fill(f"{code}: {title}")
    funds = page.get_by_label("Funds", exact=True)
    expect(funds.locator("option:checked")).to_have_text(f"Action point {code}: {title} ({PLAN})")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Amount pledged").fill("250,000")
    page.get_by_label("Date of the pledge").fill("2026-03-01")
    page.get_by_label("Purpose").fill(title)
    page.get_by_role("button", name="Record pledge").click()
    expect(page.get_by_role("status").filter(has_text="Pledge recorded.")).to_be_visible()
    record_entry(page, "committed", "150,000")
    record_entry(page, "disbursed", "60,000")

    expect(page.locator("#pledged")).to_have_text("250,000.00 EUR")
    expect(page.locator("#committed")).to_have_text("150,000.00 EUR")
    expect(page.locator("#disbursed")).to_have_text("60,000.00 EUR")
    expect(page.locator("#remaining")).to_contain_text("90,000.00 EUR")
    loads.within(8)
    print(f"pledge, commitment and disbursement at {width}: {loads.count} page loads")


def test_the_secretariat_creates_the_next_reference_group_meeting_with_the_group(
    page: Page, live_server, live_app, width
):
    # A series of its own per width: test_meetings counts the numbers of "Reference Group
    # meeting" itself.
    series = f"Reference Group ({width}) meeting"
    with live_app.app_context():
        factories.make_meeting(
            series=f"rg-daily-{width}",
            number=7,
            title=f"{series} 7",
            starts_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=90),
        )
        seated = select(ReferenceGroupMembership.actor_id).where(
            ReferenceGroupMembership.left_on.is_(None)
        )
        for code in ("AT", "HU", "SE", "TR"):  # seats, besides those the shipped data gives
            actor = factories.get_actor(code)
            if actor.id not in set(db.session.scalars(seated)):
                actor_services.seat_in_reference_group(
                    actor, role="member", joined_on=None, by="tests"
                )
        seats = set(db.session.scalars(seated))
        db.session.commit()
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    loads = go_home(page, live_server)

    click_nav(page, "Meetings", "Meetings")
    page.get_by_role("link", name="New meeting").click()
    page.get_by_label("Series", exact=True).select_option(label=series)
    expect(page.get_by_label("Number in the series")).to_have_value("8")
    expect(page.get_by_label("Kind")).to_have_value("reference_group")
    page.get_by_label("Starts", exact=True).fill("2027-03-10T09:00")
    page.get_by_label("Ends", exact=True).fill("2027-03-10T17:00")
    page.get_by_label("Place", exact=True).fill("Budapest")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_role("heading", name=f"{series} 8")).to_be_visible()
    page.get_by_text("Add a whole group").click()
    page.get_by_label("Group", exact=True).select_option("reference-group")
    page.get_by_role("button", name="Add the group").click()
    expect(page.get_by_role("status")).to_contain_text(f"{len(seats)} participant(s) added.")
    loads.within(5)

    with live_app.app_context():
        meeting = db.session.scalars(
            select(Meeting).where(Meeting.series == f"rg-daily-{width}", Meeting.number == 8)
        ).one()
        assert meeting.kind.value == "reference_group"
        assert {p.actor_id for p in meeting.participants} == seats
    print(f"next Reference Group meeting at {width}: {loads.count} page loads")
