"""Schemathesis over the whole OpenAPI document, against the app in-process (WSGI, no server).

Every operation gets positive data (the document says it is valid: the server must take it or
answer a documented refusal) and negative data (the document says it is invalid: the server must
refuse it), and every answer is checked: status documented, content type, body against the
response schema. Seeded and bounded, so the run is the same each time and takes under a minute.
Each request runs in a savepoint that is rolled back, so no case spoils the next (a hand-over or
a revoked token would sign the test's own admin out).
"""

import collections
import re
import time

import pytest
import schemathesis
from flask import g
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests import factories
from tests.conftest import rolled_back_session
from tracker.db import db

pytestmark = pytest.mark.no_db_session

EXAMPLES = 4  # per operation and mode: 2 x 117 operations x 4, about 940 requests
BUDGET_SECONDS = 60
STATS: collections.Counter = collections.Counter()


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 2026,
            "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
            # The API ignores query parameters it does not know (as the pages do).
            "generation": {"allow-extra-parameters": False},
            "checks": {
                # A valid body may still name a record that does not exist, an actor that is
                # not among the choices, or a date after today: rules no schema can state.
                "positive_data_acceptance": {
                    "expected-statuses": ["2XX", "400", "401", "403", "404", "409", "422"]
                },
            },
        }
    )


# What the forms' declared validators and input.json_form say when a value breaks a rule that the
# document states (type, length, range, required, fixed choices): valid data must never get them.
STATED_RULES = re.compile(
    r"^(This field is required\.|Field (cannot be longer|must be at least|must be between)|"
    r"Number must be|Not a valid (integer|date)|Must be (true or false|an integer|a list of "
    r"strings|a string or null|a date \(YYYY-MM-DD\) or null)|Out of range|Unknown field|Must "
    r"not contain NUL)"
)


def _refused_only_for_what_no_schema_states(body: dict) -> None:
    """A 422 to valid data is fair for a rule no schema can state (an actor that must exist, a
    version that must be the current one, a date not in the future), never for a stated one."""
    fields = body["error"].get("fields") or {}
    stated = {name: message for name, message in fields.items() if STATED_RULES.match(message)}
    assert not stated, f"valid data refused for a rule the document states: {stated}"


def _run(case, connection) -> None:
    for name in list(g):  # each request starts with an empty `g`, as in production
        g.pop(name)
    savepoint = connection.begin_nested()
    try:
        response = case.call_and_validate()
        STATS[(case.operation.label, response.status_code)] += 1
        if case.meta.generation.mode.is_positive and response.status_code == 422:
            _refused_only_for_what_no_schema_states(response.json())
    finally:
        db.session.close()
        savepoint.rollback()


def _world() -> tuple[str, dict]:
    """An admin's token, and the ids of a few real records by path parameter name: positive
    cases use them, so that valid requests reach the views, their writes and their answers."""
    from datetime import date, timedelta

    from tracker.actors import services as actors
    from tracker.meetings import follow_ups
    from tracker.progress import services as progress

    admin = factories.make_user(role="admin")
    token, plain = factories.auth.create_token(admin, by="tests")
    update = factories.make_update(by=admin)
    plan = update.action_point.plan
    meeting = factories.make_meeting(plan)
    follow_up = factories.make_follow_up(meeting)
    decision = follow_ups.record_decision(meeting, text="Agreed.", by="tests")
    hu = factories.get_actor("HU")
    seat = actors.seat_in_reference_group(hu, role="member", joined_on=None, by="tests")
    today = date.today()
    round_ = progress.create_round(
        plan, title="Spring", opens_on=today, deadline=today + timedelta(30), by=admin
    )
    ids = {
        "code_or_id": plan.code,
        "goal_id": update.action_point.goal_id,
        "action_point_id": update.action_point_id,
        "actor_id": hu.id,
        "update_id": update.id,
        "round_id": round_.id,
        "pledge_id": factories.make_pledge().id,
        "meeting_id": meeting.id,
        "follow_up_id": follow_up.id,
        "decision_id": decision.id,
        "seat_id": seat.id,
        "user_id": factories.make_user(role="member", actor=hu).id,
        "token_id": token.id,
    }
    return plain, ids


def test_the_api_conforms_to_its_openapi_document(app):
    started = time.process_time()  # CPU seconds: the cost, whatever else the machine runs
    with rolled_back_session(app) as (session, connection):
        token, ids = _world()
        session.commit()
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=_config(token))
        findings = []
        for result in schema.get_all_operations():
            operation = result.ok()
            real = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                # Negative cases keep their own (wrong) path values; positive ones get real ids.
                fixed = real if mode is GenerationMode.POSITIVE else {}

                @settings(
                    max_examples=EXAMPLES,
                    derandomize=True,
                    deadline=None,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
                def check(case):
                    _run(case, connection)

                try:
                    check()
                except KeyboardInterrupt:
                    raise
                except BaseException as error:  # a FailureGroup: collected, all shown at the end
                    findings.append(f"{operation.label} [{mode.value}]: {error}")
    elapsed = time.process_time() - started
    answered = sum(n for (_, status), n in STATS.items() if 200 <= status < 300)
    assert not findings, f"{len(findings)} findings:\n" + "\n\n".join(findings)
    assert answered >= 50, "too few requests got through to an answer: the run proves little"
    assert elapsed < BUDGET_SECONDS, f"the conformance run took {elapsed:.0f} s of CPU"
