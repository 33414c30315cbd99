"""Pledges in the JSON API: money as strings, the same rules and permissions as the pages."""

import html
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.api.test_basics import assert_error
from tracker.db import db
from tracker.pledges import services
from tracker.pledges.models import ExchangeRate, Pledge, PledgeEntry


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def body(ap, **overrides) -> dict:
    return {
        "actor": "HU",
        "target": {"kind": "action_point", "id": ap.id},
        "amount": {"amount": "1250000.00", "currency": "EUR"},
        "pledged_on": "2024-01-15",
        "purpose": "Return counselling",
        **overrides,
    }


@pytest.fixture
def ap():
    return factories.make_action_point()


def test_focal_point_pledges_through_the_api(api, ap):
    api.as_role("focal_point")
    response = api.post("/api/v1/pledges", json=body(ap))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["pledged"] == {"amount": "1250000.00", "currency": "EUR"}
    assert data["entries"][0]["converted"] == {"amount": "1250000.00", "currency": "EUR"}
    assert response.headers["Location"].endswith(f"/api/v1/pledges/{data['id']}")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (1250.5, "object"),
        ({"amount": 1250.5, "currency": "EUR"}, "not as a number"),
        ({"amount": "1e309", "currency": "EUR"}, "exponent"),
        ({"amount": "0.001", "currency": "EUR"}, "decimal places"),
        ({"amount": "1.5", "currency": "JPY"}, "no minor unit"),
        ({"amount": "1,23,456", "currency": "EUR"}, "in threes"),
        ({"amount": "1,234", "currency": "KWD"}, "1234 or 1.234"),
        ({"amount": "9" * 40, "currency": "EUR"}, "too large"),
        ({"amount": "10", "currency": "XXX1"}, "Unknown currency"),
        ({"amount": "-5", "currency": "EUR"}, "greater than zero"),
        ({"amount": "0", "currency": "EUR"}, "greater than zero"),
    ],
)
def test_bad_money_is_a_422_and_changes_nothing(api, ap, amount, message):
    api.as_role("admin")
    before = count(Pledge)
    response = api.post("/api/v1/pledges", json=body(ap, amount=amount))
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["error"]["fields"]["amount"]
    assert count(Pledge) == before


@pytest.mark.parametrize("text", ["250,000", "250 000", "250.000,00", "250,000.00"])
def test_the_api_reads_thousands_separators_as_the_pages_do(api, ap, text):
    api.as_role("admin")
    response = api.post(
        "/api/v1/pledges", json=body(ap, amount={"amount": text, "currency": "EUR"})
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["pledged"] == {"amount": "250000.00", "currency": "EUR"}


def test_focal_point_cannot_pledge_for_another_state(api, ap):
    api.as_role("focal_point")
    response = api.post("/api/v1/pledges", json=body(ap, actor="AT"))
    assert response.status_code == 403
    assert count(Pledge) == 0


def test_unknown_target_and_fields_are_422(api, ap):
    api.as_role("admin")
    response = api.post(
        "/api/v1/pledges", json=body(ap, target={"kind": "action_point", "id": 999999}, x=1)
    )
    assert response.status_code == 422
    assert "x" in response.get_json()["error"]["fields"]
    response = api.post(
        "/api/v1/pledges", json=body(ap, target={"kind": "action_point", "id": 999999})
    )
    assert response.status_code == 422
    assert "no action point" in response.get_json()["error"]["fields"]["target"]


def test_ledger_rules_through_the_api(api):
    api.as_role("admin")
    pledge = factories.make_pledge(amount_minor=100_000)
    db.session.commit()
    url = f"/api/v1/pledges/{pledge.id}/entries"

    def entry(kind, amount, **extra):
        payload = {"kind": kind, "amount": {"amount": amount, "currency": "EUR"}}
        return api.post(url, json={"value_date": "2024-03-01", **payload, **extra})

    first = entry("disbursed", "1")
    assert first.status_code == 422
    assert first.get_json()["error"]["fields"]["amount"] == (
        "Record a commitment first: nothing is committed yet."
    )
    assert entry("committed", "600.00").status_code == 201
    refused = entry("disbursed", "600.01")
    assert refused.status_code == 422
    assert "more than the committed total 600.00 EUR" in refused.get_json()["error"]["message"]
    assert entry("pledged", "-5").status_code == 422  # a reduction needs a reason
    assert entry("pledged", "-5", reason="Budget cut").status_code == 201
    wrong_currency = api.post(
        url,
        json={
            "kind": "committed",
            "amount": {"amount": "5", "currency": "USD"},
            "value_date": "2024-03-01",
        },
    )
    assert wrong_currency.status_code == 422
    data = api.get(f"/api/v1/pledges/{pledge.id}").get_json()
    assert (
        data["pledged"]["amount"],
        data["committed"]["amount"],
        data["disbursed"]["amount"],
    ) == (
        "995.00",
        "600.00",
        "0.00",
    )
    assert count(PledgeEntry) == 3


def test_focal_point_of_another_state_cannot_record_entries(api):
    api.as_role("focal_point", actor=factories.get_actor("AT"))
    pledge = factories.make_pledge()
    db.session.commit()
    response = api.post(
        f"/api/v1/pledges/{pledge.id}/entries",
        json={
            "kind": "committed",
            "amount": {"amount": "5.00", "currency": "EUR"},
            "value_date": "2024-03-01",
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize("rate", ["0", "-0.5", 0.9, "1e2"])
def test_bad_rates_are_refused(api, rate):
    api.as_role("admin")
    response = api.post(
        "/api/v1/exchange-rates", json={"currency": "USD", "rate": rate, "valid_on": "2024-01-01"}
    )
    assert response.status_code == 422
    assert "rate" in response.get_json()["error"]["fields"]
    assert count(ExchangeRate) == 0


def test_pledge_in_a_currency_with_no_rate_is_shown_as_missing(api):
    api.as_role("viewer")
    pledge = factories.make_pledge(currency="JPY", amount_minor=1_000_000)
    db.session.commit()
    data = api.get(f"/api/v1/pledges/{pledge.id}").get_json()
    assert data["entries"][0]["rate"] is None and data["entries"][0]["converted"] is None
    assert data["in_reporting_currency"]["complete"] is False
    assert data["in_reporting_currency"]["currencies_without_rate"] == ["JPY"]


def test_matrix_and_funding_report_agree_with_the_pledges(api):
    api.as_role("admin")
    api.post(
        "/api/v1/exchange-rates", json={"currency": "USD", "rate": "0.5", "valid_on": "2020-01-01"}
    )
    ap = factories.make_action_point()
    assert (
        api.put(
            f"/api/v1/action-points/{ap.id}/funding-need",
            json={"budget": {"amount": "1000.00", "currency": "USD"}},
        ).status_code
        == 200
    )
    target = services.Target(services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    pledge = factories.make_pledge(target=target, currency="USD", amount_minor=100_001)
    services.record_entry(
        pledge, kind="committed", amount_minor=40_001, value_date=date(2024, 2, 1), by="t"
    )
    db.session.commit()
    matrix = api.get(f"/api/v1/reports/pledge-matrix?plan={ap.plan.code}").get_json()
    assert matrix["total"]["committed"] == {"amount": "200.00", "currency": "EUR"}  # 200.005 → even
    assert matrix["total"]["pledged"] == {"amount": "500.00", "currency": "EUR"}  # 500.005 → even
    funding = api.get(f"/api/v1/reports/funding?plan={ap.plan.code}").get_json()
    row = next(n for g in funding["goals"] for n in g["action_points"] if n["id"] == ap.id)
    assert row["need"] == {"amount": "500.00", "currency": "EUR"}
    assert row["gap"] == {"amount": "300.00", "currency": "EUR"}
    assert row["coverage_percent"] == "40.0"
    assert Decimal(funding["plan"]["committed"]["committed"]["amount"]) == Decimal("200.00")


def test_matrix_refuses_a_measure_or_date_it_cannot_take_naming_it(api, client, login):
    """One reader of the matrix's query string (pledges.matrix_args): the API names the
    argument in a JSON 400; the page shows the default instead and says why, as every page does
    (query_args.arg), and takes an empty date as no date."""
    plan = factories.make_action_point().plan
    db.session.commit()
    api.as_role("viewer")
    matrix = f"/api/v1/reports/pledge-matrix?plan={plan.code}"
    error = assert_error(api.get(f"{matrix}&measure=promised"), 400)
    assert error["fields"] == {"measure": "measure must be one of pledged, committed, disbursed."}
    assert list(assert_error(api.get(f"{matrix}&to="), 400)["fields"]) == ["to"]
    assert api.get(f"{matrix}&from=2024-01-01&measure=pledged").status_code == 200
    login.as_role("viewer")
    page = f"/pledges/matrix?plan={plan.code}"
    shown = client.get(f"{page}&measure=promised")
    assert shown.status_code == 200
    text = html.unescape(shown.get_data(as_text=True))
    assert "measure must be one of pledged, committed, disbursed. Showing measure committed" in text
    assert '<option value="committed" selected>' in text
    undated = html.unescape(client.get(f"{page}&from=2024-02-30").get_data(as_text=True))
    assert "from must be a date, YYYY-MM-DD. It was left out." in undated
    assert client.get(f"{page}&from=&to=").status_code == 200


def test_pledge_list_filters_by_actor(api):
    api.as_role("viewer")
    factories.make_pledge()
    factories.make_pledge(actor=factories.get_actor("AT"))
    db.session.commit()
    data = api.get("/api/v1/pledges?actor=AT").get_json()
    assert data["total"] == 1 and data["items"][0]["actor"] == "AT"
    assert api.get("/api/v1/pledges?actor=NOPE").status_code == 400


def test_a_pledge_s_words_change_through_the_api_and_a_stale_version_is_a_409(api):
    pledge = factories.make_pledge(purpose="Typo'd purpose")
    db.session.commit()
    api.as_role("focal_point")
    url, read = f"/api/v1/pledges/{pledge.id}", pledge.version
    ok = api.patch(url, json={"version": read, "purpose": "Corrected purpose", "reference": "R-1"})
    assert ok.status_code == 200, ok.get_json()
    assert (ok.get_json()["purpose"], ok.get_json()["reference"]) == ("Corrected purpose", "R-1")
    stale = api.patch(url, json={"version": read, "purpose": "Late"})
    error = assert_error(stale, 409, "conflict")
    assert error["current"]["purpose"] == "Corrected purpose"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"purpose": "No version"}, "version"),
        ({"version": 0, "purpose": ""}, "purpose"),
        ({"version": 0, "purpose": "x" * 501}, "purpose"),
        ({"version": 0, "amount": {"amount": "1.00", "currency": "EUR"}}, "amount"),
    ],
)
def test_a_bad_pledge_patch_is_a_422_and_changes_nothing(api, change, field):
    pledge = factories.make_pledge(purpose="Kept")
    db.session.commit()
    version = pledge.version
    api.as_role("focal_point")
    body = {**change, "version": version} if "version" in change else change
    response = api.patch(f"/api/v1/pledges/{pledge.id}", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert (pledge.purpose, pledge.version, pledge.pledged_minor) == ("Kept", version, 100_000)
