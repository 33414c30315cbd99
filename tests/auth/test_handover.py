"""Hand-over (issue 16, item 5): a departing focal point's open work goes to a successor of the
same actor in one audited step, and the departing account is deactivated."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import app_on_own_database
from tracker.audit.models import AuditEvent
from tracker.auth import handover
from tracker.auth import services as auth
from tracker.auth.models import User
from tracker.db import db
from tracker.pledges import services as pledge_services
from tracker.pledges.models import Pledge
from tracker.progress.models import ProgressUpdate

PASSWORD = "a-long-test-password"


class Office:
    """Hungary's people and their work: what a hand-over of the leaver moves, and what not."""

    def __init__(self):
        hu, at = factories.get_actor("HU"), factories.get_actor("AT")
        self.admin = factories.make_user(role="admin")
        self.leaver = factories.make_user(role="focal_point", actor=hu, password=PASSWORD)
        self.heir = factories.make_user(role="focal_point", actor=hu, name="Heir")
        self.colleague = factories.make_user(role="member", actor=hu, name="Colleague")
        self.foreigner = factories.make_user(role="focal_point", actor=at)
        ap = factories.make_action_point()
        self.draft = factories.make_update(ap, by=self.leaver)
        self.returned = factories.make_update(ap, by=self.leaver, workflow="returned")
        self.submitted = factories.make_update(ap, by=self.leaver, workflow="submitted")
        self.validated = factories.make_update(ap, by=self.leaver, workflow="validated")
        self.colleagues_draft = factories.make_update(ap, by=self.colleague)
        self.pledge = factories.make_pledge(actor=hu, by=self.leaver)
        self.paid_pledge = factories.make_pledge(actor=hu, by=self.leaver)
        for kind in ("committed", "disbursed"):
            pledge_services.record_entry(
                self.paid_pledge,
                kind=kind,
                amount_minor=100_000,
                value_date=date(2024, 2, 1),
                by=self.leaver,
            )
        self.colleagues_pledge = factories.make_pledge(actor=hu, by=self.colleague)
        self.token, self.plain_token = auth.create_token(self.leaver, by="tests")
        auth.create_calendar_feed(self.leaver, by="tests")
        db.session.flush()

    @property
    def moving(self):
        return [self.draft, self.returned, self.pledge]

    @property
    def staying(self):
        return [
            self.submitted,
            self.validated,
            self.colleagues_draft,
            self.paid_pledge,
            self.colleagues_pledge,
        ]


@pytest.fixture
def office():
    return Office()


def hand_over_events(user: User) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "hand_over",
                AuditEvent.entity_type == "users",
                AuditEvent.entity_id == user.id,
            )
        )
    )


def test_open_work_counts_drafts_returned_updates_and_pledges_in_progress(office):
    work = handover.open_work(office.leaver)
    assert work.updates == [office.draft.id, office.returned.id]
    assert work.pledges == [office.pledge.id]


def test_hand_over_moves_the_open_work_and_nothing_else(office):
    done = handover.hand_over(office.leaver, office.heir, by=office.admin)
    db.session.expire_all()
    assert done.work.updates == [office.draft.id, office.returned.id]
    for record in office.moving:
        assert record.held_by_id == office.heir.id
    for record in office.staying:
        assert record.held_by_id is None
    # History keeps the author.
    assert office.draft.created_by_id == office.leaver.id
    assert office.pledge.entries[0].created_by_id == office.leaver.id
    # Audited: on the person, on the successor, on each record moved.
    [event] = hand_over_events(office.leaver)
    assert event.user_id == office.admin.id
    assert event.changes["successor"] == [None, office.heir.email]
    assert event.changes["pledges"] == [None, str(office.pledge.id)]
    moved = db.session.scalars(
        select(AuditEvent.entity_id).where(
            AuditEvent.action == "hand_over", AuditEvent.entity_type == "progress_updates"
        )
    )
    assert set(moved) == {office.draft.id, office.returned.id}
    assert db.session.scalar(
        select(func.count()).where(
            AuditEvent.action == "take_over", AuditEvent.entity_id == office.heir.id
        )
    )
    # The departing account is over: deactivated, its token and feed revoked.
    assert not office.leaver.is_active
    assert office.token.revoked_at is not None
    assert auth.get_calendar_feed(office.leaver) is None
    assert handover.open_work(office.leaver).updates == []
    assert handover.open_work(office.heir).updates == [office.draft.id, office.returned.id]


def test_a_later_hand_over_of_the_successor_passes_the_work_on(office):
    handover.hand_over(office.leaver, office.heir, by=office.admin)
    handover.hand_over(office.heir, office.colleague, by=office.admin)
    db.session.expire_all()
    assert {r.held_by_id for r in office.moving} == {office.colleague.id}
    assert office.colleagues_draft.held_by_id is None


def _refusals(office):
    inactive = factories.make_user(role="focal_point", actor=office.leaver.actor)
    auth.deactivate_user(inactive, by="tests")
    viewer = factories.make_user(role="viewer", actor=office.leaver.actor)
    return {
        "another actor's": (office.leaver, office.foreigner, "not of Hungary"),
        "inactive": (office.leaver, inactive, "deactivated"),
        "oneself": (office.leaver, office.leaver, "themselves"),
        "a viewer": (office.leaver, viewer, "focal point or member"),
        "no one": (office.leaver, None, "Choose the successor"),
        "an admin's work": (office.admin, office.heir, "not a focal point or member"),
    }


@pytest.mark.parametrize(
    "case", ["another actor's", "inactive", "oneself", "a viewer", "no one", "an admin's work"]
)
def test_a_bad_hand_over_is_refused_and_changes_nothing(office, case):
    departing, successor, message = _refusals(office)[case]
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(handover.HandOverError, match=message):
        handover.hand_over(departing, successor, by=office.admin)
    db.session.expire_all()
    assert office.leaver.is_active and office.token.revoked_at is None
    assert all(r.held_by_id is None for r in office.moving)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_deactivated_person_with_no_open_work_is_refused(office):
    handover.hand_over(office.leaver, office.heir, by=office.admin)
    with pytest.raises(handover.HandOverError, match="holds no open work"):
        handover.hand_over(office.leaver, office.colleague, by=office.admin)


def test_the_departing_person_can_no_longer_sign_in_or_use_a_token(office, client, api):
    db.session.commit()
    handover.hand_over(office.leaver, office.heir, by=office.admin)
    db.session.commit()
    response = client.post(
        "/auth/sign-in", data={"email": office.leaver.email, "password": PASSWORD}
    )
    assert response.status_code != 302
    api.token = office.plain_token
    assert api.get("/api/v1/me").status_code == 401


def test_the_account_page_previews_and_makes_the_hand_over(office, client, login):
    login.as_role("admin")
    db.session.commit()
    page = client.get(f"/admin/users/{office.leaver.id}/edit").get_data(as_text=True)
    assert "Hand over to…" in page
    assert "2 draft or returned updates" in page and "1 pledge in progress" in page
    assert office.heir.email in page and office.colleague.email in page
    assert office.foreigner.email not in page
    response = client.post(
        f"/admin/users/{office.leaver.id}/hand-over", data={"successor": office.heir.id}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not office.leaver.is_active and office.draft.held_by_id == office.heir.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"of {office.leaver.email} to {office.heir.email}" in page
    for url in (f"/progress/updates/{office.draft.id}", f"/pledges/{office.pledge.id}"):
        shown = client.get(url).get_data(as_text=True)
        assert "Carried on by" in shown and "Heir (handed over)" in shown, url


def test_the_page_says_why_a_successor_is_refused(office, client, login):
    login.as_role("admin")
    response = client.post(
        f"/admin/users/{office.leaver.id}/hand-over", data={"successor": office.foreigner.id}
    )
    assert response.status_code == 302  # back to the account's page, which says why
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not handed over:" in page and "not of Hungary" in page
    db.session.expire_all()
    assert office.leaver.is_active


def test_the_api_hands_over_and_refuses_with_a_422(office, api):
    api.as_role("admin")
    url = f"/api/v1/users/{office.leaver.id}/hand-over"
    refused = api.post(url, json={"successor": office.foreigner.id})
    assert refused.status_code == 422
    assert "successor" in refused.get_json()["error"]["fields"]
    assert api.post(url, json={"successor": "x"}).status_code == 422
    assert api.post(url, json={}).status_code == 422
    response = api.post(url, json={"successor": office.heir.id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["is_active"] is False
    assert body["moved"] == {
        "updates": [office.draft.id, office.returned.id],
        "pledges": [office.pledge.id],
    }


def test_the_command_line_hands_over(office, runner):
    db.session.commit()
    result = runner.invoke(
        args=["user", "hand-over", office.leaver.email, "--to", office.heir.email]
    )
    assert result.exit_code == 0, result.output
    assert "Handed over 2 open update(s) and 1 pledge(s)" in result.output
    refused = runner.invoke(
        args=["user", "hand-over", office.heir.email, "--to", office.foreigner.email]
    )
    assert refused.exit_code != 0 and "not of Hungary" in refused.output


@pytest.mark.no_db_session
def test_two_hand_overs_of_one_person_at_once_one_wins():
    with app_on_own_database() as app:
        with app.app_context():
            office = Office()
            db.session.commit()
            ids = (office.leaver.id, office.heir.id, office.colleague.id, office.admin.id)
        leaver_id, heir_id, colleague_id, admin_id = ids
        start = threading.Barrier(2)
        outcomes: list = [None, None]

        def hand_over_to(i: int, successor_id: int):
            with app.app_context():
                leaver, admin = db.session.get(User, leaver_id), db.session.get(User, admin_id)
                successor = db.session.get(User, successor_id)
                db.session.commit()  # each thread's own transaction starts at the barrier
                start.wait()
                try:
                    handover.hand_over(leaver, successor, by=admin)
                    db.session.commit()
                    outcomes[i] = "won"
                except handover.HandOverError as error:
                    db.session.rollback()
                    outcomes[i] = str(error)
                finally:
                    db.session.remove()

        threads = [
            threading.Thread(target=hand_over_to, args=(0, heir_id)),
            threading.Thread(target=hand_over_to, args=(1, colleague_id)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes.count("won") == 1, outcomes
        assert "holds no open work" in next(o for o in outcomes if o != "won")
        with app.app_context():
            winner = heir_id if outcomes[0] == "won" else colleague_id
            held = db.session.scalars(
                select(ProgressUpdate.held_by_id).where(ProgressUpdate.held_by_id.isnot(None))
            ).all()
            assert held == [winner, winner]
            assert db.session.scalars(
                select(Pledge.held_by_id).where(Pledge.held_by_id.isnot(None))
            ).all() == [winner]
            assert len(hand_over_events(db.session.get(User, leaver_id))) == 1
