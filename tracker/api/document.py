"""Building blocks of the OpenAPI document (tracker/api/openapi.py): operations, paths and the
component schemas of tracker/api/shapes.py's declarations."""

import re
import typing
from collections.abc import Callable

import msgspec


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict:
    items = {"type": "object", "properties": {"items": {"type": "array", "items": ref(name)}}}
    return {"allOf": [ref("Page"), items]}


def items_of(name: str) -> dict:
    items = {"type": "array", "items": ref(name)}
    return {"type": "object", "required": ["items"], "properties": {"items": items}}


def operation(
    summary: str,
    answer: str | dict | None = None,
    *,
    status: int = 200,
    body: str | dict | None = None,
    body_required: bool = True,
    files: dict | None = None,
    query: list | None = None,
    content: list | None = None,
    location: bool = False,
    errors: tuple = (),
    description: str = "",
    public: bool = False,
) -> dict:
    """One operation. `answer` and `body` name a component schema or are one; the errors that
    every operation of its kind can answer are added, `errors` adds the others."""
    ok: dict = {"description": "Created" if status == 201 else "OK"}
    if location:
        ok["headers"] = {"Location": {"schema": {"type": "string"}}}
    if content:  # files: their media types
        ok["content"] = {media: {} for media in content}
    if answer is not None:
        schema = ref(answer) if isinstance(answer, str) else answer
        ok["content"] = {**ok.get("content", {}), "application/json": {"schema": schema}}
    operation: dict = {"summary": summary, "parameters": list(query or [])}
    if description:
        operation["description"] = description
    if public:
        operation["security"] = []
    if body is not None:
        schema = ref(body) if isinstance(body, str) else body
        content_ = {"application/json": {"schema": schema}}
        operation["requestBody"] = {"required": body_required, "content": content_}
    if files is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": files}},
        }
    codes = set(errors) if public else {401, 403, *errors}
    if query or body is not None or files is not None:
        codes.add(400)
    if body is not None:
        codes |= {413, 415, 422}
    if files is not None:
        codes |= {413, 422}
    operation["responses"] = {
        str(status): ok,
        **{str(c): {"$ref": f"#/components/responses/{c}"} for c in sorted(codes)},
    }
    return operation


def paths(operations: dict, path_parameters: Callable[[str], list[dict]]) -> dict:
    """The paths object of {"METHOD /path": operation}: each operation with its path's
    parameters, and a 404 where the path names a record."""
    result: dict = {}
    for key, operation in operations.items():
        method, path = key.split(" ", 1)
        operation["parameters"] = path_parameters(path) + operation["parameters"]
        if "{" in path:
            operation["responses"].setdefault("404", {"$ref": "#/components/responses/404"})
        if not operation["parameters"]:
            del operation["parameters"]
        result.setdefault(path, {})[method.lower()] = operation
    return result


def path_names(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def components(module) -> dict:
    """The component schemas of the TypedDicts and Structs that `module` declares, by name."""
    declared = [
        value
        for value in vars(module).values()
        if getattr(value, "__module__", None) == module.__name__
        and (
            typing.is_typeddict(value)
            or isinstance(value, type)
            and issubclass(value, msgspec.Struct)
        )
    ]
    _, schemas = msgspec.json.schema_components(
        declared, ref_template="#/components/schemas/{name}"
    )
    return _plain_nulls(schemas)


def _plain_nulls(schema):
    """`anyOf: [{"type": T}, {"type": "null"}]`, as msgspec writes `T | None`, in the plain form
    `{"type": [T, "null"]}` that the hand-written schemas use (a $ref or null keeps its anyOf)."""
    if isinstance(schema, list):
        return [_plain_nulls(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _plain_nulls(value) for key, value in schema.items()}
    options = schema.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        other = options[0] if options[1] == {"type": "null"} else options[1]
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        if isinstance(other.get("type"), str):
            return {**rest, **other, "type": [other["type"], "null"]}
        if "enum" in other and "type" not in other:
            return {**rest, **other, "enum": [*other["enum"], None]}
    return schema
