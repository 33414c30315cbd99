"""An invited person chooses a password and signs in for the first time; a person who forgot
their password resets it. The links are read from the outbox (no SMTP server here)."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tracker.db import db
from tracker.mail.models import OutgoingMail

LINK = re.compile(r"http://127\.0\.0\.1:5000(/auth/(?:invitation|reset)/bpl_[\w-]+)")
NEW_PASSWORD = "a passphrase of my own choosing"


def mailed_link(live_app, address: str) -> str:
    """The path of the link in the latest message to `address`."""
    with live_app.app_context():
        content = db.session.scalars(
            select(OutgoingMail.content)
            .where(OutgoingMail.recipient == address)
            .order_by(OutgoingMail.id.desc())
        ).first()
    return LINK.search(content.replace("=\n", ""))[1]


def sign_in(page: Page, live_server: str, email: str, password: str) -> None:
    page.goto(f"{live_server}/auth/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_invited_focal_point_sets_a_password_and_signs_in(page: Page, live_app, live_server):
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server}/admin/users/")
    page.get_by_role("link", name="Invite").click()
    page.get_by_label("Email").fill("invited.focal@example.org")
    page.get_by_label("Name").fill("Invited Focal")
    page.get_by_label("Role").select_option("focal_point")
    page.get_by_label("State or organisation").select_option("HU")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation mailed to invited.focal@example.org.")).to_be_visible()
    expect(page.locator("tr", has_text="invited.focal@example.org")).to_contain_text(
        "invited, waiting"
    )
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()

    page.goto(live_server + mailed_link(live_app, "invited.focal@example.org"))
    expect(page.get_by_role("heading", name="Welcome, Invited Focal")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Welcome! Your password is set")).to_be_visible()

    page.get_by_label("Email").fill("invited.focal@example.org")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#account-menu").click()
    page.get_by_role("link", name="My profile").click()
    expect(page.locator("#profile-email")).to_have_text("invited.focal@example.org")
    # The profile's own line (the header names the state too, in its account menu).
    expect(page.get_by_role("main").get_by_text("Hungary (HU)")).to_be_visible()


def test_forgotten_password_is_reset_through_the_mailed_link(page: Page, live_app, live_server):
    with live_app.app_context():
        factories.make_user(role="member", email="forgetful@example.org", password="old-password-1")
        db.session.commit()
    page.goto(f"{live_server}/auth/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("forgetful@example.org")
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.locator("#reset-asked")).to_contain_text("a link to choose a new password")

    page.goto(live_server + mailed_link(live_app, "forgetful@example.org"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your new password is set")).to_be_visible()

    sign_in(page, live_server, "forgetful@example.org", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Where implementation stands")).to_be_visible()
