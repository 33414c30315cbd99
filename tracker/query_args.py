"""Numbers in the query string (`?page=`, `?before=`, ids): one parser for every page and API
route.

A number out of range must never reach the database: SQLite cannot even bind one beyond 64 bits
(a 500), and an OFFSET or an id past what a column holds is an error on either backend. The API
answers a bad value with 400 and a JSON error naming the parameter (QueryArgError, turned into a
response by tracker.errors); a page goes on with the nearest allowed value (a whole number out
of range) or the default (anything else) and says so in a flashed message.
"""

from collections.abc import Callable

from flask import flash, request
from flask_babel import gettext as _

from tracker.db import MAX_ID, db
from tracker.errors import wants_json

# Caps the OFFSET we send, so a silly page number cannot overflow it on any backend.
MAX_PAGE = 1_000_000
_DIGITS = len(str(2**63))  # longer digit strings are out of any range here: refused before int()


class QueryArgError(ValueError):
    """A query parameter that is not what the route takes. `nearest`: the allowed value closest
    to it, when there is one (a whole number out of range)."""

    def __init__(self, name: str, message: str, nearest: object = None):
        super().__init__(message)
        self.name = name
        self.nearest = nearest


def whole_number(name: str, text: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """`text` as a whole number from `minimum` to `maximum`; QueryArgError saying so otherwise."""
    message = _(
        "%(name)s must be a whole number from %(minimum)d to %(maximum)d.",
        name=name,
        minimum=minimum,
        maximum=maximum,
    )
    digits = text.strip()
    sign = -1 if digits.startswith("-") else 1
    digits = digits.removeprefix("-")
    # isdigit() alone lets through "²" and other non-ASCII digits that int() refuses.
    if not (digits.isascii() and digits.isdigit()):
        raise QueryArgError(name, message)
    if len(digits.lstrip("0")) > _DIGITS:
        raise QueryArgError(name, message, nearest=minimum if sign < 0 else maximum)
    value = sign * int(digits)
    if not minimum <= value <= maximum:
        raise QueryArgError(name, message, nearest=min(max(value, minimum), maximum))
    return value


def arg(name: str, parse: Callable[[str, str], object], default: object = None):
    """?name= read by `parse(name, text)` (absent or empty: `default`). In the API a bad value
    raises QueryArgError (a 400); on a page it gives the nearest allowed value, or the default,
    with a flashed message."""
    text = request.args.get(name, "")
    if not text:
        return default
    try:
        return parse(name, text)
    except QueryArgError as error:
        if wants_json():
            raise
        fallback = error.nearest if error.nearest is not None else default
        if fallback is None:
            flash(_("%(error)s It was left out.", error=error))
        else:
            flash(
                _(
                    "%(error)s Showing %(name)s %(value)s instead.",
                    error=error,
                    name=name,
                    value=fallback,
                )
            )
        return fallback


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """?name= as a whole number from `minimum` to `maximum` (by default a record id); see arg."""
    return arg(
        name,
        lambda name, text: whole_number(name, text, minimum=minimum, maximum=maximum),
        default,
    )


def page_arg(default: int = 1) -> int:
    """?page= of a paged list, from 1 to MAX_PAGE."""
    return int_arg("page", default, maximum=MAX_PAGE)


def list_page(query, per_page: int):
    """The ?page= page of a list page's query (Flask-SQLAlchemy's Pagination): past the last
    page, an empty page, not a 404."""
    return db.paginate(query, page=page_arg(), per_page=per_page, error_out=False)
