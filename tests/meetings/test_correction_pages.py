"""Meetings: correcting what was recorded, in the pages: the edit and remove buttons and pages of
agenda items, decisions and follow-ups."""

import re
from datetime import date

import pytest

from tests import factories
from tests.conftest import AuthActions
from tests.meetings import (
    fresh,
    recorded_meeting,
)
from tracker.db import db
from tracker.meetings import follow_ups
from tracker.meetings.models import (
    AgendaItem,
    Decision,
    FollowUp,
)


def _signed_in(app, role: str, actor: str | None = None):
    """A client of its own: signing in again on one client keeps the first user."""
    client = app.test_client()
    AuthActions(client).as_role(role, actor=factories.get_actor(actor) if actor else None)
    return client


def test_the_meeting_page_offers_edit_and_remove_to_the_secretariat_only(app):
    meeting, item, decision, follow_up = recorded_meeting()
    base = f"/meetings/{meeting.id}"
    controls = (
        f"{base}/agenda/{item.id}/edit",
        f"{base}/decisions/{decision.id}/edit",
        f"{base}/decisions/{decision.id}/remove",
        f"{base}/follow-ups/{follow_up.id}/edit",
        f"{base}/follow-ups/{follow_up.id}/remove",
    )
    page = _signed_in(app, "admin").get(base).get_data(as_text=True)
    assert all(url in page for url in controls)
    page = _signed_in(app, "viewer").get(base).get_data(as_text=True)
    assert not any(url in page for url in controls)


def test_admin_edits_an_agenda_item_a_decision_and_a_follow_up_in_the_pages(client, login):
    meeting, item, decision, follow_up = recorded_meeting()
    other = factories.make_action_point(title="Other")
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{meeting.id}"
    form = client.get(f"{base}/follow-ups/{follow_up.id}/edit").get_data(as_text=True)
    assert "Share it" in form and 'value="2030-01-15"' in form
    edits = {
        f"{base}/agenda/{item.id}/edit": {"title": "Curriculum", "action_point": other.code},
        f"{base}/decisions/{decision.id}/edit": {
            "text": "Agreed to share it by March.",
            "action_points": [other.code],
            "version": "1",
        },
        f"{base}/follow-ups/{follow_up.id}/edit": {
            "text": "Share it",
            "owner": "TR",
            "due_on": "2030-03-01",
            "version": "1",
        },
    }
    for url, data in edits.items():
        response = client.post(url, data=data)
        assert response.status_code == 302, (url, response.get_data(as_text=True))
        assert response.headers["Location"] == base
    db.session.expire_all()
    assert (item.title, item.action_point_id) == ("Curriculum", other.id)
    assert decision.text == "Agreed to share it by March." and decision.action_points == [other]
    assert (decision.version, follow_up.version) == (2, 2)  # one edit, one version
    assert (follow_up.owner_actor.code, follow_up.due_on) == ("TR", date(2030, 3, 1))
    page = client.get(base).get_data(as_text=True)
    assert "Agreed to share it by March." in page and "Agenda item 1 edited" in page


def test_a_stale_decision_edit_shows_the_conflict_page_with_what_is_saved(client, login):
    meeting, _, decision, _ = recorded_meeting()
    follow_ups.update_decision(
        decision, text="Their wording.", action_points=[], version=1, by="someone else"
    )
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/decisions/{decision.id}/edit",
        data={"text": "My wording.", "version": "1"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Edit conflict" in page and "Their wording." in page and "My wording." in page
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', page)
    assert fresh(Decision, decision.id).text == "Their wording."
    again = client.post(
        f"/meetings/{meeting.id}/decisions/{decision.id}/edit",
        data={"text": "My wording.", "version": "2"},
    )
    assert again.status_code == 302 and fresh(Decision, decision.id).text == "My wording."


def test_a_stale_follow_up_edit_shows_the_conflict_page(client, login):
    meeting, _, _, follow_up = recorded_meeting()
    follow_ups.change_follow_up_status(
        follow_up, status="in_progress", note="Drafting.", version=1, by="someone else"
    )
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/follow-ups/{follow_up.id}/edit",
        data={"text": "Mine", "owner": "AT", "due_on": "2031-01-01", "version": "1"},
    )
    assert response.status_code == 409 and "Edit conflict" in response.get_data(as_text=True)
    saved = fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.owner_actor.code, len(saved.notes)) == ("Share it", "HU", 1)


def test_the_agenda_item_page_refuses_another_plans_action_point(client, login):
    meeting, item, _, _ = recorded_meeting()
    foreign = factories.make_action_point(factories.get_plan("BP-CFA-2025"), code="X98")
    db.session.commit()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/agenda/{item.id}/edit",
        data={"title": "Renamed", "action_point": foreign.code},
    )
    assert response.status_code == 422
    assert "Not an action point of the meeting&#39;s plan." in response.get_data(as_text=True)
    assert fresh(AgendaItem, item.id).title == "Review the curriculum"


BAD_FOLLOW_UP_INPUT = [
    ({"text": ""}, "text", "This field is required."),
    ({"text": "x" * 50_000}, "text", "20000 characters"),
    ({"due_on": "next week"}, "due_on", "Not a valid date value."),
    ({"due_on": ""}, "due_on", "Give the date it is due."),
    ({"owner": "XX"}, "owner", "Not a valid choice."),
    ({"owner": ""}, "owner", "Give the actor that owns this follow-up."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_FOLLOW_UP_INPUT)
def test_bad_follow_up_input_in_the_page_is_refused_at_the_field(
    client, login, change, field, message
):
    meeting, _, _, follow_up = recorded_meeting()
    login.as_role("admin")
    data = {"text": "Share it", "owner": "AT", "due_on": "2030-03-01", "version": "1", **change}
    response = client.post(f"/meetings/{meeting.id}/follow-ups/{follow_up.id}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error-1"' in page or f'id="follow-up-{field}-error-1"' in page
    assert message in page
    saved = fresh(FollowUp, follow_up.id)
    assert (saved.text, saved.owner_actor.code, saved.version, saved.notes) == (
        "Share it",
        "HU",
        1,
        [],
    )


@pytest.mark.parametrize("text", ["", "  ", "x" * 50_000])
def test_a_decision_left_empty_or_too_long_is_refused_in_the_page(client, login, text):
    meeting, _, decision, _ = recorded_meeting()
    login.as_role("admin")
    response = client.post(
        f"/meetings/{meeting.id}/decisions/{decision.id}/edit",
        data={"text": text, "version": "1"},
    )
    assert response.status_code == 422
    assert "decision-text-error-1" in response.get_data(as_text=True)
    assert fresh(Decision, decision.id).text == "Agreed to share it."


def test_the_page_says_why_a_follow_up_or_decision_is_not_removed(client, login):
    meeting, _, decision, follow_up = recorded_meeting()
    of_decision = factories.make_follow_up(meeting, decision=decision)
    follow_ups.change_follow_up_status(
        follow_up, status="done", note="Shared.", version=None, by="tests"
    )
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{meeting.id}"
    refused = client.post(f"{base}/follow-ups/{follow_up.id}/remove")
    assert refused.status_code == 422
    assert "has status notes: drop it instead" in refused.get_data(as_text=True)
    refused = client.post(f"{base}/decisions/{decision.id}/remove")
    assert refused.status_code == 422
    assert "This decision has 1 follow-up: remove it first" in refused.get_data(as_text=True)
    assert fresh(FollowUp, follow_up.id) is not None and fresh(Decision, decision.id)
    assert client.post(f"{base}/follow-ups/{of_decision.id}/remove").status_code == 302
    removed = client.post(f"{base}/decisions/{decision.id}/remove", follow_redirects=True)
    assert "Decision removed." in removed.get_data(as_text=True)
    assert fresh(Decision, decision.id) is None and fresh(FollowUp, of_decision.id) is None


def test_members_and_the_owner_get_403_on_the_correction_pages(app):
    meeting, item, decision, follow_up = recorded_meeting()
    base = f"/meetings/{meeting.id}"
    posts = {
        f"{base}/agenda/{item.id}/edit": {"title": "Renamed"},
        f"{base}/decisions/{decision.id}/edit": {"text": "Renamed", "version": "1"},
        f"{base}/decisions/{decision.id}/remove": {},
        f"{base}/follow-ups/{follow_up.id}/edit": {
            "text": "Renamed",
            "owner": "HU",
            "due_on": "2030-03-01",
            "version": "1",
        },
        f"{base}/follow-ups/{follow_up.id}/remove": {},
    }
    for role, actor in (("member", "AT"), ("focal_point", "HU")):
        client = _signed_in(app, role, actor)
        for url, data in posts.items():
            assert client.post(url, data=data).status_code == 403, (role, url)
            if url.endswith("/edit"):
                assert client.get(url).status_code == 403, (role, url)
    assert fresh(AgendaItem, item.id).title == "Review the curriculum"
    assert fresh(Decision, decision.id).text == "Agreed to share it."
    assert fresh(FollowUp, follow_up.id).text == "Share it"


def test_another_meetings_decision_follow_up_or_item_is_a_404_in_the_pages(client, login):
    _, item, decision, follow_up = recorded_meeting()
    other = factories.make_meeting()
    db.session.commit()
    login.as_role("admin")
    base = f"/meetings/{other.id}"
    for url in (
        f"{base}/agenda/{item.id}/edit",
        f"{base}/decisions/{decision.id}/edit",
        f"{base}/follow-ups/{follow_up.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/decisions/{decision.id}/remove").status_code == 404
    assert client.post(f"{base}/follow-ups/{follow_up.id}/remove").status_code == 404
    assert fresh(Decision, decision.id) and fresh(FollowUp, follow_up.id)
