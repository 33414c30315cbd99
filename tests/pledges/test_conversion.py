"""Each ledger entry's stored amount in the reporting currency, and how rate changes reach it."""

import threading
import time
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from tests import factories
from tests.conftest import build_schema
from tracker import MIGRATIONS_DIR
from tracker.db import db
from tracker.pledges import conversion, services, totals, transfer
from tracker.pledges.models import Pledge, PledgeEntry


def set_rate(currency, rate, on, reporting="EUR"):
    return services.set_rate(
        currency=currency, reporting_currency=reporting, rate=Decimal(rate), valid_on=on, by="t"
    )


def stored() -> dict[int, tuple]:
    """{entry id: (reporting currency, amount, rate, rate date)} as the database holds them."""
    return {
        row.id: (row.reporting_currency, row.reporting_minor, row.rate, row.rate_on)
        for row in db.session.execute(
            select(
                PledgeEntry.id,
                PledgeEntry.reporting_currency,
                PledgeEntry.reporting_minor,
                PledgeEntry.rate,
                PledgeEntry.rate_on,
            )
        )
    }


def entry(pledge, kind, amount_minor, on):
    return services.record_entry(
        pledge, kind=kind, amount_minor=amount_minor, value_date=on, by="t"
    ).id


def test_an_entry_without_a_rate_is_converted_when_its_rate_is_added():
    plan = factories.get_plan()
    target = services.Target(services.TargetKind.PLAN, plan)
    usd = factories.make_pledge(
        target=target, currency="USD", amount_minor=100_003, pledged_on=date(2024, 2, 15)
    )
    jpy = factories.make_pledge(
        target=target, currency="JPY", amount_minor=1_000, pledged_on=date(2024, 2, 15)
    )
    db.session.flush()
    [usd_entry], [jpy_entry] = [e.id for e in usd.entries], [e.id for e in jpy.entries]
    assert stored()[usd_entry] == ("EUR", None, None, None)
    before = totals.funding_matrix(plan).grand
    assert (before.missing, before.missing_currencies) == (2, {"USD", "JPY"})

    set_rate("USD", "0.5", date(2024, 1, 1))

    # 1000.03 × 0.5 = 500.015, half-even to the cent: 500.02.
    assert stored()[usd_entry] == ("EUR", 50_002, "0.5", date(2024, 1, 1))
    assert stored()[jpy_entry] == ("EUR", None, None, None)
    after = totals.funding_matrix(plan).grand
    assert (after.pledged, after.missing, after.missing_currencies) == (50_002, 1, {"JPY"})


def test_replacing_or_adding_a_rate_changes_exactly_the_entries_it_governs():
    set_rate("USD", "0.9", date(2024, 1, 1))
    set_rate("USD", "0.8", date(2024, 3, 1))
    set_rate("USD", "0.7", date(2024, 5, 1))
    set_rate("GBP", "1.1", date(2024, 1, 1))
    usd = factories.make_pledge(currency="USD", amount_minor=100_000, pledged_on=date(2024, 2, 15))
    gbp = factories.make_pledge(currency="GBP", amount_minor=100_000, pledged_on=date(2024, 3, 15))
    on_march_1 = entry(usd, "committed", 10_000, date(2024, 3, 1))
    on_april_30 = entry(usd, "committed", 10_000, date(2024, 4, 30))
    entry(usd, "committed", 10_000, date(2024, 5, 1))
    entry(gbp, "committed", 10_000, date(2024, 3, 20))
    before = stored()

    set_rate("USD", "0.85", date(2024, 3, 1))  # replaces 0.8

    after = stored()
    assert {i for i in after if after[i] != before[i]} == {on_march_1, on_april_30}
    assert after[on_march_1] == after[on_april_30] == ("EUR", 8_500, "0.85", date(2024, 3, 1))
    assert conversion.reconvert() == 0  # what is stored is what the rates table gives

    set_rate("USD", "0.75", date(2024, 4, 15))  # a new rate inside that range

    latest = stored()
    assert {i for i in latest if latest[i] != after[i]} == {on_april_30}
    assert latest[on_april_30] == ("EUR", 7_500, "0.75", date(2024, 4, 15))
    assert conversion.reconvert() == 0


def test_an_imported_file_of_rates_converts_the_entries_once_at_the_end():
    pledge = factories.make_pledge(
        currency="CHF", amount_minor=100_000, pledged_on=date(2024, 2, 15)
    )
    later = entry(pledge, "committed", 10_000, date(2024, 6, 1))
    content = b"currency,rate,valid_on\nCHF,1.02,2024-01-01\nCHF,1.04,2024-06-01\n"

    result = transfer.import_rates(content, "rates.csv", by="t")

    assert (result.count, result.errors) == (2, [])
    values = stored()
    assert values[pledge.entries[0].id] == ("EUR", 102_000, "1.02", date(2024, 1, 1))
    assert values[later] == ("EUR", 10_400, "1.04", date(2024, 6, 1))


def test_a_change_of_reporting_currency_leaves_old_conversions_out_until_reconverted(
    app, client, login, runner, monkeypatch
):
    login.as_role("viewer")
    plan = factories.get_plan()
    pledge = factories.make_pledge(
        target=services.Target(services.TargetKind.PLAN, plan), amount_minor=100_000
    )
    set_rate("EUR", "1.1", date(2024, 1, 1), reporting="USD")  # not the reporting currency yet
    db.session.commit()
    assert stored()[pledge.entries[0].id] == ("EUR", 100_000, "1", date(2024, 1, 15))

    monkeypatch.setitem(app.config, "REPORTING_CURRENCY", "USD")

    before = totals.funding_matrix(plan).grand
    assert (before.pledged, before.missing, before.stale) == (0, 1, 1)
    page = client.get(f"/pledges/?plan={plan.code}").get_data(as_text=True)
    assert "tracker pledges reconvert" in page and "1,000.00 USD" not in page
    result = runner.invoke(args=["pledges", "reconvert"])
    assert result.exit_code == 0, result.output
    assert "Converted 1 ledger entries again into USD" in result.output
    after = totals.funding_matrix(plan).grand
    assert (after.pledged, after.missing, after.stale) == (110_000, 0, 0)
    assert current_app.config["REPORTING_CURRENCY"] == "USD"


def test_the_migration_converts_the_entries_already_recorded(scratch_app):
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="77ac043ff76e")  # the one before
        now = "2024-01-01 00:00:00+00:00"
        # A plan and an actor as that schema holds them (today's models have columns it lacks).
        db.session.execute(
            sa.text(
                "INSERT INTO plans (code, title, starts_on, ends_on, is_demo, sources, created_at)"
                " VALUES ('P', 'A plan', '2024-01-01', '2024-12-31', false, '[]', :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO actors (kind, code, name, sources, created_at, version)"
                " VALUES ('participating_state', 'HU', 'Hungary', '[]', :now, 1)"
            ),
            {"now": now},
        )
        plan_id = db.session.scalar(sa.text("SELECT min(id) FROM plans"))
        actor_id = db.session.scalar(sa.text("SELECT min(id) FROM actors"))
        db.session.execute(
            sa.text(
                "INSERT INTO exchange_rates (currency, reporting_currency, rate, valid_on,"
                " created_at, version) VALUES ('USD', 'EUR', '0.5', '2024-01-01', :now, 1)"
            ),
            {"now": now},
        )
        for currency in ("USD", "EUR", "JPY"):
            db.session.execute(
                sa.text(
                    "INSERT INTO pledges (actor_id, plan_id, target_kind, currency, pledged_on,"
                    " purpose, pledged_minor, committed_minor, disbursed_minor, created_at,"
                    " version) VALUES (:actor, :plan, 'plan', :currency, '2024-02-01', 'p',"
                    " 1001, 0, 0, :now, 1)"
                ),
                {"actor": actor_id, "plan": plan_id, "currency": currency, "now": now},
            )
        db.session.execute(
            sa.text(
                "INSERT INTO pledge_entries (pledge_id, kind, amount_minor, value_date,"
                " created_at) SELECT id, 'pledged', 1001, '2024-02-01', :now FROM pledges"
            ),
            {"now": now},
        )
        db.session.commit()

        upgrade(directory=MIGRATIONS_DIR)

        rows = db.session.execute(
            select(Pledge.currency, PledgeEntry.reporting_minor, PledgeEntry.rate)
            .join(Pledge, PledgeEntry.pledge_id == Pledge.id)
            .order_by(Pledge.currency)
        ).all()
        # 10.01 USD × 0.5 = 5.005: half-even to the cent, 5.00.
        assert [tuple(r) for r in rows] == [
            ("EUR", 1001, "1"),
            ("JPY", None, None),
            ("USD", 500, "0.5"),
        ]
        assert conversion.reconvert() == 0


def test_an_export_shows_the_stored_conversion_of_each_entry():
    set_rate("USD", "0.9", date(2024, 1, 1))
    plan = factories.get_plan()
    factories.make_pledge(
        target=services.Target(services.TargetKind.PLAN, plan),
        currency="USD",
        amount_minor=100_000,
        pledged_on=date(2024, 2, 1),
    )
    rows = transfer.export_rows(plan)
    assert [r[-3:] for r in rows] == [["0.9", "2024-01-01", "900.00"]]


def test_an_entry_recorded_while_a_rate_is_being_added_gets_that_rate(scratch_app):
    build_schema(scratch_app)
    with scratch_app.app_context():
        pledge = factories.make_pledge(
            currency="USD", amount_minor=100_000, pledged_on=date(2024, 2, 1)
        )
        db.session.commit()
        pledge_id = pledge.id
    rate_written = threading.Event()

    def add_rate():
        with scratch_app.app_context():
            set_rate("USD", "0.5", date(2024, 1, 1))
            rate_written.set()
            time.sleep(0.5)  # the other writer records its entry meanwhile, if nothing waits
            db.session.commit()
            db.session.remove()

    def record_entry():
        rate_written.wait(10)
        with scratch_app.app_context():
            entry(db.session.get(Pledge, pledge_id), "committed", 10_000, date(2024, 3, 1))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=add_rate), threading.Thread(target=record_entry)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    with scratch_app.app_context():
        amounts = db.session.scalars(
            select(PledgeEntry.reporting_minor).order_by(PledgeEntry.value_date)
        ).all()
        assert amounts == [50_000, 5_000]
