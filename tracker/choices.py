"""A value chosen from a StrEnum (a status, a kind, a way of delivery), as every service takes
it: the member, or one sentence listing the choices, the same in every room."""

import enum
from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _

Choice = TypeVar("Choice", bound=enum.StrEnum)


def chosen(
    kind: type[Choice], value: object, error: Callable[[str, str], Exception], field: str
) -> Choice:
    """`value` (a member of `kind` or its value) as the member; otherwise raises the domain's
    `error(message, field)`, the message listing the values `kind` offers."""
    try:
        return kind(value)
    except ValueError:
        values = ", ".join(member.value for member in kind)
        raise error(_("Choose one of: %(values)s.", values=values), field) from None
