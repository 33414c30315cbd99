"""The dashboard at /: the chosen plan's figures, lists and to-dos, in a fixed number of queries."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from tests import factories
from tests.api.test_basics import count_queries
from tracker.db import db
from tracker.meetings import follow_ups as follow_up_services
from tracker.progress import services as progress_services

SVG = "{http://www.w3.org/2000/svg}"


def test_anonymous_is_sent_to_sign_in(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert "/auth/sign-in" in answer.headers["Location"]


def test_the_dashboard_shows_the_plan_with_real_charts(client, login):
    ap = factories.make_action_point(code="D-1")
    factories.make_update(ap, workflow="validated", status="completed")
    factories.make_action_point(code="D-2")
    login.as_role("viewer")
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    assert 'id="dashboard-percent">50.0\xa0%' in page
    svgs = [chunk.split("</svg>")[0] + "</svg>" for chunk in page.split("<svg")[1:]]
    assert len(svgs) >= 4
    for svg in svgs:
        root = ET.fromstring("<svg" + svg)
        assert root.find(f"{SVG}title") is not None
        assert root.find(f"{SVG}desc") is not None
    # Every chart has its data table, so nothing is carried by the picture alone.
    assert page.count('class="table table-sm chart-table"') >= len(svgs)
    assert "cdn" not in page.lower()


def test_the_default_plan_is_the_newest_with_action_points(client, login):
    factories.make_action_point(plan=factories.get_plan("BP-CFA-2019"))
    login.as_role("viewer")
    page = client.get("/").get_data(as_text=True)
    assert "BP-CFA-2019 · 2019–2024" in page


def test_my_to_dos_count_and_link(client, login):
    user = login.as_role("focal_point", actor=factories.get_actor("HU"))
    ap = factories.make_action_point(plan=factories.get_plan("BP-CFA-2019"))
    factories.make_update(ap, workflow="returned", actor=factories.get_actor("HU"))
    meeting = factories.make_meeting()
    factories.make_follow_up(
        meeting, owner=factories.get_actor("HU"), due_on=date.today() - timedelta(days=3)
    )
    db.session.commit()
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    assert "Returned updates: <strong>1</strong>" in page
    assert "My follow-ups: <strong>1</strong>" in page
    assert "1 overdue" in page
    assert "Overdue follow-ups: 1" in page
    assert f"/meetings/follow-ups?owner={user.actor.code}" in page


def test_the_secretariat_sees_updates_to_validate(client, login):
    login.as_role("admin")
    ap = factories.make_action_point()
    factories.make_update(ap, workflow="submitted")
    db.session.commit()
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    assert "Updates to validate: <strong>1</strong>" in page


def test_the_round_counts_what_is_not_reported_as_the_round_page_does(client, login):
    admin = login.as_role("admin")
    plan = factories.get_plan("BP-CFA-2019")
    hungary, austria = factories.get_actor("HU"), factories.get_actor("AT")
    first = factories.make_action_point(lead_actor=hungary, partners=[austria])
    factories.make_action_point(lead_actor=austria)
    today = date.today()
    round_ = progress_services.create_round(
        plan, title="Before the SOM", opens_on=today - timedelta(days=10), deadline=today, by=admin
    )
    factories.make_update(first, workflow="submitted", actor=hungary)
    db.session.commit()
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    assert "Before the SOM" in page
    # Austria owes two reports (as partner of the first, as lead of the second): not "1 actor".
    assert 'id="round-not-reported">2<' in page
    round_page = client.get(f"/progress/rounds/{round_.id}").get_data(as_text=True)
    assert (
        'id="not-reported">Not reported yet <span class="badge text-bg-secondary">2<' in round_page
    )
    assert "chart-coverage" in page


def test_stale_action_points_are_listed(client, login):
    ap = factories.make_action_point(title="Forgotten point")
    factories.make_update(ap, workflow="validated", reported_on=date.today() - timedelta(days=400))
    login.as_role("viewer")
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    stale = page.split('id="stale-heading"')[1]
    assert "Forgotten point" in stale


def test_bad_filters_show_a_message_and_the_default_view(client, login):
    login.as_role("viewer")
    answer = client.get("/?goal=9&plan=BP-CFA-2019&as_of=1999-01-01")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "No priority goal 9 in BP-CFA-2019" in page
    assert "BP-CFA-2019 starts on" in page


def test_the_dashboard_narrowed_or_as_of_uses_the_report(client, login):
    ap = factories.make_action_point(code="D-G")
    factories.make_update(ap, workflow="validated", status="completed")
    login.as_role("viewer")
    number = ap.goal.number
    page = client.get(f"/?plan=BP-CFA-2019&goal={number}").get_data(as_text=True)
    assert 'id="dashboard-percent">100.0\xa0%' in page
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    page = client.get(f"/?plan=BP-CFA-2019&as_of={yesterday}").get_data(as_text=True)
    assert 'id="dashboard-percent">0.0\xa0%' in page  # validated today: not known yesterday


def test_the_dashboard_takes_a_fixed_number_of_queries(app, client, login):
    login.as_role("admin")
    plan = factories.get_plan("BP-CFA-2019")
    meeting = factories.make_meeting(plan)

    def grow(n: int) -> None:
        for i in range(n):
            ap = factories.make_action_point(lead_actor=factories.get_actor("HU"))
            factories.make_update(ap, workflow="validated", percent=10 * i)
            factories.make_pledge(actor=factories.get_actor("AT"))
            follow_up_services.add_follow_up(
                meeting,
                text=f"Follow-up {i}",
                owner=factories.get_actor("HU"),
                due_on=date.today() - timedelta(days=1),
                decision=None,
                by="tests",
            )
        db.session.commit()

    grow(2)
    few = count_queries(app, lambda: client.get("/?plan=BP-CFA-2019"))
    grow(6)
    many = count_queries(app, lambda: client.get("/?plan=BP-CFA-2019"))
    assert many == few, (few, many)
    assert few <= 10, few


def test_a_need_in_another_currency_is_converted_at_the_latest_rate(client, login):
    from decimal import Decimal

    from tracker.pledges import services as pledge_services

    login.as_role("viewer")
    ap = factories.make_action_point(code="D-USD")
    ap.budget_minor, ap.budget_currency = 100_000, "USD"  # 1,000.00 USD
    pledge_services.set_rate(
        currency="USD",
        reporting_currency="EUR",
        rate=Decimal("0.9"),
        valid_on=date.today() - timedelta(days=1),
        by="tests",
    )
    plain = factories.make_action_point(code="D-EUR")
    plain.budget_minor, plain.budget_currency = 50_000, "EUR"
    db.session.commit()
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    funding = page.split("Funding in EUR")[1]
    assert "1,400.00 EUR" in funding  # 900.00 converted + 500.00
