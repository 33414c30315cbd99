"""The languages of the interface: which one a request speaks, how a person switches, and how
dates, numbers and amounts are written in it.

English is the source language: every string in the code and templates is English, marked with
`_()`/`_l()`/`ngettext()`. Each other language is one catalogue,
`tracker/translations/<code>/LC_MESSAGES/messages.po` (and its compiled `.mo`): adding a language
is adding its catalogue, nothing else (docs/translating.md). Data stays as entered; a plan, goal
or actor may carry its own name in another language (`localized`).
"""

import enum
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import format_compact_decimal, format_currency, format_decimal
from flask import Flask, flash, has_request_context, redirect, request
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from tracker.db import db
from tracker.redirects import safe_next

# A lazy string (`_l`) says it is HTML already (`__html__`), so Jinja would write it unescaped,
# unlike every other text: a label with "<" or "'" would reach the page raw. Without it, lazy
# strings are escaped as plain strings are (tests/i18n/test_language_choice.py).
del LazyString.__html__

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
SOURCE_LANGUAGE = "en"
# An anonymous visitor's choice; a signed-in user's is kept on the account (User.language).
COOKIE_NAME = "language"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


@cache
def languages() -> tuple[str, ...]:
    """The source language, then every language with a compiled catalogue, by code."""
    found = sorted(mo.parent.parent.name for mo in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.mo"))
    return (SOURCE_LANGUAGE, *found)


def language_name(code: str) -> str:
    """A language's name in itself, as a switcher shows it: "English", "Русский"; a code that is
    not one of the tracker's languages (a row written some other way) as it is."""
    if code not in languages():
        return code
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else SOURCE_LANGUAGE


def select_language() -> str:
    """The request's language: the account's choice, then the visitor's switch (a cookie), then
    the browser's Accept-Language. The API answers in the Accept-Language of its caller."""
    if not has_request_context():  # the CLI, the mail sender's loop: English (or force_locale)
        return SOURCE_LANGUAGE
    available = languages()
    if request.blueprint != "api":
        if current_user.is_authenticated and current_user.language in available:
            return current_user.language
        if request.cookies.get(COOKIE_NAME) in available:
            return request.cookies[COOKIE_NAME]
    # The first language the browser asks for, by quality, that has a catalogue: "en-GB, ru;q=0.8"
    # is English (Werkzeug's best_match would prefer the exact "ru" to the regional "en-GB").
    for tag, _quality in request.accept_languages:
        if (primary := tag.replace("_", "-").split("-")[0].lower()) in available:
            return primary
    return SOURCE_LANGUAGE


def language_of(recipient) -> str:
    """The language of a message to a user: the one they chose, else the one the request that
    sends it speaks (an admin inviting in Russian invites in Russian), else English (the
    command line). Compose the message inside `flask_babel.force_locale(language_of(user))`."""
    chosen = getattr(recipient, "language", None)
    if chosen in languages():
        return chosen
    if has_request_context():
        return current_language()
    return SOURCE_LANGUAGE


def localized(record, field: str) -> str:
    """`record.<field>` as entered, or its version in the interface language when the record
    carries one (`record.translations == {"ru": {"name": "…"}}`)."""
    value = getattr(record, field)
    versions = getattr(record, "translations", None) or {}
    language = current_language()
    if language == SOURCE_LANGUAGE:
        return value
    return (versions.get(language) or {}).get(field) or value


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry their name for people next to their stored value, as
    Django's TextChoices do: `PLEDGED = "pledged", _l("Pledged")`.

    `label` is the name in the language of now (pages, exports, messages); `lazy_label` the lazy
    string, for what is built once and read later in its reader's language (a form's choices)."""

    lazy_label: LazyString

    def __new__(cls, value: str, lazy_label: LazyString):
        member = str.__new__(cls, value)
        member._value_ = value
        member.lazy_label = lazy_label
        return member

    @property
    def label(self) -> str:
        return str(self.lazy_label)

    @classmethod
    def labels(cls) -> dict:
        """Each member's lazy label, by member."""
        return {member: member.lazy_label for member in cls}


# Dates: English keeps the house's day-first style ("05 Dec 2026"); other languages write dates
# as their readers do (Babel's medium format: "5 дек. 2026 г.").
_DAY_PATTERNS = {"en": "dd MMM y"}


def format_day(value: date | datetime) -> str:
    language = current_language()
    return babel_date(value, _DAY_PATTERNS.get(language, "medium"), locale=language)


def format_number(value: int | Decimal, digits: int | None = None) -> str:
    """A count or a measure in the interface language ("1,250" / "1 250"); `digits` fixes the
    decimals shown."""
    if digits is not None:  # a pattern, or Babel drops trailing zeros ("10.0" would be "10")
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(Decimal(str(value)), pattern, locale=current_language())
    return format_decimal(value, locale=current_language(), decimal_quantization=False)


def format_percent(value: int | float | Decimal, digits: int = 0) -> str:
    """A percentage given as 0–100: "24 %" / "24,5 %" (the house writes a space before %)."""
    return f"{format_number(value, digits)}\N{NO-BREAK SPACE}%"


def format_money(amount: Decimal, currency: str) -> str:
    """An exact amount in major units, as the interface language writes it ("1 250 000,00 €");
    English keeps the house's own style (money.format_grouped)."""
    return format_currency(amount, currency, locale=current_language())


def format_money_short(amount: Decimal) -> str | None:
    """Three significant figures and the locale's suffix ("1,25 млн"); None in English, where
    money.format_compact keeps its own "1.25 M"."""
    language = current_language()
    if language == SOURCE_LANGUAGE:
        return None
    return format_compact_decimal(amount, locale=language, fraction_digits=2)


class LanguageForm(FlaskForm):
    """The header's switch (a button per language) and the profile's choice (radio buttons)."""

    language = RadioField(_l("Language"), validators=[InputRequired()])
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [(code, language_name(code)) for code in languages()]


def switch_language():
    """POST /language: remembered on the account when signed in, and in a cookie for the pages
    before sign-in."""
    form = LanguageForm()
    back = redirect(safe_next(form.next.data))
    if not form.validate_on_submit():  # a made-up language: back to the page, as it was
        flash(_("Choose one of the languages offered."), "error")
        return back
    code = form.language.data
    if current_user.is_authenticated and current_user.language != code:
        current_user.language = code
        db.session.commit()
    response = back
    response.set_cookie(
        COOKIE_NAME,
        code,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_language)
    app.add_url_rule("/language", "language", switch_language, methods=["POST"])
    app.add_template_global(languages)
    app.add_template_global(language_name)
    app.add_template_global(current_language)
    app.add_template_filter(localized)
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_percent, "percent")
