"""Progress updates: the workflow, the summary rows, rollups, and the pages."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.db import StaleVersionError, db
from tracker.progress import queries
from tracker.progress import services as progress
from tracker.progress.models import (
    ActionPointStatus,
    ActorActionPointStatus,
    ProgressUpdate,
    Status,
    Workflow,
)

TODAY = date.today()


def count_updates() -> int:
    return db.session.scalar(select(func.count()).select_from(ProgressUpdate))


@pytest.fixture
def focal():
    return factories.make_user(role="focal_point", actor=factories.get_actor("HU"))


@pytest.fixture
def admin():
    return factories.make_user(role="admin")


@pytest.fixture
def ap():
    return factories.make_action_point(lead_actor=factories.get_actor("HU"))


def test_status_default_percent_applies_when_percent_is_left_empty(ap, focal):
    update = factories.make_update(ap, by=focal, status="completed")
    assert update.percent == 100
    assert update.workflow == Workflow.DRAFT


def test_on_hold_keeps_the_actors_last_validated_percent(ap, focal, admin):
    factories.make_update(ap, by=admin, status="in_progress", percent=70, workflow="validated")
    held = factories.make_update(ap, by=focal, status="on_hold")
    assert held.percent == 70


def test_reporter_may_adjust_the_percent(ap, focal):
    assert factories.make_update(ap, by=focal, status="in_progress", percent=35).percent == 35


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"status": "finished"}, "status"),
        ({"reported_on": date(1900, 1, 1)}, "reported_on"),
        ({"reported_on": date(2100, 1, 1)}, "reported_on"),
        ({"narrative": "x" * 5_000_000}, "narrative"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
        ({"evidence_links": ["ftp://example.org/x"]}, "evidence_links"),
    ],
)
def test_bad_values_are_refused_at_their_field(ap, focal, overrides, field):
    before = count_updates()
    with pytest.raises(progress.ProgressError) as error:
        factories.make_update(ap, by=focal, **overrides)
    assert error.value.field == field
    assert count_updates() == before


def test_focal_point_cannot_report_for_another_actor(ap, focal):
    with pytest.raises(Forbidden):
        factories.make_update(ap, by=focal, actor=factories.get_actor("AT"))


def test_focal_point_cannot_validate_its_own_update(ap, focal):
    update = factories.make_update(ap, by=focal, workflow="submitted")
    with pytest.raises(Forbidden):
        progress.validate_update(update, by=focal)
    assert update.workflow == Workflow.SUBMITTED
    assert db.session.get(ActionPointStatus, ap.id) is None


def test_workflow_draft_submit_validate_fills_the_summary_rows(ap, focal, admin):
    update = factories.make_update(ap, by=focal, status="in_progress", percent=40)
    progress.submit_update(update, by=focal)
    assert update.workflow == Workflow.SUBMITTED and update.submitted_at is not None
    progress.validate_update(update, by=admin)
    overall = db.session.get(ActionPointStatus, ap.id)
    own = db.session.get(ActorActionPointStatus, (update.actor_id, ap.id))
    assert (overall.update_id, overall.status, overall.percent) == (
        update.id,
        Status.IN_PROGRESS,
        40,
    )
    assert own.update_id == update.id
    events = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "action_points", AuditEvent.entity_id == ap.id
        )
    ).all()
    assert "status" in events


def test_latest_is_by_reporting_date_not_by_validation_order(ap, admin):
    newer = factories.make_update(ap, by=admin, percent=80, reported_on=TODAY, workflow="validated")
    factories.make_update(
        ap,
        by=admin,
        actor=factories.get_actor("AT"),
        percent=20,
        reported_on=TODAY - timedelta(days=30),
        workflow="validated",
    )
    overall = db.session.get(ActionPointStatus, ap.id)
    assert overall.update_id == newer.id and overall.percent == 80
    at_row = db.session.get(ActorActionPointStatus, (factories.get_actor("AT").id, ap.id))
    assert at_row.percent == 20


def test_return_needs_a_reason_and_the_reporter_can_edit_and_resubmit(ap, focal, admin):
    update = factories.make_update(ap, by=focal, workflow="submitted")
    with pytest.raises(progress.ProgressError) as error:
        progress.return_update(update, reason="  ", by=admin)
    assert error.value.field == "reason"
    progress.return_update(update, reason="Add the workshop report.", by=admin)
    assert update.workflow == Workflow.RETURNED
    progress.edit_update(
        update,
        version=update.version,
        status="completed",
        percent=None,
        reported_on=TODAY,
        narrative="Done.",
        evidence_links=["https://example.org/report"],
        by=focal,
    )
    progress.submit_update(update, by=focal)
    assert (update.workflow, update.percent) == (Workflow.SUBMITTED, 100)


def test_submitted_and_validated_updates_cannot_be_edited(ap, focal, admin):
    update = factories.make_update(ap, by=focal, workflow="validated")
    with pytest.raises(progress.ProgressError, match="correction is a new update"):
        progress.edit_update(
            update,
            version=update.version,
            status="completed",
            percent=None,
            reported_on=TODAY,
            narrative=None,
            evidence_links=[],
            by=admin,
        )


def test_edit_at_an_old_version_is_a_conflict_and_changes_nothing(ap, focal):
    update = factories.make_update(ap, by=focal, narrative="First")
    old = update.version
    progress.edit_update(
        update,
        version=old,
        status="planned",
        percent=None,
        reported_on=TODAY,
        narrative="Second",
        evidence_links=[],
        by=focal,
    )
    with pytest.raises(StaleVersionError):
        progress.edit_update(
            update,
            version=old,
            status="planned",
            percent=None,
            reported_on=TODAY,
            narrative="Third",
            evidence_links=[],
            by=focal,
        )
    assert update.narrative == "Second"


def test_rollup_is_the_weighted_mean_with_counts_per_status(admin):
    plan = factories.get_plan()
    first = factories.make_action_point(plan)
    second = factories.make_action_point(plan)
    factories.make_update(first, by=admin, status="completed", workflow="validated")
    factories.make_update(second, by=admin, status="in_progress", percent=40, workflow="validated")
    progress.set_weight(first, weight=3, by=admin)
    overall, goals = queries.rollup(plan)
    assert overall.counts == {"completed": 1, "in_progress": 1}
    assert overall.percent == pytest.approx((3 * 100 + 40) / 4)
    assert goals[first.goal_id].total == 2


def test_action_point_without_validated_update_counts_as_not_reported_and_stale(ap):
    overall, _ = queries.rollup(ap.plan)
    assert overall.counts == {queries.NOT_REPORTED: 1}
    assert overall.stale == 1 and overall.percent == 0


def test_old_validated_update_is_stale(app, ap, admin):
    old = TODAY - timedelta(days=app.config["STALE_AFTER_DAYS"] + 1)
    factories.make_update(ap, by=admin, reported_on=old, workflow="validated")
    assert queries.rollup(ap.plan)[0].stale == 1


def test_bulk_report_is_all_or_nothing_with_errors_by_row(focal):
    plan = factories.get_plan()
    good = factories.make_action_point(plan)
    rows = [
        progress.BulkRow(line=2, action_point=good.code, status="planned"),
        progress.BulkRow(line=3, action_point="nope", status="planned"),
        progress.BulkRow(line=4, action_point=good.code, status="planned", percent="abc"),
    ]
    before = count_updates()
    with pytest.raises(progress.ProgressBulkError) as error:
        progress.record_bulk(
            plan, actor=focal.actor, rows=rows, reported_on=TODAY, submit=False, by=focal
        )
    assert set(error.value.rows) == {3, 4}
    assert count_updates() == before


def test_round_report_shows_who_reported(admin):
    plan = factories.get_plan()
    hu, at = factories.get_actor("HU"), factories.get_actor("AT")
    ap = factories.make_action_point(plan, lead_actor=hu, partners=[at])
    round_ = progress.create_round(
        plan, title="SOM 2026", opens_on=TODAY - timedelta(days=10), deadline=TODAY, by=admin
    )
    factories.make_update(ap, by=admin, actor=hu, workflow="validated")
    _, actors, reported, expected = queries.round_report(round_, queries.Filters())
    assert reported[(hu.id, ap.id)] == "validated"
    assert (at.id, ap.id) in expected and (at.id, ap.id) not in reported
    assert {hu, at} <= set(actors)


# Pages


def test_focal_point_reports_and_admin_validates_through_the_pages(app, client, login, ap):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    response = client.post(
        f"/progress/action-points/{ap.id}/updates/new",
        data={
            "actor": "HU",
            "status": "in_progress",
            "percent": "30",
            "reported_on": TODAY.isoformat(),
            "narrative": "Started.",
            "submit": "",
        },
    )
    assert response.status_code == 302
    update = db.session.scalar(
        select(ProgressUpdate).where(ProgressUpdate.action_point_id == ap.id)
    )
    assert update.workflow == Workflow.SUBMITTED and update.created_by_id == focal.id
    assert client.post(f"/progress/updates/{update.id}/validate").status_code == 403
    client = login.client = app.test_client()
    login.as_role("admin")
    response = client.post(
        f"/progress/updates/{update.id}/validate",
        data={"version": update.version},
        follow_redirects=True,
    )
    assert "Update validated." in response.get_data(as_text=True)
    page = client.get(f"/plans/{ap.plan.code}").get_data(as_text=True)
    assert "In progress" in page and "30 %" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("percent", "101", "between 0 and 100"),
        ("percent", "-1", "between 0 and 100"),
        ("percent", "abc", "Not a valid integer"),
        ("status", "finished", "Not a valid choice"),
        ("reported_on", "1900-01-01", "before the plan starts"),
        ("reported_on", "2100-01-01", "cannot be in the future"),
        ("narrative", "x" * 5_000_000, "longer than 20000"),
        ("evidence_links", "javascript:alert(1)", "Not a web address"),
    ],
)
def test_bad_input_on_the_page_gets_a_message_at_the_field(
    client, login, ap, field, value, message
):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    data = {"actor": "HU", "status": "planned", "reported_on": TODAY.isoformat(), field: value}
    before = count_updates()
    response = client.post(f"/progress/action-points/{ap.id}/updates/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_updates() == before


def test_focal_point_cannot_post_an_update_for_another_actor(client, login, ap):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    before = count_updates()
    response = client.post(
        f"/progress/action-points/{ap.id}/updates/new",
        data={"actor": "AT", "status": "planned", "reported_on": TODAY.isoformat()},
    )
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert count_updates() == before


def test_another_actors_draft_is_not_found_but_validated_is_readable(client, login, ap, admin):
    draft = factories.make_update(ap, by=admin)
    done = factories.make_update(ap, by=admin, workflow="validated")
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("AT"))
    assert client.get(f"/progress/updates/{draft.id}").status_code == 404
    assert client.get(f"/progress/updates/{done.id}").status_code == 200
    listing = client.get("/progress/updates").get_data(as_text=True)
    assert f"#{done.id}<" in listing and f"#{draft.id}<" not in listing


def test_markdown_narrative_is_sanitised(client, login, ap, admin):
    update = factories.make_update(
        ap,
        by=admin,
        narrative='<script>alert(1)</script> ![x](x.png "t")<img src=x onerror=alert(2)> '
        "[click](javascript:alert(3))",
    )
    db.session.commit()
    login.as_role("admin")
    page = client.get(f"/progress/updates/{update.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in page


def test_second_browser_saving_the_same_update_gets_the_conflict_page(client, login, ap):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal, narrative="Original")
    db.session.commit()
    old = update.version
    form = {"actor": "HU", "status": "planned", "reported_on": TODAY.isoformat(), "version": old}
    assert (
        client.post(
            f"/progress/updates/{update.id}/edit", data={**form, "narrative": "First browser"}
        ).status_code
        == 302
    )
    response = client.post(
        f"/progress/updates/{update.id}/edit", data={**form, "narrative": "Second browser"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="conflict"' in page
    assert "First browser" in page and "Second browser" in page
    db.session.expire_all()
    assert db.session.get(ProgressUpdate, update.id).narrative == "First browser"


def test_returning_without_a_reason_is_refused(client, login, ap, admin):
    update = factories.make_update(ap, by=admin, workflow="submitted")
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/progress/updates/{update.id}/return", data={"reason": ""}, follow_redirects=True
    )
    assert "This field is required" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgressUpdate, update.id).workflow == Workflow.SUBMITTED


@pytest.mark.parametrize(
    "path",
    [
        "/progress/plans/BP-CFA-2019",
        "/progress/plans/BP-CFA-2019?goal=1&actor=HU&status=not_reported",
        "/progress/plans/BP-CFA-2019?actor=NOPE&working_group=zzz",
        "/progress/plans/BP-CFA-2019/matrix?goal=2",
        "/progress/plans/BP-CFA-2019/changes?since=2020-01-01&actor=HU",
        "/progress/plans/BP-CFA-2019/changes?since=not-a-date",
        "/progress/updates?workflow=validated&status=completed",
        "/progress/my-work",
        "/progress/rounds",
    ],
)
def test_progress_pages_answer_with_any_filters(client, login, path, ap, admin):
    factories.make_update(ap, by=admin, workflow="validated")
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    assert client.get(path).status_code == 200


def test_my_work_lists_returned_updates_and_action_points_to_report(client, login, ap, admin):
    returned = factories.make_update(ap, by=admin, workflow="returned")
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    page = client.get("/progress/my-work").get_data(as_text=True)
    assert f"#{returned.id}<" in page
    assert ap.title in page


def test_bulk_form_saves_every_row_with_a_status(client, login):
    plan = factories.get_plan()
    first = factories.make_action_point(plan, lead_actor=factories.get_actor("HU"))
    second = factories.make_action_point(plan, lead_actor=factories.get_actor("HU"))
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    form = client.get(f"/progress/plans/{plan.code}/bulk").get_data(as_text=True)
    assert first.code in form and second.code in form
    data = {
        "actor": "HU",
        "reported_on": TODAY.isoformat(),
        "submit_now": "y",
        "rows-0-action_point": first.code,
        "rows-0-status": "completed",
        "rows-1-action_point": second.code,
        "rows-1-status": "",
    }
    assert client.post(f"/progress/plans/{plan.code}/bulk", data=data).status_code == 302
    saved = db.session.scalars(
        select(ProgressUpdate).where(ProgressUpdate.action_point_id.in_([first.id, second.id]))
    ).all()
    assert [(u.action_point_id, u.workflow) for u in saved] == [(first.id, Workflow.SUBMITTED)]


def test_csv_upload_with_a_bad_row_saves_nothing_and_names_the_row(client, login):
    import io

    plan = factories.get_plan()
    ap = factories.make_action_point(plan)
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    content = f"action_point,status,percent\n{ap.code},completed,\n{ap.code}9,planned,101\n"
    before = count_updates()
    response = client.post(
        f"/progress/plans/{plan.code}/upload",
        data={
            "actor": "HU",
            "reported_on": TODAY.isoformat(),
            "file": (io.BytesIO(content.encode()), "report.csv"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Row 3, action point" in page
    assert count_updates() == before


def test_xlsx_upload_saves_the_rows(client, login):
    import io

    from openpyxl import Workbook

    plan = factories.get_plan()
    ap = factories.make_action_point(plan)
    book = Workbook()
    book.active.append(["action_point", "status", "percent", "narrative", "evidence_links"])
    book.active.append([ap.code, "in_progress", 60, "Going well", "https://example.org/a"])
    buffer = io.BytesIO()
    book.save(buffer)
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    response = client.post(
        f"/progress/plans/{plan.code}/upload",
        data={
            "actor": "HU",
            "reported_on": TODAY.isoformat(),
            "file": (io.BytesIO(buffer.getvalue()), "report.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    update = db.session.scalar(
        select(ProgressUpdate).where(ProgressUpdate.action_point_id == ap.id)
    )
    assert (update.percent, update.evidence_links) == (60, ["https://example.org/a"])


def test_upload_of_html_claiming_to_be_xlsx_is_refused(client, login):
    import io

    plan = factories.get_plan()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    response = client.post(
        f"/progress/plans/{plan.code}/upload",
        data={
            "actor": "HU",
            "reported_on": TODAY.isoformat(),
            "file": (io.BytesIO(b"<html><script>x</script></html>"), "report.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert "The file is named .xlsx but is not an Excel workbook" in response.get_data(as_text=True)


def test_upload_of_an_xlsx_with_broken_xml_is_refused_not_a_500(client, login):
    import io
    import zipfile

    from openpyxl import Workbook

    plain = io.BytesIO()
    Workbook().save(plain)
    damaged = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the sheet's XML cut off in the middle
            target.writestr(item, data)
    plan = factories.get_plan()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    before = db.session.scalar(select(func.count()).select_from(ProgressUpdate))
    response = client.post(
        f"/progress/plans/{plan.code}/upload",
        data={
            "actor": "HU",
            "reported_on": TODAY.isoformat(),
            "file": (io.BytesIO(damaged.getvalue()), "report.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code < 500
    assert "The .xlsx file is damaged or not an Excel workbook." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == before


def test_timeline_shows_update_events_with_their_changes(app, client, login, ap, admin):
    update = factories.make_update(ap, by=admin, narrative="a")
    progress.edit_update(
        update,
        version=update.version,
        status="completed",
        percent=None,
        reported_on=TODAY,
        narrative="b",
        evidence_links=[],
        by=admin,
    )
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/progress/action-points/{ap.id}").get_data(as_text=True)
    assert "Edited" not in page  # a viewer does not see drafts
    client = login.client = app.test_client()
    login.as_role("admin")
    page = client.get(f"/progress/action-points/{ap.id}").get_data(as_text=True)
    assert "Edited status, percent complete, narrative" in page
    assert "<del>In progress</del> → <ins>Completed</ins>" in page  # labels, not stored values


def test_admin_sets_a_weight_and_others_cannot(app, client, login, ap):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    assert (
        client.post(f"/progress/action-points/{ap.id}/weight", data={"weight": "5"}).status_code
        == 403
    )
    client = login.client = app.test_client()
    login.as_role("admin")
    client.post(f"/progress/action-points/{ap.id}/weight", data={"weight": "5"})
    db.session.expire_all()
    assert ap.weight == 5


def test_demo_history_and_its_summary_rows_agree_with_the_services(app, tmp_path, monkeypatch):
    from tracker.demo import DEMO_CODE, load_demo

    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # the demo writes its accounts there
    load_demo(years=2)
    plan = factories.get_plan(DEMO_CODE)
    rows = queries.plan_statuses(plan)
    assert len(rows) == 41
    for ap in plan.action_points[:5]:
        latest = progress._latest_validated(ap.id)
        assert rows[ap.id].update_id == latest.id
        own = db.session.get(ActorActionPointStatus, (latest.actor_id, ap.id))
        assert own.update_id == progress._latest_validated(ap.id, latest.actor_id).id
    pending = db.session.scalar(
        select(func.count()).where(ProgressUpdate.workflow == Workflow.SUBMITTED)
    )
    assert pending > 0 and sum(queries.pending_counts(plan).values()) == pending


def test_evidence_file_is_checked_by_content_and_downloaded_only_by_readers(app, client, login, ap):
    import io

    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal)
    db.session.commit()
    url = f"/progress/updates/{update.id}/evidence"
    fake = {"file": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "report.pdf")}
    response = client.post(url, data=fake, content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.endswith(f"/{update.id}#evidence")
    assert "content is HTML" in client.get(response.location).get_data(as_text=True)
    real = {"file": (io.BytesIO(factories.PDF_BYTES), "report.pdf")}
    assert client.post(url, data=real, content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    item = db.session.get(ProgressUpdate, update.id).evidence_files[0]
    download = client.get(f"{url}/{item.id}")
    assert download.status_code == 200 and download.data == factories.PDF_BYTES
    assert download.headers["Content-Disposition"].startswith("attachment")
    other = app.test_client()
    login.client = other
    login.as_role("focal_point", actor=factories.get_actor("AT"))
    assert other.get(f"{url}/{item.id}").status_code == 404  # a draft's evidence is private


def test_upload_cut_short_by_an_oversized_field_leaves_no_open_file(client, login):
    import gc
    import warnings

    login.as_role("focal_point", actor=factories.get_actor("HU"))
    # Built by hand: the test client would put the text field before the file.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + b"x" * 600_000 + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="big"\r\n\r\n'
        + b"y" * 600_000  # over the form memory limit: parsing stops here
        + b"\r\n--b--\r\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.post(
            "/progress/plans/BP-CFA-2019/upload",
            data=body,
            content_type="multipart/form-data; boundary=b",
        )
        gc.collect()
    assert response.status_code == 413
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
