"""Two identical writes at the same moment, through every create route that meets a unique rule:
never a 500. An upsert or an idempotent step lets the second apply after the first (both
succeed); a create answers the loser with 409 or 422 and a message; either way, one row.

Real concurrency: two threads, each with its own client, connection and transaction, on a
scratch database with real commits. On PostgreSQL the two transactions are made to meet just
before the insert that a unique index decides (each has read "no such row" by then), so the
race is run every time, not one time in three; a write that first takes a lock never gets
there while the other holds it, and goes on as soon as the other is seen waiting for it.
SQLite runs one writing transaction at a time (BEGIN IMMEDIATE), so there the race cannot
happen and the test shows that the answers stay right.
"""

import itertools
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from tests import factories
from tests.conftest import app_on_own_database
from tracker.actors import services as actor_services
from tracker.actors.models import Actor, ActorKind, ReferenceGroupMembership, WorkingGroup
from tracker.auth import services as auth_services
from tracker.auth.models import CalendarFeed, User
from tracker.db import db
from tracker.meetings.models import AgendaItem, MeetingParticipant, Minutes
from tracker.plan.models import ActionPoint, Activity, PriorityGoal, action_point_continuations
from tracker.pledges.models import ExchangeRate

pytestmark = pytest.mark.no_db_session

PASSWORD = "a-long-test-password"
MEET_TIMEOUT = 3  # seconds a writer waits at most for the other one at the insert
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def race_app():
    with app_on_own_database() as app:
        with app.app_context():
            admin = factories.make_user(role="admin", password=PASSWORD)
            # A token each: the first use of a token in a minute writes its row, and two
            # writers of one row would go one after the other, hiding the race.
            tokens = [auth_services.create_token(admin, by="tests")[1] for _ in range(2)]
            db.session.commit()
            app.config["RACE_ADMIN"] = (admin.email, tokens)
        yield app


def count(model_or_table, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model_or_table).where(*where))


# How many server processes wait for a lock that the given one holds.
_BLOCKED_BY = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")


class _Meeting:
    """Where two writers meet before inserting: each waits for the other to get there too, and
    stops waiting as soon as the other can no longer come: it has finished, or it waits for a
    lock that the waiting one holds (it would wait until MEET_TIMEOUT for nothing)."""

    def __init__(self, engine):
        self.engine = engine  # a connection of its own, to look at the server's lock table
        self.changed = threading.Condition()
        self.arrived = 0
        self.finished = 0

    def wait(self, backend_pid: int) -> None:
        with self.changed:
            self.arrived += 1
            self.changed.notify_all()
        deadline = time.monotonic() + MEET_TIMEOUT
        while time.monotonic() < deadline and not self._blocks_the_other(backend_pid):
            with self.changed:
                if self.arrived == 2 or self.finished:
                    return
                self.changed.wait(timeout=0.02)

    def leave(self) -> None:
        with self.changed:
            self.finished += 1
            self.changed.notify_all()

    def _blocks_the_other(self, backend_pid: int) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(_BLOCKED_BY, {"pid": backend_pid}).scalar() > 0


class _NoMeeting:
    def leave(self) -> None:
        pass


@contextmanager
def writers_meet_before_inserting_into(app, table: str):
    """On PostgreSQL, hold each writer at its first INSERT into `table` until the other gets
    there too (or cannot get there: see _Meeting)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        yield _NoMeeting()
        return
    meeting = _Meeting(create_engine(engine.url, poolclass=NullPool))
    met = threading.local()

    def hold(conn, cursor, statement, parameters, context, executemany):
        if getattr(met, "done", False) or not statement.startswith(f"INSERT INTO {table} "):
            return
        met.done = True
        meeting.wait(cursor.connection.info.backend_pid)

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield meeting
    finally:
        event.remove(engine, "before_cursor_execute", hold)
        meeting.engine.dispose()


def run_twice_at_once(app, table: str, send: Callable, clients: list | None = None) -> list:
    """Two threads each call `send(client, i)` at the same moment; their responses."""
    clients = clients or [app.test_client(), app.test_client()]
    start = threading.Barrier(2)
    responses: list = [None, None]

    with writers_meet_before_inserting_into(app, table) as meeting:

        def writer(i: int):
            start.wait()
            try:
                responses[i] = send(clients[i], i)
            finally:
                meeting.leave()

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return responses


@dataclass
class Race:
    table: str  # where both would insert the same row
    prepare: Callable[[], dict]  # runs in an app context before the race; commits
    method: str
    url: Callable[[dict], str]
    body: Callable[[dict], dict | None]
    rows: Callable[[dict], int]  # the rows the unique rule keeps to `expected_rows`
    both_succeed: bool  # an upsert or an idempotent step: the second applies after the first
    expected_rows: int = 1


def _action_point() -> dict:
    return {"ap": factories.make_action_point().id}


def _meetings_with_open_follow_up() -> dict:
    series = f"race-{next(_serial)}"
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    earlier = factories.make_meeting(series=series, starts_at=soon)
    later = factories.make_meeting(series=series, starts_at=soon + timedelta(days=30))
    follow_up = factories.make_follow_up(earlier)  # added after: only a carry-over brings it
    return {"meeting": later.id, "follow_up": follow_up.id}


def _meeting() -> dict:
    return {"meeting": factories.make_meeting().id}


def _continuation_pair() -> dict:
    successor = factories.make_action_point(factories.get_plan("BP-CFA-2025"))
    return {"ap": factories.make_action_point().id, "successor": successor.reference}


def _new_organisation() -> dict:
    code = f"RACE{next(_serial)}"
    actor_services.create_actor(
        kind=ActorKind.ORGANISATION, code=code, name=code, region=None, note=None, by="tests"
    )
    return {"code": code}


def _fresh(key: str, prefix: str, suffix: str = "") -> Callable[[], dict]:
    return lambda: {key: f"{prefix}{next(_serial)}{suffix}"}


RACES = {
    "exchange rate": Race(
        table="exchange_rates",
        prepare=lambda: {"day": date(2024, 1, 1) + timedelta(days=next(_serial))},
        method="POST",
        url=lambda c: "/api/v1/exchange-rates",
        body=lambda c: {"currency": "USD", "rate": "0.91", "valid_on": c["day"].isoformat()},
        rows=lambda c: count(
            ExchangeRate, ExchangeRate.currency == "USD", ExchangeRate.valid_on == c["day"]
        ),
        both_succeed=True,
    ),
    "carry-over": Race(
        table="agenda_items",
        prepare=_meetings_with_open_follow_up,
        method="POST",
        url=lambda c: f"/api/v1/meetings/{c['meeting']}/carry-over",
        body=lambda c: None,
        rows=lambda c: count(AgendaItem, AgendaItem.carried_from_id == c["follow_up"]),
        both_succeed=True,
    ),
    "participant": Race(
        table="meeting_participants",
        prepare=_meeting,
        method="POST",
        url=lambda c: f"/api/v1/meetings/{c['meeting']}/participants",
        body=lambda c: {"actor": "AT", "attendance": "invited"},
        rows=lambda c: count(MeetingParticipant, MeetingParticipant.meeting_id == c["meeting"]),
        both_succeed=True,
    ),
    "activity without a code": Race(
        table="activities",
        prepare=_action_point,
        method="POST",
        url=lambda c: f"/api/v1/action-points/{c['ap']}/activities",
        body=lambda c: {"title": "Train the trainers"},
        rows=lambda c: count(Activity, Activity.action_point_id == c["ap"]),
        both_succeed=True,  # as one after the other would: A1 and A2
        expected_rows=2,
    ),
    "activity with a code": Race(
        table="activities",
        prepare=_action_point,
        method="POST",
        url=lambda c: f"/api/v1/action-points/{c['ap']}/activities",
        body=lambda c: {"code": "B7", "title": "Train the trainers"},
        rows=lambda c: count(Activity, Activity.action_point_id == c["ap"]),
        both_succeed=False,
    ),
    "actor": Race(
        table="actors",
        prepare=_fresh("code", "RACEA"),
        method="POST",
        url=lambda c: "/api/v1/actors",
        body=lambda c: {"kind": "organisation", "code": c["code"], "name": "Race"},
        rows=lambda c: count(Actor, Actor.code == c["code"]),
        both_succeed=False,
    ),
    "working group": Race(
        table="working_groups",
        prepare=_fresh("code", "WG-R"),
        method="POST",
        url=lambda c: "/api/v1/working-groups",
        body=lambda c: {"code": c["code"], "name": "Race group"},
        rows=lambda c: count(WorkingGroup, WorkingGroup.code == c["code"]),
        both_succeed=False,
    ),
    "user": Race(
        table="users",
        prepare=_fresh("email", "race", "@example.org"),
        method="POST",
        url=lambda c: "/api/v1/users",
        body=lambda c: {"email": c["email"], "role": "viewer", "password": "a-long-race-password"},
        rows=lambda c: count(User, User.email == c["email"]),
        both_succeed=False,
    ),
    "goal": Race(
        table="priority_goals",
        prepare=lambda: {"number": 10 + next(_serial) % 80},
        method="POST",
        url=lambda c: "/api/v1/plans/BP-CFA-2025/goals",
        body=lambda c: {"number": c["number"], "title": "Race goal"},
        rows=lambda c: count(
            PriorityGoal,
            PriorityGoal.plan_id == factories.get_plan("BP-CFA-2025").id,
            PriorityGoal.number == c["number"],
        ),
        both_succeed=False,
    ),
    "action point": Race(
        table="action_points",
        prepare=lambda: {
            "goal": factories.get_plan().goals[0].id,
            "code": f"R{next(_serial)}",
        },
        method="POST",
        url=lambda c: "/api/v1/action-points",
        body=lambda c: {"goal_id": c["goal"], "code": c["code"], "title": "Race"},
        rows=lambda c: count(ActionPoint, ActionPoint.code == c["code"]),
        both_succeed=False,
    ),
    "continuation": Race(
        table="action_point_continuations",
        prepare=_continuation_pair,
        method="POST",
        url=lambda c: f"/api/v1/action-points/{c['ap']}/continuations",
        body=lambda c: {"continued_in": c["successor"]},
        rows=lambda c: count(
            action_point_continuations, action_point_continuations.c.action_point_id == c["ap"]
        ),
        both_succeed=False,
    ),
    "minutes": Race(
        table="minutes",
        prepare=_meeting,
        method="POST",
        url=lambda c: f"/api/v1/meetings/{c['meeting']}/minutes",
        body=lambda c: {"text": "Agreed."},
        rows=lambda c: count(Minutes, Minutes.meeting_id == c["meeting"]),
        both_succeed=True,  # versions 1 and 2, as one after the other would
        expected_rows=2,
    ),
    "reference group seat": Race(
        table="reference_group_memberships",
        prepare=_new_organisation,
        method="POST",
        url=lambda c: "/api/v1/reference-group",
        body=lambda c: {"actor": c["code"], "role": "member"},
        rows=lambda c: count(
            ReferenceGroupMembership,
            ReferenceGroupMembership.actor_id
            == select(Actor.id).where(Actor.code == c["code"]).scalar_subquery(),
            ReferenceGroupMembership.left_on.is_(None),
        ),
        both_succeed=False,
    ),
}


def _assert_refusal(response) -> None:
    assert response.status_code in (409, 422), response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]


@pytest.mark.parametrize("name", RACES)
def test_two_identical_api_writes_at_once_are_answered_and_leave_one_row(race_app, name):
    race = RACES[name]
    with race_app.app_context():
        context = race.prepare()
        db.session.commit()
    _, tokens = race_app.config["RACE_ADMIN"]

    def send(client, i: int):
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        return client.open(
            race.url(context), method=race.method, json=race.body(context), headers=headers
        )

    responses = run_twice_at_once(race_app, race.table, send)

    statuses = sorted(r.status_code for r in responses)
    assert 500 not in statuses, [r.get_data(as_text=True) for r in responses]
    if race.both_succeed:
        assert all(200 <= s < 300 for s in statuses), [r.get_json() for r in responses]
    else:
        winner, loser = sorted(responses, key=lambda r: r.status_code)
        assert 200 <= winner.status_code < 300, winner.get_json()
        _assert_refusal(loser)
    with race_app.app_context():
        assert race.rows(context) == race.expected_rows


def test_two_identical_calendar_feed_addresses_at_once_leave_one_that_works(race_app):
    with race_app.app_context():
        user = factories.make_user(role="viewer")
        tokens = [auth_services.create_token(user, by="tests")[1] for _ in range(2)]
        db.session.commit()
        user_id = user.id

    def send(client, i: int):
        return client.post(
            "/api/v1/calendar/feed", headers={"Authorization": f"Bearer {tokens[i]}"}
        )

    responses = run_twice_at_once(race_app, "calendar_feeds", send)

    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 201 and statuses[1] in (201, 409), statuses
    urls = [r.get_json()["url"] for r in responses if r.status_code == 201]
    working = [u for u in urls if race_app.test_client().get(u).status_code == 200]
    assert len(working) == 1  # the last one made replaced any other
    with race_app.app_context():
        assert count(CalendarFeed, CalendarFeed.user_id == user_id) == 1


def _signed_in_clients(app) -> list:
    email, _ = app.config["RACE_ADMIN"]
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        response = client.post("/auth/sign-in", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302
    return clients


def _race_pages(app, table: str, url: str, data: dict | None) -> list:
    clients = _signed_in_clients(app)
    return run_twice_at_once(app, table, lambda c, i: c.post(url, data=data), clients)


def test_two_identical_rates_at_once_in_the_page_both_save_one_row(race_app):
    day = date(2023, 1, 1) + timedelta(days=next(_serial))
    data = {"currency": "GBP", "rate": "1.17", "valid_on": day.isoformat()}

    responses = _race_pages(race_app, "exchange_rates", "/pledges/rates", data)

    assert [r.status_code for r in responses] == [302, 302]
    with race_app.app_context():
        saved = count(ExchangeRate, ExchangeRate.currency == "GBP", ExchangeRate.valid_on == day)
        assert saved == 1


def test_two_carry_overs_at_once_in_the_page_carry_each_follow_up_once(race_app):
    with race_app.app_context():
        context = _meetings_with_open_follow_up()
        db.session.commit()
    url = f"/meetings/{context['meeting']}/carry-over"

    responses = _race_pages(race_app, "agenda_items", url, None)

    assert [r.status_code for r in responses] == [302, 302]
    with race_app.app_context():
        assert count(AgendaItem, AgendaItem.carried_from_id == context["follow_up"]) == 1


def _action_point_version() -> dict:
    record_id = factories.make_action_point().id
    return {
        "url": f"/api/v1/action-points/{record_id}",
        "version": 1,
        "read": lambda: db.session.get(ActionPoint, record_id),
    }


def _working_group_version() -> dict:
    record_id = actor_services.create_working_group(
        code=f"WG-L{next(_serial)}", name="Links", chair=None, note=None, members=[], by="tests"
    ).id
    return {
        "url": f"/api/v1/working-groups/{record_id}",
        "version": 1,
        "read": lambda: db.session.get(WorkingGroup, record_id),
    }


@pytest.mark.parametrize(
    ("prepare", "links", "table"),
    [
        (_action_point_version, "partners", "action_point_partners"),
        (_working_group_version, "members", "working_group_members"),
    ],
)
def test_two_edits_of_one_version_that_only_add_links_are_a_save_and_a_conflict(
    race_app, prepare, links, table
):
    with race_app.app_context():
        context = prepare()
        db.session.commit()
    _, tokens = race_app.config["RACE_ADMIN"]

    def send(client, i: int):
        body = {"version": context["version"], links: [["AT", "DE"][i]]}
        return client.patch(
            context["url"], json=body, headers={"Authorization": f"Bearer {tokens[i]}"}
        )

    responses = run_twice_at_once(race_app, table, send)

    saved, conflict = sorted(responses, key=lambda r: r.status_code)
    assert saved.status_code == 200, saved.get_json()
    assert conflict.status_code == 409, conflict.get_json()
    assert conflict.get_json()["error"]["code"] == "conflict"
    with race_app.app_context():
        record = context["read"]()
        # The winner's list, not a merge of both, and one version on.
        assert [a.code for a in getattr(record, links)] == saved.get_json()[links]
        assert record.version == context["version"] + 1
