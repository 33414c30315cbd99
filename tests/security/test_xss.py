"""Stored XSS: payloads in every text field that users can write (page forms and API bodies) come
back escaped on every page and in every API answer, and are shown as the text that was typed."""

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from tests.conftest import rolled_back_session
from tests.security import walk
from tests.security.checks import (
    api_write_succeeded,
    json_strings,
    page_write_succeeded,
    recorded_statements,
    response_problems,
    response_scan,
    tables_written,
)
from tests.security.conftest import sign_in
from tests.security.routes import XSS_REFUSED
from tracker.db import db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "{{7*7}}",
    "<img src=x onerror=alert(1)>@example.org",  # for fields that want an email address
]
COMBINED = "".join(PAYLOADS)
# Where stored text can show: every GET route but the files.
SHOWN_ON = [r for r in walk.get_routes() if r.endpoint not in ("static", "bootstrap.static")]


def _targets() -> list:
    params = []
    for route in walk.page_write_routes():
        try:
            fields = walk.text_fields(route)
        except pytest.fail.Exception:
            fields = ["(not in the registry)"]  # the test itself fails with the message
        params += [pytest.param(route, name, id=f"{route} {name}") for name in fields]
    for route in walk.api_write_routes():
        try:
            fields = walk.api_text_properties(route)
        except pytest.fail.Exception:
            fields = ["(not in the registry)"]
        params += [pytest.param(route, name, id=f"{route} {name}") for name in fields]
    return params


def _urls(world, created: Sequence[str], routes) -> list[str]:
    """Every GET route with the world's ids; and, for each record just created (its address in
    `created`), every GET route that takes its id, with that id."""
    urls = [walk.url_of(r, world) for r in routes]
    adapter = walk.listing_app().url_map.bind("localhost")
    for location in created:
        try:
            _, values = adapter.match(location.split("?")[0], method="GET")
        except (HTTPException, RoutingException):
            values = {}
        for route in routes:
            if values and set(values) & set(route.arguments):
                urls.append(walk.url_of(route, world, **values))
        urls.append(location)
    return list(dict.fromkeys(urls))


def pages_show(
    client,
    world,
    payloads: list[str],
    created: Sequence[str] = (),
    routes=SHOWN_ON,
    written: set[str] | None = None,
) -> tuple[list[str], str]:
    """(problems, text): markup that would run, or a payload left unescaped, on any page or API
    answer; and all that they show as text (to find the payloads shown as they were typed).
    With `written` (the tables the test's writes changed), a page that reads none of the
    columns where a payload now lies is not fetched again: it shows what it showed before any
    write (see _before_any_write)."""
    problems, texts = [], []
    skip = {}
    if written is not None:
        holding = _columns_holding_payloads(written)
        for route in routes:
            reads, found = _BEFORE_ANY_WRITE[route]
            if not reads & holding:
                skip[walk.url_of(route, world)] = found
    for url in _urls(world, created, routes):
        if url in skip:
            problems += [f"GET {url}: {p}" for p in skip[url]]
            continue
        is_api = url.startswith(walk.API_PREFIX + "/")
        response = client.get(url, headers=world.bearer if is_api else {})
        found, shown = response_scan(response)
        problems += [f"GET {url}: {p}" for p in found]
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            for payload in payloads:
                if any(c in payload for c in "<>\"'") and payload in html:
                    problems.append(f"GET {url}: {payload!r} is in the page unescaped")
            texts.append(shown)
        elif response.is_json:
            texts += json_strings(response.get_json())
        elif response.status_code < 300 and not response.headers.get(
            "Content-Disposition", ""
        ).startswith("attachment"):
            problems.append(f"GET {url}: answered {response.mimetype}, not as an attachment")
    return problems, "\n".join(texts)


# A page can show a stored payload only if it reads the column the payload lies in: before any
# write, when no payload was stored anywhere, it showed none. So the stored-payload test fetches
# again only the pages that read a column now holding a payload (and those of the record it
# created); for the others it repeats what they showed before any write: the columns each GET
# route reads and the problems it had, from one walk of a fresh world per run. (By table, as
# this once was, every page read the tables of actors and users, so most tests walked every
# page after every write: half the security suite's time.)
_BEFORE_ANY_WRITE: dict[walk.Route, tuple[frozenset[str], list[str]]] = {}
# SQLAlchemy names every column it reads with its table, or with the table's alias, which the
# FROM or JOIN clause gives as `table AS alias`: "actors_1.region", "FROM actors AS actors_1".
_QUALIFIED = re.compile(r"\b(\w+)\.(\w+)\b")
_ALIASED = re.compile(r"\b(\w+)\s+AS\s+(\w+)\b", re.IGNORECASE)
# Every payload holds one of these, and no valid data does.
_PAYLOAD_MARKS = ("alert(", "{{7*")


def _columns_read(statements: list[str]) -> frozenset[str]:
    """The columns ("table.column") that the statements read."""
    tables = {table.name for table in db.metadata.sorted_tables}
    read = set()
    for statement in statements:
        statement = statement.replace('"', "")  # PostgreSQL quotes some names
        aliases = {alias: name for name, alias in _ALIASED.findall(statement) if name in tables}
        for name, column in _QUALIFIED.findall(statement):
            table = aliases.get(name, name)
            if table in tables:
                read.add(f"{table}.{column}")
    return frozenset(read)


def _columns_holding_payloads(tables: set[str]) -> frozenset[str]:
    """The text and JSON columns of these tables that hold a payload in any row."""
    holding = set()
    for table in db.metadata.sorted_tables:
        if table.name not in tables:
            continue
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON):
                continue
            text = sa.cast(column, sa.Text)
            marked = sa.or_(*(text.contains(mark, autoescape=True) for mark in _PAYLOAD_MARKS))
            if db.session.scalar(sa.select(sa.literal(1)).where(marked).limit(1)):
                holding.add(f"{table.name}.{column.name}")
    return frozenset(holding)


def _before_any_write(client, world) -> None:
    if _BEFORE_ANY_WRITE:
        return
    seen = {}
    for route in SHOWN_ON:
        url = walk.url_of(route, world)
        with recorded_statements() as statements:
            response = client.get(url, headers=world.bearer if route.is_api else {})
        seen[route] = (_columns_read(statements), response_scan(response)[0])
    _BEFORE_ANY_WRITE.update(seen)  # all or nothing: a route missing in the registry fails


def write(route, name, payload, world, client):
    """Send the route's valid data with `payload` in field `name`; (response, succeeded)."""
    url = walk.url_of(route, world)
    if route.is_api:
        body = walk.api_valid_body(route, world)
        body[name] = [payload] if isinstance(body.get(name), list) else payload
        response = walk.send_api_body(client, route, url, body, world.bearer)
        return response, api_write_succeeded(response)
    spec = walk.page_form(route)
    data = spec.valid(world) | {name: payload}
    if not spec.signed_in:
        client = client.application.test_client()
    response = walk.send_form(client, route, url, data)
    return response, page_write_succeeded(response)


@dataclass
class FieldRun:
    """One text field's stored-XSS run: the values it accepted and the problems seen."""

    route: walk.Route
    name: str
    payloads: list[str]
    pending: list[list[str]] = field(init=False)  # groups of payloads still to send
    accepted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "value: problem"

    def __post_init__(self):
        self.pending = [self.payloads]

    @property
    def key(self) -> tuple:
        return (self.route, self.name)

    def send_next(self, world, client) -> tuple[str, bool, list[str], set[str]]:
        """Send the pending payloads until one value is accepted: all of them in one value
        first; where the field refuses that (a short field, a code field), in two halves, and
        so on down to one at a time. (the last value sent, whether it was accepted, the address
        of the record it created, if any, and the tables written)"""
        written = set()
        while True:
            group = self.pending.pop(0)
            value = "".join(group)
            with recorded_statements() as statements:
                response, succeeded = write(self.route, self.name, value, world, client)
            written |= tables_written(statements)
            if not succeeded and len(group) > 1:
                half = (len(group) + 1) // 2
                self.pending[:0] = [group[:half], group[half:]]
            self.problems += [f"{value!r}: {p}" for p in response_problems(response)]
            if succeeded:
                self.accepted.append(value)
            if succeeded or not self.pending:
                location = response.headers.get("Location", "")
                created = [location] if succeeded and location.startswith("/") else []
                return value, succeeded, created, written


def run_alone(route, name, sec_app, world, routes=SHOWN_ON) -> FieldRun:
    """The field's payloads, with a walk of the pages after each value accepted (and after the
    last one refused: a refused value may still be stored somewhere)."""
    run = FieldRun(route, name, PAYLOADS)
    client = sec_app.test_client()
    sign_in(client, world)
    written = set()
    while run.pending:
        value, accepted, created, tables = run.send_next(world, client)
        written |= tables
        found, text = pages_show(client, world, PAYLOADS, created, routes, written)
        run.problems += [f"{value!r}: {p}" for p in found]
        if accepted and value not in text:
            run.problems.append(f"{value!r}: accepted, but never shown as typed on any page")
    return run


# Walking the pages after every field's write took most of the security suite's time: the
# fields are written in batches, the pages walked once after each round of writes. Each field of
# a batch marks its payloads with a tag of its own ("alert(k)", "7*k"), so that a value shown on
# a page is that field's. A batch passes only the fields whose every accepted value was shown as
# typed, with no problem anywhere; any problem, and any value not shown (another field's write
# may have replaced it, or pushed it off a list's first page), sends the field to run_alone,
# whose verdict stands. A batch stays smaller than the shortest list page (20 rows).
TAGS = string.digits + string.ascii_letters
BATCH = 16


def tagged(tag: str) -> list[str]:
    return [p.replace("alert(1)", f"alert({tag})").replace("7*7", f"7*{tag}") for p in PAYLOADS]


def run_in_batches(
    targets, app, connection, sec_app, world, routes=SHOWN_ON
) -> dict[tuple, FieldRun]:
    runs = {}
    for start in range(0, len(targets), BATCH):
        batch = [
            FieldRun(route, name, tagged(tag))
            for (route, name), tag in zip(targets[start : start + BATCH], TAGS, strict=False)
        ]
        alone = set()  # the fields that run_alone decides
        while pending := [r for r in batch if r.pending and r.key not in alone]:
            # One round: each field's next accepted value, then one walk; rolled back after.
            with rolled_back_session(app, connection):
                round_world = world.reloaded()
                client = sec_app.test_client()
                written, created, sent = set(), [], []
                for run in pending:
                    sign_in(client, round_world)
                    value, accepted, new, tables = run.send_next(round_world, client)
                    written |= tables
                    created += new
                    sent.append((run, value, accepted))
                payloads = [p for run in batch for p in run.payloads]
                problems, text = pages_show(client, round_world, payloads, created, routes, written)
            for run, value, accepted in sent:
                if problems or run.problems or (accepted and value not in text):
                    alone.add(run.key)
        for run in batch:
            if run.key in alone:
                with rolled_back_session(app, connection):
                    run = run_alone(run.route, run.name, sec_app, world.reloaded(), routes)
            runs[run.key] = run
    return runs


_RUNS: dict[tuple, FieldRun] = {}


def _selected_targets(request) -> list[tuple]:
    """The (route, field) of every test of this function that the run selected, whose route is
    in the registry (one that is not fails in its own test)."""
    targets = []
    for item in request.session.items:
        if getattr(item, "originalname", None) != request.node.originalname:
            continue
        route, name = item.callspec.params["route"], item.callspec.params["name"]
        try:
            walk.request_body(route) if route.is_api else walk.page_form(route)
        except pytest.fail.Exception:
            continue
        targets.append((route, name))
    return targets


@pytest.mark.parametrize(("route", "name"), _targets())
def test_stored_payload_is_escaped_wherever_it_shows(
    route, name, request, app, shared_connection, sec_app, world
):
    if route.is_api:
        walk.request_body(route)
    else:
        walk.page_form(route)
    if (route, name) not in _RUNS:  # the first test runs every selected field, in batches
        client = sec_app.test_client()
        sign_in(client, world)
        _before_any_write(client, world)
        targets = [t for t in _selected_targets(request) if t not in _RUNS]
        _RUNS.update(run_in_batches(targets, app, shared_connection, sec_app, world))
    run = _RUNS[(route, name)]
    assert not run.problems, f"{name}: {run.problems}"
    if not run.accepted:
        reason = XSS_REFUSED.get((route.endpoint, name))
        assert reason, (
            f"{route} refused every payload in {name!r}; if it must, say why in XSS_REFUSED"
            f"[({route.endpoint!r}, {name!r})] in tests/security/routes.py"
        )


def test_every_xss_refusal_names_a_real_field():
    targets = {(p.values[0].endpoint, p.values[1]) for p in _targets()}
    assert set(XSS_REFUSED) <= targets, set(XSS_REFUSED) - targets


def test_payload_in_a_refused_request_address_is_escaped_in_the_audit_trail(sec_app, world):
    # A denied request is recorded with its path: the path is text that anyone can write.
    viewer = sec_app.test_client()
    sign_in(viewer, world, world.viewer)
    admin = sec_app.test_client()
    sign_in(admin, world)
    _before_any_write(admin, world)
    written = set()
    for payload in PAYLOADS:
        payload = payload.replace("/", "")  # a "/" (even as %2F) would split the path
        path = f"/plans/{quote(payload, safe='')}/action-points/new"
        with recorded_statements() as statements:
            assert viewer.get(path).status_code == 403
        written |= tables_written(statements)
        problems, text = pages_show(admin, world, [payload], written=written)
        assert not problems, f"{path}: {problems}"
        assert payload in text, f"{path}: the refusal is not shown (escaped) in the audit trail"


def _stored_text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (
                isinstance(column.type, sa.String | sa.Text)
                and not isinstance(column.type, sa.Enum)
                and not column.primary_key
                and not column.foreign_keys
                and not column.name.endswith(("_hash", "sha256"))
            ):
                yield table, column


def test_payload_in_any_stored_text_is_escaped_on_every_page(sec_app, world):
    """Every text column of every row holds a payload, as an import or a future form might put
    there: no page may run it."""
    client = sec_app.test_client()
    sign_in(client, world)
    for table, column in _stored_text_columns():
        keys = list(table.primary_key.columns)
        for n, row in enumerate(db.session.execute(sa.select(*keys)).all()):
            suffix = f"~{n}"  # unique columns stay unique
            room = (column.type.length or 1000) - len(suffix)
            value = COMBINED[:room] + suffix
            where = sa.and_(*(k == v for k, v in zip(keys, row, strict=True)))
            db.session.execute(sa.update(table).where(where).values({column.name: value}))
    db.session.commit()
    db.session.expire_all()
    problems, _ = pages_show(client, world, [*PAYLOADS, COMBINED])
    assert not problems


# Query parameters that a page may echo: those of the forms a GET view reads, and common ones.
QUERY_NAMES = ["next", "page", "per_page", "plan", "kind", "q", "user", "action", "from", "to"]


@pytest.mark.parametrize("route", SHOWN_ON, ids=str)
def test_payload_in_the_query_string_is_escaped(route, sec_app, world):
    """Reflected XSS: every parameter the view's forms read, and the usual ones, carry all the
    payloads; the page that answers must not run them."""
    view = walk.listing_app().view_functions.get(route.endpoint)
    forms = walk.forms_used_by(view) if view else set()
    names = {n for form in forms for n in walk.form_fields(form)}
    query = dict.fromkeys(sorted(names | set(QUERY_NAMES)), COMBINED)
    client = sec_app.test_client()
    sign_in(client, world)
    url = walk.url_of(route, world)
    response = client.get(url, query_string=query, headers=world.bearer if route.is_api else {})
    problems = response_problems(response)
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        problems += [f"{p!r} unescaped" for p in PAYLOADS if p[0] in '<"' and p in html]
    assert not problems, f"GET {url}?{sorted(query)}: {problems}"
