"""JSON Schemas of request bodies, read from the WTForms forms that validate them.

The API binds a JSON body to a page's form (tracker/api/input.py), so the form's fields and
validators are the rules; this module states the same rules in JSON Schema for the OpenAPI
document, so that a rule written once in a form is both enforced and documented.
"""

from collections.abc import Collection

from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

# No NUL anywhere (input.py refuses it: PostgreSQL text cannot hold it). A required text needs a
# character that str.strip() keeps (DataRequired); \x1c-\x1f are spaces to Python, not to \s.
_TEXT = "^[^\\x00]*$"
_FILLED_TEXT = "^[^\\x00]*[^\\s\\x00\\x1c-\\x1f][^\\x00]*$"
# Wide enough for BIGINT columns (money in minor units); beyond it no column can store the value.
MAX_JSON_INTEGER = 2**63 - 1


def is_required(field: Field) -> bool:
    """Whether the field refuses to be left empty (and so refuses null)."""
    return any(isinstance(v, DataRequired | InputRequired) for v in field.validators)


def _choices(field: SelectField) -> list | None:
    """The field's fixed choices (declared on the class), or None when a view sets them."""
    choices = field.choices
    if not choices or callable(choices) or isinstance(choices, dict):
        return None
    values = []
    for choice in choices:  # (value, label) pairs, SelectChoice objects, or bare values
        value = getattr(choice, "value", choice[0] if isinstance(choice, tuple | list) else choice)
        values.append(field.coerce(value))
    return values


def field_schema(field: Field) -> dict:
    """The JSON Schema of one field's value in a JSON body."""
    required = is_required(field)
    if isinstance(field, BooleanField):
        schema: dict = {"type": "boolean"}
    elif isinstance(field, SelectMultipleField):
        item: dict = {"type": "string", "pattern": _TEXT}
        if (choices := _choices(field)) is not None:
            item = {"enum": choices}
        schema = {"type": "array", "items": item}
    elif isinstance(field, SelectField) and (choices := _choices(field)) is not None:
        schema = {"enum": [c for c in choices if c != "" or not required]}
    elif isinstance(field, IntegerField) or (
        isinstance(field, SelectField) and field.coerce is int
    ):
        schema = {"type": "integer", "minimum": -MAX_JSON_INTEGER, "maximum": MAX_JSON_INTEGER}
    elif isinstance(field, DateField):
        schema = {"type": "string", "format": "date"}
    else:
        filled = any(isinstance(v, DataRequired) for v in field.validators)
        schema = {"type": "string", "pattern": _FILLED_TEXT if filled else _TEXT}
        if any(isinstance(v, InputRequired) for v in field.validators):
            schema["minLength"] = 1  # InputRequired refuses "" but takes spaces
    for validator in field.validators:
        if isinstance(validator, Length) and schema.get("type") == "string":
            if validator.min > 0:
                schema["minLength"] = max(validator.min, schema.get("minLength", 0))
            if validator.max >= 0:
                schema["maxLength"] = validator.max
        if isinstance(validator, NumberRange):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
    if not required and not isinstance(field, BooleanField):  # null: left empty
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        else:
            schema["type"] = [schema["type"], "null"]
    if field.description:
        schema["description"] = str(field.description)
    return schema


def form_schema(
    form_class: type,
    *,
    exclude: Collection[str] = (),
    required: Collection[str] = (),
    partial: bool = False,
    extra: dict | None = None,
) -> dict:
    """The JSON body that `json_form(form_class, body, exclude=..., required=...)` accepts.

    `partial`: a PATCH, overlaid on the record's values, so only `required` must be sent.
    `extra`: properties the view reads besides the form's (described by hand).
    """
    form = form_class(formdata=None, meta={"csrf": False})
    properties, must = {}, []
    for field in form:
        if field.name in exclude or field.type in ("FileField", "MultipleFileField", "CSRFToken"):
            continue
        schema = field_schema(field)
        if field.name in required:
            must.append(field.name)
            schema = _not_null(schema)
        elif not partial and is_required(field) and field.default in (None, "", []):
            must.append(field.name)
        properties[field.name] = schema
    properties.update(extra or {})
    must += [name for name in sorted(required) if name in (extra or {})]
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    return {**schema, "required": must} if must else schema


def _not_null(schema: dict) -> dict:
    """`schema` without null: json_form refuses null for a field the view requires."""
    if isinstance(schema.get("type"), list):
        return {**schema, "type": schema["type"][0]}
    if "enum" in schema:
        return {**schema, "enum": [c for c in schema["enum"] if c is not None]}
    return schema
