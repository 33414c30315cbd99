"""How pages name an actor: the one place for it, as template filters.

People know "Sweden", not "SE". Pages show the name; where space is short (a grid's row or
column, a heat map) they show the code, with the name on hover (`<abbr title>`) and for screen
readers (visually hidden text, read instead of the code). Plain Python, not a Jinja macro: a
grid shows it on hundreds of cells.
"""

from markupsafe import Markup, escape

NONE = "—"


def actor_name(actor) -> str:
    """`{{ actor|actor_name }}`: the actor's name ("—" for none)."""
    if actor is None:
        return NONE
    return getattr(actor, "name", None) or getattr(actor, "code", None) or NONE


def actor_abbr(actor, name: str | None = None) -> Markup:
    """`{{ actor|actor_abbr }}` or `{{ code|actor_abbr(name) }}`: the code, with the name on
    hover and for screen readers (which read the name, not the letters)."""
    if actor is None:
        return escape(NONE)
    if name is None:
        code, name = getattr(actor, "code", None), getattr(actor, "name", None)
    else:
        code = actor
    if not name or name == code:
        return escape(code or NONE)
    return Markup(
        '<abbr title="{name}" aria-hidden="true">{code}</abbr>'
        '<span class="visually-hidden">{name}</span>'
    ).format(name=name, code=code)
