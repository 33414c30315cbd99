"""Each walker fails when the app does what it guards against: a throwaway app (never the real
one) gets a route broken in that way, and the walker's own test is run on it."""

from datetime import UTC, datetime

import pytest
from flask import get_flashed_messages, render_template_string, request
from flask_wtf import FlaskForm
from hypothesis import Phase, settings
from markupsafe import Markup
from wtforms import Field, StringField

from tests.conftest import create_test_app
from tests.security import conftest as security_conftest
from tests.security import routes as registry
from tests.security import (
    test_csrf,
    test_fuzz,
    test_get_is_safe,
    test_headers,
    test_query_numbers,
    test_xss,
    walk,
)
from tests.security.checks import (
    Allowed,
    Change,
    DatabaseWatch,
    header_problems,
    leak_problems,
    recorded_statements,
    tables_written,
    unexplained,
)
from tests.security.conftest import fuzz_settings, sign_in
from tracker.auth import services as auth_services
from tracker.db import db
from tracker.extensions import csrf
from tracker.plan.models import ActionPoint
from tracker.query_args import page_arg


class ProbeForm(FlaskForm):
    text = StringField()


class GadgetField(Field):
    """A field type that FIELD_STRATEGIES does not know."""


class GadgetForm(FlaskForm):
    gadget = GadgetField()


def _give_away_a_token(world):
    auth_services.create_token(world.fresh(type(world.admin), world.admin.id), by="tests")
    db.session.commit()


@pytest.fixture
def broken(app, database_url, world):
    """An app with one route broken in each way the walkers look for."""
    app_ = create_test_app(database_url, WTF_CSRF_ENABLED=True)

    @app_.post("/__test__/forgeable")
    @csrf.exempt
    def forgeable():
        _give_away_a_token(world)
        return "", 204

    @app_.get("/__test__/writes")
    def writes():
        _give_away_a_token(world)
        return "read"

    @app_.post("/__test__/crashes")
    def crashes():
        return str(int(request.form.get("text", "0")))

    @app_.post("/__test__/refuses-but-writes")
    def refuses_but_writes():
        _give_away_a_token(world)
        return '<p class="invalid-feedback">Refused.</p>'

    @app_.get("/__test__/unescaped")
    def unescaped():
        ap = db.session.get(ActionPoint, world.action_point.id)
        return render_template_string("<p>{{ title }}</p>", title=Markup(ap.title))

    @app_.post("/__test__/retitle")
    @app_.post("/__test__/retitle-again")
    def retitle():
        ap = db.session.get(ActionPoint, world.action_point.id)
        ap.title = request.form["text"]
        db.session.commit()
        return "", 204

    @app_.get("/__test__/escaped")
    def escaped():
        ap = db.session.get(ActionPoint, world.action_point.id)
        return render_template_string("<p>{{ title }}</p>", title=ap.title)

    @app_.get("/__test__/escaped-and-not")
    def escaped_and_not():
        ap = db.session.get(ActionPoint, world.action_point.id)
        template = "<p>{{ title }}</p><p>{{ raw }}</p>"
        return render_template_string(template, title=ap.title, raw=Markup(ap.title))

    @app_.get("/__test__/evaluated")
    def evaluated():
        ap = db.session.get(ActionPoint, world.action_point.id)
        return render_template_string(f"<p>{ap.title}</p>")

    @app_.get("/__test__/echo")
    def echo():
        return f"<p>You searched for {request.args.get('q')}</p>"

    @app_.get("/__test__/frameable")
    def frameable():
        response = app_.make_response("<p>page</p>")
        response.headers["Content-Security-Policy"] = "script-src 'self' 'unsafe-inline'"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app_.get("/__test__/paged")
    def paged():
        return f"<p>Page {int(request.args.get('page', '1'))}</p>"

    @app_.get("/__test__/unregistered-paged")
    def unregistered_paged():
        page = page_arg()
        return f"<p>Page {page}. {' '.join(get_flashed_messages())}</p>"

    @app_.get("/__test__/<id:gadget_id>")
    def needs_a_gadget(gadget_id):
        return ""

    @app_.post("/api/v1/__test__/undocumented")
    def undocumented():
        return {}

    yield app_
    with app_.app_context():
        db.engine.dispose()


def route_of(app_, path: str, method: str) -> walk.Route:
    rule = next(r for r in app_.url_map.iter_rules() if r.rule == path)
    return walk.Route(rule.endpoint, rule.rule, method, rule)


def test_csrf_walker_fails_on_a_form_that_is_exempt(broken, world, monkeypatch):
    route = route_of(broken, "/__test__/forgeable", "POST")
    spec = registry.PageForm(None, lambda w: {})
    monkeypatch.setitem(registry.PAGE_FORMS, route.endpoint, spec)
    with pytest.raises(AssertionError, match="with no token: 204"):
        test_csrf.test_page_write_without_the_csrf_token_is_refused_and_changes_nothing(
            route, broken, world
        )


def test_get_walker_fails_on_a_get_that_writes(broken, world):
    route = route_of(broken, "/__test__/writes", "GET")
    with pytest.raises(AssertionError, match="wrote: .*insert api_tokens"):
        test_get_is_safe.test_get_changes_nothing(route, broken, world, callers=["admin"])


def test_the_watch_reads_again_the_tables_a_statement_writes_and_those_it_cascades_to():
    # DatabaseWatch reads again only these after a request: a delete of a round takes its
    # published report along (ON DELETE CASCADE); every table that refers to it is read again.
    statements = [
        "SELECT * FROM users",
        'WITH x AS (SELECT 1) UPDATE "actors" SET name = ? WHERE id = ?',
        "DELETE FROM reporting_rounds WHERE id = ?",
    ]
    written = tables_written(statements)
    assert {"actors", "reporting_rounds", "published_reports"} <= written
    assert not written & {"users", "plans", "pledges"}


def test_the_watch_sees_a_write_to_any_table_after_reading_only_the_written_ones(world):
    watch = DatabaseWatch()
    with watch.changes() as changes:
        _give_away_a_token(world)
    assert {(c.table, c.kind) for c in changes} == {
        ("api_tokens", "insert"),
        ("audit_events", "insert"),
    }
    actor = world.fresh(type(world.actor), world.actor.id)
    with watch.changes() as changes:
        actor.note = "Changed"
        db.session.commit()
    assert [(c.table, c.kind, c.columns) for c in changes] == [
        ("actors", "update", frozenset({"note", "version"}))
    ]


def test_allowed_change_covers_only_its_columns_and_rows():
    allowed = Allowed("api_tokens", "update", "why", columns=frozenset({"last_used_at"}))
    renamed = Change("api_tokens", "update", (1,), frozenset({"name"}), {"name": "x"})
    used = Change("api_tokens", "update", (1,), frozenset({"last_used_at"}), {})
    assert unexplained([renamed, used], [allowed]) == [str(renamed)]
    denied = Allowed("audit_events", "insert", "why", where=lambda row: row["action"] == "denied")
    forged = Change("audit_events", "insert", (2,), frozenset(), {"action": "update"})
    assert unexplained([forged], [denied]) == [str(forged)]


@pytest.mark.parametrize(
    ("path", "finds"),
    [
        ("/__test__/crashes", "status 500"),
        ("/__test__/refuses-but-writes", "refused, yet: insert api_tokens"),
    ],
)
def test_fuzz_walker_fails_on_a_crash_and_on_a_refusal_that_writes(
    path, finds, broken, world, monkeypatch
):
    route = route_of(broken, path, "POST")
    spec = registry.PageForm(ProbeForm, lambda w: {"text": "1"})
    monkeypatch.setitem(registry.PAGE_FORMS, route.endpoint, spec)
    broken.config["WTF_CSRF_ENABLED"] = False
    # The first failing example is enough here: no shrinking.
    quick = settings(fuzz_settings(), phases=[Phase.explicit, Phase.generate])
    monkeypatch.setattr(test_fuzz, "fuzz_settings", lambda: quick)
    with pytest.raises(AssertionError, match=finds):
        test_fuzz.test_hostile_page_form_never_crashes_and_a_refused_one_writes_nothing(
            route, broken, world
        )


def test_in_ci_each_route_and_each_database_fuzzes_with_a_seed_of_its_own(monkeypatch):
    def seed_of(route: str, database_url: str | None) -> int:
        monkeypatch.setattr(security_conftest, "TEST_DATABASE_URL", database_url)
        return security_conftest.fuzz_seed(route)(lambda: None)._hypothesis_internal_use_seed

    monkeypatch.setenv("CI", "true")
    postgresql = "postgresql+psycopg://tests@127.0.0.1/tests"
    seeds = [seed_of(r, url) for r in ("POST /a", "POST /b") for url in (None, postgresql)]
    assert len(set(seeds)) == 4 and seeds[0] == seed_of("POST /a", None)
    monkeypatch.delenv("CI")
    assert not hasattr(
        security_conftest.fuzz_seed("POST /a")(lambda: None), "_hypothesis_internal_use_seed"
    )


@pytest.mark.parametrize(
    ("path", "payload", "finds"),
    [
        ("/__test__/unescaped", "<script>alert(1)</script>", "inline or off-site <script"),
        ("/__test__/unescaped", '"><img src=x onerror=alert(1)>', "event handler attribute"),
        ("/__test__/unescaped", "<a href='javascript:alert(1)'>x</a>", "script URL"),
    ],
)
def test_xss_walker_fails_on_unescaped_output(path, payload, finds, broken, world):
    ap = world.fresh(ActionPoint, world.action_point.id)
    ap.title = payload
    db.session.commit()
    client = broken.test_client()
    route = route_of(broken, path, "GET")
    problems, _ = test_xss.pages_show(client, world, [payload], routes=[route])
    assert any(finds in p for p in problems), problems
    assert any("unescaped" in p for p in problems), problems


def test_xss_walker_sees_a_template_that_evaluates_the_payload(broken, world):
    ap = world.fresh(ActionPoint, world.action_point.id)
    ap.title = "{{7*7}}"
    db.session.commit()
    route = route_of(broken, "/__test__/evaluated", "GET")
    _, text = test_xss.pages_show(broken.test_client(), world, ["{{7*7}}"], routes=[route])
    assert "{{7*7}}" not in text  # so the XSS test says "accepted, but never shown as typed"
    assert "49" in broken.test_client().get("/__test__/evaluated").get_data(as_text=True)


def test_xss_walker_reads_the_columns_of_a_statement_through_table_aliases():
    statement = (
        'SELECT actors_1.region, plans.code FROM plans JOIN actors AS actors_1 ON "actors_1".id'
        " = plans.lead_id WHERE plans.code = ?"
    )
    assert test_xss._columns_read([statement]) == {
        "actors.region",
        "actors.id",
        "plans.code",
        "plans.lead_id",
    }


def test_xss_walker_fetches_again_a_page_that_reads_the_column_holding_a_payload(
    broken, world, monkeypatch
):
    """After a write, the stored-payload test fetches again only the pages that read a column
    now holding a payload; the broken page reads the action point's title, so it is fetched
    again, and caught."""
    client = broken.test_client()
    route = route_of(broken, "/__test__/unescaped", "GET")
    with recorded_statements() as statements:
        assert client.get("/__test__/unescaped").status_code == 200
    reads = test_xss._columns_read(statements)
    assert "action_points.title" in reads
    monkeypatch.setitem(test_xss._BEFORE_ANY_WRITE, route, (reads, []))
    ap = world.fresh(ActionPoint, world.action_point.id)
    ap.title = payload = "<script>alert(1)</script>"
    db.session.commit()
    assert "action_points.title" in test_xss._columns_holding_payloads({"action_points"})
    problems, _ = test_xss.pages_show(
        client, world, [payload], routes=[route], written={"action_points"}
    )
    assert any("unescaped" in p for p in problems), problems


@pytest.fixture
def retitles(broken, world, monkeypatch):
    """The two routes that write the action point's title, as two fields of one batch of the
    stored-payload test."""
    broken.config["WTF_CSRF_ENABLED"] = False
    spec = registry.PageForm(ProbeForm, lambda w: {"text": "A title"})
    targets = []
    for path in ("/__test__/retitle", "/__test__/retitle-again"):
        route = route_of(broken, path, "POST")
        monkeypatch.setitem(registry.PAGE_FORMS, route.endpoint, spec)
        targets.append((route, "text"))
    for path in ("/__test__/escaped", "/__test__/escaped-and-not"):
        reads = frozenset({"action_points.title"})
        monkeypatch.setitem(test_xss._BEFORE_ANY_WRITE, route_of(broken, path, "GET"), (reads, []))
    return targets


def test_stored_xss_batch_sends_a_field_whose_value_was_replaced_to_run_alone(
    app, shared_connection, broken, world, retitles
):
    """The second field of the batch writes over the first one's title: the first one's value is
    shown nowhere after the batch, so it runs alone (with the untagged payloads), and passes."""
    page = route_of(broken, "/__test__/escaped", "GET")
    runs = test_xss.run_in_batches(retitles, app, shared_connection, broken, world, [page])
    first, second = (runs[target] for target in retitles)
    assert first.accepted == [test_xss.COMBINED] and not first.problems
    assert second.accepted == ["".join(test_xss.tagged("1"))] and not second.problems


def test_stored_xss_batch_fails_each_field_whose_value_a_page_leaves_unescaped(
    app, shared_connection, broken, world, retitles
):
    """The page shows the title as typed, and also as markup: the batch finds the markup and
    sends both fields to run alone, where each fails."""
    page = route_of(broken, "/__test__/escaped-and-not", "GET")
    runs = test_xss.run_in_batches(retitles, app, shared_connection, broken, world, [page])
    for target in retitles:
        assert any("is in the page unescaped" in p for p in runs[target].problems), runs


def test_reflected_xss_walker_fails_on_a_page_that_echoes_the_query(broken, world):
    route = route_of(broken, "/__test__/echo", "GET")
    with pytest.raises(AssertionError, match="inline or off-site <script"):
        test_xss.test_payload_in_the_query_string_is_escaped(route, broken, world)


def test_header_walker_fails_on_weak_headers(broken, world):
    route = route_of(broken, "/__test__/frameable", "GET")
    with pytest.raises(AssertionError) as failure:
        test_headers.test_every_get_route_sends_the_security_headers(route, broken, world)
    for problem in ["unsafe-inline", "frame-ancestors", "X-Frame-Options"]:
        assert problem in str(failure.value)
    client = broken.test_client()
    sign_in(client, world)
    signed_in = header_problems(client.get("/__test__/frameable"), signed_in=True)
    assert "signed in, but Cache-Control lacks no-store" in signed_in


def test_query_number_walker_fails_on_a_crash(broken, world, monkeypatch):
    route = route_of(broken, "/__test__/paged", "GET")
    monkeypatch.setitem(registry.QUERY_NUMBERS, route.endpoint, ("page",))
    with pytest.raises(AssertionError, match=r"\?page=abc: status 500"):
        test_query_numbers.test_numbers_in_the_query_string_never_crash(route, broken, world)


def test_query_number_walker_fails_on_a_reader_missing_from_the_registry(broken, world):
    route = route_of(broken, "/__test__/unregistered-paged", "GET")
    with pytest.raises(AssertionError, match=r"reads \['page'\] as numbers: set QUERY_NUMBERS"):
        test_query_numbers.test_numbers_in_the_query_string_never_crash(route, broken, world)


def test_leak_check_finds_a_traceback_and_sql():
    page = (
        'Traceback (most recent call last):\n  File "/srv/app/tracker/db.py", line 3, in x\n'
        "sqlalchemy.exc.OperationalError: no such table\nSELECT * FROM users"
    )
    assert len(leak_problems(page)) >= 4


def test_a_route_argument_without_a_value_fails_naming_it(broken, world):
    route = route_of(broken, "/__test__/<id:gadget_id>", "GET")
    with pytest.raises(pytest.fail.Exception, match="add a value for <gadget_id> to URL_ARGS"):
        walk.url_of(route, world)


def test_a_page_post_without_a_registry_entry_fails_naming_it(broken):
    route = route_of(broken, "/__test__/forgeable", "POST")
    with pytest.raises(pytest.fail.Exception, match=r"add PAGE_FORMS\['forgeable'\]"):
        walk.page_form(route)


def test_a_field_type_without_a_strategy_fails_naming_it(broken, monkeypatch):
    route = route_of(broken, "/__test__/crashes", "POST")
    spec = registry.PageForm(GadgetForm, lambda w: {})
    monkeypatch.setitem(registry.PAGE_FORMS, route.endpoint, spec)
    with pytest.raises(pytest.fail.Exception, match="GadgetField: add a strategy"):
        walk.page_strategy(route)


def test_an_api_write_missing_from_openapi_fails_naming_it(broken):
    route = route_of(broken, "/api/v1/__test__/undocumented", "POST")
    with pytest.raises(pytest.fail.Exception, match="is not described in tracker/api/openapi.py"):
        walk.api_body_strategy(route)


def test_sign_in_helper_really_signs_in(sec_app, world):
    client = sec_app.test_client()
    assert client.get("/plans/").status_code == 302
    sign_in(client, world)
    assert client.get("/plans/").status_code == 200


NOW = datetime.now(UTC)
# What a fuzzed request that worked may do to the records the next example needs.
SPOILS = {
    "admin password": (lambda w: w.admin, "password_hash", "changed"),
    "admin email": (lambda w: w.admin, "email", "moved@example.org"),
    "admin deactivated": (lambda w: w.admin, "is_active", False),
    "leaver deactivated": (lambda w: w.leaver, "is_active", False),
    "token revoked": (lambda w: w.token, "revoked_at", NOW),
    "feed replaced": (lambda w: w._feed[0], "token_hash", "0" * 64),
    "document retired": (lambda w: w.document, "retired_at", NOW),
}


@pytest.mark.parametrize("spoil", SPOILS.values(), ids=SPOILS)
def test_world_restore_undoes_what_a_fuzzed_request_spoiled(spoil, sec_app, world):
    record_of, column, value = spoil
    assert not world.restore()
    setattr(world.fresh(type(record_of(world)), record_of(world).id), column, value)
    db.session.commit()
    assert world.restore()
    assert not world.restore()
    client = sec_app.test_client()
    sign_in(client, world)
    assert client.get("/plans/").status_code == 200
