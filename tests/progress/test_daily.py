"""Issue 14, daily use: the update form's starting values and files, withdrawing an update,
My work's complete lists, and who has not reported in a round."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.notifications.models import Notification
from tracker.progress import services as progress
from tracker.progress.models import ProgressUpdate, RoundReminder, UpdateEvidence, Workflow
from tracker.uploads.models import StoredFile

TODAY = date.today()
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture
def ap():
    return factories.make_action_point(lead_actor=factories.get_actor("HU"))


@pytest.fixture
def admin():
    return factories.make_user(role="admin")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def update_form(status="in_progress", **extra) -> dict:
    return {"actor": "HU", "status": status, "percent": "40", "reported_on": TODAY, **extra}


def pdf(name="report.pdf"):
    return (io.BytesIO(factories.PDF_BYTES), name)


def test_new_update_starts_from_the_actors_last_validated_status(client, login, ap, admin):
    factories.make_update(ap, by=admin, status="ongoing", percent=24, workflow="validated")
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    page = client.get(f"/progress/action-points/{ap.id}/updates/new").get_data(as_text=True)
    assert '<option selected value="ongoing">' in page
    assert 'name="percent" type="number" value="24"' in page
    assert 'id="starting-point"' in page and "Hungary" in page


def test_new_update_of_an_actor_without_its_own_starts_from_the_overall_status(
    client, login, ap, admin
):
    factories.make_update(
        ap, by=admin, actor=factories.get_actor("AT"), status="planned", workflow="validated"
    )
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    page = client.get(f"/progress/action-points/{ap.id}/updates/new").get_data(as_text=True)
    assert '<option selected value="planned">' in page and "Austria" in page


def test_new_update_with_nothing_validated_has_no_starting_note(client, login, ap):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    page = client.get(f"/progress/action-points/{ap.id}/updates/new").get_data(as_text=True)
    assert 'id="starting-point"' not in page and 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize("button", ["save", "submit"])
def test_the_form_takes_several_evidence_files_at_once(client, login, ap, button):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    data = {**update_form(), button: "", "evidence_files": [pdf("a.pdf"), pdf("b.pdf")]}
    response = client.post(
        f"/progress/action-points/{ap.id}/updates/new",
        data=data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    query = select(ProgressUpdate).where(ProgressUpdate.action_point_id == ap.id)
    update = db.session.scalars(query).one()
    assert [e.file.filename for e in update.evidence_files] == ["a.pdf", "b.pdf"]
    assert update.workflow == (Workflow.SUBMITTED if button == "submit" else Workflow.DRAFT)
    assert "2 evidence files" in client.get(response.location).get_data(as_text=True)


def test_one_refused_file_among_several_saves_nothing(client, login, ap):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    before = count(ProgressUpdate), count(UpdateEvidence), count(StoredFile)
    data = {
        **update_form(),
        "submit": "",
        "evidence_files": [pdf("a.pdf"), (io.BytesIO(HTML), "b.pdf"), pdf("c.pdf")],
    }
    url = f"/progress/action-points/{ap.id}/updates/new"
    response = client.post(url, data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "b.pdf: " in page and "content is HTML" in page
    assert 'id="evidence_files-error-1"' in page
    assert (count(ProgressUpdate), count(UpdateEvidence), count(StoredFile)) == before


def test_editing_adds_files_and_a_refused_one_keeps_the_saved_edit_unchanged(client, login, ap):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal, narrative="Before")
    db.session.commit()
    url = f"/progress/updates/{update.id}/edit"
    data = {**update_form(), "narrative": "After", "version": update.version, "save": ""}
    bad = {**data, "evidence_files": [pdf(), (io.BytesIO(HTML), "x.pdf")]}
    assert client.post(url, data=bad, content_type="multipart/form-data").status_code == 200
    db.session.expire_all()
    assert db.session.get(ProgressUpdate, update.id).narrative == "Before"
    good = {**data, "evidence_files": [pdf()]}
    assert client.post(url, data=good, content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    saved = db.session.get(ProgressUpdate, update.id)
    assert saved.narrative == "After" and len(saved.evidence_files) == 1


def test_more_files_than_an_update_holds_are_refused(client, login, ap):
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    files = [pdf(f"{n}.pdf") for n in range(progress.MAX_EVIDENCE_FILES + 1)]
    response = client.post(
        f"/progress/action-points/{ap.id}/updates/new",
        data={**update_form(), "save": "", "evidence_files": files},
        content_type="multipart/form-data",
    )
    assert "at most 10 evidence files" in response.get_data(as_text=True)
    assert count(ProgressUpdate) == 0


def test_author_withdraws_a_submitted_update_to_draft_with_an_audit_event(client, login, ap):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal, workflow="submitted")
    db.session.commit()
    page = client.get(f"/progress/updates/{update.id}").get_data(as_text=True)
    assert "Withdraw to draft" in page
    response = client.post(f"/progress/updates/{update.id}/withdraw")
    assert response.status_code == 302 and response.location.endswith(f"/updates/{update.id}")
    db.session.expire_all()
    withdrawn = db.session.get(ProgressUpdate, update.id)
    assert withdrawn.workflow == Workflow.DRAFT and withdrawn.submitted_at is None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "withdraw", AuditEvent.entity_id == update.id)
    ).one()
    assert event.changes == {"workflow": ["submitted", "draft"]}


@pytest.mark.parametrize("workflow", ["validated", "draft", "returned"])
def test_only_a_submitted_update_can_be_withdrawn(client, login, ap, workflow):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal, workflow=workflow)
    db.session.commit()
    response = client.post(f"/progress/updates/{update.id}/withdraw", follow_redirects=True)
    assert "Only a submitted update can be withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgressUpdate, update.id).workflow == Workflow(workflow)


def test_withdrawing_a_version_someone_changed_meanwhile_is_refused_and_redirected(
    client, login, ap
):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal, workflow="submitted")
    db.session.commit()
    url = f"/progress/updates/{update.id}/withdraw"
    response = client.post(url, data={"version": update.version - 1})
    assert response.status_code == 302
    assert "Not done:" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgressUpdate, update.id).workflow == Workflow.SUBMITTED


def test_another_actors_update_cannot_be_withdrawn(client, login, ap):
    other = factories.make_user(role="focal_point", actor=factories.get_actor("AT"))
    at = factories.get_actor("AT")
    update = factories.make_update(ap, by=other, actor=at, workflow="submitted")
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    assert client.post(f"/progress/updates/{update.id}/withdraw").status_code == 404
    db.session.expire_all()
    assert db.session.get(ProgressUpdate, update.id).workflow == Workflow.SUBMITTED


def test_withdraw_through_the_api_and_a_validated_one_is_a_conflict(api, ap, admin):
    focal = api.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal, workflow="submitted")
    done = factories.make_update(ap, by=focal, workflow="validated")
    db.session.commit()
    response = api.post(f"/api/v1/updates/{update.id}/withdraw")
    assert response.status_code == 200 and response.get_json()["workflow"] == "draft"
    refused = api.post(f"/api/v1/updates/{done.id}/withdraw", json={"version": done.version})
    assert refused.status_code == 409
    assert "Only a submitted update" in refused.get_json()["error"]["message"]
    assert refused.get_json()["error"]["current"]["workflow"] == "validated"


def test_a_refused_evidence_file_on_the_update_page_redirects_back_to_it(client, login, ap):
    focal = login.as_role("focal_point", actor=factories.get_actor("HU"))
    update = factories.make_update(ap, by=focal)
    db.session.commit()
    response = client.post(
        f"/progress/updates/{update.id}/evidence",
        data={"file": (io.BytesIO(HTML), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Not attached" in client.get(response.location).get_data(as_text=True)


def submitted(ap, by, n: int) -> list[ProgressUpdate]:
    return [factories.make_update(ap, by=by, workflow="submitted") for _ in range(n)]


def test_to_validate_is_complete_paged_and_newest_first(client, login, ap, admin):
    updates = submitted(ap, admin, 23)
    db.session.commit()
    login.as_role("admin")
    first = client.get("/progress/my-work").get_data(as_text=True)
    assert 'id="to-validate">Updates to validate, newest first <span class="badge' in first
    assert ">23</span>" in first and "Page 1 of 2" in first
    newest, oldest = updates[-1].id, updates[0].id
    assert f"#{newest}<" in first and f"#{oldest}<" not in first
    assert first.index(f"#{newest}<") < first.index(f"#{updates[-2].id}<")
    second = client.get("/progress/my-work?to_validate_page=2").get_data(as_text=True)
    assert f"#{oldest}<" in second and "Page 2 of 2" in second


def test_a_just_submitted_update_is_waiting_for_its_author_and_first_for_the_secretariat(
    app, client, login, ap, admin
):
    submitted(ap, admin, 3)
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    response = client.post(
        f"/progress/action-points/{ap.id}/updates/new", data={**update_form(), "submit": ""}
    )
    new_id = int(response.location.rsplit("/", 1)[1])
    page = client.get("/progress/my-work").get_data(as_text=True)
    waiting = page[page.index('id="waiting"') : page.index('id="drafts"')]
    assert f"#{new_id}<" in waiting and 'Submitted by <span title="HU">Hungary</span>' in waiting
    secretariat = app.test_client()
    login.client = secretariat
    login.as_role("admin")
    queue = secretariat.get("/progress/my-work").get_data(as_text=True)
    rows = queue[queue.index('id="to-validate"') :]
    assert re.findall(r">#(\d+)<", rows)[:2] == [str(new_id), str(new_id - 1)]


def test_due_in_the_open_round_lists_what_the_actor_has_not_reported(client, login, ap, admin):
    plan = ap.plan
    progress.create_round(plan, title="SOM 2026", opens_on=plan.starts_on, deadline=TODAY, by=admin)
    other = factories.make_action_point(
        plan, lead_actor=factories.get_actor("HU"), title="Already reported"
    )
    factories.make_update(other, by=admin, workflow="submitted")
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    page = client.get("/progress/my-work").get_data(as_text=True)
    due = page[page.index('id="due"') : page.index('id="follow-ups"')]
    assert ap.title in due and "SOM 2026" in due and TODAY.strftime("%d %b %Y") in due
    assert other.title not in due  # reported in the round's window already


def test_nothing_due_without_an_open_round_and_follow_ups_show_overdue(client, login, admin):
    meeting = factories.make_meeting()
    late = factories.make_follow_up(meeting, text="Send the curriculum", due_on=date(2020, 1, 1))
    factories.make_follow_up(meeting, text="Host a visit")
    factories.make_follow_up(meeting, text="Not ours", owner=factories.get_actor("AT"))
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    page = client.get("/progress/my-work").get_data(as_text=True)
    assert "Nothing due: no open round" in page
    follow_ups = page[page.index('id="follow-ups"') : page.index('id="validated"')]
    assert "Send the curriculum" in follow_ups and "Host a visit" in follow_ups
    assert "Not ours" not in follow_ups and "1 overdue." in follow_ups
    assert follow_ups.index(late.text) < follow_ups.index("Host a visit")


def test_a_reader_has_nothing_waiting(client, login):
    login.as_role("viewer", actor=factories.get_actor("HU"))
    page = client.get("/progress/my-work").get_data(as_text=True)
    assert "Nothing waits on you here" in page and 'id="validated"' not in page


def test_my_work_api_gives_each_list_with_its_true_total(api, ap, admin):
    submitted(ap, admin, 3)
    db.session.commit()
    api.as_role("admin")
    work = api.get("/api/v1/my-work?per_page=2").get_json()
    assert work["to_validate"]["total"] == 3 and len(work["to_validate"]["items"]) == 2
    assert "returned" not in work  # the Secretariat's account reports for no actor
    assert api.get("/api/v1/my-work?page=0").status_code == 400


def test_my_work_takes_a_fixed_number_of_queries(app, client, login, admin):
    from tests.api.test_basics import count_queries

    plan = factories.get_plan()
    progress.create_round(plan, title="Round", opens_on=plan.starts_on, deadline=TODAY, by=admin)
    meeting = factories.make_meeting()

    def add_data():
        ap = factories.make_action_point(plan, lead_actor=factories.get_actor("HU"))
        for workflow in ("submitted", "returned", "draft", "validated"):
            factories.make_update(ap, by=admin, workflow=workflow)
        factories.make_follow_up(meeting)

    add_data()
    db.session.commit()
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    few = count_queries(app, lambda: client.get("/progress/my-work"))
    for _ in range(3):
        add_data()
    db.session.commit()
    assert count_queries(app, lambda: client.get("/progress/my-work")) == few


@pytest.fixture
def round_world(admin):
    """A round on the plan: HU leads A1 (reported) and A2 (not); AT partners in A2 and leads A3
    (neither reported); BE has reported on A1 without being expected."""
    plan = factories.get_plan()
    hu, at, be = (factories.get_actor(code) for code in ("HU", "AT", "BE"))
    first = factories.make_action_point(plan, code="A1", title="First", lead_actor=hu)
    second = factories.make_action_point(
        plan, code="A2", title="Second", lead_actor=hu, partners=[at]
    )
    factories.make_action_point(plan, code="A3", title="Third", lead_actor=at)
    factories.make_update(first, by=admin, actor=hu, workflow="submitted")
    factories.make_update(first, by=admin, actor=be, workflow="validated")
    round_ = progress.create_round(
        plan, title="SOM 2026", opens_on=plan.starts_on, deadline=TODAY, by=admin
    )
    db.session.commit()
    return round_, first, second


def missing_rows(page: str) -> list[tuple[str, str]]:
    table = page[page.index('id="not-reported-list"') : page.index('id="reminders"')]
    return re.findall(
        r'<td[^>]*><span title="(\w+)">.*?</span></td>\s*<td[^>]*><a href="[^"]+">(\w+):', table
    )


def test_round_lists_who_has_not_reported_on_what_sortable(client, login, round_world):
    round_, _, _ = round_world
    login.as_role("viewer")
    page = client.get(f"/progress/rounds/{round_.id}").get_data(as_text=True)
    assert missing_rows(page) == [("AT", "A2"), ("AT", "A3"), ("HU", "A2")]  # Austria first
    assert 'id="not-reported">Not reported yet <span class="badge text-bg-secondary">3<' in page
    assert "/remind" not in page  # the Secretariat's action only
    by_ap = client.get(f"/progress/rounds/{round_.id}?sort=action_point&sort=x").get_data(
        as_text=True
    )
    assert missing_rows(by_ap) == [("AT", "A2"), ("HU", "A2"), ("AT", "A3")]
    assert client.get(f"/progress/rounds/{round_.id}?sort=nonsense").status_code == 200


def test_round_grid_says_nothing_due_not_zero_of_zero(client, login, round_world):
    round_, _, _ = round_world
    login.as_role("viewer")
    page = client.get(f"/progress/rounds/{round_.id}").get_data(as_text=True)
    grid = page[page.index('id="round-matrix"') :]
    belgium = grid[grid.index("Belgium") :].split("</tr>")[0]
    assert "nothing due" in belgium and "0 / 0" not in grid


def test_not_reported_status_filter_narrows_the_grid(client, login, round_world):
    round_, first, second = round_world
    login.as_role("viewer")
    page = client.get(f"/progress/rounds/{round_.id}?status=not_reported").get_data(as_text=True)
    grid = page[page.index('id="round-matrix"') :]
    assert "Belgium" not in grid and "Austria" in grid
    assert f'title="{second.title}">A2<' in grid and f'title="{first.title}">A1<' not in grid


def test_secretariat_reminds_one_actor_and_everyone_audited_and_shown(client, login, round_world):
    round_, _, _ = round_world
    login.as_role("admin")
    url = f"/progress/rounds/{round_.id}/remind"
    response = client.post(url, data={"actor": "AT"})
    assert response.status_code == 302 and response.location.endswith("#reminders")
    page = client.get(response.location).get_data(as_text=True)
    assert "Reminder recorded for Austria" in page
    assert "Austria</span>, of 2 action points (A2, A3)" in page
    assert client.post(url, data={}).status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="reminders">Reminders sent <span class="badge text-bg-secondary">3<' in page
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "remind", AuditEvent.entity_id == round_.id)
    ).all()
    assert sorted(e.changes["reminded"][1] for e in events) == ["AT", "AT", "HU"]


def test_each_reminder_notifies_the_actors_users_once(client, login, round_world):
    round_, _, _ = round_world
    austria = factories.make_user(role="focal_point", actor=factories.get_actor("AT"))
    hungary = factories.make_user(role="focal_point", actor=factories.get_actor("HU"))
    db.session.commit()
    login.as_role("admin")
    url = f"/progress/rounds/{round_.id}/remind"
    for _ in range(2):
        assert client.post(url, data={"actor": "AT"}).status_code == 302

    def texts(user) -> list[str]:
        found = select(Notification.text, Notification.detail).where(Notification.user == user)
        return [f"{text} {detail}" for text, detail in db.session.execute(found)]

    reminded = texts(austria)
    assert len(reminded) == 2  # one per reminder recorded
    assert all("Austria has not reported" in t and "A2, A3" in t for t in reminded)
    assert texts(hungary) == []


def test_reminding_someone_with_nothing_due_or_unknown_or_on_a_closed_round_is_refused(
    client, login, round_world, admin
):
    round_, _, _ = round_world
    login.as_role("admin")
    url = f"/progress/rounds/{round_.id}/remind"
    page = client.post(url, data={"actor": "BE"}, follow_redirects=True).get_data(as_text=True)
    assert "Not sent: Belgium has reported on everything due" in page
    page = client.post(url, data={"actor": "ZZ"}, follow_redirects=True).get_data(as_text=True)
    assert "Not sent: choose an actor" in page
    progress.close_round(round_, by=admin)
    db.session.commit()
    page = client.post(url, data={}, follow_redirects=True).get_data(as_text=True)
    assert "Not sent: The round is closed" in page
    assert count(RoundReminder) == 0


def test_only_the_secretariat_reminds(client, login, round_world):
    round_, _, _ = round_world
    login.as_role("focal_point", actor=factories.get_actor("HU"))
    assert client.post(f"/progress/rounds/{round_.id}/remind").status_code == 403
    assert count(RoundReminder) == 0


def test_round_api_lists_non_reporters_and_reminds(api, round_world):
    round_, _, _ = round_world
    api.as_role("admin")
    listed = api.get(f"/api/v1/rounds/{round_.id}/not-reported?sort=action_point").get_json()
    assert listed["total"] == 3
    assert [i["actor"]["code"] for i in listed["items"]] == ["AT", "HU", "AT"]
    by_actor = api.get(f"/api/v1/rounds/{round_.id}/not-reported?sort=x").get_json()
    assert [i["actor"]["code"] for i in by_actor["items"]] == ["AT", "AT", "HU"]
    sent = api.post(f"/api/v1/rounds/{round_.id}/remind", json={"actor": "HU"})
    assert sent.status_code == 201 and sent.get_json()["items"][0]["action_points"] == ["A2"]
    assert api.post(f"/api/v1/rounds/{round_.id}/remind", json={"actor": 3}).status_code == 422
    detail = api.get(f"/api/v1/rounds/{round_.id}").get_json()
    assert [r["actor"]["code"] for r in detail["reminders"]] == ["HU"]
    api.post(f"/api/v1/rounds/{round_.id}/close")
    closed = api.post(f"/api/v1/rounds/{round_.id}/remind")
    assert closed.status_code == 422 and "closed" in closed.get_json()["error"]["message"]


def test_round_page_takes_a_fixed_number_of_queries(app, client, login, round_world, admin):
    from tests.api.test_basics import count_queries

    round_, _, _ = round_world
    login.as_role("admin")
    progress.remind_non_reporters(round_, by=admin)
    db.session.commit()
    url = f"/progress/rounds/{round_.id}"
    few = count_queries(app, lambda: client.get(url))
    for code in ("BG", "HR", "CY"):
        ap = factories.make_action_point(lead_actor=factories.get_actor(code), partners=[])
        factories.make_update(ap, by=admin, actor=factories.get_actor(code), workflow="submitted")
    progress.remind_non_reporters(round_, by=admin)
    db.session.commit()
    assert count_queries(app, lambda: client.get(url)) == few


def test_command_line_lists_non_reporters_and_reminds(runner, round_world, admin):
    round_, _, _ = round_world
    listed = runner.invoke(args=["round", "not-reported", "--round", str(round_.id)])
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == ["AT\tAustria\tA2", "AT\tAustria\tA3", "HU\tHungary\tA2"]
    sent = runner.invoke(args=["round", "remind", "--round", str(round_.id), "--actor", "HU"])
    assert sent.exit_code == 0 and "Reminded HU of A2" in sent.output
    assert db.session.scalars(select(RoundReminder)).one().reminded_by == "command line"
    unknown = runner.invoke(args=["round", "remind", "--round", "999999", "--actor", "HU"])
    assert unknown.exit_code != 0 and "No reporting round" in unknown.output
    progress.close_round(round_, by=admin)
    closed = runner.invoke(args=["round", "remind", "--round", str(round_.id)])
    assert closed.exit_code != 0 and "The round is closed" in closed.output
    assert count(RoundReminder) == 1
