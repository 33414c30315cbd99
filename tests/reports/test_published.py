"""Published reports: a round's progress report frozen in four stored files (service, page, API,
command line), served byte for byte ever after, refused twice, and compared with a later one or
with now."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.reports.test_pdf import text_of
from tracker.audit.models import AuditEvent
from tracker.db import db, utcnow
from tracker.pledges import services as pledge_services
from tracker.progress import services as progress_services
from tracker.reports import services
from tracker.reports.compare import CompareError, compare_reports, short_diff
from tracker.reports.models import PUBLISHED_FORMATS, PublishedReport
from tracker.uploads.models import StoredFile
from tracker.uploads.services import storage as current_storage

TODAY = utcnow().date()


@pytest.fixture
def admin():
    return factories.make_user(role="admin", name="Secretariat Publisher")


def make_round(admin, title: str = "SOM 2026", deadline: date = TODAY, plan=None):
    plan = plan or factories.get_plan()
    return progress_services.create_round(
        plan, title=title, opens_on=plan.starts_on, deadline=deadline, by=admin
    )


def reported(ap, admin, *, status: str, percent: int, narrative: str):
    return factories.make_update(
        ap, by=admin, workflow="validated", status=status, percent=percent, narrative=narrative
    )


@pytest.fixture
def funded_point(admin):
    """An action point with a validated update and a pledge of 1,000.00 EUR, 200.00 committed."""
    ap = factories.make_action_point(title="Train border guards")
    reported(ap, admin, status="in_progress", percent=40, narrative="Two workshops were held.")
    target = pledge_services.Target(pledge_services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    pledge = factories.make_pledge(target=target, amount_minor=100_000)
    pledge_services.record_entry(
        pledge, kind="committed", amount_minor=20_000, value_date=date(2024, 2, 1), by="tests"
    )
    return ap, pledge


def on_disk(stored: StoredFile) -> bytes:
    return current_storage().read(stored.sha256)


def test_publishing_keeps_four_files_with_their_sha256(admin, funded_point, storage):
    round_ = make_round(admin)
    published = services.publish_report(round_, by=admin)
    assert set(published.files) == set(PUBLISHED_FORMATS)
    for stored in published.files.values():
        assert hashlib.sha256(on_disk(stored)).hexdigest() == stored.sha256
        assert stored.size == len(on_disk(stored))
    assert on_disk(published.pdf_file).startswith(b"%PDF-")
    assert (
        on_disk(published.xlsx_file).startswith(b"PK") and on_disk(published.csv_file)[:2] == b"PK"
    )
    data = json.loads(on_disk(published.json_file))
    assert data["cover"]["state"] == "Published for SOM 2026"
    assert data["cover"]["generated_by"] == "Secretariat Publisher"
    assert "Published for SOM 2026" in text_of(on_disk(published.pdf_file))
    assert "DRAFT" not in text_of(on_disk(published.pdf_file))
    assert (published.as_of, published.published_by_id) == (TODAY, admin.id)


def test_publishing_is_in_the_round_audit_trail_with_the_hashes(admin):
    round_ = make_round(admin)
    published = services.publish_report(round_, by=admin)
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_type == "reporting_rounds",
            AuditEvent.entity_id == round_.id,
            AuditEvent.action == "publish",
        )
    )
    assert event.user_id == admin.id
    assert event.changes["pdf_sha256"] == [None, published.pdf_file.sha256]
    assert event.changes["published_report"] == [None, published.id]


def test_a_report_stands_on_the_day_it_is_published_over_the_rounds_period(admin, funded_point):
    ap, _ = funded_point
    ap.created_at = utcnow() - timedelta(days=400)  # loaded long before the deadline
    deadline = TODAY - timedelta(days=3)
    round_ = make_round(admin, deadline=deadline)
    # Validated today, after the deadline, as the Secretariat's review is: in the report.
    reported(ap, admin, status="completed", percent=100, narrative="Finished.")
    published = services.publish_report(round_, by=admin)
    assert published.as_of == TODAY
    data = services.published_data(published)
    assert data["cover"]["as_of"] == TODAY.isoformat()
    assert data["cover"]["period_from"] == round_.opens_on.isoformat()
    assert data["cover"]["period_to"] == deadline.isoformat()
    line = next(p for g in data["goals"] for p in g["action_points"] if p["id"] == ap.id)
    assert line["status"] == "completed"


def test_a_deadline_still_ahead_publishes_as_of_today(admin):
    round_ = make_round(admin, deadline=TODAY + timedelta(days=30))
    assert services.publish_report(round_, by=admin).as_of == TODAY


def test_publishing_twice_is_refused_and_the_first_stays(admin):
    round_ = make_round(admin)
    first = services.publish_report(round_, by=admin)
    files = db.session.scalar(select(func.count()).select_from(StoredFile))
    with pytest.raises(services.AlreadyPublished, match="already published") as refused:
        services.publish_report(round_, by=admin)
    assert refused.value.report.id == first.id
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == files


def test_a_lost_race_is_refused_and_leaves_nothing_of_the_loser(admin):
    """Two publishers both passed the check: the unique round decides, the loser's files and
    rows are rolled back with its savepoint."""
    round_ = make_round(admin)
    first = services.publish_report(round_, by=admin)
    files = db.session.scalar(select(func.count()).select_from(StoredFile))
    filters = services.publication_filters(round_)
    report = services.build_progress_report(filters, generated_by="other", published_for="x")
    rendered = {fmt: f"{fmt} of the loser".encode() for fmt in PUBLISHED_FORMATS}
    rendered["pdf"] = b"%PDF-1.7 loser"
    with pytest.raises(services.AlreadyPublished, match="just been published"):
        services.store_published(round_, report, rendered, by=admin)
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == files
    assert db.session.scalars(select(PublishedReport.id)).all() == [first.id]


def test_a_published_report_cannot_be_edited(admin):
    published = services.publish_report(make_round(admin), by=admin)
    published.as_of = date(2020, 1, 1)
    with pytest.raises(RuntimeError, match="frozen"):
        db.session.flush()


def test_only_the_secretariat_publishes(admin):
    from werkzeug.exceptions import Forbidden

    round_ = make_round(admin)
    for role in ("viewer", "member", "focal_point"):
        with pytest.raises(Forbidden):
            services.publish_report(round_, by=factories.make_user(role=role))
    assert services.published_for_round(round_.id) is None


# Pages ------------------------------------------------------------------------------------------


def test_the_secretariat_publishes_from_the_round_page(client, login, funded_point):
    admin = login.as_role("admin")
    round_ = make_round(admin)
    db.session.commit()
    page = client.get(f"/progress/rounds/{round_.id}").get_data(as_text=True)
    assert "Publish the progress report" in page
    response = client.post(f"/reports/rounds/{round_.id}/publish", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Published the progress report for SOM 2026" in page
    published = services.published_for_round(round_.id)
    assert f"/reports/published/{published.id}/pdf" in page
    assert "Publish the progress report</button>" not in page


def test_publishing_twice_from_the_page_says_so_and_changes_nothing(client, login):
    admin = login.as_role("admin")
    round_ = make_round(admin)
    services.publish_report(round_, by=admin)
    db.session.commit()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(f"/reports/rounds/{round_.id}/publish", follow_redirects=True)
    assert "was already published" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PublishedReport)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_others_cannot_publish_and_see_no_button(client, login, role, admin):
    round_ = make_round(admin)
    db.session.commit()
    login.as_role(role)
    assert "Publish the progress report" not in client.get(
        f"/progress/rounds/{round_.id}"
    ).get_data(as_text=True)
    assert client.post(f"/reports/rounds/{round_.id}/publish").status_code == 403
    assert services.published_for_round(round_.id) is None


def test_the_reports_page_lists_published_reports_newest_first(client, login, admin):
    first = services.publish_report(make_round(admin, title="Round one"), by=admin)
    second = services.publish_report(make_round(admin, title="Round two"), by=admin)
    first.published_at  # noqa: B018 (loaded before the commit expires it)
    db.session.commit()
    login.as_role("viewer")
    page = client.get("/reports/").get_data(as_text=True)
    assert page.index("Round two") < page.index("Round one")
    for fmt in PUBLISHED_FORMATS:
        assert f"/reports/published/{second.id}/{fmt}" in page
    assert second.pdf_file.sha256 in page
    assert 'id="compare-form"' in page


# Downloads --------------------------------------------------------------------------------------


def test_downloads_are_the_stored_bytes_also_after_new_validations(client, login, funded_point):
    admin = login.as_role("admin")
    ap, _ = funded_point
    published = services.publish_report(make_round(admin), by=admin)
    db.session.commit()
    before = {
        fmt: client.get(f"/reports/published/{published.id}/{fmt}") for fmt in PUBLISHED_FORMATS
    }
    reported(ap, admin, status="completed", percent=100, narrative="Everything finished.")
    db.session.commit()
    for fmt, stored in published.files.items():
        after = client.get(f"/reports/published/{published.id}/{fmt}")
        assert after.status_code == 200
        assert after.data == before[fmt].data == on_disk(stored)
        assert hashlib.sha256(after.data).hexdigest() == stored.sha256
        assert "attachment" in after.headers["Content-Disposition"]
    assert b"Everything finished." not in before["json"].data
    assert before["pdf"].mimetype == "application/pdf"
    assert before["csv"].mimetype == "application/zip"
    assert before["json"].mimetype == "application/json"


def test_altered_bytes_are_a_410_never_the_altered_bytes(client, login, api, admin, storage):
    published = services.publish_report(make_round(admin), by=admin)
    db.session.commit()
    digest = published.json_file.sha256
    original = storage.read(digest)
    altered = original.replace(b"Published for", b"Forged for   ")
    assert altered != original and len(altered) == len(original)
    storage.replace(digest, altered)
    try:
        login.as_role("viewer")
        response = client.get(f"/reports/published/{published.id}/json")
        assert response.status_code == 410
        assert b"Forged" not in response.data
        assert "bytes have changed" in response.get_data(as_text=True)
        api.as_role("viewer")
        response = api.get(f"/api/v1/reports/published/{published.id}/json")
        assert response.status_code == 410
        assert "bytes have changed" in response.get_json()["error"]["message"]
        response = client.get(f"/reports/compare?from={published.id}&to=now")
        assert response.status_code == 410
    finally:
        storage.replace(digest, original)


def test_an_unknown_format_or_report_is_a_404(client, login, admin):
    published = services.publish_report(make_round(admin), by=admin)
    db.session.commit()
    login.as_role("viewer")
    assert client.get(f"/reports/published/{published.id}/docx").status_code == 404
    assert client.get(f"/reports/published/{published.id + 1000}/pdf").status_code == 404


# API --------------------------------------------------------------------------------------------


def test_the_api_publishes_lists_describes_and_serves_the_files(api, funded_point):
    admin = api.as_role("admin")
    round_ = make_round(admin)
    db.session.commit()
    response = api.post(f"/api/v1/rounds/{round_.id}/publish")
    assert response.status_code == 201
    body = response.get_json()
    assert body["round"]["id"] == round_.id and body["as_of"] == TODAY.isoformat()
    assert set(body["files"]) == set(PUBLISHED_FORMATS)
    listed = api.get("/api/v1/reports/published").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    assert api.get(body["url"]).get_json() == body
    for meta in body["files"].values():
        file = api.get(meta["url"])
        assert file.status_code == 200
        assert hashlib.sha256(file.data).hexdigest() == meta["sha256"]
        assert len(file.data) == meta["size"]


def test_the_api_refuses_a_second_publication_with_409(api):
    admin = api.as_role("admin")
    round_ = make_round(admin)
    first = services.publish_report(round_, by=admin)
    db.session.commit()
    response = api.post(f"/api/v1/rounds/{round_.id}/publish")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "already published" in error["message"] and "round" in error["fields"]
    assert error["published_report"]["id"] == first.id


def test_the_api_refuses_others_and_unknown_rounds(api, admin):
    round_ = make_round(admin)
    db.session.commit()
    api.as_role("focal_point")
    assert api.post(f"/api/v1/rounds/{round_.id}/publish").status_code == 403
    api.as_role("admin")
    assert api.post("/api/v1/rounds/999999/publish").status_code == 404
    assert services.published_for_round(round_.id) is None


# Command line -----------------------------------------------------------------------------------


def test_the_command_line_publishes_and_prints_the_hashes(runner, admin):
    round_ = make_round(admin)
    db.session.commit()
    result = runner.invoke(args=["report", "publish", "--round", str(round_.id)])
    assert result.exit_code == 0, result.output
    published = services.published_for_round(round_.id)
    assert published.published_by == "command line"
    for stored in published.files.values():
        assert stored.sha256 in result.output
    again = runner.invoke(args=["report", "publish", "--round", str(round_.id)])
    assert again.exit_code != 0
    assert "already published" in again.output


@pytest.mark.parametrize("round_id", ["999999", "0", "99999999999"])
def test_the_command_line_refuses_an_unknown_round(runner, round_id):
    result = runner.invoke(args=["report", "publish", "--round", round_id])
    assert result.exit_code != 0
    assert "No reporting round" in result.output


# Comparison -------------------------------------------------------------------------------------


def test_comparing_two_published_reports_finds_what_changed(admin, funded_point):
    ap, pledge = funded_point
    first = services.publish_report(make_round(admin, title="Round one"), by=admin)
    reported(
        ap,
        admin,
        status="completed",
        percent=100,
        narrative="Two workshops were held, and a third.",
    )
    pledge_services.record_entry(
        pledge, kind="committed", amount_minor=30_000, value_date=TODAY, by="tests"
    )
    new_point = factories.make_action_point(title="Added later")
    second = services.publish_report(make_round(admin, title="Round two"), by=admin)

    changes = services.compare_published(str(first.id), str(second.id), by=admin).changes
    line = next(c for c in changes["action_points"] if c["id"] == ap.id)
    assert line["status"] == {"old": "in_progress", "new": "completed"}
    assert line["percent"] == {"old": 40.0, "new": 100.0, "change": 60.0}
    assert line["funding"]["committed"] == {"old": "200.00", "new": "500.00", "change": "300.00"}
    (narrative,) = line["narratives"]
    assert narrative["change"] == "changed" and narrative["actor_code"] == "HU"
    assert ["insert", "and a third."] in narrative["diff"] or any(
        op == "insert" and "third" in text for op, text in narrative["diff"]
    )
    assert [a["id"] for a in changes["added"]] == [new_point.id]
    assert changes["plan"]["new"] > changes["plan"]["old"]
    assert changes["from"]["published_for"] == "Round one"


def test_comparing_one_with_now_sees_what_was_validated_since(admin, funded_point):
    ap, _ = funded_point
    published = services.publish_report(make_round(admin), by=admin)
    reported(ap, admin, status="on_hold", percent=40, narrative="Paused for the elections.")
    comparison = services.compare_published(str(published.id), "now", by=admin)
    assert comparison.to is None
    line = next(c for c in comparison.changes["action_points"] if c["id"] == ap.id)
    assert line["status"] == {"old": "in_progress", "new": "on_hold"}
    assert line["percent"] is None
    assert line["narratives"][0]["new"] == "Paused for the elections."
    assert comparison.changes["to"]["state"] == "DRAFT"


def test_the_comparison_page_and_api_show_the_change(client, login, api, funded_point):
    admin = login.as_role("admin")
    ap, _ = funded_point
    published = services.publish_report(make_round(admin), by=admin)
    reported(ap, admin, status="completed", percent=100, narrative="All done.")
    db.session.commit()
    response = client.get(f"/reports/compare?from={published.id}&to=now")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "In progress → Completed" in page
    assert "40.0\xa0% → 100.0\xa0%" in page
    assert "<ins>All done</ins>" in page
    api.as_role("viewer")
    body = api.get(f"/api/v1/reports/compare?from={published.id}&to=now").get_json()
    assert body["to"] == "now" and body["from"]["id"] == published.id
    assert body["action_points"][0]["status"] == {"old": "in_progress", "new": "completed"}


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=abc", "give the number of a published report"),
        ("from=99999999999999999999", "give the number of a published report"),
        ("from=999999", "there is no published report 999999"),
        ("from={id}&to=-3", "give the number of a published report"),
    ],
)
def test_bad_comparison_arguments_get_a_message_not_a_500(client, login, api, admin, query, says):
    published = services.publish_report(make_round(admin), by=admin)
    db.session.commit()
    query = query.format(id=published.id)
    login.as_role("viewer")
    response = client.get(f"/reports/compare?{query}")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    api.as_role("viewer")
    response = api.get(f"/api/v1/reports/compare?{query}")
    assert response.status_code == 400
    assert says in response.get_json()["error"]["message"]


def test_without_arguments_the_newest_report_is_compared_with_now(client, login, admin):
    login.as_role("viewer")
    assert "No report has been published yet" in client.get("/reports/compare").get_data(
        as_text=True
    )
    services.publish_report(make_round(admin, title="Round one"), by=admin)
    newest = services.publish_report(make_round(admin, title="Round two"), by=admin)
    db.session.commit()
    comparison = services.compare_published(None, None, by=admin)
    assert (comparison.source.id, comparison.to) == (newest.id, None)
    page = client.get("/reports/compare").get_data(as_text=True)
    assert 'id="comparison"' in page and "Round two" in page


def test_reports_of_two_plans_are_not_compared(admin):
    first = services.publish_report(make_round(admin), by=admin)
    other_plan = factories.get_plan("BP-CFA-2025")
    second = services.publish_report(make_round(admin, plan=other_plan), by=admin)
    with pytest.raises(services.PublishError, match="one plan"):
        services.compare_published(str(first.id), str(second.id), by=admin)


def _report(points: list[dict], **overrides) -> dict:
    return {
        "cover": {"plan_code": "P", "as_of": "2026-01-01"},
        "currency": "EUR",
        "percent": 10.0,
        "goals": [{"id": 1, "number": 1, "title": "G", "percent": 10.0, "action_points": points}],
        **overrides,
    }


def _point(ap_id: int, **overrides) -> dict:
    return {
        "id": ap_id,
        "code": str(ap_id),
        "title": f"AP {ap_id}",
        "status": "planned",
        "percent": 5.0,
        "funding": {"need": None, "pledged": "0.00", "committed": "0.00", "disbursed": "0.00"},
        "narratives": [],
        **overrides,
    }


def test_compare_reports_tells_added_removed_and_changed_narratives():
    said = {"actor_code": "HU", "actor_name": "Hungary", "status": "planned", "percent": 5}
    old = _report([_point(1, narratives=[{**said, "narrative": "Old words."}]), _point(2)])
    new = _report(
        [
            _point(1, narratives=[{**said, "actor_code": "AT", "narrative": "New words."}]),
            _point(3),
        ]
    )
    changes = compare_reports(old, new)
    (line,) = changes["action_points"]
    assert [(n["actor_code"], n["change"]) for n in line["narratives"]] == [
        ("AT", "added"),
        ("HU", "removed"),
    ]
    assert [a["id"] for a in changes["added"]] == [3]
    assert [r["id"] for r in changes["removed"]] == [2]
    assert changes["unchanged"] == 0


def test_compare_reports_reads_old_reports_that_lack_newer_keys():
    old = {"cover": {"plan_code": "P"}, "goals": [{"id": 1, "action_points": [{"id": 1}]}]}
    changes = compare_reports(old, _report([_point(1)]))
    assert changes["plan"] == {"old": None, "new": 10.0, "change": None}
    assert changes["action_points"][0]["status"] == {"old": None, "new": "planned"}


def test_compare_reports_refuses_two_plans_and_skips_funding_in_two_currencies():
    with pytest.raises(CompareError):
        compare_reports(_report([]), _report([], cover={"plan_code": "Q"}))
    funded = _point(1, funding={"pledged": "5.00"})
    changes = compare_reports(_report([_point(1)]), _report([funded], currency="USD"))
    assert changes["action_points"] == [] and "different currencies" in changes["notes"][0]


def test_a_long_narrative_diff_is_cut_around_the_change():
    words = " ".join(f"w{n}" for n in range(500))
    runs = short_diff(words, words.replace("w250 ", "changed "))
    assert ["delete", "w250 "] in runs and ["insert", "changed "] in runs
    assert sum(len(text) for _, text in runs) < 200
