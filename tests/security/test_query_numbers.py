"""Numbers in the query string: a page number, a `before` cursor or an id beyond 64 bits, below
zero, negative, fractional or not a number at all never gives a 500. The API answers 400 with a
JSON error naming the parameter; a page shows itself (200) with a message saying what it did
instead. Every GET route is sent every parameter name that any route reads as a number, so a
route that starts reading one must be registered in QUERY_NUMBERS (tests/security/routes.py)."""

import ast
from pathlib import Path

import pytest

from tests.security import walk
from tests.security.checks import response_problems
from tests.security.conftest import sign_in
from tests.security.routes import QUERY_NUMBER_NAMES, QUERY_NUMBER_SHAPES, QUERY_NUMBERS
from tracker.query_args import QueryArgError, whole_number

GETS = walk.get_routes()
HUGE = "99999999999999999999"
HOSTILE = [HUGE, "-" + HUGE, "-1", "0", "1.5", "abc", "²", "1e3", "9" * 5000]
# A value every reader takes as it is: a record of the world, or 1 (a page, a cursor).
VALID = {
    "goal_id": lambda w: w.goal.id,
    "sort": lambda w: w.goal.id,
    "action_point_id": lambda w: w.action_point.id,
    "action_point": lambda w: w.action_point.id,
}


def _query(name: str, value: str) -> dict:
    return {name: QUERY_NUMBER_SHAPES.get(name, "{}").format(value)}


def _reaction(route, name: str, response) -> tuple[bool, list[str]]:
    """(whether the route refused or corrected `name`, problems with how it did)."""
    problems = response_problems(response)
    if route.is_api:
        if response.status_code != 400:
            return False, problems
        error = (response.get_json(silent=True) or {}).get("error") or {}
        if error.get("code") != "bad_request" or name not in (error.get("fields") or {}):
            problems.append(f"400 without a JSON error naming {name}: {response.get_data()[:200]}")
        return True, problems
    said = response.mimetype == "text/html" and f"{name} must be" in response.get_data(as_text=True)
    if said and response.status_code != 200:
        problems.append(f"a message, but status {response.status_code}")
    return said, problems


@pytest.mark.parametrize("route", GETS, ids=str)
def test_numbers_in_the_query_string_never_crash(route, sec_app, world):
    client = sec_app.test_client()
    headers = world.bearer if route.is_api else {}
    if not route.is_api:
        sign_in(client, world)
    url = walk.url_of(route, world)
    expected = set(QUERY_NUMBERS.get(route.endpoint, ()))
    reads, problems = set(), []
    for name in QUERY_NUMBER_NAMES:
        for value in HOSTILE if name in expected else [HUGE]:
            with client.get(url, query_string=_query(name, value), headers=headers) as response:
                reacted, found = _reaction(route, name, response)
            problems += [f"?{name}={value[:30]}: {p}" for p in found]
            if reacted:
                reads.add(name)
            elif name in expected:
                problems.append(
                    f"?{name}={value[:30]} -> {response.status}: neither refused nor said"
                )
        if name in expected:
            valid = str(VALID.get(name, lambda w: 1)(world))
            with client.get(url, query_string=_query(name, valid), headers=headers) as response:
                reacted, found = _reaction(route, name, response)
            if reacted or found or response.status_code != 200:
                problems.append(f"?{name}={valid} (valid) -> {response.status}: {found}")
    assert not problems, f"GET {url}: {problems}"
    assert reads == expected, (
        f"GET {url} reads {sorted(reads)} as numbers: set QUERY_NUMBERS[{route.endpoint!r}] "
        "in tests/security/routes.py"
    )


# No number read past the parser ---------------------------------------------------------------

TRACKER = Path(__file__).resolve().parents[2] / "tracker"


def _mentions_query_args(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Attribute) and n.attr == "args" and ast.unparse(n.value) == "request"
        for n in ast.walk(node)
    )


def numbers_read_by_hand(source: str, filename: str) -> list[str]:
    """Places that turn the query string into a number without tracker.query_args: a
    `request.args.get(..., type=...)`, an `int(...)` of request.args, or a `paginate(...)` without
    `page=` (Flask-SQLAlchemy then reads ?page= itself, unchecked)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        where = f"{filename}:{node.lineno}: {ast.unparse(node)[:80]}"
        keywords = {k.arg for k in node.keywords}
        function = ast.unparse(node.func)
        if function == "request.args.get" and "type" in keywords:
            found.append(where)
        elif function in ("int", "float") and any(map(_mentions_query_args, node.args)):
            found.append(where)
        elif function.endswith("paginate") and not keywords & {"page", "Bucket"}:
            # (boto3's S3 paginator, `paginate(Bucket=…)`, pages through a bucket, not a request.)
            found.append(where)
    return found


def test_no_code_reads_a_number_from_the_query_string_by_hand():
    found = [
        place
        for path in sorted(TRACKER.rglob("*.py"))
        for place in numbers_read_by_hand(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not found, f"read these through tracker.query_args (int_arg, page_arg, arg): {found}"


def test_the_scan_finds_numbers_read_by_hand():
    source = (
        "a = request.args.get('before', type=int)\n"
        "b = int(request.args['page'])\n"
        "c = db.paginate(query, per_page=50)\n"
        "d = db.paginate(query, page=page_arg(), per_page=50)\n"
        "e = int_arg('before')\n"
    )
    assert [p.split(":")[1] for p in numbers_read_by_hand(source, "x.py")] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("text", "value", "nearest"),
    [
        ("7", 7, None),
        (" 7 ", 7, None),
        ("0007", 7, None),
        ("0", None, 1),
        ("-3", None, 1),
        (HUGE, None, 100),
        ("-" + HUGE, None, 1),
        ("9" * 5000, None, 100),
        ("1.5", None, None),
        ("abc", None, None),
        ("²", None, None),
        ("1e3", None, None),
        ("+3", None, None),
        ("", None, None),
    ],
)
def test_whole_number_takes_only_whole_numbers_in_range(text, value, nearest):
    if value is not None:
        assert whole_number("n", text, maximum=100) == value
        return
    with pytest.raises(QueryArgError, match="n must be a whole number from 1 to 100") as error:
        whole_number("n", text, maximum=100)
    assert error.value.nearest == nearest and error.value.name == "n"
