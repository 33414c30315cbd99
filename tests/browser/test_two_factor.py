"""A member turns on two-factor sign-in from the account menu, then signs in with a code."""

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from tests import factories
from tracker.db import db

EMAIL = "browser-2fa@example.org"
PASSWORD = "browser-2fa-password"


def test_member_enrols_then_signs_in_with_a_code(page: Page, live_app, live_server):
    with live_app.app_context():
        factories.make_user(role="member", email=EMAIL, password=PASSWORD)
        db.session.commit()
    page.goto(f"{live_server}/auth/sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.locator("#account-menu").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.locator("svg.qr-code")).to_be_visible()
    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes code")).to_have_count(10)

    page.get_by_role("link", name="I have kept them").click()
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile("/auth/second-factor$"))
    # The next step's code: the one just used to turn it on is never accepted again.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Where implementation stands")).to_be_visible()
