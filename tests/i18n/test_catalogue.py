"""Every string the code and templates mark has a translation in every catalogue, with the same
placeholders, and the compiled catalogues are those of the .po files (`make translations`)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from tracker import PROJECT_ROOT
from tracker.i18n import TRANSLATIONS_DIR, languages

PYBABEL = Path(sys.executable).with_name("pybabel")
# %(name)s, %s, %d (Python formatting, as gettext and Flask-Babel use it) and {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}")
TRANSLATED = [code for code in languages() if code != "en"]


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    """What the code marks today: the template `make translations` would write."""
    pot = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    subprocess.run(
        [PYBABEL, "extract", "-F", "pyproject.toml", "-k", "_l", "-k", "lazy_gettext"]
        + ["-k", "lazy_ngettext:1,2", "-o", str(pot), "tracker", "templates"]
        # pybabel skips folders whose name starts with "_": the shared macros are named.
        + ["templates/_macros"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as file:
        return read_po(file)


def catalogue(code: str):
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=code)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_string_is_translated(marked, code):
    translations = catalogue(code)
    missing = []
    for message in marked:
        if not message.id:
            continue
        found = translations.get(message.id, message.context)
        strings = found and (found.string if found.pluralizable else [found.string])
        if not found or found.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{len(missing)} strings lack a {code} translation, e.g. {missing[:15]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english(code):
    wrong = []
    for message in catalogue(code):
        if not message.id or not message.string:
            continue
        if message.pluralizable:
            expected = placeholders(message.id[1])
            forms = message.string
        else:
            expected = placeholders(message.id)
            forms = [message.string]
        wrong += [(message.id, form) for form in forms if form and placeholders(form) != expected]
    assert not wrong, f"placeholders dropped or added: {wrong[:10]}"


def translations_of(catalog) -> dict:
    """Message → translation, the header aside (its dates say when, not what)."""

    def key(value):
        return value if isinstance(value, str) else tuple(value)

    return {key(m.id): key(m.string) for m in catalog if m.id and not m.fuzzy and any(m.string)}


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_is_that_of_the_po_file(code):
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.mo").open("rb") as file:
        shipped = read_mo(file)
    message = "run `make translations` and commit the .mo file"
    assert translations_of(shipped) == translations_of(catalogue(code)), message


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 обновление"), (2, "2 обновления"), (5, "5 обновлений"), (21, "21 обновление")]
    + [(11, "11 обновлений"), (22, "22 обновления"), (112, "112 обновлений")],
)
def test_russian_plural_forms_follow_the_number(app, count, expected):
    with app.test_request_context(), force_locale("ru"):
        assert ngettext("%(num)d update", "%(num)d updates", count) == expected
