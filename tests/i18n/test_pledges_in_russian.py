"""Pledges in Russian: amounts read as a Russian reader writes them (and as any language with a
Babel locale writes them), refusals said in Russian, and the pledge, ledger, funding and rates
pages without an English word of the interface."""

import re
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests import factories
from tracker.db import db
from tracker.money import (
    MoneyError,
    format_grouped,
    minor_digits,
    parse_amount,
    parse_rate,
    typed_amount,
)
from tracker.plan.models import ActionPoint
from tracker.pledges import services
from tracker.pledges.models import ExchangeRate, Pledge, TargetKind

NBSP = "\u00a0"


def grouped(text: str) -> str:
    """Russian groups thousands with a no-break space, and puts one before the currency sign:
    "250 000,00 €" as the pages write it."""
    return re.sub(r"(?<=\d) (?=[\d€])", NBSP, text)


# Reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("250 000,50", "EUR", 25_000_050),
        (grouped("250 000,50"), "EUR", 25_000_050),
        ("250\u202f000,50", "EUR", 25_000_050),
        ("250000,5", "EUR", 25_000_050),
        ("1 250 000", "EUR", 125_000_000),
        ("12,50", "EUR", 1250),
        ("12.50", "EUR", 1250),  # as programs and this app's files write it
        ("0,5", "EUR", 50),
        ("1,234", "KWD", 1234),  # a decimal comma: not ambiguous in Russian
        ("1 250 000,000", "KWD", 1_250_000_000),
        ("1,250,000", "EUR", 125_000_000),  # a mark written twice separates thousands
        ("250.000,50", "EUR", 25_000_050),
        ("−1 000,5", "EUR", -100_050),
        ("1 000", "JPY", 1000),
    ],
)
def test_russian_amounts_read_as_a_russian_reader_writes_them(text, currency, minor):
    assert parse_amount(text, currency, "ru") == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        # A comma is the decimal mark in Russian: "250,000" EUR has three decimals.
        (
            "250,000",
            "EUR",
            "У валюты EUR 2 знака после запятой, а в «250,000» их 3. "
            + grouped("Целую сумму запишите как 250000 или 250 000."),
        ),
        (
            "250.000",
            "EUR",
            "У валюты EUR 2 знака после запятой, а в «250.000» их 3. "
            + grouped("Целую сумму запишите как 250000 или 250 000."),
        ),
        ("1,5", "JPY", "У валюты JPY нет дробных единиц: укажите целую сумму."),
        (
            "12 5",
            "EUR",
            "В «12 5» тысячи не разделены по три цифры: запишите сумму как 250000,50 или "
            + grouped("250 000,50."),
        ),
        ("abc", "EUR", "«abc» — не сумма: запишите её как 250000,50 или " + grouped("250 000,50.")),
        (
            "1" * 40,
            "EUR",
            grouped("Сумма слишком велика: не более 1 000 000 000 000 EUR (триллион)."),
        ),
        ("", "EUR", "Укажите сумму."),
        ("10", "XX", "Неизвестная валюта «XX»: укажите код валюты, например EUR или USD."),
    ],
)
def test_refused_amounts_say_why_in_russian(app, text, currency, message):
    with app.test_request_context(), force_locale("ru"), pytest.raises(MoneyError) as refused:
        parse_amount(text, currency)
    assert str(refused.value) == message


def test_english_keeps_its_reading_and_its_words(app):
    with app.test_request_context(), force_locale("en"):
        assert parse_amount("250,000", "EUR") == 25_000_000
        with pytest.raises(MoneyError, match="^'abc' is not an amount: write it as 250000.50 or"):
            parse_amount("abc", "EUR")


def test_a_rate_takes_a_decimal_comma_in_russian_only(app):
    with app.test_request_context(), force_locale("ru"):
        assert parse_rate("0,92") == Decimal("0.92")
        assert parse_rate("0.92") == Decimal("0.92")
    with pytest.raises(MoneyError, match="with a dot"):
        parse_rate("0,92", "en")


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "CLF"]),  # 2, 0, 3 and 4 minor digits
    language=st.sampled_from(["en", "ru", "de", "fr"]),
)
def test_an_amount_written_in_a_language_reads_back_in_it(app, minor, currency, language):
    # As the language writes it with every minor digit ("1.250.000,00" in German), as a form
    # offers it to type over, and as a page shows it (the currency sign aside).
    digits = minor_digits(currency)
    value = Decimal(minor).scaleb(-digits)
    written = format_decimal(
        value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=language
    )
    assert parse_amount(written, currency, language) == minor
    with app.test_request_context(), force_locale(language):
        assert parse_amount(typed_amount(minor, currency), currency) == minor
        shown = re.sub(r"[^0-9,.\-\u2212\s]", "", format_grouped(minor, currency)).strip()
        assert parse_amount(shown, currency) == minor


# Pages -----------------------------------------------------------------------------------------


@pytest.fixture
def russian(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    return client


@pytest.fixture
def ap():
    return factories.make_action_point(
        lead_actor=factories.get_actor("HU"), title="Обучение пограничников"
    )


def interface_text(response) -> str:
    """What <main> says, without markup and without the history (audit summaries are data)."""
    html = response.get_data(as_text=True).split("<main", 1)[1].split("</main>")[0]
    html = html.split('id="history"')[0]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))  # no-break spaces kept


ENGLISH = re.compile(
    r"\b(Pledges?|Pledged|Committed|Disbursed|Ledger|Amount|Funds|Record|Exchange|Coverage|Gap|"
    r"Need|Total|Actor|Currency|Rate|Reason|Kind|Value date|Show|Goal|Import|Export|incomplete|"
    r"no rate|no estimate)\b"
)


def english_left(response) -> list[str]:
    return ENGLISH.findall(interface_text(response))


def count_pledges() -> int:
    return db.session.scalar(select(func.count()).select_from(Pledge))


def test_a_pledge_in_russian_refuses_an_english_amount_and_keeps_a_russian_one(russian, login, ap):
    login.as_role("focal_point")
    form = {
        "actor": "HU",
        "target": f"action_point:{ap.id}",
        "currency": "EUR",
        "amount": "250,000",
        "pledged_on": "2024-02-01",
        "purpose": "Обучение",
    }
    before = count_pledges()
    refused = russian.post("/pledges/new", data=form)
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "У валюты EUR 2 знака после запятой, а в «250,000» их 3." in page
    assert grouped("Целую сумму запишите как 250000 или 250 000.") in page
    assert grouped("Например, 250000, 250 000 или 1 250 000,50.") in page
    assert english_left(refused) == []
    assert count_pledges() == before

    saved = russian.post("/pledges/new", data={**form, "amount": "1 250 000,50"})
    assert saved.status_code == 302
    pledge = db.session.scalar(select(Pledge).order_by(Pledge.id.desc()))
    assert (pledge.currency, pledge.pledged_minor) == ("EUR", 125_000_050)
    page = russian.get(saved.headers["Location"])
    text = interface_text(page)
    assert "Взнос записан." in text
    assert grouped("Объявлено 1 250 000,50 €") in text
    assert "Журнал операций" in text and "Дата валютирования" in text
    assert english_left(page) == []


def test_the_ledger_and_funding_pages_speak_russian(russian, login, ap):
    login.as_role("admin")  # the Secretariat sets budgets
    target = services.Target(TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    pledge = factories.make_pledge(target=target, amount_minor=125_000_050)
    db.session.commit()
    entry = f"/pledges/{pledge.id}/entries/new"
    too_much = russian.post(
        entry, data={"kind": "committed", "amount": "2 000 000", "value_date": "2024-03-01"}
    )
    assert too_much.status_code == 200
    # The amounts in the message are written as they would be typed back into the form.
    assert "Итог обязательств составил бы 2000000,00 EUR" in interface_text(too_much)
    assert "не более чем на 1250000,50 EUR" in interface_text(too_much)
    committed = russian.post(
        entry, data={"kind": "committed", "amount": "1 000 000,25", "value_date": "2024-03-01"}
    )
    assert committed.status_code == 302
    ledger = russian.get(committed.headers["Location"])
    assert "Обязательство записано." in interface_text(ledger)
    assert grouped("Принято обязательств 1 000 000,25 €") in interface_text(ledger)
    assert english_left(ledger) == []

    budget = russian.post(
        f"/pledges/action-points/{ap.id}/need", data={"currency": "EUR", "amount": "2 500 000"}
    )
    assert budget.status_code == 302
    assert db.session.get(ActionPoint, ap.id).budget_minor == 250_000_000
    funding = russian.get(f"/pledges/funding?plan={ap.plan.code}")
    text = interface_text(funding)
    assert "Потребности и дефицит финансирования" in text
    assert grouped("2 500 000,00 €") in text and f"40,0{NBSP}%" in text  # committed ÷ need
    assert english_left(funding) == []
    matrix = russian.get(f"/pledges/matrix?plan={ap.plan.code}&measure=disbursed")
    assert "Выплаченные суммы в EUR" in interface_text(matrix)
    assert english_left(matrix) == []


def test_a_rate_typed_the_russian_way_is_saved_exactly(russian, login):
    login.as_role("admin")
    response = russian.post(
        "/pledges/rates", data={"currency": "USD", "rate": "0,92", "valid_on": "2024-01-01"}
    )
    assert response.status_code == 302
    rate = db.session.scalar(select(ExchangeRate).where(ExchangeRate.currency == "USD"))
    assert rate.rate == "0.92"
    page = russian.get("/pledges/rates")
    assert "Курс USD сохранён." in interface_text(page)
    assert "0,92" in interface_text(page)
    assert english_left(page) == []
