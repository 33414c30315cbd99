"""Names of plans, goals and actors in the other languages of the interface: an optional form
field and an optional file column per language and name, and the stored dict behind them.

A record keeps them in its `translations` column: `{"ru": {"name": "Венгрия"}}`, shown by
`tracker.i18n.localized` when the interface speaks that language. The field and the column are
named `<field>_<language>` (`name_ru`, `title_ru`); the languages are those with a catalogue
(`i18n.languages()`), so that adding Turkish adds `name_tr` and `title_tr`, with no code.
"""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import Length, Optional

from tracker.i18n import SOURCE_LANGUAGE, language_name, languages


def other_languages() -> tuple[str, ...]:
    return tuple(code for code in languages() if code != SOURCE_LANGUAGE)


def column(field: str, code: str) -> str:
    """The form field and file column of `field` in language `code`: `name_ru`."""
    return f"{field}_{code}"


def columns(fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(column(field, code) for field in fields for code in other_languages())


def split_column(name: str) -> tuple[str, str] | None:
    """(`name`, `ru`) for `name_ru`; None for a column that is no translation."""
    field, _, code = name.rpartition("_")
    return (field, code) if field and code in other_languages() else None


def _label(field: str, language: str):
    if field == "name":
        return _l("Name in %(language)s", language=language)
    if field == "short_title":
        return _l("Short title in %(language)s", language=language)
    return _l("Title in %(language)s", language=language)


def add_fields(form_class: type[Form], field: str, *, max_length: int) -> None:
    """Give `form_class` an optional text field for `field` in each other language, shown right
    after `field` itself."""
    after = getattr(form_class, field).creation_counter
    for offset, code in enumerate(other_languages(), 1):
        unbound = StringField(
            _label(field, language_name(code)),
            validators=[Optional(), Length(max=max_length)],
            description=_l("Optional: shown instead when the interface speaks this language."),
        )
        # WTForms orders fields by when they were made: these go just after the field.
        unbound.creation_counter = after + offset / 100
        setattr(form_class, column(field, code), unbound)


def translation_values(record, fields: Iterable[str]) -> dict[str, str]:
    """A record's names in the other languages as the form fields and file columns hold them:
    `{"name_ru": "Венгрия"}` ("" where there is none)."""
    versions = getattr(record, "translations", None) or {}
    return {
        column(field, code): (versions.get(code) or {}).get(field) or ""
        for field in fields
        for code in other_languages()
    }


def _clean(text: str | None) -> str | None:
    return " ".join((text or "").split()) or None


def translations_from_form(form: Form, fields: Iterable[str]) -> dict[str, str | None]:
    """The translation fields a form was sent with: `{"name_ru": "…" or None}`. A field the
    request did not send at all (an API PATCH that leaves it out) is left out, so that saving
    keeps what is stored."""
    sent = {}
    for name in columns(fields):
        field = form._fields.get(name)
        if field is not None and field.raw_data:
            sent[name] = _clean(field.data)
    return sent


def translations_from_values(values: dict[str, str], fields: Iterable[str]) -> dict:
    """`{"title_ru": "…"}` (a file's row) as a whole `translations` value: `{"ru": {"title":
    "…"}}`, empty cells left out."""
    out: dict[str, dict[str, str]] = {}
    for name in columns(fields):
        field, code = split_column(name)
        if text := _clean(values.get(name)):
            out.setdefault(code, {})[field] = text
    return out


def set_translations(record, sent: dict[str, str | None]) -> dict[str, list]:
    """Store the translations `sent` (`{"name_ru": "…" or None}`) on `record`, keeping the
    others; returns their changes for the audit trail, `{"name_ru": [before, after]}`."""
    versions = {code: dict(entry) for code, entry in (record.translations or {}).items()}
    changes = {}
    for name, text in sent.items():
        field, code = split_column(name)
        before = versions.get(code, {}).get(field)
        if before == text:
            continue
        changes[name] = [before, text]
        if text:
            versions.setdefault(code, {})[field] = text
        else:
            versions.get(code, {}).pop(field, None)
    if changes:
        record.translations = {code: entry for code, entry in versions.items() if entry} or None
    return changes
