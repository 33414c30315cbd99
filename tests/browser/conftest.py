"""Browser tests: real Chromium (Debian's, through Playwright) against a live server that
commits to its own scratch database."""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import app_on_own_database
from tracker.db import db

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_EMAIL = "browser-admin@example.org"
ADMIN_PASSWORD = "browser-admin-password"


# Chromium may drop a connection while the live server still sends a static file (it navigated
# on): the thread's file is then closed by the garbage collector, which Python reports as an
# unraisable ResourceWarning at a random later point. Only that, only for our static files.
_STATIC_FILE_LEFT_OPEN = (
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/static/"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.no_db_session)
            item.add_marker(pytest.mark.filterwarnings(_STATIC_FILE_LEFT_OPEN))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is required (make test installs it)"
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app():
    with app_on_own_database() as app:
        with app.app_context():
            factories.make_user(role="admin", email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
            db.session.commit()
        yield app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def click_nav(page, *names: str) -> None:
    """Click through the header as a person would: click_nav(page, "Pledges", "Funding and
    gaps") opens the Pledges menu, then follows its link; at phone width, "Menu" opens first."""
    # The header folds into "Menu" below the stylesheet's 992 px breakpoint. Decide by the
    # viewport, not by what is visible now: a page still loading its stylesheet shows "Menu" for
    # a moment at any width, and a click on it then waits for a summary that has vanished.
    header = page.locator("nav.site-nav")  # by its class: its label is in the page's language
    if page.viewport_size["width"] < 992:
        menu = header.locator(".site-menu")
        if not menu.evaluate("menu => menu.open"):
            menu.locator("> summary").click()
    for name in names[:-1]:
        header.locator(".nav-drop > summary").filter(has_text=name).first.click()
    header.get_by_role("link", name=names[-1], exact=True).click()
