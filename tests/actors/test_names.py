"""Pages and exports name states and organisations ("Sweden"), not their codes ("SE"); where space
is short the code stays, with the name on hover and for screen readers. Series go by name."""

import csv
import io
import re
import zipfile
from datetime import date, timedelta

from markupsafe import Markup

from tests import factories
from tests.api.test_basics import count_queries
from tracker.actors.display import actor_abbr, actor_name
from tracker.db import db
from tracker.meetings import services as meeting_services
from tracker.progress import services as progress_services


def test_actor_abbr_shows_the_code_with_the_name_for_hover_and_screen_readers():
    sweden = factories.get_actor("SE")
    html = str(actor_abbr(sweden))
    assert '<abbr title="Sweden" aria-hidden="true">SE</abbr>' in html
    assert '<span class="visually-hidden">Sweden</span>' in html
    assert str(actor_abbr("XY", "<b>&</b>")) == (
        '<abbr title="&lt;b&gt;&amp;&lt;/b&gt;" aria-hidden="true">XY</abbr>'
        '<span class="visually-hidden">&lt;b&gt;&amp;&lt;/b&gt;</span>'
    )
    assert actor_abbr(None) == Markup("—") and actor_name(None) == "—"
    assert actor_name(sweden) == "Sweden"


def test_lists_and_the_matrix_show_actor_names_sorted_by_name(client, login):
    ap = factories.make_action_point(lead_actor=factories.get_actor("SE"))
    for code in ("BE", "AZ", "BY"):
        factories.make_update(ap, workflow="validated", actor=factories.get_actor(code))
    db.session.commit()
    login.as_role("viewer")
    matrix = client.get("/progress/plans/BP-CFA-2019/matrix").get_data(as_text=True)
    rows = re.findall(r'<th scope="row" class="text-wrap">([^<]+)</th>', matrix)
    assert rows == ["Azerbaijan", "Belarus", "Belgium"]
    overview = client.get("/progress/plans/BP-CFA-2019").get_data(as_text=True)
    # A six-column table on a phone: the lead's code, its name on hover and for screen readers.
    assert re.search(r'<td[^>]*><abbr title="Sweden" aria-hidden="true">SE</abbr>', overview)
    updates = client.get("/progress/updates").get_data(as_text=True)
    assert re.search(r"<td[^>]*>Azerbaijan</td>", updates)
    assert not re.search(r"<td[^>]*>AZ</td>", updates)


def test_pledge_tables_name_the_pledging_actor(client, login):
    pledge = factories.make_pledge(actor=factories.get_actor("SE"))
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/pledges/action-points/{pledge.action_point_id}").get_data(as_text=True)
    assert ">Sweden</a></td>" in page and ">SE</a>" not in page


def test_meetings_show_series_by_name_and_participants_by_name(client, login):
    meeting = factories.make_meeting(series="wg-black-sea", title="Black Sea working group 4")
    for code in ("TR", "AT", "GE"):
        meeting_services.set_participant(
            meeting, actor=factories.get_actor(code), attendance="invited", by="tests"
        )
    db.session.commit()
    login.as_role("viewer")
    index = client.get("/meetings/").get_data(as_text=True)
    assert '<option value="wg-black-sea" >Black Sea working group</option>' in index
    assert re.search(r"<td[^>]*>Black Sea working group", index)
    assert not re.search(r"<td[^>]*>wg-black-sea", index)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Black Sea working group" in page.split('id="participants"')[0]
    participants = re.findall(r"<li>([A-Z][a-zü]+) \([A-Z]{2}\):", page)
    assert participants == ["Austria", "Georgia", "Türkiye"]


def test_dashboard_names_owners_and_keeps_codes_short_in_the_heat_map(client, login):
    admin = login.as_role("admin")
    meeting = factories.make_meeting()
    factories.make_follow_up(
        meeting, owner=factories.get_actor("SE"), due_on=date.today() - timedelta(days=3)
    )
    ap = factories.make_action_point(lead_actor=factories.get_actor("SE"))
    today = date.today()
    progress_services.create_round(
        ap.plan, title="Spring", opens_on=today - timedelta(days=10), deadline=today, by=admin
    )
    factories.make_update(ap, workflow="validated", actor=factories.get_actor("SE"))
    db.session.commit()
    page = client.get("/?plan=BP-CFA-2019").get_data(as_text=True)
    overdue = page.split('id="follow-ups-heading"')[1].split("</section>")[0]
    assert "— Sweden, due" in overdue
    heat_map = page.split('id="chart-coverage-title"')[1].split("</svg>")[0]
    assert "<title>Sweden</title>SE</text>" in heat_map
    table = page.split("Action points reported on, by actor and goal")[1].split("</table>")[0]
    assert '<th scope="row">Sweden</th>' in table


def test_the_dashboard_heat_map_costs_no_query_per_actor(app, client, login):
    admin = login.as_role("admin")
    today = date.today()
    aps = [factories.make_action_point() for _ in range(2)]
    progress_services.create_round(
        aps[0].plan, title="Spring", opens_on=today - timedelta(days=10), deadline=today, by=admin
    )
    factories.make_update(aps[0], workflow="validated", actor=factories.get_actor("SE"))
    db.session.commit()
    few = count_queries(app, lambda: client.get("/?plan=BP-CFA-2019"))
    for code in ("AT", "HU", "TR", "DE", "FR"):
        factories.make_update(aps[1], workflow="validated", actor=factories.get_actor(code))
    db.session.commit()
    assert count_queries(app, lambda: client.get("/?plan=BP-CFA-2019")) == few


def test_report_exports_keep_the_code_and_add_the_name(client, login):
    ap = factories.make_action_point(
        lead_actor=factories.get_actor("SE"), partners=[factories.get_actor("AT")]
    )
    factories.make_update(ap, workflow="validated", actor=factories.get_actor("TR"))
    db.session.commit()
    login.as_role("viewer")
    answer = client.get("/reports/progress?plan=BP-CFA-2019&format=csv")
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        points = archive.read("action_points.csv").decode("utf-8-sig")
        updates = archive.read("updates.csv").decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(points)) if r["code"] == ap.code)
    assert (row["lead"], row["lead_name"]) == ("SE", "Sweden")
    assert (row["partners"], row["partner_names"]) == ("AT", "Austria")
    update = next(csv.DictReader(io.StringIO(updates)))
    assert (update["actor"], update["actor_name"]) == ("TR", "Türkiye")
    page = client.get("/reports/progress?plan=BP-CFA-2019").get_data(as_text=True)
    assert "lead: Sweden · partners: Austria" in page
