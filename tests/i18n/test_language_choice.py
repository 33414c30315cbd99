"""Which language a page speaks: the account's choice, the visitor's switch, the browser's
Accept-Language; and the switch itself, which refuses what it does not know."""

import re
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from tracker.auth.models import User
from tracker.db import db
from tracker.i18n import COOKIE_NAME, format_percent, languages
from tracker.money import MAX_AMOUNT, format_compact, format_grouped
from tracker.web import format_date, format_datetime


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_russian_is_offered_beside_english():
    assert languages()[0] == "en"
    assert "ru" in languages()


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, "en"), ("ru-RU,ru;q=0.9,en;q=0.5", "ru"), ("de-DE,de", "en"), ("en-GB,ru;q=0.8", "en")],
)
def test_a_visitor_gets_the_browser_language_when_there_is_a_catalogue(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/auth/sign-in", headers=headers)
    assert html_lang(response) == expected


def test_the_switch_remembers_a_visitor_choice_over_the_browser_language(client):
    response = client.post("/language", data={"language": "ru", "next": "/auth/sign-in"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/sign-in"
    cookie = response.headers["Set-Cookie"]
    assert f"{COOKIE_NAME}=ru" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/auth/sign-in", headers={"Accept-Language": "en"})
    assert html_lang(page) == "ru"
    # In Russian, the switch offers English, named in English.
    assert re.search(r'value="en" lang="en">English</button>', page.get_data(as_text=True))


def test_a_signed_in_user_choice_is_kept_on_the_account(client, login):
    user = login.as_role("member")
    client.post("/language", data={"language": "ru", "next": "/auth/profile"})
    assert db.session.get(User, user.id).language == "ru"
    client.delete_cookie(COOKIE_NAME)  # another browser: the account still says Russian
    assert html_lang(client.get("/auth/profile", headers={"Accept-Language": "en"})) == "ru"
    client.post("/language", data={"language": "en"})
    assert db.session.get(User, user.id).language == "en"
    assert html_lang(client.get("/auth/profile", headers={"Accept-Language": "ru"})) == "en"


@pytest.mark.parametrize("code", ["", "xx", "ru'><script>", "EN", "r" * 300])
def test_an_unknown_language_is_refused_and_changes_nothing(client, login, code):
    user = login.as_role("member")
    response = client.post("/language", data={"language": code, "next": "/auth/profile"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/profile"
    assert COOKIE_NAME not in response.headers.get("Set-Cookie", "")
    assert db.session.get(User, user.id).language is None
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "Choose one of the languages offered." in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\t/evil.example"])
def test_the_switch_never_sends_a_person_to_another_site(client, target):
    response = client.post("/language", data={"language": "ru", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_profile_offers_each_language_by_its_own_name(client, login):
    login.as_role("member")
    text = client.get("/auth/profile").get_data(as_text=True)
    assert re.search(r'lang="ru">Русский<', text)
    assert re.search(r'lang="en">English<', text)


def test_dates_amounts_and_percentages_follow_the_language(app):
    moment = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("en"):
            assert format_date(date(2026, 12, 5)) == "05 Dec 2026"
            assert format_datetime(moment) == "10 Mar 2026 09:00 UTC"
            assert format_grouped(125_000_000, "EUR") == "1,250,000.00 EUR"
            assert format_compact(125_000_000, "EUR") == "1.25 M"
            assert format_percent(24.5, 1) == "24.5\N{NO-BREAK SPACE}%"
        with force_locale("ru"):
            nbsp, narrow = "\N{NO-BREAK SPACE}", "\N{NARROW NO-BREAK SPACE}"
            assert format_date(date(2026, 12, 5)) == f"5 дек. 2026{narrow}г."
            assert format_datetime(moment) == f"10 мар. 2026{narrow}г. 09:00 UTC"
            assert format_grouped(125_000_000, "EUR") == f"1{nbsp}250{nbsp}000,00{nbsp}€"
            assert format_grouped(-123_456, "KWD") == f"-123,456{nbsp}KWD"
            assert format_compact(125_000_000, "EUR") == f"1,25{nbsp}млн"
            assert format_percent(24.5, 1) == f"24,5{nbsp}%"


def test_the_largest_amount_is_written_exactly_in_every_language(app):
    largest = 10 * MAX_AMOUNT * 100 - 1  # sums of the largest amounts: never through a float
    with app.test_request_context():
        for code in languages():
            with force_locale(code):
                digits = re.sub(r"\D", "", format_grouped(largest, "EUR"))
                assert digits == str(largest), code


def test_a_user_without_a_choice_follows_the_browser(client, login):
    login.as_role("viewer")
    assert html_lang(client.get("/auth/profile", headers={"Accept-Language": "ru"})) == "ru"


def test_lazy_strings_are_escaped_like_any_other_text(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context():
        html = render_template_string("{{ label }}", label=lazy_gettext("<b>Bold's</b>"))
    assert html == "&lt;b&gt;Bold&#39;s&lt;/b&gt;"
