"""Walking the URL map and the OpenAPI document: the routes, their URLs with real ids, their forms
and request bodies, and hypothesis strategies for each. What a route needs is looked up in
tests/security/routes.py; when it is missing there, the test fails saying what to add."""

import functools
import inspect
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.routing import PathConverter, Rule
from werkzeug.test import encode_multipart
from wtforms import Field, PasswordField, StringField

from tests.security import routes as registry
from tests.security import strategies as hostile

REGISTRY = "tests/security/routes.py"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
API_PREFIX = "/api/v1"


def missing(message: str):
    pytest.fail(f"{message} (in {REGISTRY})", pytrace=False)


@dataclass(frozen=True)
class Route:
    endpoint: str
    path: str  # the rule as written, e.g. /plans/<code>/goals/<id:number>
    method: str
    rule: Rule = field(compare=False, repr=False)

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API_PREFIX + "/")

    @property
    def arguments(self) -> list[str]:
        return sorted(self.rule.arguments)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def listing_app():
    """An app for listing routes when tests are collected; it never touches a database."""
    from tests.conftest import create_test_app

    return create_test_app("sqlite://")


@functools.cache
def all_routes() -> tuple[Route, ...]:
    found = []
    for rule in listing_app().url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(Route(rule.endpoint, rule.rule, method, rule))
    return tuple(sorted(found, key=lambda r: (r.path, r.method)))


def get_routes() -> list[Route]:
    return [r for r in all_routes() if r.method == "GET"]


def page_write_routes() -> list[Route]:
    return [r for r in all_routes() if r.method in WRITE_METHODS and not r.is_api]


def api_write_routes() -> list[Route]:
    return [r for r in all_routes() if r.method in WRITE_METHODS and r.is_api]


def url_values(route: Route, world) -> dict[str, object]:
    """Real values for the route's arguments, from the world's records."""
    values = {}
    for arg in route.arguments:
        make = registry.ENDPOINT_ARGS.get((route.endpoint, arg)) or registry.URL_ARGS.get(arg)
        if make is None:
            missing(
                f"{route} ({route.endpoint}): add a value for <{arg}> to URL_ARGS, or to "
                f"ENDPOINT_ARGS[({route.endpoint!r}, {arg!r})] if it means something else here"
            )
        values[arg] = make(world)
    return values


_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


def build_url(route: Route, values: dict[str, object]) -> str:
    """The route's path with `values` put in as they are (hostile ones too: no converter runs)."""

    def put(match: re.Match) -> str:
        name = match[1]
        safe = "/" if isinstance(route.rule._converters.get(name), PathConverter) else ""
        return quote(str(values[name]), safe=safe)

    return _ARGUMENT.sub(put, route.path)


def url_of(route: Route, world, **overrides) -> str:
    return build_url(route, {**url_values(route, world), **overrides})


def page_form(route: Route) -> "registry.PageForm":
    spec = registry.PAGE_FORMS.get(route.endpoint)
    if spec is None:
        missing(
            f"{route} ({route.endpoint}) takes a page form: add PAGE_FORMS[{route.endpoint!r}] "
            "= PageForm(<its FlaskForm class or None>, <valid data for the world>)"
        )
    view = listing_app().view_functions.get(route.endpoint)
    used = forms_used_by(view) if view else set()
    if used and spec.form not in used:
        pytest.fail(
            f"{route}: the view uses {sorted(c.__name__ for c in used)}, but PAGE_FORMS"
            f"[{route.endpoint!r}] names {spec.form and spec.form.__name__} ({REGISTRY})",
            pytrace=False,
        )
    return spec


def forms_used_by(view) -> set[type]:
    """The FlaskForm classes that a view function names itself."""
    function = inspect.unwrap(view)
    names = function.__code__.co_names
    found = [function.__globals__.get(name) for name in names]
    return {c for c in found if isinstance(c, type) and issubclass(c, FlaskForm)}


def form_fields(form_class: type[FlaskForm] | None) -> dict[str, Field]:
    if form_class is None:
        return {}
    with listing_app().test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        return {f.name: f for f in form}


def field_strategy(route: Route, name: str, form_field: Field) -> st.SearchStrategy:
    for cls in type(form_field).__mro__:
        if cls in registry.FIELD_STRATEGIES:
            return registry.FIELD_STRATEGIES[cls]
    missing(
        f"{route}: field {name!r} is a {type(form_field).__name__}: add a strategy for it "
        "to FIELD_STRATEGIES"
    )


def text_fields(route: Route) -> list[str]:
    """The fields of a page form where a user types text that may be shown again (not a
    password, nor a one-time code: secrets that no page shows)."""
    fields = form_fields(page_form(route).form)
    return [
        name
        for name, f in fields.items()
        if isinstance(f, StringField)
        and not isinstance(f, PasswordField)
        and getattr(f.widget, "input_type", None) != "hidden"
        and (f.render_kw or {}).get("autocomplete") != "one-time-code"
    ]


@dataclass(frozen=True)
class Mutation:
    """How one fuzzed request differs from the route's valid one."""

    dropped: frozenset = frozenset()
    replaced: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    path: dict = field(default_factory=dict)
    body: object = None  # a whole raw body (bytes, content type) instead of the fields


def apply(mutation: Mutation, valid: dict) -> dict:
    data = {k: v for k, v in valid.items() if k not in mutation.dropped}
    return {**data, **mutation.extra, **mutation.replaced}


HOSTILE_PATH_VALUES = [
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "abc",
    "1.0",
    "%00",
    "..",
    "<script>alert(1)</script>",
    "²",
]
# Field names that a mass-assignment attack would try.
EXTRA_NAMES = ["id", "user_id", "role", "is_admin", "is_active", "actor_id", "plan_id", "version"]


def _path_strategy(route: Route) -> st.SearchStrategy:
    """Mostly the real ids (to reach the body's checks), sometimes hostile ones."""
    optional = {arg: st.sampled_from(HOSTILE_PATH_VALUES) for arg in route.arguments}
    real = st.just({})
    return st.one_of(real, real, real, st.fixed_dictionaries({}, optional=optional))


def _mutation(route: Route, fields: dict, extra_values: st.SearchStrategy):
    """The valid request with one or two fields replaced, maybe one left out, maybe an extra
    one: few enough changes that a hostile value gets past the others to the services. (The
    strategies are made once, not at each draw: making and checking them took a third of an
    example's time.)"""
    names = sorted(fields)
    chosen = st.lists(st.sampled_from(names), max_size=2, unique=True) if names else st.just([])
    dropped = st.frozensets(st.sampled_from(names), max_size=1) if names else st.just(frozenset())
    extra_names = st.one_of(st.sampled_from(EXTRA_NAMES), hostile.any_text)
    extra = st.dictionaries(extra_names, extra_values, max_size=1)
    path = _path_strategy(route)

    @st.composite
    def mutation(draw) -> Mutation:
        replaced = draw(chosen)
        return Mutation(
            dropped=draw(dropped),
            replaced={name: draw(fields[name]) for name in replaced},
            extra=draw(extra),
            path=draw(path),
        )

    return mutation()


def page_strategy(route: Route) -> st.SearchStrategy[Mutation]:
    form = page_form(route).form
    fields = {name: field_strategy(route, name, f) for name, f in form_fields(form).items()}
    return _mutation(route, fields, hostile.text)


@functools.cache
def openapi() -> dict:
    from tracker.api.openapi import openapi_document

    with listing_app().app_context():
        return openapi_document()


def resolve(schema: dict) -> dict:
    """A schema with its $ref followed and its allOf merged."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(openapi()["components"]["schemas"][name])
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def api_operation(route: Route) -> dict:
    path = _ARGUMENT.sub(r"{\1}", route.path.removeprefix(API_PREFIX))
    operation = openapi()["paths"].get(path, {}).get(route.method.lower())
    if operation is None:
        pytest.fail(f"{route} is not described in tracker/api/openapi.py", pytrace=False)
    return operation


def request_body(route: Route) -> tuple[str, dict] | None:
    """(media type, schema) of the route's request body in the OpenAPI document, or None."""
    content = api_operation(route).get("requestBody", {}).get("content", {})
    for media_type in ("application/json", "multipart/form-data"):
        if media_type in content:
            return media_type, resolve(content[media_type]["schema"])
    if content:
        missing(f"{route}: no fuzz strategy for a {sorted(content)} body: add one to walk.py")
    if route.endpoint not in registry.API_WITHOUT_BODY:
        missing(
            f"{route}: its OpenAPI operation has no request body; describe it in "
            f"tracker/api/openapi.py, or add {route.endpoint!r} to API_WITHOUT_BODY"
        )
    return None


def schema_strategy(route: Route, name: str, schema: dict) -> st.SearchStrategy:
    """Values of the schema's type gone wrong, and values of every other type."""
    schema = resolve(schema)
    if "anyOf" in schema or "oneOf" in schema:  # e.g. Money or null
        options = schema.get("anyOf") or schema["oneOf"]
        return st.one_of(*(schema_strategy(route, name, option) for option in options))
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), hostile.json_any)
    if schema.get("format") == "binary":
        return hostile.upload()
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    options = []
    for kind in types:
        if kind == "string":
            options.append(hostile.json_date if schema.get("format") == "date" else hostile.text)
        elif kind in ("integer", "number"):
            options.append(st.sampled_from([0, -1, 2**31, 2**63, 10**30, 1.5, True, "1"]))
        elif kind == "array":
            item = schema_strategy(route, name, schema.get("items", {"type": "string"}))
            options.append(st.lists(item, max_size=4))
        elif kind in ("object", "boolean", "null"):
            options.append(hostile.json_any)
        else:
            missing(f"{route}: property {name!r} has type {kind!r}: teach schema_strategy it")
    return st.one_of(*options, hostile.json_any)


def api_body_strategy(route: Route) -> st.SearchStrategy[Mutation]:
    body = request_body(route)
    properties = body[1].get("properties", {}) if body else {}
    fields = {name: schema_strategy(route, name, s) for name, s in properties.items()}
    structured = _mutation(route, fields, hostile.json_any)
    raw = st.builds(
        Mutation,
        body=st.one_of(
            st.tuples(st.sampled_from(hostile.BAD_BODIES), st.just("application/json")),
            st.tuples(
                st.just(b'{"title": "x"}'),
                st.sampled_from(["text/plain", "application/x-www-form-urlencoded", ""]),
            ),
        ),
        path=_path_strategy(route),
    )
    return st.one_of(structured, structured, structured, raw)


def api_valid_body(route: Route, world) -> dict:
    make = registry.API_BODIES.get(route.endpoint)
    if make is None:
        if request_body(route) is None:
            return {}
        missing(f"{route} ({route.endpoint}): add a valid body to API_BODIES[{route.endpoint!r}]")
    return make(world)


def send_api(client, route: Route, url: str, headers: dict, mutation: Mutation, valid: dict):
    if mutation.body is not None:
        raw, content_type = mutation.body
        return client.open(
            url, method=route.method, data=raw, content_type=content_type, headers=headers
        )
    body = apply(mutation, valid)
    media = request_body(route)
    if media and media[0] == "multipart/form-data":
        return send_form(client, route, url, body, headers)
    data = json.dumps(body)  # NaN and Infinity go out as such: not JSON, and a client can send it
    return client.open(
        url, method=route.method, data=data, content_type="application/json", headers=headers
    )


def send_api_body(client, route: Route, url: str, body: dict, headers: dict | None = None):
    """Send a body as the route's OpenAPI document says: JSON, or multipart with files."""
    media = request_body(route)
    if media and media[0] == "multipart/form-data":
        return send_form(client, route, url, body, headers)
    return client.open(url, method=route.method, json=body, headers=headers or {})


def _is_file(value) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and hasattr(value[0], "read")


def send_form(client, route: Route, url: str, data: dict, headers: dict | None = None):
    """Send form data as a browser would; with files, as a multipart body built in memory
    (the test client spools a big one to a temporary file that it leaves open on a 413)."""
    items = [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
    if not any(_is_file(v) for _, v in items):
        return client.open(url, method=route.method, data=data, headers=headers or {})
    values = MultiDict(
        (k, FileStorage(v[0], filename=v[1]) if _is_file(v) else v) for k, v in items
    )
    boundary, body = encode_multipart(values)
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.open(
        url, method=route.method, data=body, content_type=content_type, headers=headers or {}
    )


def api_text_properties(route: Route) -> list[str]:
    """Request-body properties that hold text (or lists of text) a user may see again."""
    body = request_body(route)
    if not body:
        return []
    names = []
    for name, schema in body[1].get("properties", {}).items():
        schema = resolve(schema)
        if "password" in name or schema.get("format") == "password":
            continue  # never shown
        types = schema.get("type")
        types = types if isinstance(types, list) else [types]
        item = resolve(schema.get("items", {}))
        if "string" in types and schema.get("format") not in ("date", "date-time", "binary"):
            names.append(name)
        elif "array" in types and item.get("type") == "string":
            names.append(name)
    return names
