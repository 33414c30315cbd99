"""Pledge pages: record a pledge and its entries, the lists, the matrix, rates, needs, exports."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tracker import retirement, tables
from tracker.db import db
from tracker.plan import services as plan_services
from tracker.pledges import services, totals
from tracker.pledges.models import EntryKind, ExchangeRate, Pledge, PledgeEntry


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def pledge_form(ap, **overrides) -> dict:
    return {
        "actor": "HU",
        "target": f"action_point:{ap.id}",
        "currency": "EUR",
        "amount": "1250.50",
        "pledged_on": "2024-02-01",
        "purpose": "Border guard training",
        "reference": "HU-2024-7",
        **overrides,
    }


@pytest.fixture
def ap():
    return factories.make_action_point(lead_actor=factories.get_actor("HU"))


def test_focal_point_pledges_for_its_own_actor(client, login, ap):
    login.as_role("focal_point")
    response = client.post("/pledges/new", data=pledge_form(ap))
    assert response.status_code == 302
    pledge = db.session.scalar(select(Pledge).order_by(Pledge.id.desc()))
    assert (pledge.actor.code, pledge.currency, pledge.pledged_minor) == ("HU", "EUR", 125_050)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1,250.50 EUR" in page and "Border guard training" in page


@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        ("250,000", 25_000_000),
        ("250 000", 25_000_000),
        ("250\u202f000", 25_000_000),
        ("250.000,50", 25_000_050),
        ("250,000.50", 25_000_050),
    ],
)
def test_a_pledge_may_group_its_thousands(client, login, ap, amount, minor):
    login.as_role("focal_point")
    response = client.post("/pledges/new", data=pledge_form(ap, amount=amount))
    assert response.status_code == 302
    pledge = db.session.scalar(select(Pledge).order_by(Pledge.id.desc()))
    assert pledge.pledged_minor == minor


def test_focal_point_cannot_pledge_for_another_state(client, login, ap):
    login.as_role("focal_point")
    before = count(Pledge)
    response = client.post("/pledges/new", data=pledge_form(ap, actor="AT"))
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count(Pledge) == before


def test_member_may_not_pledge(client, login):
    login.as_role("member", actor=factories.get_actor("HU"))
    assert client.get("/pledges/new").status_code == 403


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("-5", "EUR", "greater than zero"),
        ("0", "EUR", "greater than zero"),
        ("1e309", "EUR", "exponent"),
        ("0.001", "EUR", "2 decimal places"),
        ("1.5", "JPY", "no minor unit"),
        ("1,23,456", "EUR", "group its thousands in threes"),
        ("1,234", "KWD", "write it with a dot for decimals and no separator (1234 or 1.234)"),
        ("12 5", "EUR", "write it as 250000.50 or 250,000.50"),
        ("250.000", "EUR", "For a whole amount, write 250000 or 250,000."),
        ("1" * 40, "EUR", "too large"),
        ("10", "XXX1", "Unknown currency"),
    ],
)
def test_bad_pledge_amounts_are_refused_at_the_field(client, login, ap, amount, currency, message):
    login.as_role("admin")
    before = count(Pledge)
    response = client.post("/pledges/new", data=pledge_form(ap, amount=amount, currency=currency))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(Pledge) == before


def test_record_commitment_and_disbursement_on_the_pledge_page(client, login):
    user = login.as_role("focal_point")
    pledge = factories.make_pledge(actor=user.actor, amount_minor=100_000)
    db.session.commit()
    url = f"/pledges/{pledge.id}/entries/new"
    assert (
        client.post(
            url, data={"kind": "committed", "amount": "600", "value_date": "2024-03-01"}
        ).status_code
        == 302
    )
    response = client.post(
        url, data={"kind": "disbursed", "amount": "600.01", "value_date": "2024-04-01"}
    )
    assert response.status_code == 200
    assert "more than the committed total 600.00 EUR" in response.get_data(as_text=True)
    assert (
        client.post(
            url, data={"kind": "disbursed", "amount": "250", "value_date": "2024-04-01"}
        ).status_code
        == 302
    )
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "600.00 EUR" in page and "250.00 EUR" in page
    assert "Recorded disbursed 250.00 EUR" in page  # the audit history on the page
    assert (pledge.committed_minor, pledge.disbursed_minor) == (60_000, 25_000)


def test_reduction_without_reason_is_refused_at_the_reason_field(client, login):
    login.as_role("admin")
    pledge = factories.make_pledge()
    db.session.commit()
    response = client.post(
        f"/pledges/{pledge.id}/entries/new",
        data={"kind": "pledged", "amount": "-5", "value_date": "2024-03-01"},
    )
    assert "needs a reason" in response.get_data(as_text=True)
    assert pledge.pledged_minor == 100_000


def test_focal_point_of_another_state_cannot_record_entries(client, login):
    login.as_role("focal_point", actor=factories.get_actor("AT"))
    pledge = factories.make_pledge()
    db.session.commit()
    response = client.post(
        f"/pledges/{pledge.id}/entries/new",
        data={"kind": "committed", "amount": "5", "value_date": "2024-03-01"},
    )
    assert response.status_code == 403
    assert pledge.committed_minor == 0


def test_admin_adds_a_rate_and_bad_rates_are_refused(client, login):
    login.as_role("admin")
    for rate in ("0", "-1.2"):
        response = client.post(
            "/pledges/rates", data={"currency": "USD", "rate": rate, "valid_on": "2024-01-01"}
        )
        assert "greater than zero" in response.get_data(as_text=True)
    assert count(ExchangeRate) == 0
    response = client.post(
        "/pledges/rates", data={"currency": "USD", "rate": "0.9250", "valid_on": "2024-01-01"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(ExchangeRate.rate)) == "0.925"
    assert "Add a rate" in client.get("/pledges/rates").get_data(as_text=True)


def test_a_viewer_sees_the_rates_in_the_reporting_currency_without_their_forms(client, login):
    login.as_role("viewer")
    page = client.get("/pledges/rates").get_data(as_text=True)
    assert "Exchange rates into EUR" in page and "Add a rate" not in page


def test_entries_convert_at_the_latest_rate_on_or_before_their_value_date():
    rate = Decimal
    services.set_rate(
        currency="USD",
        reporting_currency="EUR",
        rate=rate("0.9"),
        valid_on=date(2024, 1, 1),
        by="t",
    )
    services.set_rate(
        currency="USD",
        reporting_currency="EUR",
        rate=rate("0.8"),
        valid_on=date(2024, 3, 1),
        by="t",
    )
    pledge = factories.make_pledge(
        currency="USD", amount_minor=100_000, pledged_on=date(2024, 2, 15)
    )
    services.record_entry(
        pledge, kind="committed", amount_minor=10_000, value_date=date(2024, 3, 1), by="t"
    )
    rows = totals.entry_rows(pledge_id=pledge.id)
    assert [(r.converted.amount_minor, r.converted.rate) for r in rows] == [
        (90_000, rate("0.9")),
        (8_000, rate("0.8")),
    ]


def test_a_pledge_with_no_rate_for_its_date_is_flagged_not_guessed(client, login):
    login.as_role("viewer")
    services.set_rate(
        currency="USD",
        reporting_currency="EUR",
        rate=Decimal("0.9"),
        valid_on=date(2025, 1, 1),
        by="t",
    )
    pledge = factories.make_pledge(currency="USD", pledged_on=date(2024, 1, 1))
    db.session.commit()
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "no rate" in page and "Incomplete totals" in page
    index = client.get(f"/pledges/?plan={pledge.plan.code}").get_data(as_text=True)
    assert "incomplete" in index
    overall = totals.overall(totals.entry_rows(pledge_id=pledge.id))
    assert (overall.pledged, overall.missing, overall.missing_currencies) == (0, 1, {"USD"})


def _seed_mixed_ledger():
    """Pledges of several actors in three currencies to goal, action point and plan."""
    plan = factories.get_plan()
    d = date(2024, 1, 1)
    services.set_rate(
        currency="USD", reporting_currency="EUR", rate=Decimal("0.92345"), valid_on=d, by="t"
    )
    services.set_rate(
        currency="JPY", reporting_currency="EUR", rate=Decimal("0.0061"), valid_on=d, by="t"
    )
    ap1 = factories.make_action_point(plan, goal=plan.goals[0])
    ap2 = factories.make_action_point(plan, goal=plan.goals[2])
    targets = [
        services.Target(services.TargetKind.ACTION_POINT, plan, ap1.goal, ap1),
        services.Target(services.TargetKind.ACTION_POINT, plan, ap2.goal, ap2),
        services.Target(services.TargetKind.GOAL, plan, plan.goals[4]),
        services.Target(services.TargetKind.PLAN, plan),
    ]
    pledges = []
    for n, (code, currency) in enumerate(
        [("HU", "EUR"), ("AT", "USD"), ("DE", "JPY"), ("TR", "USD")]
    ):
        for target in targets[n % 2 :: 1 + n % 2]:
            pledge = factories.make_pledge(
                actor=factories.get_actor(code),
                target=target,
                currency=currency,
                amount_minor=1_000_333 + n,
                pledged_on=date(2024, 2, 1),
            )
            services.record_entry(
                pledge, kind="committed", amount_minor=700_007, value_date=date(2024, 5, 5), by="t"
            )
            services.record_entry(
                pledge, kind="disbursed", amount_minor=333_333, value_date=date(2024, 6, 6), by="t"
            )
            pledges.append(pledge)
    services.record_entry(
        pledges[0],
        kind="pledged",
        amount_minor=-1,
        reason="rounding",
        value_date=date(2024, 7, 1),
        by="t",
    )
    db.session.commit()
    return plan


def test_totals_reconcile_to_the_cent_across_views_and_exports(client, login):
    login.as_role("viewer")
    plan = _seed_mixed_ledger()
    rows = totals.entry_rows(plan_id=plan.id)
    grand = totals.overall(rows)
    assert grand.missing == 0 and grand.committed > 0
    matrix = totals.funding_matrix(plan)
    for measure in ("pledged", "committed", "disbursed"):
        cells = sum(r.cells[g].get(measure) for r in matrix.rows for g, _ in matrix.columns)
        by_row = sum(r.total.get(measure) for r in matrix.rows)
        by_column = sum(t.get(measure) for t in matrix.column_totals.values())
        by_actor = sum(
            t.get(measure) for t in totals.group_totals(rows, lambda r: r.actor_id).values()
        )
        per_actor_pages = sum(
            totals.overall(totals.entry_rows(actor_id=a)).get(measure)
            for a in {r.actor_id for r in rows}
        )
        assert cells == by_row == by_column == by_actor == per_actor_pages == grand.get(measure)
    funding = totals.funding_report(plan, as_of=date(2030, 1, 1))
    assert funding.plan.committed.committed == grand.committed
    assert (
        sum(g.committed.committed for g in funding.goals)
        + sum(
            t.committed
            for k, t in totals.group_totals(rows, lambda r: r.goal_id).items()
            if k is None
        )
        == grand.committed
    )

    csv_text = client.get(f"/pledges/export?plan={plan.code}&format=csv").get_data(as_text=True)
    exported = list(csv.DictReader(io.StringIO(csv_text)))
    xlsx = client.get(f"/pledges/export?plan={plan.code}&format=xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx)).active
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    from_xlsx = [dict(zip(header, v, strict=True)) for v in values]
    for table in (exported, from_xlsx):
        assert len(table) == len(rows)
        for kind in EntryKind:
            total = sum(
                # As the import reads a cell: a number cell's shortest text ("1000.33").
                int(Decimal(tables.cell_text(r["amount_reporting"])) * 100)
                for r in table
                if r["kind"] == kind.value
            )
            assert total == grand.get(kind.value)
        codes = {r["kind"]: r["iati_transaction_type"] for r in table}
        assert codes == {"pledged": "12", "committed": "2", "disbursed": "3"}
        assert all(r["rate"] for r in table)

    matrix_page = client.get(f"/pledges/matrix?plan={plan.code}").get_data(as_text=True)
    assert f"{grand.committed // 100:,}.{grand.committed % 100:02d} EUR" in matrix_page


def test_matrix_filters_by_period_and_sorts(client, login):
    login.as_role("viewer")
    plan = _seed_mixed_ledger()
    only_pledges = totals.funding_matrix(plan, date_to=date(2024, 3, 1))
    assert only_pledges.grand.committed == 0 and only_pledges.grand.pledged > 0
    by_name = totals.funding_matrix(plan, sort="name")
    assert [r.actor.name for r in by_name.rows] == sorted(r.actor.name for r in by_name.rows)
    response = client.get(
        f"/pledges/matrix?plan={plan.code}&from=2024-05-01&to=2024-05-31&sort=goal:plan"
    )
    assert response.status_code == 200
    # A date the page cannot read is left out, and the page says so (query_args.arg).
    undated = client.get(f"/pledges/matrix?plan={plan.code}&from=not-a-date")
    assert undated.status_code == 200
    assert "It was left out." in undated.get_data(as_text=True)
    as_of = client.get(f"/pledges/funding?plan={plan.code}&as_of=2024-13-01")
    assert as_of.status_code == 200 and "It was left out." in as_of.get_data(as_text=True)


def test_export_neutralises_formulas_but_keeps_negative_amounts():
    neutralise = tables.neutralise
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("-500.00") == "-500.00"
    assert neutralise("Training") == "Training"


def test_funding_needs_gap_and_coverage(client, login):
    login.as_role("admin")
    ap = factories.make_action_point()
    response = client.post(
        f"/pledges/action-points/{ap.id}/need", data={"currency": "EUR", "amount": "2000.00"}
    )
    assert response.status_code == 302
    assert (ap.budget_minor, ap.budget_currency) == (200_000, "EUR")
    pledge = factories.make_pledge(
        target=services.Target(services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    )
    services.record_entry(
        pledge, kind="committed", amount_minor=50_000, value_date=date(2024, 2, 1), by="t"
    )
    db.session.commit()
    report = totals.funding_report(ap.plan)
    need = next(n for n in report.action_points[ap.goal_id] if n.record_id == ap.id)
    assert (need.need, need.committed.committed, need.gap, need.coverage) == (
        200_000,
        50_000,
        150_000,
        Decimal("25.0"),
    )
    page = client.get(f"/pledges/funding?plan={ap.plan.code}").get_data(as_text=True)
    assert "1,500.00 EUR" in page and "25.0 %" in page


@pytest.mark.parametrize(
    "path",
    [
        "/pledges/",
        "/pledges/matrix",
        "/pledges/funding",
        "/pledges/rates",
        "/pledges/import",
        "/pledges/new",
    ],
)
def test_pledge_pages_render_for_admin(client, login, path):
    login.as_role("admin")
    factories.make_pledge()
    db.session.commit()
    assert client.get(path).status_code == 200


def test_import_pledges_validates_the_whole_file_and_reports_rows(client, login):
    login.as_role("admin")
    ap = factories.make_action_point()
    db.session.commit()  # the refused import rolls back what is not committed
    good = (
        "pledge_ref,actor,plan,target_kind,target,currency,kind,amount,value_date,purpose,reason\n"
        f"A,HU,BP-CFA-2019,action_point,{ap.code},EUR,pledged,1000.00,2024-01-01,Training,\n"
        f"A,HU,BP-CFA-2019,action_point,{ap.code},EUR,committed,400.00,2024-02-01,,\n"
    )
    bad = good + (
        f"B,XX,BP-CFA-2019,goal,1,EUR,pledged,5,2024-01-01,Oops,\n"
        f"A,HU,BP-CFA-2019,action_point,{ap.code},EUR,disbursed,400.01,2024-03-01,,\n"
        f'C,AT,BP-CFA-2019,goal,1,EUR,pledged,"1,23,456",2024-01-01,Comma,\n'
    )
    before = (count(Pledge), count(PledgeEntry))
    response = client.post(
        "/pledges/import",
        data={"file": (io.BytesIO(bad.encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Unknown actor" in page and "more than the committed total" in page
    assert "in threes" in page
    assert (count(Pledge), count(PledgeEntry)) == before
    response = client.post(
        "/pledges/import",
        data={"file": (io.BytesIO(good.encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert (count(Pledge), count(PledgeEntry)) == (before[0] + 1, before[1] + 2)


def test_retired_targets_take_no_new_pledges_and_need_nothing(client, login):
    admin = login.as_role("admin")
    ap = factories.make_action_point()
    activity = plan_services.create_activity(
        ap, title="Retired step", budget_minor=90_000, budget_currency="EUR", by="t"
    )
    retirement.retire(activity, retired=True, by=admin)
    retirement.retire(ap, retired=True, by=admin)
    db.session.commit()

    choices = dict(services.target_choices(ap.plan))
    assert f"action_point:{ap.id}" not in choices
    assert f"activity:{activity.id}" not in choices
    target = services.Target(services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    before = count(Pledge)
    with pytest.raises(services.PledgeError, match="retired"):
        factories.make_pledge(target=target)
    assert count(Pledge) == before
    report = totals.funding_report(ap.plan)
    need = next(n for n in report.action_points[ap.goal_id] if n.record_id == ap.id)
    assert (need.need, need.has_need) == (0, False)


def test_focal_point_corrects_the_purpose_and_reference_of_its_pledge(client, login):
    pledge = factories.make_pledge(purpose="Border gaurd training")
    db.session.commit()
    login.as_role("focal_point")
    url = f"/pledges/{pledge.id}/edit"
    assert "Border gaurd training" in client.get(url).get_data(as_text=True)
    version = pledge.version
    response = client.post(
        url, data={"purpose": "Border guard training", "reference": "HU-7", "version": version}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (pledge.purpose, pledge.reference) == ("Border guard training", "HU-7")
    assert pledge.version == version + 1
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "Edited pledge" in page and "Border gaurd training" in page  # the history keeps it


def test_a_stale_pledge_edit_shows_both_versions_and_saves_nothing(client, login):
    pledge = factories.make_pledge(purpose="Original purpose")
    read = pledge.version
    services.update_pledge(
        pledge, version=read, purpose="Saved by someone else", reference=None, by="t"
    )
    db.session.commit()
    login.as_role("focal_point")
    response = client.post(
        f"/pledges/{pledge.id}/edit", data={"purpose": "My late change", "version": read}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Saved by someone else" in page and "My late change" in page
    db.session.expire_all()
    assert pledge.purpose == "Saved by someone else"


@pytest.mark.parametrize(
    ("purpose", "message"), [("   ", "This field is required."), ("x" * 501, "500")]
)
def test_a_bad_purpose_is_refused_at_the_field(client, login, purpose, message):
    pledge = factories.make_pledge(purpose="Kept")
    db.session.commit()
    version = pledge.version
    login.as_role("focal_point")
    response = client.post(
        f"/pledges/{pledge.id}/edit", data={"purpose": purpose, "version": version}
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert (pledge.purpose, pledge.version) == ("Kept", version)


def test_a_pledge_edit_without_its_version_is_a_conflict_not_a_blind_save(client, login):
    pledge = factories.make_pledge(purpose="Kept")
    db.session.commit()
    login.as_role("focal_point")
    response = client.post(f"/pledges/{pledge.id}/edit", data={"purpose": "Blind"})
    assert response.status_code == 409
    db.session.expire_all()
    assert pledge.purpose == "Kept"


def test_an_action_point_page_leads_to_its_pledges(client, login):
    pledge = factories.make_pledge(purpose="Reachable from the action point")
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/plans/action-points/{pledge.action_point_id}").get_data(as_text=True)
    link = f"/pledges/action-points/{pledge.action_point_id}"
    assert link in page
    assert "Reachable from the action point" in client.get(link).get_data(as_text=True)


def test_the_funds_list_is_grouped_by_plan_and_goal_and_searchable(client, login):
    ap = factories.make_action_point(code="G7", title="Grouped action point")
    db.session.commit()
    login.as_role("admin")
    page = client.get("/pledges/new").get_data(as_text=True)
    label = escape(f"{ap.plan.code} · Goal {ap.goal.number}: {ap.goal.title}")
    goal_group = f'<optgroup label="{label}">'
    assert goal_group in page
    group = page.split(goal_group)[1].split("</optgroup>")[0]
    assert f"Action point G7: Grouped action point ({ap.plan.code})" in group
    assert f'value="goal:{ap.goal.id}"' in group
    assert 'data-searchable="Search the funds"' in page and "select-search.js" in page


def test_the_pledge_page_shows_what_remains_to_disburse_and_no_rate_of_one(client, login):
    pledge = factories.make_pledge(amount_minor=100_000)
    services.record_entry(
        pledge, kind="committed", amount_minor=60_000, value_date=date(2024, 2, 1), by="t"
    )
    services.record_entry(
        pledge, kind="disbursed", amount_minor=25_000, value_date=date(2024, 3, 1), by="t"
    )
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert 'id="remaining">350.00 EUR' in page
    assert "Rate (EUR per EUR)" not in page


def test_a_pledge_in_another_currency_shows_its_rate_column(client, login):
    pledge = factories.make_pledge(currency="USD")
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "Rate (EUR per USD)" in page


def test_the_funding_page_shows_what_remains_to_disburse(client, login):
    ap = factories.make_action_point()
    pledge = factories.make_pledge(
        target=services.Target(services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    )
    services.record_entry(
        pledge, kind="committed", amount_minor=80_000, value_date=date(2024, 2, 1), by="t"
    )
    services.record_entry(
        pledge, kind="disbursed", amount_minor=30_000, value_date=date(2024, 3, 1), by="t"
    )
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/pledges/funding?plan={ap.plan.code}").get_data(as_text=True)
    assert "Remaining to disburse" in page
    cells = page.split(f"/pledges/action-points/{ap.id}")[1].split("</tr>")[0]
    assert "800.00 EUR" in cells and "500.00 EUR" in cells
