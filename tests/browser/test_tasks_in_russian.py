"""Issue 17's test of done, in real Chromium at a laptop and on a phone: a Russian-speaking focal
point signs in, switches to Russian in the header, and reports progress with evidence and
records a pledge and its commitment, without meeting an English word of the interface on any page
on the way (data aside). Labels and buttons are found by their Russian names, as the app's own
catalogue gives them (`ru("Save and submit")`), so an untranslated label fails here too."""

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import factories
from tests.browser import pagechecks
from tests.browser.conftest import click_nav
from tests.browser.test_every_page import stored_texts
from tracker.db import db
from tracker.pledges.models import Pledge
from tracker.progress.models import ProgressUpdate, Workflow

PASSWORD = "browser-russian-tasks-password"
PLAN = "BP-CFA-2025"
WIDTHS = {"laptop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def ru(live_app):
    """The app's own Russian for an English string of the interface."""

    def translate(text: str) -> str:
        with live_app.test_request_context(), force_locale("ru"):
            return gettext(text)

    return translate


@pytest.fixture(params=list(WIDTHS))
def width(request, page: Page) -> str:
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


class EnglishWatch:
    """Every page the main frame shows, checked for English words of the interface once it has
    loaded (stored texts of the database aside)."""

    def __init__(self, page: Page, live_app):
        self.page, self.live_app, self.found = page, live_app, {}

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        with self.live_app.app_context():
            data = stored_texts()
        texts = self.page.evaluate(pagechecks.INTERFACE_TEXTS, "ru")
        if left := pagechecks.english_left(texts, data):
            self.found[self.page.url] = left

    def assert_none(self) -> None:
        assert not self.found, "\n".join(f"{url}: {texts}" for url, texts in self.found.items())


def sign_in_and_switch(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/sign-in" not in url)
    if page.viewport_size["width"] >= 992:  # from 992 px up the switch is in the account menu
        page.locator("#account-menu").click()
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")


@pytest.fixture
def focal_point(live_app, width, request):
    email = f"{request.node.originalname}-{width}@example.org"
    with live_app.app_context():
        # Poland: the other browser tests count Hungary's and Switzerland's pledges.
        poland = factories.get_actor("PL")
        factories.make_user(role="focal_point", actor=poland, email=email, password=PASSWORD)
        task = "отчёт" if "reports" in request.node.originalname else "взнос"
        ap = factories.make_action_point(
            plan=factories.get_plan(PLAN),
            code=f"RU{len(request.node.originalname)}{width[0].upper()}",
            title=f"Обучить пограничников анализу рисков ({task}, {width})",
            lead_actor=poland,
        )
        db.session.commit()
        return email, ap.id, ap.code, ap.title


def test_a_focal_point_reports_progress_in_russian(
    page: Page, live_server, live_app, focal_point, ru
):
    email, ap_id, _, title = focal_point
    sign_in_and_switch(page, live_server, email)
    watch = EnglishWatch(page, live_app)
    watch.check()

    click_nav(page, ru("Plans"))
    watch.check()
    page.get_by_role("link", name=re.compile(PLAN)).click()
    watch.check()
    page.get_by_role("link", name=title).click()
    watch.check()
    page.get_by_role("link", name=ru("Report progress")).click()
    watch.check()
    page.get_by_label(ru("Status")).select_option("in_progress")
    page.get_by_label(ru("Percent complete")).fill("40")
    page.get_by_label(ru("Narrative")).fill("Проведены три семинара в Сегеде.")
    page.get_by_label(ru("Evidence files (optional)")).set_input_files(
        [{"name": "семинары.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}]
    )
    page.get_by_role("button", name=ru("Save and submit")).click()
    expect(page.locator("#workflow")).to_contain_text(ru("Submitted"))
    watch.check()
    watch.assert_none()

    with live_app.app_context():
        update = db.session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.action_point_id == ap_id)
        ).one()
        assert (update.workflow, update.percent) == (Workflow.SUBMITTED, 40)


def test_a_focal_point_pledges_and_commits_in_russian(
    page: Page, live_server, live_app, focal_point, ru
):
    email, ap_id, _, title = focal_point
    sign_in_and_switch(page, live_server, email)
    watch = EnglishWatch(page, live_app)

    click_nav(page, ru("Pledges"), ru("Pledges"))
    watch.check()
    page.get_by_role("link", name=ru("New pledge")).click()
    watch.check()
    page.get_by_label(ru("Search the funds")).fill(title)
    funds = page.get_by_label(ru("Funds"), exact=True)
    expect(funds.locator("option:checked")).to_contain_text(title)
    page.get_by_label(ru("Currency")).fill("EUR")
    page.get_by_label(ru("Amount pledged")).fill("250 000,50")  # as Russian writes it
    page.get_by_label(ru("Date of the pledge")).fill("2025-03-01")
    page.get_by_label(ru("Purpose")).fill("Семинары по анализу рисков")
    page.get_by_role("button", name=ru("Record pledge")).click()
    expect(page.get_by_role("status").filter(has_text=ru("Pledge recorded."))).to_be_visible()
    watch.check()

    page.get_by_role("link", name=ru("Record an entry")).click()
    watch.check()
    page.get_by_label(ru("Kind")).select_option("committed")
    page.get_by_label(ru("Amount")).fill("100 000")
    page.get_by_label(ru("Value date")).fill("2025-06-30")
    page.get_by_role("button", name=ru("Record entry")).click()
    expect(page.locator("#ledger")).to_contain_text("100 000,00")
    watch.check()
    watch.assert_none()

    with live_app.app_context():
        pledge = db.session.scalars(select(Pledge).where(Pledge.action_point_id == ap_id)).one()
        assert (pledge.pledged_minor, pledge.committed_minor) == (25_000_050, 10_000_000)
