"""Every page, as each role sees it, in real Chromium: no serious or critical axe-core finding, no
sideways scrolling at phone width (390 px), nothing blocked by the Content-Security-Policy, and
valid HTML5 (the Nu Html Checker). The header stands on one line at laptop width (1366 px) for
every role. The admin and the focal point walk in Russian (the admin sees every page), the member
and the viewer in English: a Russian page holds no English word of the interface (data aside),
and Russian, some 20 % longer, must fit a phone as English does.

The pages are the GET routes of the URL map (tests/security/routes.py gives their URL values and
lists the routes that answer files, NOT_PAGES), so a new page is walked without being named here.
One walk (one load of each page by each role) feeds all the tests. It runs on SQLite only: what
a page's markup looks like does not depend on the database, and tests/security/test_get_is_safe.py
loads every page on both databases.
"""

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import JSON, Enum, Text, select
from werkzeug.serving import make_server

from tests import factories
from tests.browser import pagechecks
from tests.conftest import app_on_own_database
from tests.security import walk
from tests.security.routes import NOT_PAGES, PASSWORD, World
from tracker.db import db

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="markup does not depend on the database; walked on SQLite only",
)

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
ROLES = ("admin", "member", "focal_point", "viewer")
LANGUAGE_OF = {"admin": "ru", "member": "en", "focal_point": "ru", "viewer": "en"}


@dataclass
class Walk:
    problems: dict[str, list[str]] = field(default_factory=dict)  # "role GET /url" -> problems
    html: dict[str, bytes] = field(default_factory=dict)  # file name -> the page as sent
    visited: dict[str, int] = field(default_factory=dict)  # role -> pages checked
    header_heights: dict[str, float] = field(default_factory=dict)  # role -> px at 1366
    redirected: dict[str, list[str]] = field(default_factory=dict)  # role -> endpoints
    axed: set[bytes] = field(default_factory=set)  # hashes of the contents axe has checked
    english: dict[str, list[str]] = field(default_factory=dict)  # "role GET /url" -> texts
    data: pagechecks.KnownData | None = None  # what the database holds: not the interface

    def add(self, where: str, found: list[str]) -> None:
        if found:
            self.problems.setdefault(where, []).extend(found)


def page_routes() -> list[walk.Route]:
    return [r for r in walk.get_routes() if not r.is_api and r.endpoint not in NOT_PAGES]


@pytest.fixture(scope="module")
def site():
    """The app on a database of its own, holding the security tests' World (a record of each
    kind) and a user of each role; served on a free port."""
    with app_on_own_database() as app:
        with app.app_context():
            world = World().build()
            users = {
                "admin": world.admin,
                "viewer": world.viewer,
                "member": factories.make_user(role="member", actor=world.actor, password=PASSWORD),
                "focal_point": factories.make_user(role="focal_point", password=PASSWORD),
            }
            for role, user in users.items():
                user.language = LANGUAGE_OF[role]
            db.session.commit()
            emails = {role: user.email for role, user in users.items()}
            data = stored_texts()
            urls = [(route, walk.url_of(route, world)) for route in page_routes()]
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", emails, urls, data
        server.shutdown()
        thread.join(timeout=5)


def stored_texts() -> pagechecks.KnownData:
    """The free texts the database holds (titles, names, notes, addresses): data, not the
    interface. Codes and kinds (short columns, enums) are left out: a status stored as "draft"
    must not hide an untranslated "draft" label."""
    values = []
    for table in db.metadata.sorted_tables:
        columns = [
            column
            for column in table.columns
            if isinstance(column.type, JSON)
            or not isinstance(column.type, Enum)
            and (isinstance(column.type, Text) or (getattr(column.type, "length", 0) or 0) >= 60)
        ]
        if columns:
            for row in db.session.execute(select(*columns)):
                values.extend(text for value in row for text in _texts_in(value))
    # A key shown in words where no name was given (a series "reference-group": "Reference group").
    values += [v.replace("-", " ").capitalize() for v in values if re.fullmatch(r"[a-z0-9-]+", v)]
    return pagechecks.KnownData(values)


def _texts_in(value) -> list[str]:
    """The strings of a column's value, those inside JSON (an audit event's changes) too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts_in(item)]
    return []


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/sign-in" not in url)


# The markup of <main> without its text and attribute values (but classes, roles, types and
# the like, which decide how it looks and what it is): what differs from role to role, if anything.
MAIN_MARKUP = """() => (document.querySelector('main') || document.body).innerHTML
    .replace(/>[^<]*</g, '><')
    .replace(/\\s([\\w:-]+)="[^"]*"/g, (all, name) =>
      ['class', 'role', 'type', 'scope', 'colspan', 'tabindex', 'open'].includes(name)
        ? all : ' ' + name)"""


def check_page(page: Page, the_walk: Walk, where: str, name: str, response) -> None:
    the_walk.html[name] = response.body()
    the_walk.add(where, pagechecks.width_problems(page))
    language = page.evaluate("document.documentElement.lang")
    if language != "en":
        texts = page.evaluate(pagechecks.INTERFACE_TEXTS, language)
        if found := pagechecks.english_left(texts, the_walk.data):
            the_walk.english[where] = found
    # axe takes two thirds of the walk's time: a page whose markup another page, or another
    # role, has already had checked is not checked again (each role's header is, on the
    # dashboard).
    content = hashlib.sha256(page.evaluate(MAIN_MARKUP).encode()).digest()
    if content not in the_walk.axed:
        the_walk.axed.add(content)
        the_walk.add(where, pagechecks.axe_problems(page))


def walk_role(browser: Browser, base: str, role: str, email: str, urls, the_walk: Walk) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if pagechecks.csp_problem(m.text) else None,
    )
    sign_in(page, base, email)
    # The header at laptop width: on one line, and checked by axe with its menus laid out.
    page.set_viewport_size(LAPTOP)
    page.goto(f"{base}/")
    the_walk.header_heights[role] = page.locator("header.site-header").bounding_box()["height"]
    the_walk.add(f"{role} GET / at 1366 px", pagechecks.width_problems(page))
    the_walk.add(f"{role} GET / at 1366 px", pagechecks.axe_problems(page))
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/")
    the_walk.add(f"{role} GET / at 390 px", pagechecks.axe_problems(page))  # the folded menu
    for route, url in urls:
        where = f"{role} {route.method} {url} ({route.endpoint})"
        blocked.clear()
        try:
            response = page.goto(base + url)
        except Exception as error:  # a download, say: Playwright refuses to navigate
            the_walk.add(where, [f"not a page ({error}): list it in NOT_PAGES"])
            continue
        status = response.status
        if status == 403 or (status == 404 and role != "admin"):
            continue  # not for this role (a draft of another actor's is not found, say)
        if page.url.rstrip("/") != (base + url).rstrip("/"):
            the_walk.redirected.setdefault(role, []).append(route.endpoint)
            continue  # a redirect, to a page walked in its own right
        if status != 200:
            the_walk.add(where, [f"answered {status}"])
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            the_walk.add(where, ["not HTML: list it in NOT_PAGES"])
            continue
        name = f"{role}-{route.endpoint}.html"
        check_page(page, the_walk, where, name, response)
        the_walk.add(where, [f"blocked by the CSP: {text}" for text in blocked])
        the_walk.visited[role] = the_walk.visited.get(role, 0) + 1
    context.close()


@pytest.fixture(scope="module")
def the_walk(browser: Browser, site) -> Walk:
    base, emails, urls, data = site
    result = Walk(data=data)
    for locale in ("en-GB", "ru-RU"):  # a visitor's browser asks for its language
        context = browser.new_context(viewport=PHONE, locale=locale)
        page = context.new_page()
        response = page.goto(f"{base}/auth/sign-in")
        where = f"anonymous ({locale}) GET /auth/sign-in"
        check_page(page, result, where, f"anonymous-{locale}-sign-in.html", response)
        context.close()
    for role in ROLES:
        walk_role(browser, base, role, emails[role], urls, result)
    return result


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


# Pages that send a signed-in admin elsewhere when opened without what they wait for.
REDIRECT_WITHOUT_STATE = {
    "auth.second_factor": "asks for a code only after a password step; otherwise to sign-in",
    "auth.recovery_codes": "shows new recovery codes once, right after they are made",
    "auth.sign_in": "a signed-in user goes to the dashboard",
}


def test_every_role_walks_every_page(the_walk):
    pages = len(page_routes())
    for role in ROLES:
        # Pages that are not the role's answer 403 and are skipped; a viewer reads about half
        # of them (fewer than half since the admin pages of mail and accounts came).
        assert the_walk.visited.get(role, 0) >= pages // 3, (role, the_walk.visited)
    # The admin sees every page but those that only make sense in a state the walk is not in.
    assert sorted(the_walk.redirected.get("admin", [])) == sorted(REDIRECT_WITHOUT_STATE)
    assert the_walk.visited["admin"] == pages - len(REDIRECT_WITHOUT_STATE), the_walk.visited


def test_no_serious_accessibility_problem_nor_sideways_scrolling(the_walk):
    assert not the_walk.problems, report(the_walk.problems)


def test_russian_pages_hold_no_english_word_of_the_interface(the_walk):
    assert the_walk.visited["admin"] > 0 and LANGUAGE_OF["admin"] == "ru"
    assert not the_walk.english, report(the_walk.english)


def test_header_stands_on_one_line_at_laptop_width(the_walk):
    """On one line in English; Russian, some 20 % longer, may take a second (and must never push
    the page sideways: the walk checks the width at 1366 px too)."""
    for role, height in the_walk.header_heights.items():
        lines = 1 if LANGUAGE_OF[role] == "en" else 2
        assert height < 8 + 50 * lines, f"the {role}'s header is {height} px high at 1366 px"


def test_every_page_is_valid_html(the_walk, tmp_path: Path):
    for name, body in the_walk.html.items():
        (tmp_path / name).write_bytes(body)
    problems = pagechecks.html_problems(sorted(tmp_path.iterdir()))
    assert not problems, report(problems)


BROKEN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Broken</title></head>
<body><main><p id="x" class="grey">Grey on grey</p><p id="x">Twice</p>
<div class="wide">wider than a phone</div></main></body></html>"""
BROKEN_CSS = ".grey { color: #bbb; background: #ccc; } .wide { width: 900px; }"


def test_the_checks_find_what_they_look_for(browser: Browser, tmp_path: Path):
    page = browser.new_page(viewport=PHONE)
    page.set_content(BROKEN)
    page.add_style_tag(content=BROKEN_CSS)
    assert any("color-contrast" in p for p in pagechecks.axe_problems(page))
    assert pagechecks.width_problems(page)
    page.close()
    (tmp_path / "broken.html").write_text(BROKEN)
    found = pagechecks.html_problems([tmp_path / "broken.html"])
    assert any("Duplicate ID" in p for p in found["broken.html"]), found
    assert pagechecks.csp_problem(
        "Refused to apply inline style because it violates the following Content Security Policy"
    )


HALF_TRANSLATED = """<!doctype html><html lang="ru"><head><title>Обещания</title></head><body>
<main><h1>Объявленные взносы</h1><table><tr><td>Train document examiners</td>
<td>250 000,00 EUR</td><td>focal@example.org</td></tr></table>
<p>Пункт P12: Train document examiners</p>
<p>API-токен bpt_2-IhiKl5… для x@example.org</p><button title="Save the draft">Сохранить</button>
<button>Submit</button><form><button lang="en">English</button></form></main></body></html>"""


def test_the_english_check_finds_interface_words_and_leaves_data(browser: Browser):
    page = browser.new_page(viewport=PHONE)
    page.set_content(HALF_TRANSLATED)
    texts = page.evaluate(pagechecks.INTERFACE_TEXTS, "ru")
    page.close()
    data = pagechecks.KnownData(["Train document examiners", "focal@example.org"])
    assert pagechecks.english_left(texts, data) == [
        "English left: 'Save the draft'",
        "English left: 'Submit'",
    ]
