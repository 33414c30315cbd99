"""A value chosen from a StrEnum (a status, a kind, a way of delivery), as every service takes
it: the member, or one sentence listing the choices, the same in every room."""

import enum
from typing import TypeVar

from flask_babel import gettext as _

Choice = TypeVar("Choice", bound=enum.StrEnum)


def chosen(kind: type[Choice], value: object) -> Choice:
    """`value` (a member of `kind` or its value) as the member; a ValueError whose message lists
    the values `kind` offers otherwise (the service adds the field it belongs to)."""
    try:
        return kind(value)
    except ValueError:
        values = ", ".join(member.value for member in kind)
        raise ValueError(_("Choose one of: %(values)s.", values=values)) from None
