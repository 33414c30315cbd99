"""An API write answers with the state that this request wrote, never with a later one.

The answer used to be read again after the commit: under concurrent editors, a client could get
another client's text with a later version, send that version back with its next edit, and
overwrite the other edit without a 409. Here another writer commits, on another connection,
right after each request's commit (a real second write, from a hook on the commit), and the
answer must still carry this request's text and version. And every API view commits through
tracker.api.views.answer, which builds the body first.
"""

import ast
import itertools
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from tests import factories
from tests.conftest import app_on_own_database
from tracker.actors import services as actor_services
from tracker.auth import services as auth_services
from tracker.db import db
from tracker.meetings import agenda, follow_ups
from tracker.plan import services as plan_services

pytestmark = pytest.mark.no_db_session

API = Path(__file__).parents[2] / "tracker" / "api"
MINE, THEIRS = "Written by this request", "Written by someone else just after"
_serial = itertools.count(1)


def test_every_api_write_commits_through_answer_which_builds_the_body_first():
    allowed = {"answer", "save_token_use"}  # save_token_use: a read's token use, no body
    offenders = []
    for path in sorted(API.glob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or function.name in allowed:
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"
                ):
                    offenders.append(f"{path.name}:{node.lineno} {function.name}")
    assert offenders == []


@pytest.fixture(scope="module")
def answer_app():
    with app_on_own_database() as app:
        with app.app_context():
            admin = factories.make_user(role="admin")
            _, token = auth_services.create_token(admin, by="tests")
            db.session.commit()
            app.config["ANSWER_TOKEN"] = token
        yield app


@dataclass
class Edit:
    prepare: Callable[[], dict]  # makes the record (in an app context); its id and version
    url: str  # formatted with what prepare returned
    table: str
    column: str  # the text both write
    versioned: bool = True
    # Where the record is in the answer (the meeting routes answer with the whole meeting).
    pick: Callable[[dict, dict], dict] = lambda body, record: body


def _in(list_name: str) -> Callable[[dict, dict], dict]:
    return lambda body, record: next(i for i in body[list_name] if i["id"] == record["id"])


def _action_point():
    return factories.make_action_point()


def _goal():
    plan = factories.get_plan("BP-CFA-2025")
    return plan_services.create_goal(plan, number=20 + next(_serial), title="Goal", by="tests")


def _activity():
    return plan_services.create_activity(_action_point(), title="Activity", by="tests")


def _actor():
    code = f"ANS{next(_serial)}"
    return actor_services.create_actor(
        kind="organisation", code=code, name=code, region=None, note=None, by="tests"
    )


def _working_group():
    code = f"WG-A{next(_serial)}"
    return actor_services.create_working_group(
        code=code, name=code, chair=None, note=None, members=[], by="tests"
    )


def _decision():
    meeting = factories.make_meeting()
    decision = follow_ups.record_decision(meeting, text="Agreed.", by="tests")
    return decision, {"meeting": meeting.id}


def _agenda_item():
    meeting = factories.make_meeting()
    item = agenda.add_agenda_item(meeting, title="Item", by="tests")
    return item, {"meeting": meeting.id}


def _update():
    return factories.make_update(reported_on=date.today())


EDITS = {
    "action point": Edit(_action_point, "/api/v1/action-points/{id}", "action_points", "title"),
    "goal": Edit(_goal, "/api/v1/goals/{id}", "priority_goals", "title"),
    "activity": Edit(_activity, "/api/v1/activities/{id}", "activities", "title"),
    "actor": Edit(_actor, "/api/v1/actors/{id}", "actors", "name"),
    "working group": Edit(_working_group, "/api/v1/working-groups/{id}", "working_groups", "name"),
    "meeting": Edit(factories.make_meeting, "/api/v1/meetings/{id}", "meetings", "title"),
    "decision": Edit(
        _decision,
        "/api/v1/meetings/{meeting}/decisions/{id}",
        "decisions",
        "text",
        pick=_in("decisions"),
    ),
    "follow-up": Edit(
        lambda: factories.make_follow_up(factories.make_meeting()),
        "/api/v1/follow-ups/{id}",
        "follow_ups",
        "text",
    ),
    "pledge": Edit(factories.make_pledge, "/api/v1/pledges/{id}", "pledges", "purpose"),
    "progress update": Edit(_update, "/api/v1/updates/{id}", "progress_updates", "narrative"),
    "user": Edit(factories.make_user, "/api/v1/users/{id}", "users", "name", versioned=False),
    "agenda item": Edit(
        _agenda_item,
        "/api/v1/meetings/{meeting}/agenda-items/{id}",
        "agenda_items",
        "title",
        versioned=False,
        pick=_in("agenda_items"),
    ),
}


def _prepare(edit: Edit) -> dict:
    made = edit.prepare()
    record, extra = made if isinstance(made, tuple) else (made, {})
    db.session.commit()
    return {"id": record.id, "version": getattr(record, "version", None), **extra}


@contextmanager
def another_write_right_after_each_commit(app, table: str, column: str, record_id: int, versioned):
    """After the request's commit, and before anything else, another client saves the record:
    a real UPDATE on another connection, committed, that moves the version on too."""
    with app.app_context():
        engine = db.engine
    moved = ", version = version + 1" if versioned else ""
    statement = text(f"UPDATE {table} SET {column} = :theirs{moved} WHERE id = :id")
    writes = []

    def write_theirs(session):
        # Once, at the request's commit (a savepoint's release fires this event too).
        if writes or session.in_nested_transaction():
            return
        writes.append(table)
        with engine.begin() as connection:
            connection.execute(statement, {"theirs": THEIRS, "id": record_id})

    event.listen(Session, "after_commit", write_theirs)
    try:
        yield writes
    finally:
        event.remove(Session, "after_commit", write_theirs)


@pytest.mark.parametrize("name", EDITS)
def test_an_edit_answers_with_its_own_text_and_version_though_another_lands_at_once(
    answer_app, name
):
    edit = EDITS[name]
    with answer_app.app_context():
        record = _prepare(edit)
    body = {edit.column: MINE}  # the API's field has the column's name in every case here
    if edit.versioned:
        body["version"] = record["version"]
    client = answer_app.test_client()
    headers = {"Authorization": f"Bearer {answer_app.config['ANSWER_TOKEN']}"}

    with another_write_right_after_each_commit(
        answer_app, edit.table, edit.column, record["id"], edit.versioned
    ) as writes:
        response = client.patch(edit.url.format(**record), json=body, headers=headers)

    assert response.status_code == 200, response.get_json()
    assert writes == [edit.table]  # the other write landed between the commit and the answer
    answered = edit.pick(response.get_json(), record)
    assert answered[edit.column] == MINE
    if edit.versioned:
        assert answered["version"] == record["version"] + 1
    with answer_app.app_context():
        stored = db.session.execute(
            text(f"SELECT {edit.column} FROM {edit.table} WHERE id = :id"), {"id": record["id"]}
        ).scalar_one()
        assert stored == THEIRS  # and it is what is stored now
