"""JSON bodies into WTForms: the API validates with the very forms the pages use.

JSON has types that HTML forms lack, so each value is first checked against its form field
(a number where text is expected is refused rather than silently turned into text); the values
then become form data, exactly as a browser would send them.
"""

from collections.abc import Collection, Mapping
from datetime import date
from typing import TypeVar

from flask import abort, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from wtforms import BooleanField, DateField, Field, IntegerField, SelectField, SelectMultipleField

from tracker.api.errors import ApiError, invalid
from tracker.api.schema import MAX_JSON_INTEGER, is_required
from tracker.uploads.files import UploadError
from tracker.uploads.services import store_upload

F = TypeVar("F", bound=FlaskForm)


def date_arg(name: str) -> date | None:
    """A date of the query string (YYYY-MM-DD), None when it is not given; else a 400."""
    text = request.args.get(name)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, _("%(name)s must be a date, YYYY-MM-DD.", name=name)) from None


def read_json_object() -> dict:
    """The request body as a JSON object, or a 415 / 400 error."""
    if not request.is_json:
        abort(415, _("Send the body as JSON, with Content-Type: application/json."))
    try:
        body = _whole_numbers(request.get_json())
    except (BadRequest, RecursionError):  # RecursionError: absurdly deep nesting
        abort(400, _("The body is not valid JSON."))
    if not isinstance(body, dict):
        abort(400, _("The body must be a JSON object."))
    # PostgreSQL text cannot hold NUL, even in a query: a handler that looks a record up by a
    # value of the body (a plan's code) before its form checks the value would answer 500. The
    # names and the text values are checked here; what lies deeper, each handler reads with the
    # rules its document states.
    holding = sorted(
        name
        for name, value in body.items()
        if "\x00" in name or (isinstance(value, str) and "\x00" in value)
    )
    if holding:
        raise invalid(dict.fromkeys(holding, _("Must not contain NUL characters.")))
    return body


def _whole_numbers(value):
    """`value` with each whole number written with a point (5.0) as the integer it is: JSON has
    one kind of number, JSON Schema's "integer" admits 5.0, and the document promises it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def _type_error(field: Field, value: object) -> str | None:
    """Why `value` cannot go into `field`, or None when it can."""
    if isinstance(field, BooleanField):  # null too: it would read as false
        return None if isinstance(value, bool) else _("Must be true or false.")
    if value is None:  # null leaves the field empty, which a required field refuses
        return _("This field is required.") if is_required(field) else None
    if isinstance(field, SelectMultipleField):
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return (
                _("Must not contain NUL characters.") if any("\x00" in v for v in value) else None
            )
        return _("Must be a list of strings.")
    if isinstance(field, IntegerField) or (isinstance(field, SelectField) and field.coerce is int):
        # bool is a subclass of int in Python, but `true` is not an id or a version.
        if isinstance(value, int) and not isinstance(value, bool):
            return None if abs(value) <= MAX_JSON_INTEGER else _("Out of range.")
        return _("Must be an integer.")
    if isinstance(field, DateField) and isinstance(value, str) and not value.strip():
        # A blank date would read as "left empty"; JSON says that with null.
        return _("Must be a date (YYYY-MM-DD) or null.")
    if isinstance(value, str):  # read_json_object refused any NUL in it
        return None
    return _("Must be a string or null.")


def _formdata(values: Mapping[str, object]) -> MultiDict:
    """Values as a browser would post them; null means the field was left empty."""
    data: MultiDict = MultiDict()
    for name, value in values.items():
        if value is None or value is False:  # an unticked checkbox is not sent at all
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(name, str(item))
    return data


def json_form(
    form_class: type[F],
    body: Mapping[str, object],
    *,
    current: Mapping[str, object] | None = None,
    exclude: Collection[str] = (),
    required: Collection[str] = (),
) -> F:
    """A form bound to a JSON body, overlaid on `current` values (PATCH); 422 on a bad value.

    `body` is what read_json_object gave (its text values hold no NUL), or built from it. The
    form is not validated here: the caller sets its choices first.
    """
    fields = {f.name: f for f in form_class(formdata=None, meta={"csrf": False})}
    errors: dict[str, str] = {}
    for name, value in body.items():
        field = fields.get(name) if name not in exclude else None
        if field is None:
            errors[name] = _("Unknown field.")
        elif message := _type_error(field, value):
            errors[name] = message
    for name in required:
        if body.get(name) is None:
            errors.setdefault(name, _("This field is required."))
    if errors:
        raise invalid(errors)
    return form_class(formdata=_formdata({**(current or {}), **body}), meta={"csrf": False})


def valid_json_form(form_class: type[F], body: Mapping[str, object], choices=(), **options) -> F:
    """json_form (`options` are its own), with its choices set (`set_choices(*choices)`) and
    validated: the form, or a 422."""
    form = json_form(form_class, body, **options)
    if choices:
        form.set_choices(*choices)
    validate_form(form)
    return form


def validate_form(form: FlaskForm) -> None:
    """Run the form's own validators; their messages become the 422's `fields`."""
    if not form.validate():
        raise invalid(
            {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
        )


def stored_upload(by):
    """The request's one file (multipart/form-data, field `file`), stored; else a 422."""
    upload = request.files.get("file")
    if upload is None or len(request.files.getlist("file")) != 1:
        raise invalid({"file": _("Send one file as multipart/form-data, in the field file.")})
    try:
        return store_upload(upload, by=by)
    except UploadError as error:
        raise invalid({"file": str(error)}, str(error)) from None
