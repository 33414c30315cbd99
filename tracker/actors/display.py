"""How pages name an actor: the one place for it, as template filters.

People know "Sweden", not "SE". Pages show the name; where space is short (a grid's row or
column, a heat map) they show the code, with the name on hover (`<abbr title>`) and for screen
readers (visually hidden text, read instead of the code). Plain Python, not a Jinja macro: a
grid shows it on hundreds of cells.

In another language than English the name is the one entered for it (`translations`), else, for
a state, the CLDR's name of its ISO code (Babel: HU is "Венгрия"), as the UN writes it; else the
name as entered. The CLDR's names are looked up when shown, not stored, so that a language added
later names every state at once, and an entered name always wins.
"""

from functools import cache

from babel import Locale
from markupsafe import Markup, escape

from tracker.actors.models import STATE_KINDS
from tracker.i18n import SOURCE_LANGUAGE, current_language, localized

NONE = "—"


@cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


def localized_name(actor) -> str | None:
    """The actor's name in the interface language (see above); None when it has none."""
    name = getattr(actor, "name", None)
    language = current_language()
    if language == SOURCE_LANGUAGE or not name:
        return name
    versions = getattr(actor, "translations", None) or {}
    if (versions.get(language) or {}).get("name"):
        return localized(actor, "name")
    code = getattr(actor, "code", None) or ""
    if getattr(actor, "kind", None) in STATE_KINDS and len(code) == 2:
        return _territories(language).get(code.upper()) or name
    return name


def actor_name(actor) -> str:
    """`{{ actor|actor_name }}`: the actor's name ("—" for none)."""
    if actor is None:
        return NONE
    return localized_name(actor) or getattr(actor, "code", None) or NONE


def actor_abbr(actor, name: str | None = None) -> Markup:
    """`{{ actor|actor_abbr }}` or `{{ code|actor_abbr(name) }}`: the code, with the name on
    hover and for screen readers (which read the name, not the letters)."""
    if actor is None:
        return escape(NONE)
    if name is None:
        code, name = getattr(actor, "code", None), localized_name(actor)
    else:
        code = actor
    if not name or name == code:
        return escape(code or NONE)
    return Markup(
        '<abbr title="{name}" aria-hidden="true">{code}</abbr>'
        '<span class="visually-hidden">{name}</span>'
    ).format(name=name, code=code)
