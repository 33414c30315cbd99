"""What the attack tests assert, as functions that return the problems they find (an empty list
when all is well). tests/security/test_walkers_can_fail.py feeds each one a broken app to show
that it does find them."""

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import sqlalchemy as sa

from tracker.db import db

# {table: {primary key: row}}: every row of every table, to compare before and after a request.
Snapshot = dict[str, dict[tuple, dict]]


def snapshot(tables: set[str] | None = None) -> Snapshot:
    """Every row of every table (or of these tables), read in the test's own transaction. The
    attack tests take thousands of snapshots: each table is read with one plain cursor, its
    values turned into what SQLAlchemy would give by the columns' own result processors, which
    is several times faster than a select through the session and gives the same rows."""
    connection = db.session.connection()  # the session's transaction (savepoint) is begun
    cursor = connection.connection.driver_connection.cursor()
    result: Snapshot = {}
    try:
        for table, sql, processors, names, key in _snapshot_plan(connection.dialect):
            if tables is not None and table not in tables:
                continue
            cursor.execute(sql)
            rows = {}
            for raw in cursor.fetchall():
                values = [p(v) if p else v for p, v in zip(processors, raw, strict=True)]
                rows[tuple(values[i] for i in key)] = dict(zip(names, values, strict=True))
            result[table] = rows
    finally:
        cursor.close()
    return result


_snapshot_plans: dict[str, list] = {}


def _snapshot_plan(dialect) -> list:
    """(table, SELECT of all its columns, their result processors, their names, the positions
    of its key) for each table, made once per dialect."""
    if dialect.name not in _snapshot_plans:
        plan = []
        for table in db.metadata.sorted_tables:
            columns = list(table.columns)
            names = [c.name for c in columns]
            key = [c.name for c in table.primary_key.columns] or names
            plan.append(
                (
                    table.name,
                    str(sa.select(*columns).compile(dialect=dialect)),
                    [c.type._cached_result_processor(dialect, None) for c in columns],
                    names,
                    [names.index(c) for c in key],
                )
            )
        _snapshot_plans[dialect.name] = plan
    return _snapshot_plans[dialect.name]


# Anywhere in a statement: a write may sit in a WITH clause.
_WRITE = re.compile(r'\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@contextlib.contextmanager
def recorded_statements():
    """Every SQL statement run inside the block, on any engine (the snapshots' plain cursor
    runs none that it would see)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def tables_written(statements: list[str]) -> set[str]:
    """The tables the statements change, with those whose rows a deletion may take along
    (ON DELETE CASCADE or SET NULL, which no statement names)."""
    written, deleted = set(), set()
    for statement in statements:
        for verb, table in _WRITE.findall(statement):
            written.add(table)
            if verb.upper().startswith("DELETE"):
                deleted.add(table)
    for table in db.metadata.sorted_tables:
        if any(fk.column.table.name in deleted for fk in table.foreign_keys):
            written.add(table.name)
    return written


class DatabaseWatch:
    """The changes each request makes, from the state the watch last saw: a request that sends
    no write leaves the database as it was, so the database is read again (a snapshot, most of a
    refused request's cost) only after one that did, and only the tables that it wrote (those
    its statements name, and those a deletion cascades to). Anything written outside
    `changes()` must be followed by a new watch."""

    def __init__(self) -> None:
        self.state = snapshot()

    @contextlib.contextmanager
    def changes(self):
        """Yields a list that holds, after the block, what the block changed."""
        found: list[Change] = []
        with recorded_statements() as statements:
            yield found
        if written := tables_written(statements):
            after = snapshot(written)
            found += diff({table: self.state[table] for table in after}, after)
            self.state |= after


@dataclass(frozen=True)
class Change:
    table: str
    kind: str  # "insert", "update" or "delete"
    key: tuple
    columns: frozenset[str]  # the changed columns of an update
    row: dict  # the row after an insert or update, before a delete

    def __str__(self) -> str:
        if self.kind == "update":
            changed = {c: self.row[c] for c in sorted(self.columns)}
            return f"update {self.table} {self.key}: {changed}"
        return f"{self.kind} {self.table} {self.key}: {self.row}"


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    changes = []
    for table in sorted(before.keys() | after.keys()):
        old, new = before.get(table, {}), after.get(table, {})
        for key in old.keys() - new.keys():
            changes.append(Change(table, "delete", key, frozenset(), old[key]))
        for key in new.keys() - old.keys():
            changes.append(Change(table, "insert", key, frozenset(), new[key]))
        for key in old.keys() & new.keys():
            columns = frozenset(c for c in new[key] if old[key].get(c) != new[key][c])
            if columns:
                changes.append(Change(table, "update", key, columns, new[key]))
    return changes


def _anything(row: dict) -> bool:
    return True


@dataclass(frozen=True)
class Allowed:
    """A change that a request may make although it reads (GET) or was refused, and why."""

    table: str
    kind: str
    reason: str
    columns: frozenset[str] = frozenset()  # an update may change only these
    where: Callable[[dict], bool] = field(default=_anything)  # the row must match

    def covers(self, change: Change) -> bool:
        if (change.table, change.kind) != (self.table, self.kind) or not self.where(change.row):
            return False
        return change.kind != "update" or change.columns <= self.columns


def unexplained(changes: Iterable[Change], allowed: Iterable[Allowed] = ()) -> list[str]:
    allowed = list(allowed)
    return [str(c) for c in changes if not any(a.covers(c) for a in allowed)]


# Tags that no page of ours uses and that injected markup would bring.
_FOREIGN_TAGS = {
    "iframe",
    "frame",
    "object",
    "embed",
    "base",
    "applet",
    "svg",
    "math",
    "foreignobject",
}
# Our charts are SVG drawn by templates/_macros/charts.html, and the two-factor page's QR code by
# segno, each marked with one of these classes; an <svg> without one is injected markup.
_OWN_SVG_CLASSES = {"chart-svg", "qr-code"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _dangerous_url(value: str) -> bool:
    # Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
    squeezed = "".join(ch for ch in value if ch > " ").lower()
    return squeezed.startswith(_DANGEROUS_SCHEMES)


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.texts: list[str] = []
        self._script_depth = 0

    def handle_starttag(self, tag, attrs):
        shown = " ".join(f'{n}="{v}"' for n, v in attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute in <{tag} {shown}>")
            if name in _URL_ATTRIBUTES and value and _dangerous_url(value):
                self.problems.append(f"script URL in <{tag} {shown}>")
            if name == "http-equiv" and (value or "").lower() == "refresh":
                self.problems.append(f"meta refresh in <{tag} {shown}>")
            if value:
                self.texts.append(value)  # what an input shows is text too
        own_chart = tag == "svg" and dict(attrs).get("class") in _OWN_SVG_CLASSES
        if tag in _FOREIGN_TAGS and not own_chart:
            self.problems.append(f"unexpected <{tag} {shown}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/") or src.startswith("//"):
                self.problems.append(f"inline or off-site <script {shown}>")
            self._script_depth += 1

    def handle_endtag(self, tag):
        if tag == "script" and self._script_depth:
            self._script_depth -= 1

    def handle_data(self, data):
        if self._script_depth:
            if data.strip():
                self.problems.append(f"script content {data.strip()[:80]!r}")
        else:
            self.texts.append(data)


def scan_html(html: str) -> tuple[list[str], str]:
    """(problems, text): markup that would run script, and everything shown as text."""
    scan = _Scan()
    scan.feed(html)
    scan.close()
    problems = scan.problems
    if re.search(r"<script[\s>/]", html, re.I) and re.search(r"<script[^>]*>\s*alert", html, re.I):
        problems.append("<script>alert in the page source")
    return problems, "\n".join(scan.texts)


def html_problems(html: str) -> list[str]:
    return scan_html(html)[0]


def json_strings(value) -> list[str]:
    """Every string in a decoded JSON document, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *json_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return []


def response_problems(response) -> list[str]:
    """What is wrong with any response, whatever was asked: a crash, or markup that runs."""
    return response_scan(response)[0]


def response_scan(response) -> tuple[list[str], str]:
    """(response_problems, the text that an HTML page shows): one parse of the page for both."""
    problems, text = [], ""
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    if response.mimetype == "text/html":
        found, text = scan_html(response.get_data(as_text=True))
        problems += found
    return problems, text


# A page form that fails re-renders with 200: these mark such a page.
FAILURE_MARKERS = ('class="invalid-feedback"', 'id="conflict"')


def page_write_succeeded(response) -> bool:
    """A page POST worked: it redirected (not to sign in first), or showed a page without errors."""
    if response.status_code >= 400:
        return False
    if response.status_code >= 300:
        return "next=" not in response.headers.get("Location", "")  # Flask-Login's "sign in first"
    return not any(marker in response.get_data(as_text=True) for marker in FAILURE_MARKERS)


def api_write_succeeded(response) -> bool:
    return 200 <= response.status_code < 300


_SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        tokens = part.split()
        if tokens:
            directives.setdefault(tokens[0].lower(), [t.lower() for t in tokens[1:]])
    return directives


def header_problems(response, *, signed_in: bool) -> list[str]:
    headers = response.headers
    problems = []
    directives = csp_directives(headers.get("Content-Security-Policy", ""))
    scripts = directives.get("script-src", directives.get("default-src"))
    if scripts is None:
        problems.append("no Content-Security-Policy script-src or default-src")
    else:
        unsafe = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}
        if bad := unsafe.intersection(scripts):
            problems.append(f"CSP lets scripts in from {sorted(bad)}")
    # No page may be framed: X-Frame-Options DENY everywhere, and frame-ancestors 'none' in the
    # CSP of every page (a file's own CSP may leave it out: X-Frame-Options then applies).
    ancestors = directives.get("frame-ancestors")
    if ancestors != ["'none'"] and (ancestors is not None or response.mimetype == "text/html"):
        problems.append("CSP lacks frame-ancestors 'none'")
    if directives.get("object-src", directives.get("default-src")) != ["'none'"]:
        problems.append("CSP lacks object-src 'none'")
    if headers.get("X-Frame-Options", "").upper() != "DENY":
        problems.append("X-Frame-Options is not DENY")
    if headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if headers.get("Referrer-Policy", "").lower() not in _SAFE_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    if signed_in and "no-store" not in headers.get("Cache-Control", ""):
        problems.append("signed in, but Cache-Control lacks no-store")
    return problems


# What must never reach a user in an error: a traceback, source paths, SQL, library names.
_LEAKS = [
    r"Traceback \(most recent call last\)",
    r'File "[^"]+", line \d+',
    r"/[\w.-]+/[\w./-]+\.py\b",
    r"site-packages",
    r"\b(SELECT|INSERT|UPDATE|DELETE)\b .*\b(FROM|INTO|SET)\b",
    r"sqlalchemy|psycopg|sqlite3|werkzeug debugger",
    r"\b\w+(Error|Exception):",
]


def leak_problems(body: str, *secrets: str) -> list[str]:
    problems = [f"shows {p!r}" for p in _LEAKS if re.search(p, body, re.I)]
    problems += [f"shows {s!r}" for s in secrets if s in body]
    return problems
