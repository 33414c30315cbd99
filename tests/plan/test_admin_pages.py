"""Pages of issue 3: import with preview, exports, admin forms, retire, continuation links."""

import io
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.actors.models import Actor, WorkingGroup
from tracker.audit.models import AuditEvent
from tracker.db import db
from tracker.plan import fileformats, services
from tracker.plan.fileformats import CSV_COLUMNS
from tracker.plan.models import Activity

ADMIN_PAGES = [
    "/plans/BP-CFA-2019/import",
    "/plans/BP-CFA-2019/goals/new",
    "/actors/new",
    "/actors/working-groups/new",
    "/actors/reference-group/new",
]
ADMIN_POSTS = [
    "/plans/BP-CFA-2019/import/confirm",
    "/plans/retire/goals/1",
    "/plans/restore/actors/1",
    "/actors/reference-group/1/end",
]


def plan_csv(title="Return counselling", goal="1") -> bytes:
    row = f"action_point,,17,{goal},,{title},,HU,AT,2026-06-30,,,,"
    return (",".join(CSV_COLUMNS) + "\r\n" + row + "\r\n").encode()


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("path", [*ADMIN_PAGES, "/plans/BP-CFA-2019/export.csv"])
def test_anonymous_user_is_sent_to_sign_in(client, path):
    assert client.get(path).headers["Location"].startswith("/auth/sign-in")


@pytest.mark.parametrize("role", ["viewer", "member", "focal_point"])
def test_only_admins_get_the_admin_pages(client, login, role):
    login.as_role(role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    for path in ADMIN_POSTS:
        assert client.post(path).status_code == 403, path


def test_import_preview_then_confirm(client, login):
    login.as_role("admin")
    upload = {"file": (io.BytesIO(plan_csv()), "plan.csv")}
    preview = client.post("/plans/BP-CFA-2019/import", data=upload)
    page = preview.get_data(as_text=True)
    assert "1 to create, 0 to update, 0 unchanged" in page
    assert services.find_action_point(factories.get_plan(), "17") is None
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post("/plans/BP-CFA-2019/import/confirm", data={"upload": token})
    assert done.status_code == 302
    assert services.find_action_point(factories.get_plan(), "17").title == "Return counselling"
    again = client.post("/plans/BP-CFA-2019/import/confirm", data={"upload": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("/import")


def test_an_upload_taken_by_another_worker_during_the_sweep_is_passed_over(
    app, client, login, tmp_path, monkeypatch
):
    """Each preview drops the folder's old uploads; another worker (gunicorn's, or a test run's)
    may take one of them between the listing and the look at its age. A link to nothing is such
    a file: listed, and gone when looked at."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    (tmp_path / "pending-imports").mkdir()
    (tmp_path / "pending-imports" / "1-taken-meanwhile").symlink_to(tmp_path / "gone")
    login.as_role("admin")
    upload = {"file": (io.BytesIO(plan_csv()), "plan.csv")}
    preview = client.post("/plans/BP-CFA-2019/import", data=upload)
    assert preview.status_code == 200
    assert "1 to create, 0 to update, 0 unchanged" in preview.get_data(as_text=True)


def test_import_page_lists_errors_and_changes_nothing(client, login):
    login.as_role("admin")
    events = audit_count()
    response = client.post(
        "/plans/BP-CFA-2019/import", data={"file": (io.BytesIO(plan_csv(goal="9")), "x.csv")}
    )
    page = response.get_data(as_text=True)
    assert "Row 2, column &#39;goal&#39;: no priority goal 9 in BP-CFA-2019." in page
    assert "nothing changed" in page
    assert audit_count() == events


def test_another_admins_upload_cannot_be_imported(client, login, app):
    login.as_role("admin")
    upload = {"file": (io.BytesIO(plan_csv()), "plan.csv")}
    page = client.post("/plans/BP-CFA-2019/import", data=upload).get_data(as_text=True)
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', page).group(1)
    other = app.test_client()
    factories_login = type(login)(other)
    factories_login.as_role("admin")
    other.post("/plans/BP-CFA-2019/import/confirm", data={"upload": token})
    assert services.find_action_point(factories.get_plan(), "17") is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_export_and_template_downloads_parse_back(client, login, fmt):
    login.as_role("viewer")
    factories.make_action_point(code="3", title="Göç")
    db.session.commit()
    exported = client.get(f"/plans/BP-CFA-2019/export.{fmt}")
    assert exported.status_code == 200
    rows = fileformats.read_plan_file(exported.data, f"x.{fmt}").rows
    assert [r.values["title"] for r in rows if r.sheet == "action_points"] == ["Göç"]
    template = client.get(f"/plans/import-template.{fmt}")
    assert template.status_code == 200 and template.data


def test_goal_edit_with_a_stale_version_shows_the_conflict(client, login):
    login.as_role("admin")
    goal = factories.get_plan("BP-CFA-2025").goals[0]
    form = {"number": goal.number, "title": "Renamed", "description": "", "version": 0}
    response = client.post(f"/plans/goals/{goal.id}/edit", data=form)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    form["version"] = goal.version
    assert client.post(f"/plans/goals/{goal.id}/edit", data=form).status_code == 302
    assert goal.title == "Renamed"


def test_goal_edit_without_its_version_is_a_conflict_not_a_blind_save(client, login):
    login.as_role("admin")
    goal = factories.get_plan("BP-CFA-2025").goals[0]
    title = goal.title
    form = {"number": goal.number, "title": "Renamed blindly", "description": ""}
    assert client.post(f"/plans/goals/{goal.id}/edit", data=form).status_code == 409
    db.session.expire_all()
    assert goal.title == title


def test_retired_action_point_leaves_lists_but_keeps_its_page(client, login):
    login.as_role("admin")
    ap = factories.make_action_point(code="8", title="Soon retired")
    db.session.commit()
    assert client.post(f"/plans/retire/action-points/{ap.id}").status_code == 302
    plan_page = client.get("/plans/BP-CFA-2019").get_data(as_text=True)
    assert "Soon retired" not in plan_page and "0 of 41 action points defined" in plan_page
    assert "Soon retired" in client.get("/plans/BP-CFA-2019?include_retired=1").get_data(
        as_text=True
    )
    page = client.get(f"/plans/action-points/{ap.id}").get_data(as_text=True)
    assert 'id="retired-notice"' in page and "Restore" in page


def test_activity_create_and_edit_pages(client, login):
    login.as_role("admin")
    ap = factories.make_action_point()
    db.session.commit()
    form = {"title": "Workshop", "budget_amount": "10.5", "budget_currency": "eur"}
    response = client.post(f"/plans/action-points/{ap.id}/activities/new", data=form)
    assert response.status_code == 302
    assert response.location == f"/plans/action-points/{ap.id}"  # an activity's page is its AP's
    activity = ap.activities[0]
    assert (activity.code, activity.budget_minor, activity.budget_currency) == ("A1", 1050, "EUR")
    bad = {"title": "W", "budget_amount": "abc", "budget_currency": "EUR", "version": 1}
    response = client.post(f"/plans/activities/{activity.id}/edit", data=bad)
    assert response.status_code == 200 and "is not an amount" in response.get_data(as_text=True)
    unknown = {"title": "W", "budget_amount": "1.00", "budget_currency": "XYZ", "version": 1}
    response = client.post(f"/plans/activities/{activity.id}/edit", data=unknown)
    assert response.status_code == 200 and "Unknown currency" in response.get_data(as_text=True)
    assert db.session.get(Activity, activity.id).budget_currency == "EUR"


def test_a_new_goal_leads_to_its_page_and_a_refused_one_shows_the_form_again(client, login):
    login.as_role("admin")
    plan = factories.make_action_point().plan
    db.session.commit()
    number = max(g.number for g in plan.goals) + 1
    form = {"number": str(number), "title": "Return"}
    response = client.post(f"/plans/{plan.code}/goals/new", data=form)
    assert response.location == f"/plans/{plan.code}/goals/{number}"
    again = client.post(f"/plans/{plan.code}/goals/new", data=form)  # the number is taken
    assert again.status_code == 200 and f"New goal in {plan.code}" in again.get_data(as_text=True)


def test_continuation_link_shows_on_both_pages(client, login):
    login.as_role("admin")
    old = factories.make_action_point(code="5")
    new = factories.make_action_point(plan=factories.get_plan("BP-CFA-2025"), code="2.1")
    db.session.commit()
    client.post(
        f"/plans/action-points/{old.id}/continuations", data={"continued_in": "BP-CFA-2025:2.1"}
    )
    assert "BP-CFA-2025:2.1" in client.get(f"/plans/action-points/{old.id}").get_data(as_text=True)
    assert "BP-CFA-2019:5" in client.get(f"/plans/action-points/{new.id}").get_data(as_text=True)
    response = client.post(
        f"/plans/action-points/{old.id}/continuations", data={"continued_in": "NOPE:1"}
    )
    assert response.status_code == 422
    assert "No action point &#39;NOPE:1&#39;" in response.get_data(as_text=True)


def test_actor_working_group_and_reference_group_pages(client, login):
    login.as_role("admin")
    form = {"kind": "organisation", "code": "neworg", "name": "New organisation"}
    assert client.post("/actors/new", data=form).status_code == 302
    actor = db.session.scalar(select(Actor).where(Actor.code == "NEWORG"))
    duplicate = client.post("/actors/new", data=form)
    assert "The code NEWORG is taken." in duplicate.get_data(as_text=True)
    group_form = {"code": "WG-X", "name": "X group", "members": ["HU", "NEWORG"]}
    assert client.post("/actors/working-groups/new", data=group_form).status_code == 302
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.code == "WG-X"))
    assert {a.code for a in group.members} == {"HU", "NEWORG"}
    seat = client.post("/actors/reference-group/new", data={"actor": "NEWORG", "role": "member"})
    assert seat.status_code == 302
    assert client.post(f"/plans/retire/actors/{actor.id}").status_code == 302
    assert 'id="actor-NEWORG"' not in client.get("/actors/").get_data(as_text=True)
    retired_too = client.get("/actors/?include_retired=1").get_data(as_text=True)
    assert 'id="actor-NEWORG"' in retired_too
    assert 'id="retired-notice"' in client.get(f"/actors/{actor.id}").get_data(as_text=True)
