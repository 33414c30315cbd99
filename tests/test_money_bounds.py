"""The bounds of money and dates (issue 13, fault 1): the largest amounts accepted, many times
over, add up exactly on every page, report and export that sums them; anything beyond the bound
is refused with the bound in the message and nothing written."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.money import MAX_AMOUNT
from tracker.plan import services as plan_services
from tracker.plan.services import PlanError
from tracker.pledges import services, totals
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry, TargetKind

MAX_EUR = MAX_AMOUNT * 100  # in cents
BOUND = "1,000,000,000,000 EUR"
ON = date(2024, 3, 1)
JPY_RATE = Decimal("0.0062")
JPY_IN_EUR = MAX_AMOUNT * 62 // 100  # a trillion yen at 0.0062, in cents: 6,200,000,000.00 EUR


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def written() -> tuple[int, ...]:
    """How many pledges, entries, rates and audit events there are: nothing refused adds one."""
    return tuple(count(m) for m in (Pledge, PledgeEntry, ExchangeRate, AuditEvent))


def grouped(minor: int) -> str:
    return f"{minor // 100:,}.{minor % 100:02d} EUR" if minor >= 0 else "-" + grouped(-minor)


def plain(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def pledge_at_the_bound(actor: str, target: services.Target, **overrides) -> Pledge:
    """A pledge of the most one amount may be, all of it committed and disbursed."""
    pledge = factories.make_pledge(
        actor=factories.get_actor(actor), target=target, amount_minor=MAX_EUR, **overrides
    )
    for kind in (EntryKind.COMMITTED, EntryKind.DISBURSED):
        services.record_entry(pledge, kind=kind, amount_minor=MAX_EUR, value_date=ON, by="tests")
    return pledge


@pytest.fixture
def full():
    """Five EUR pledges at the bound (one filled up to it by four entries), a trillion yen, and
    two budgets at the bound, on the 2019 plan."""
    plan = factories.get_plan()
    goal_1, goal_2 = plan.goals[0], plan.goals[1]
    ap_1 = factories.make_action_point(plan, goal=goal_1, code="MAX1")
    ap_2 = factories.make_action_point(plan, goal=goal_2, code="MAX2")
    services.set_funding_need(ap_1, amount_minor=MAX_EUR, currency="EUR", by="tests")
    activity = plan_services.create_activity(
        ap_2, title="Largest activity", budget_minor=MAX_EUR, budget_currency="EUR", by="tests"
    )
    Target, Kind = services.Target, TargetKind
    on_ap_1 = Target(Kind.ACTION_POINT, plan, goal_1, ap_1)
    hu_ap = pledge_at_the_bound("HU", on_ap_1)
    hu_plan = pledge_at_the_bound("HU", Target(Kind.PLAN, plan))
    pledge_at_the_bound("AT", Target(Kind.ACTIVITY, plan, goal_2, ap_2, activity))
    pledge_at_the_bound("TR", Target(Kind.GOAL, plan, goal_1))
    filled = factories.make_pledge(
        actor=factories.get_actor("DE"),
        target=Target(Kind.GOAL, plan, goal_2),
        amount_minor=MAX_EUR // 4,
    )
    for _ in range(3):
        services.record_entry(
            filled, kind="pledged", amount_minor=MAX_EUR // 4, value_date=ON, by="t"
        )
    for kind in ("committed", "disbursed"):
        services.record_entry(filled, kind=kind, amount_minor=MAX_EUR, value_date=ON, by="t")
    services.set_rate(
        currency="JPY",
        reporting_currency="EUR",
        rate=JPY_RATE,
        valid_on=date(2024, 1, 1),
        by="tests",
    )
    factories.make_pledge(
        actor=factories.get_actor("TR"), target=on_ap_1, currency="JPY", amount_minor=MAX_AMOUNT
    )
    db.session.commit()
    return {
        "plan": plan,
        "goal": goal_1,
        "ap": ap_1,
        "hu_ap": hu_ap,
        "hu_plan": hu_plan,
        "filled": filled,
    }


# Everything of the plan, in EUR cents.
PLEDGED = 5 * MAX_EUR + JPY_IN_EUR
COMMITTED = DISBURSED = 5 * MAX_EUR
NEED = 2 * MAX_EUR


def test_the_largest_amounts_add_up_exactly_on_every_page_that_sums_them(client, login, full):
    login.as_role("viewer")
    code = full["plan"].code
    hu = factories.get_actor("HU")
    meeting = factories.make_meeting(full["plan"])
    db.session.commit()
    expected = {
        f"/pledges/?plan={code}": [grouped(PLEDGED), grouped(COMMITTED)],
        f"/pledges/matrix?plan={code}&measure=pledged": [grouped(PLEDGED)],
        f"/pledges/matrix?plan={code}": [grouped(COMMITTED)],
        f"/pledges/funding?plan={code}": [grouped(NEED), grouped(NEED - COMMITTED)],
        f"/pledges/goals/{full['goal'].id}": [grouped(2 * MAX_EUR + JPY_IN_EUR)],
        f"/pledges/action-points/{full['ap'].id}": [grouped(MAX_EUR + JPY_IN_EUR)],
        f"/pledges/actors/{hu.id}": [grouped(2 * MAX_EUR)],
        f"/pledges/{full['filled'].id}": [grouped(MAX_EUR)],
        f"/plans/{code}": [],
        f"/plans/action-points/{full['ap'].id}": [],
        f"/meetings/{meeting.id}/brief": [grouped(2 * MAX_EUR), grouped(PLEDGED)],
    }
    for url, texts in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for text in texts:
            assert text in page, f"{url} lacks {text}"


def test_the_largest_amounts_add_up_exactly_in_the_reports_api_and_the_export(
    api, client, login, full
):
    api.as_role("viewer")
    code = full["plan"].code
    matrix = api.get(f"/api/v1/reports/pledge-matrix?plan={code}")
    assert matrix.status_code == 200
    assert matrix.get_json()["total"]["pledged"] == {"amount": plain(PLEDGED), "currency": "EUR"}
    assert matrix.get_json()["total"]["disbursed"]["amount"] == plain(DISBURSED)
    funding = api.get(f"/api/v1/reports/funding?plan={code}")
    assert funding.status_code == 200
    whole = funding.get_json()["plan"]
    assert whole["committed"]["committed"]["amount"] == plain(COMMITTED)
    assert (whole["need"]["amount"], whole["gap"]["amount"]) == (
        plain(NEED),
        plain(NEED - COMMITTED),
    )
    detail = api.get(f"/api/v1/pledges/{full['filled'].id}")
    assert detail.status_code == 200
    assert detail.get_json()["pledged"]["amount"] == plain(MAX_EUR)
    listed = api.get(f"/api/v1/pledges?plan={code}&per_page=500")
    assert listed.status_code == 200 and listed.get_json()["total"] == 6

    login.as_role("viewer")
    export = client.get(f"/pledges/export?plan={code}&format=csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    sums = {kind: Decimal(0) for kind in ("pledged", "committed", "disbursed")}
    for row in rows:
        sums[row["kind"]] += Decimal(row["amount_reporting"])
    assert sums == {
        "pledged": Decimal(plain(PLEDGED)),
        "committed": Decimal(plain(COMMITTED)),
        "disbursed": Decimal(plain(DISBURSED)),
    }
    assert "1000000000000.00" in {row["amount"] for row in rows}


def test_sums_stay_exact_far_beyond_64_bits(client, login, api):
    """Whatever the entries hold (here converted amounts near the top of a BIGINT, as no service
    writes them), the database adds them without overflowing (exact_sum), and every page and
    report that sums them shows the exact total."""
    plan = factories.get_plan()
    pledges = [factories.make_pledge(actor=factories.get_actor(c)) for c in ("HU", "AT", "TR")]
    top = 2**63 - 1
    rows = [
        {
            "pledge_id": p.id,
            "kind": EntryKind.COMMITTED,
            "amount_minor": 1,
            "value_date": ON,
            "agent": "tests",
            "reporting_currency": "EUR",
            "reporting_minor": sign * top,
        }
        for p in pledges
        for sign in (1, 1, 1, -1)
    ]
    db.session.execute(insert(PledgeEntry), rows)
    db.session.commit()
    by_actor = totals.sum_entries(Pledge.actor_id, plan_id=plan.id)
    assert {t.committed for t in by_actor.values()} == {2 * top}
    assert totals.total_of(by_actor).committed == 6 * top
    assert totals.sum_entries(Pledge.actor_id, plan_id=-1) == {}

    login.as_role("viewer")
    for url, text in {
        f"/pledges/?plan={plan.code}": grouped(6 * top),
        f"/pledges/matrix?plan={plan.code}": grouped(6 * top),
        f"/pledges/funding?plan={plan.code}": grouped(6 * top),
        f"/pledges/actors/{pledges[0].actor_id}": grouped(2 * top),
    }.items():
        response = client.get(url)
        assert response.status_code == 200 and text in response.get_data(as_text=True), url
    api.as_role("viewer")
    matrix = api.get(f"/api/v1/reports/pledge-matrix?plan={plan.code}")
    assert matrix.status_code == 200
    assert matrix.get_json()["total"]["committed"]["amount"] == plain(6 * top)
    funding = api.get(f"/api/v1/reports/funding?plan={plan.code}")
    assert funding.status_code == 200
    assert funding.get_json()["plan"]["committed"]["committed"]["amount"] == plain(6 * top)


# Beyond the bound: refused, with the bound in the message, and nothing written --------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1000000000000.01", BOUND),
        ("9999999999999999.99", BOUND),  # the amount of the report: ten of them broke the pages
        ("-1000000000000.01", BOUND),
    ],
)
def test_pledge_beyond_the_bound_is_refused_on_the_page_and_in_the_api(
    client, login, api, amount, message
):
    ap = factories.make_action_point()
    before = written()
    login.as_role("admin")
    page = client.post(
        "/pledges/new",
        data={
            "actor": "HU",
            "target": f"action_point:{ap.id}",
            "currency": "EUR",
            "amount": amount,
            "pledged_on": "2024-01-15",
            "purpose": "Too much",
        },
    )
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    api.as_role("admin")
    after_sign_in = written()
    response = api.post(
        "/api/v1/pledges",
        json={
            "actor": "HU",
            "target": {"kind": "action_point", "id": ap.id},
            "amount": {"amount": amount, "currency": "EUR"},
            "pledged_on": "2024-01-15",
            "purpose": "Too much",
        },
    )
    assert response.status_code == 422
    assert message in response.get_json()["error"]["fields"]["amount"]
    assert written()[:3] == before[:3] and written() == after_sign_in


def test_entries_beyond_a_pledges_bound_are_refused_and_change_nothing(client, login, api):
    pledge = pledge_at_the_bound("HU", None)
    db.session.commit()
    before = written()
    refusal = "more than a pledge may hold: at most " + BOUND
    login.as_role("admin")
    page = client.post(
        f"/pledges/{pledge.id}/entries/new",
        data={"kind": "pledged", "amount": "0.01", "value_date": "2024-03-01"},
    )
    assert page.status_code == 200 and refusal in page.get_data(as_text=True)
    api.as_role("admin")
    after_sign_in = written()
    response = api.post(
        f"/api/v1/pledges/{pledge.id}/entries",
        json={
            "kind": "pledged",
            "amount": {"amount": "1000000000000.00", "currency": "EUR"},
            "value_date": "2024-03-01",
        },
    )
    assert response.status_code == 422
    assert refusal in response.get_json()["error"]["fields"]["amount"]
    assert written() == after_sign_in and written()[:3] == before[:3]
    db.session.refresh(pledge)
    assert (pledge.pledged_minor, pledge.committed_minor) == (MAX_EUR, MAX_EUR)


def test_a_pledge_at_the_bound_may_be_reduced_and_filled_up_again():
    pledge = factories.make_pledge(amount_minor=MAX_EUR)
    for amount, reason in ((-1, "Cut"), (1, None)):
        services.record_entry(
            pledge, kind="pledged", amount_minor=amount, value_date=ON, reason=reason, by="tests"
        )
    assert pledge.pledged_minor == MAX_EUR
    with pytest.raises(services.PledgeError, match="more than a pledge may hold"):
        services.record_entry(pledge, kind="pledged", amount_minor=1, value_date=ON, by="tests")


def test_budgets_beyond_the_bound_are_refused(api):
    ap = factories.make_action_point()
    db.session.commit()
    api.as_role("admin")
    response = api.put(
        f"/api/v1/action-points/{ap.id}/funding-need",
        json={"budget": {"amount": "1000000000000.01", "currency": "EUR"}},
    )
    assert response.status_code == 422
    assert BOUND in response.get_json()["error"]["fields"]["budget"]
    with pytest.raises(services.PledgeError, match=BOUND):
        services.set_funding_need(ap, amount_minor=MAX_EUR + 1, currency="EUR", by="tests")
    with pytest.raises(PlanError, match=BOUND):
        plan_services.create_activity(
            ap, title="Too dear", budget_minor=MAX_EUR + 1, budget_currency="EUR", by="tests"
        )
    db.session.refresh(ap)
    assert ap.budget_minor is None and not ap.activities


def test_a_conversion_beyond_the_bound_refuses_the_rate_or_the_entry(api):
    """A trillion dinars is accepted; a rate that makes it more than a trillion euros is not,
    and neither is a new entry that such a rate would convert beyond it."""
    pledge = factories.make_pledge(currency="KWD", amount_minor=MAX_AMOUNT * 1000)
    db.session.commit()
    api.as_role("admin")
    before = written()
    response = api.post(
        "/api/v1/exchange-rates",
        json={"currency": "KWD", "rate": "3.25", "valid_on": "2024-01-01"},
    )
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["rate"]
    assert f"ledger entry {pledge.entries[0].id} would be 3,250,000,000,000.00 EUR" in message
    assert BOUND in message
    assert written() == before
    # A rate dated after the pledge is fine; an entry it would convert beyond the bound is not.
    services.set_rate(
        currency="KWD",
        reporting_currency="EUR",
        rate=Decimal("3.25"),
        valid_on=date(2024, 6, 1),
        by="tests",
    )
    with pytest.raises(services.PledgeError, match="would be 3,250,000,000,000.00 EUR"):
        services.record_entry(
            pledge,
            kind="committed",
            amount_minor=MAX_AMOUNT * 1000,
            value_date=date(2024, 7, 1),
            by="tests",
        )
    assert pledge.committed_minor == 0


def test_a_rate_import_that_converts_beyond_the_bound_is_refused_whole(client, login):
    factories.make_pledge(currency="KWD", amount_minor=MAX_AMOUNT * 1000)
    db.session.commit()
    login.as_role("admin")
    before = written()
    content = b"currency,rate,valid_on\nUSD,0.9,2024-01-01\nKWD,3.25,2024-01-01\n"
    response = client.post(
        "/pledges/rates/import", data={"file": (io.BytesIO(content), "rates.csv")}
    )
    assert response.status_code == 200
    assert "3,250,000,000,000.00 EUR" in response.get_data(as_text=True)
    assert written()[:3] == before[:3]


def test_reconvert_refuses_a_stored_rate_beyond_the_bound(runner):
    """A rate stored before the bound existed (written here directly) cannot be applied."""
    factories.make_pledge(currency="KWD", amount_minor=MAX_AMOUNT * 1000)
    db.session.add(
        ExchangeRate(
            currency="KWD", reporting_currency="EUR", rate="3.25", valid_on=ON.replace(1990)
        )
    )
    db.session.commit()
    result = runner.invoke(args=["pledges", "reconvert"])
    assert result.exit_code != 0
    assert "3,250,000,000,000.00 EUR" in result.output and "Nothing was converted" in result.output


def test_a_pledge_import_beyond_the_bound_is_refused_by_row_and_column(client, login):
    login.as_role("admin")
    before = written()
    content = (
        b"actor,plan,currency,kind,amount,value_date,target_kind,purpose\n"
        b"HU,BP-CFA-2019,EUR,pledged,1000000000000.00,2024-01-15,plan,At the bound\n"
        b"AT,BP-CFA-2019,EUR,pledged,1000000000000.01,2024-01-15,plan,Beyond\n"
        b"TR,BP-CFA-2019,EUR,pledged,5.00,0001-01-01,plan,Too early\n"
    )
    response = client.post("/pledges/import", data={"file": (io.BytesIO(content), "pledges.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<td>3</td><td>amount</td>" in page and BOUND in page
    assert "<td>4</td><td>value_date</td>" in page and "from 1990-01-01" in page
    assert written()[:3] == before[:3]


# Dates -------------------------------------------------------------------------------------------


def latest() -> date:
    return date(date.today().year + 10, 12, 31)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1989, 12, 31), date(9999, 12, 31), None])
def test_dates_outside_the_window_are_refused_everywhere(api, day):
    day = day or latest() + timedelta(days=1)
    ap = factories.make_action_point()
    pledge = factories.make_pledge()
    db.session.commit()
    api.as_role("admin")
    before = written()
    window = f"from 1990-01-01 to {latest().isoformat()}"
    new = api.post(
        "/api/v1/pledges",
        json={
            "actor": "HU",
            "target": {"kind": "action_point", "id": ap.id},
            "amount": {"amount": "5.00", "currency": "EUR"},
            "pledged_on": day.isoformat(),
            "purpose": "Dated",
        },
    )
    assert new.status_code == 422 and window in new.get_json()["error"]["fields"]["pledged_on"]
    entry = api.post(
        f"/api/v1/pledges/{pledge.id}/entries",
        json={
            "kind": "committed",
            "amount": {"amount": "5.00", "currency": "EUR"},
            "value_date": day.isoformat(),
        },
    )
    assert entry.status_code == 422 and window in entry.get_json()["error"]["fields"]["value_date"]
    rate = api.post(
        "/api/v1/exchange-rates",
        json={"currency": "USD", "rate": "0.9", "valid_on": day.isoformat()},
    )
    assert rate.status_code == 422 and window in rate.get_json()["error"]["fields"]["valid_on"]
    assert written() == before


def test_dates_at_the_edges_of_the_window_are_accepted():
    pledge = factories.make_pledge(pledged_on=date(1990, 1, 1))
    services.record_entry(pledge, kind="committed", amount_minor=1, value_date=latest(), by="t")
    assert pledge.committed_minor == 1


def test_a_date_outside_the_window_is_shown_at_its_field_on_the_page(client, login):
    ap = factories.make_action_point()
    login.as_role("admin")
    before = count(Pledge)
    page = client.post(
        "/pledges/new",
        data={
            "actor": "HU",
            "target": f"action_point:{ap.id}",
            "currency": "EUR",
            "amount": "5.00",
            "pledged_on": "9999-12-31",
            "purpose": "Far ahead",
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "from 1990-01-01" in text and "invalid-feedback" in text
    assert count(Pledge) == before
