"""The progress report: what it holds now and as of a past day, its filters, and the same figures
in every format (read back: JSON, XLSX with openpyxl, the CSV zip with csv)."""

import csv
import io
import json
import re
import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from werkzeug.datastructures import MultiDict

from tests import factories
from tracker.db import db
from tracker.plan import services as plan_services
from tracker.pledges import services as pledge_services
from tracker.reports.filters import ReportFilterError, parse_filters
from tracker.reports.queries import build_progress_report, quarter_ends

PAST = date(2024, 6, 30)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def report_of(**args):
    return build_progress_report(parse_filters(MultiDict(args)), generated_by="tests")


def backdated_point(**overrides):
    """An action point of BP-CFA-2019 recorded on 1 Jan 2024, as if loaded then."""
    ap = factories.make_action_point(**overrides)
    ap.created_at = at(date(2024, 1, 1))
    db.session.flush()
    return ap


def validated(ap, *, reported_on: date, validated_on: date, **values):
    update = factories.make_update(ap, workflow="validated", reported_on=reported_on, **values)
    update.validated_at = at(validated_on)
    db.session.flush()
    return update


def test_a_plan_without_action_points_says_how_many_are_defined():
    report = report_of(plan="BP-CFA-2019")
    assert report.action_points == []
    assert report.percent == 0.0
    assert any("0 of 41 action points of BP-CFA-2019 are defined" in n for n in report.notes)
    assert len(report.goals) == 6


def test_only_validated_updates_appear():
    ap = backdated_point()
    factories.make_update(ap, workflow="submitted", narrative="Waiting for review.")
    factories.make_update(ap, workflow="validated", narrative="Done and checked.", percent=40)
    line = next(a for a in report_of(plan="BP-CFA-2019").action_points if a.id == ap.id)
    assert [n.narrative for n in line.narratives] == ["Done and checked."]
    assert line.percent == 40.0
    assert line.status == "in_progress"


def test_an_action_point_without_validated_update_says_so(client, login):
    ap = backdated_point(title="Nobody reported here")
    factories.make_update(ap, workflow="draft", narrative="A draft nobody else sees.")
    login.as_role("viewer")
    page = client.get("/reports/progress?plan=BP-CFA-2019").get_data(as_text=True)
    assert "Nobody reported here" in page
    assert "No validated update." in page
    assert "A draft nobody else sees." not in page


def test_as_of_a_past_day_rebuilds_from_history():
    ap = backdated_point(title="Old title")
    validated(ap, reported_on=date(2024, 3, 1), validated_on=date(2024, 3, 5), percent=20)
    validated(ap, reported_on=date(2024, 8, 1), validated_on=date(2024, 8, 2), percent=90)
    # Validated after the day although reported before it: not known on the day.
    validated(ap, reported_on=date(2024, 6, 1), validated_on=date(2024, 7, 15), percent=60)
    later = factories.make_action_point(title="Added later")  # created today
    plan_services.update_action_point(
        ap,
        version=ap.version,
        goal=ap.goal,
        code=ap.code,
        title="New title",
        description=None,
        lead_actor=None,
        partners=[],
        target_on=None,
        by="tests",
    )
    db.session.flush()

    then = report_of(plan="BP-CFA-2019", as_of=PAST.isoformat())
    now = report_of(plan="BP-CFA-2019")

    [line] = [a for a in then.action_points if a.id == ap.id]
    assert (line.title, line.percent) == ("Old title", 20.0)
    assert later.id not in {a.id for a in then.action_points}
    assert then.cover.is_historical and then.cover.as_of == PAST
    [current] = [a for a in now.action_points if a.id == ap.id]
    assert (current.title, current.percent) == ("New title", 90.0)
    assert later.id in {a.id for a in now.action_points}


def test_as_of_counts_ledger_entries_dated_by_then():
    ap = backdated_point()
    target = pledge_services.Target(pledge_services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    pledge = factories.make_pledge(target=target, amount_minor=500_000, pledged_on=date(2024, 2, 1))
    pledge_services.record_entry(
        pledge, kind="committed", amount_minor=200_000, value_date=date(2024, 5, 1), by="tests"
    )
    pledge_services.record_entry(
        pledge, kind="committed", amount_minor=100_000, value_date=date(2024, 9, 1), by="tests"
    )
    db.session.flush()
    then = report_of(plan="BP-CFA-2019", as_of=PAST.isoformat())
    now = report_of(plan="BP-CFA-2019")
    assert (then.funding.pledged, then.funding.committed) == (500_000, 200_000)
    assert (now.funding.pledged, now.funding.committed) == (500_000, 300_000)
    [line] = [a for a in then.action_points if a.id == ap.id]
    assert line.funding.committed == 200_000


def test_progress_over_time_steps_at_each_quarter():
    ap = backdated_point()
    validated(ap, reported_on=date(2024, 2, 1), validated_on=date(2024, 2, 3), percent=30)
    validated(ap, reported_on=date(2024, 5, 1), validated_on=date(2024, 5, 3), percent=70)
    series = {p.label: p.percent for p in report_of(plan="BP-CFA-2019").over_time}
    assert (series["2023 Q4"], series["2024 Q1"], series["2024 Q2"]) == (0.0, 30.0, 70.0)


def test_quarter_ends_stop_at_the_last_day():
    assert quarter_ends(date(2024, 2, 10), date(2024, 8, 5)) == [
        date(2024, 3, 31),
        date(2024, 6, 30),
        date(2024, 8, 5),
    ]


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"as_of": "2018-12-31"}, "as_of", "BP-CFA-2019 starts on"),
        ({"as_of": (date.today() + timedelta(days=2)).isoformat()}, "as_of", "in the future"),
        ({"as_of": "30/06/2024"}, "as_of", "YYYY-MM-DD"),
        ({"as_of": "2024-02-30"}, "as_of", "YYYY-MM-DD"),
        ({"goal": "9"}, "goal", "No priority goal 9 in BP-CFA-2019"),
        ({"actor": "XX"}, "actor", "No actor XX"),
        ({"working_group": "nope"}, "working_group", "No working group"),
        ({"plan": "NOPE"}, "plan", "No plan"),
        ({"from": "2024-05-01", "to": "2024-04-01"}, "to", "ends before it starts"),
    ],
)
def test_bad_filters_are_refused_with_a_message(client, login, api, args, field, message):
    with pytest.raises(ReportFilterError) as error:
        parse_filters(MultiDict({"plan": "BP-CFA-2019", **args}))
    assert message in error.value.fields[field]

    login.as_role("viewer")
    page = client.get("/reports/progress", query_string={"plan": "BP-CFA-2019", **args})
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)

    api.as_role("viewer")
    answer = api.get("/api/v1/reports/progress", query_string={"plan": "BP-CFA-2019", **args})
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]["fields"][field]


def test_an_unknown_format_is_refused(client, login, api):
    login.as_role("viewer")
    assert client.get("/reports/progress?format=docx").status_code == 400
    api.as_role("viewer")
    answer = api.get("/api/v1/reports/progress?format=html")
    assert answer.status_code == 400
    assert "format" in answer.get_json()["error"]["fields"]


def test_narrative_markup_is_shown_as_text_on_the_page(client, login):
    ap = backdated_point()
    hostile = "<script>alert(1)</script> #let x = $y$ **bold** ] \\ @ref"
    factories.make_update(ap, workflow="validated", narrative=hostile)
    login.as_role("viewer")
    page = client.get("/reports/progress?plan=BP-CFA-2019").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>bold</strong>" in page


def _figures_in_every_format(api) -> dict:
    """Plan percent, each action point's status and percent, and plan funding, per format."""
    base = "/api/v1/reports/progress?plan=BP-CFA-2019&as_of=" + date.today().isoformat()
    body = api.get(base + "&format=json").get_json()
    from_json = {
        "percent": body["percent"],
        "points": {
            ap["code"]: (ap["status"], float(ap["percent"]))
            for goal in body["goals"]
            for ap in goal["action_points"]
        },
        "committed": body["funding"]["committed"],
    }

    xlsx = api.get(base + "&format=xlsx")
    assert xlsx.headers["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True)
    rows = list(book["Action points"].iter_rows(values_only=True))
    header = rows[0]
    code, status, percent = (header.index(n) for n in ("Code", "Status", "Progress"))
    from_xlsx = {r[code]: (r[status], round(r[percent] * 100, 1)) for r in rows[1:]}

    archive = zipfile.ZipFile(io.BytesIO(api.get(base + "&format=csv").data))
    with archive.open("action_points.csv") as file:
        table = list(csv.DictReader(io.TextIOWrapper(file, encoding="utf-8-sig")))
    from_csv = {r["code"]: (r["status"], float(r["percent"])) for r in table}

    pdf = api.get(base + "&format=pdf")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    plan_percent = re.search(r"Plan progress: ([\d.]+) %", text)
    from_pdf = {
        "percent": float(plan_percent[1]),
        "points": {
            code: (status.lower().replace(" ", "_"), float(percent))
            for code, status, percent in re.findall(
                r"^(T-[A-Z])\s.*?\n(?:.*\n)*?Status\s+([A-Za-z ]+?), ([\d.]+) %", text, re.M
            )
        },
    }
    return {"json": from_json, "xlsx": from_xlsx, "csv": from_csv, "pdf": from_pdf}


def test_every_format_carries_the_same_figures(api):
    first, second = backdated_point(code="T-A"), backdated_point(code="T-B")
    factories.make_update(first, workflow="validated", status="completed")
    factories.make_update(second, workflow="validated", status="in_progress", percent=35)
    backdated_point(code="T-C")  # not reported
    api.as_role("viewer")
    figures = _figures_in_every_format(api)
    points = figures["json"]["points"]
    assert points["T-A"] == ("completed", 100.0)
    assert points["T-B"] == ("in_progress", 35.0)
    assert points["T-C"] == ("not_reported", 0.0)
    assert figures["csv"] == points
    assert figures["pdf"]["percent"] == figures["json"]["percent"]
    assert figures["pdf"]["points"] == points
    statuses = {code: value[0] for code, value in figures["xlsx"].items()}
    assert set(statuses) == set(points)
    assert {code: value[1] for code, value in figures["xlsx"].items()} == {
        code: value[1] for code, value in points.items()
    }


def test_the_command_line_writes_every_format(runner, tmp_path):
    ap = backdated_point(code="T-CLI")
    factories.make_update(ap, workflow="validated", status="completed")
    db.session.commit()
    for fmt in ("json", "xlsx", "csv"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            args=["export", "report", "--format", fmt, "--plan", "BP-CFA-2019", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    body = json.loads((tmp_path / "report.json").read_text())
    assert "T-CLI" in {ap["code"] for g in body["goals"] for ap in g["action_points"]}


def test_the_command_line_refuses_bad_filters_and_writes_nothing(runner, tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(
        args=["export", "report", "--format", "json", "--goal", "9", "--out", str(out)]
    )
    assert result.exit_code != 0
    assert "No priority goal 9" in result.output
    assert not out.exists()


def test_the_progress_overview_sends_as_of_to_the_report(client, login):
    login.as_role("viewer")
    answer = client.get("/progress/plans/BP-CFA-2019?as_of=2024-06-30")
    assert answer.status_code == 302
    assert "/reports/progress?plan=BP-CFA-2019&as_of=2024-06-30" in answer.headers["Location"]
    report = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "30 Jun 2024" in report


def test_narrowed_to_an_actor_the_funding_is_that_actors_pledges():
    ap = backdated_point(lead_actor=factories.get_actor("AT"))
    plan = ap.plan
    whole_plan = pledge_services.Target(pledge_services.TargetKind.PLAN, plan, None, None)
    factories.make_pledge(actor=factories.get_actor("AT"), target=whole_plan, amount_minor=700)
    factories.make_pledge(actor=factories.get_actor("HU"), target=whole_plan, amount_minor=50)
    at_only = report_of(plan="BP-CFA-2019", actor="AT")
    everyone = report_of(plan="BP-CFA-2019")
    assert at_only.funding.pledged == 700
    assert everyone.funding.pledged == 750
    assert [a.id for a in at_only.action_points] == [ap.id]


def test_narrowed_to_a_goal_the_cover_still_counts_the_whole_plan():
    first = backdated_point()
    other_goal = first.plan.goals[1]
    backdated_point(goal=other_goal)
    report = report_of(plan="BP-CFA-2019", goal=str(other_goal.number))
    assert len(report.action_points) == 1
    assert report.cover.defined_action_points == 2
    assert any("2 of 41 action points" in note for note in report.notes)
