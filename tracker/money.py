"""Exact money: integer minor units plus an ISO 4217 code, parsed from and formatted to text.

Amounts are stored and added as integers (cents, yen, fils); text is parsed with Decimal, never
float. The one place where rounding happens is `convert`: an amount in one currency becomes the
reporting currency at a dated rate, rounded ROUND_HALF_EVEN (banker's rounding) to the reporting
currency's minor unit, once per converted ledger entry. Totals in the reporting currency are sums
of those rounded entries, so every view that adds the same entries gets the same cent.
"""

import csv
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker import i18n
from tracker.fields import FieldError

CURRENCY_FILE = Path(__file__).parent / "data" / "currencies.csv"

# The most one amount may be, in whole units of its currency, and the most a pledge's pledged
# total may reach (so its committed and disbursed totals too): a trillion. The largest funds in
# the field are single-digit billions of euros (the EU Facility for Refugees in Türkiye, €6
# billion; the EU Trust Fund for Africa, €5 billion): a trillion euros, dollars or pounds is two
# hundred times that, and anything near it is a typing slip. In the weakest currencies it is less
# (a trillion rials, dong or Lebanese pounds is a few million to a few tens of millions of euros):
# a larger pledge in those is stated in a convertible currency. In minor units it is at most
# 10^16 (four minor digits), so a stored total or converted amount is 900 times inside a BIGINT
# (9.2 × 10^18); sums over many of them are added exactly by tracker.db.exact_sum.
MAX_AMOUNT = 10**12
# A rate: units of the reporting currency for one unit of the other currency.
MAX_RATE_DECIMALS = 10
MAX_RATE_INTEGER_DIGITS = 10
_AMOUNT = re.compile(r"^(?P<sign>-?)(?P<whole>\d+)(?:\.(?P<fraction>\d+))?$")


class MoneyError(FieldError, ValueError):
    """Text that is not an exact amount (or rate) in the given currency; the message says why,
    and `field` which of the two texts is at fault ("currency", or "amount" for the rest)."""

    field = "amount"


@dataclass(frozen=True)
class Currency:
    code: str
    minor_units: int
    name: str


@cache
def currencies() -> dict[str, Currency]:
    """The shipped ISO 4217 list, by code."""
    lines = [
        line
        for line in CURRENCY_FILE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return {
        row["code"]: Currency(row["code"], int(row["minor_units"]), row["name"])
        for row in csv.DictReader(lines)
    }


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in currencies()


def check_currency(code: object) -> str:
    """The code itself (upper-cased) when it is in the shipped list; MoneyError otherwise."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if text not in currencies():
        raise MoneyError(
            _(
                "Unknown currency %(code)s: use a currency code such as EUR or USD.",
                code=quoted(str(code), 20),
            ),
            "currency",
        )
    return text


def minor_digits(currency: str) -> int:
    """The currency's minor digits; a code outside the list (only ever stored by older data,
    since parsing refuses it) is shown with two."""
    found = currencies().get(currency.upper())
    return found.minor_units if found else 2


def quoted(text: str, length: int = 40) -> str:
    """What a person typed, quoted in a message: Python's repr in English (as the messages always
    did), the language's own quotation marks in another ("«250,000»")."""
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return repr(text[:length])
    return _("'%(text)s'", text=text[:length])


def _plain_text(text: object, what: str) -> str:
    # Whole sentences for each of the two words: "сумму" and "курс" change the words around them.
    rate = what == "rate"
    if isinstance(text, bool) or isinstance(text, int | float | Decimal):
        raise MoneyError(
            _('Give the rate as text (e.g. "1250.50"), not as a number.')
            if rate
            else _('Give the amount as text (e.g. "1250.50"), not as a number.')
        )
    if not isinstance(text, str):
        raise MoneyError(
            _('Give the rate as text, e.g. "1250.50".')
            if rate
            else _('Give the amount as text, e.g. "1250.50".')
        )
    # U+2212 MINUS SIGN is how "−5" is typeset; it means a minus sign.
    cleaned = text.strip().replace("\u2212", "-")
    if not cleaned:
        raise MoneyError(_("Give a rate.") if rate else _("Give an amount."))
    if "e" in cleaned.lower():
        raise MoneyError(
            _("Write the rate in plain digits, without an exponent.")
            if rate
            else _("Write the amount in plain digits, without an exponent.")
        )
    return cleaned


# What people type between groups of thousands besides a comma or a dot: a space, and the
# no-break and thin spaces that word processors and locales put there ("250 000").
SPACES = " \u00a0\u202f\u2009"
_GROUPED = re.compile(r"^[0-9]{1,3}(?:[0-9]{3})*$")
# How to write an amount, in English; in any language: how_to_write().
HOW_TO_WRITE = "write it as 250000.50 or 250,000.50"


@dataclass(frozen=True)
class Marks:
    """How a language writes numbers, from Babel's locale data (CLDR): its decimal symbol and
    its symbol between groups of thousands ("." and "," in English, "," and a no-break space in
    Russian, "," and "." in German)."""

    decimal: str
    group: str

    @property
    def spaces(self) -> str:
        """What only ever separates thousands: the spaces, and the language's own group symbol
        when it is neither a comma nor a dot (Swiss German "250'000")."""
        return SPACES + ("" if self.group in ",." + SPACES else self.group)


@cache
def marks(language: str) -> Marks:
    return Marks(get_decimal_symbol(language), get_group_symbol(language))


def how_to_write(language: str | None = None) -> dict[str, str]:
    """The examples a message gives, as the language writes them: 250000.50 and 250,000.50 in
    English, 250000,50 and 250 000,50 in Russian."""
    found = marks(language or i18n.current_language())
    return {"plain": f"250000{found.decimal}50", "grouped": f"250{found.group}000{found.decimal}50"}


def _not_an_amount(text: str, how: dict[str, str]) -> MoneyError:
    return MoneyError(
        _(
            "%(text)s is not an amount: write it as %(plain)s or %(grouped)s.",
            text=quoted(text),
            **how,
        )
    )


def _grouped_digits(whole: str, separators: str, original: str, how: dict[str, str]) -> str:
    """The digits of a whole part written with `separators` between groups of three."""
    groups = re.split(f"[{re.escape(separators)}]", whole) if separators else [whole]
    if len(groups) > 1 and not (
        1 <= len(groups[0]) <= 3
        and not groups[0].startswith("0")
        and all(len(group) == 3 for group in groups[1:])
    ):
        raise MoneyError(
            _(
                "%(text)s does not group its thousands in threes: write it as %(plain)s or "
                "%(grouped)s.",
                text=quoted(original),
                **how,
            )
        )
    if not all(group.isdigit() for group in groups):
        raise _not_an_amount(original, how)
    return "".join(groups)


def plain_amount(text: str, digits: int, language: str | None = None) -> str:
    """An amount as people write it → plain digits with a dot for decimals ("-250000.5").

    The one rule for thousands separators, for pages, API and imports alike, read in `language`
    (by default the interface's), whose decimal and group symbols come from Babel:
    - spaces (also no-break and thin, and the language's own group symbol if it is another
      character, such as "'") only ever separate thousands: "250 000";
    - with both a comma and a dot, the last of them is the decimal mark and the other separates
      thousands: "250.000,50" and "250,000.50";
    - a mark written more than once separates thousands: "1,250,000", "1.250.000";
    - a mark written once is the decimal mark, unless it is the language's group symbol and is
      followed by exactly three digits: then it separates thousands, or, where the currency
      itself has three decimals or more (KWD), it is refused as ambiguous, saying how to write
      it. So in English a dot written once is always the decimal point, as this app and its API
      write amounts (read as thousands, an unrounded "12.345" from a program would become a
      thousandfold amount: "250.000" EUR is refused, "EUR has 2 decimal places"), and "250,000"
      is 250000 while "12,50" is 12.50.
    - In Russian (decimal comma, no-break space between groups) both marks written once are
      decimal marks: "250000,5" and "250 000,50" are 250000.50, "12.50" is 12.50 as programs
      write it, "1 250 000" is 1250000. "250,000" EUR is three decimals, as a Russian reader
      reads it, and is refused ("EUR has 2 decimal places"), saying to write 250000 or
      250 000; "250.000" likewise. A language whose group symbol is a dot (German) reads
      "250.000" as 250000 and "12,50" as 12.50 (and refuses "12.345" KWD as ambiguous).
    Groups of thousands are three digits each; anything else is refused. Every amount the app
    itself writes reads back unchanged: format_minor in English and Russian, typed_amount and
    the numbers of format_grouped in the language that wrote them.
    """
    language = language or i18n.current_language()
    found = marks(language)
    spaces = found.spaces
    how = how_to_write(language)
    match = re.match(rf"^(?P<sign>-?)(?P<body>[0-9][0-9.,{re.escape(spaces)}]*)$", text)
    if not match:
        raise _not_an_amount(text, how)
    body = match["body"]
    written = [c for c in body if c in ",."]
    spaced = any(c in spaces for c in body)
    decimal_mark = None
    if len(set(written)) == 2:
        decimal_mark = written[-1]
        if written.count(decimal_mark) > 1:
            raise MoneyError(
                _(
                    "%(text)s has more than one decimal mark: write it as %(plain)s or "
                    "%(grouped)s.",
                    text=quoted(text),
                    **how,
                )
            )
    elif len(written) == 1:
        mark = written[0]
        before, after = body.split(mark)
        # "0,500" is half of something, written with a decimal comma: no group starts with 0.
        if mark != found.group or spaced or len(after) != 3 or before.startswith("0"):
            decimal_mark = mark
        elif digits >= 3:
            raise MoneyError(
                _(
                    "%(text)s could be a whole amount or one with three decimals: write it with "
                    "a dot for decimals and no separator (1234 or 1.234).",
                    text=quoted(text),
                )
            )
    whole, _mark, fraction = body.rpartition(decimal_mark) if decimal_mark else (body, "", "")
    if decimal_mark and not fraction.isdigit():
        raise _not_an_amount(text, how)
    separators = "".join(sorted({c for c in whole if not c.isdigit()}))
    if len(separators) > 1 and set(separators) - set(spaces):
        raise MoneyError(
            _(
                "%(text)s mixes separators of thousands: write it as %(plain)s or %(grouped)s.",
                text=quoted(text),
                **how,
            )
        )
    if not whole:
        raise _not_an_amount(text, how)
    plain = _grouped_digits(whole, separators, text, how)
    return f"{match['sign']}{plain}{'.' + fraction if decimal_mark else ''}"


def parse_amount(text: object, currency: str, language: str | None = None) -> int:
    """Text in `currency` → integer minor units ("12.50" EUR → 1250, "250,000" → 25000000).
    Signed; thousands separators as `plain_amount` reads them in `language` (by default the
    interface's: "250 000,50" is 25000050 in Russian).

    Refused: numbers (floats lose cents), exponents, more decimals than the currency has
    (0.001 EUR, 1.5 JPY), more than MAX_AMOUNT either way, thousands not grouped in threes,
    anything else that is not digits and separators.
    """
    language = language or i18n.current_language()
    code = check_currency(currency)
    digits = minor_digits(code)
    cleaned = plain_amount(_plain_text(text, "amount"), digits, language)
    match = _AMOUNT.match(cleaned)
    if not match:  # pragma: no cover - plain_amount returns only this shape
        raise _not_an_amount(cleaned, how_to_write(language))
    fraction = match["fraction"] or ""
    if len(fraction) > digits:
        whole_digits = match["whole"] + fraction
        written = {c for c in text if c in ",."}
        hint = ""
        if (
            len(fraction) == 3
            and len(written) == 1
            and marks(language).group not in written
            and not match["whole"].startswith("0")
            and len(whole_digits) <= len(str(MAX_AMOUNT))
        ):
            # "250.000" (or "250,000" in Russian): thousands as some write them; say how,
            # rather than guess.
            sign = match["sign"]
            plain = sign + whole_digits
            grouped = sign + format_decimal(int(whole_digits), locale=language)
            hint = " " + _(
                "For a whole amount, write %(plain)s or %(grouped)s.", plain=plain, grouped=grouped
            )
        if digits == 0:
            raise MoneyError(
                _("%(code)s has no minor unit: give a whole amount.", code=code) + hint
            )
        raise MoneyError(
            ngettext(
                "%(code)s has %(num)d decimal place; %(text)s has %(count)d.",
                "%(code)s has %(num)d decimal places; %(text)s has %(count)d.",
                digits,
                code=code,
                text=text.strip()[:40],
                count=len(fraction),
            )
            + hint
        )
    whole = match["whole"].lstrip("0") or "0"
    if len(whole) > len(str(MAX_AMOUNT)):
        # Before int(): a long enough string of digits is refused by int() itself (a 500).
        raise MoneyError(too_large_message(code))
    minor = int(whole + fraction.ljust(digits, "0"))
    return check_amount(-minor if match["sign"] else minor, code)


def max_minor(currency: str) -> int:
    """MAX_AMOUNT in the currency's minor units."""
    return MAX_AMOUNT * 10 ** minor_digits(currency)


def bound_text(currency: str) -> str:
    """The bound as a message says it: "1,000,000,000,000 EUR" ("1 000 000 000 000 EUR")."""
    return f"{format_decimal(MAX_AMOUNT, locale=i18n.current_language())} {currency}"


def too_large_message(currency: str) -> str:
    return _("The amount is too large: at most %(bound)s (a trillion).", bound=bound_text(currency))


def check_amount(amount_minor: int, currency: str) -> int:
    """`amount_minor` itself when it is at most MAX_AMOUNT either way; MoneyError otherwise.
    Every amount that is stored (a ledger entry, a budget, a converted amount) passes here."""
    if abs(amount_minor) > max_minor(currency):
        raise MoneyError(too_large_message(currency))
    return amount_minor


def parse_budget(amount: object, currency: object) -> tuple[int, str]:
    """An estimated budget (an activity's) from its two texts: (minor units, ISO code).

    The rules of `check_currency` and `parse_amount`, and a budget is never negative; the
    MoneyError's `field` names the text at fault.
    """
    code = check_currency(currency)
    minor = parse_amount(amount, code)
    if minor < 0:
        raise MoneyError(_("A budget cannot be negative."))
    return minor, code


def format_minor(amount_minor: int, currency: str) -> str:
    """`125000000, "EUR"` → `"1250000.00"`; integer arithmetic, so never a rounding error."""
    digits = minor_digits(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}" if digits else f"{sign}{whole}"


def amount_text(amount_minor: int | None, currency: str | None) -> str:
    """An amount as a form or a file shows it ("1250000.00"), or empty when there is none."""
    return format_minor(amount_minor, currency) if amount_minor is not None and currency else ""


def typed_amount(amount_minor: int | None, currency: str | None) -> str:
    """An amount as a form offers it to type over, in the interface language ("1250000.00", in
    Russian "1250000,00"), or empty when there is none; plain_amount reads it back unchanged.
    Files and the API keep amount_text, the same in every language."""
    text = amount_text(amount_minor, currency)
    decimal = marks(i18n.current_language()).decimal
    return text.replace(".", decimal) if decimal in ",." else text


def format_grouped(amount_minor: int, currency: str) -> str:
    """For pages: `1,250,000.00 EUR` (thousands grouped for reading, never for parsing); in
    another interface language as its readers write amounts (`1 250 000,00 €`)."""
    if i18n.current_language() != i18n.SOURCE_LANGUAGE:
        return i18n.format_money(Decimal(amount_minor).scaleb(-minor_digits(currency)), currency)
    text = format_minor(amount_minor, currency)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _dot, fraction = text.partition(".")
    grouped = f"{int(whole):,}"
    return f"{sign}{grouped}{'.' + fraction if fraction else ''} {currency}"


def format_compact(amount_minor: int, currency: str) -> str:
    """For charts, where a phone has room for six characters: three significant figures and a
    k / M / bn suffix (`125000000, "EUR"` → `"1.25 M"`), without the currency, which the chart
    names once. Exact amounts are in the table beside the chart."""
    if localized := i18n.format_money_short(Decimal(amount_minor).scaleb(-minor_digits(currency))):
        return localized
    value = Decimal(abs(amount_minor)).scaleb(-minor_digits(currency))
    sign = "-" if amount_minor < 0 else ""
    suffixes = ["", " k", " M", " bn"]
    step = 0
    while value >= 1000 and step < len(suffixes) - 1:
        value, step = value / 1000, step + 1
    if value == 0:
        return "0"
    places = max(0, 3 - len(str(int(value))))
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
    if rounded >= 1000 and step < len(suffixes) - 1:  # 999.6 k is 1.00 M
        rounded, step = (rounded / 1000).quantize(Decimal("0.01"), ROUND_HALF_EVEN), step + 1
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign}{text}{suffixes[step]}"


def parse_rate(text: object, language: str | None = None) -> Decimal:
    """A positive exchange rate from decimal text, exactly (at most 10 decimals). A dot is the
    decimal point in every language; in one that writes decimals with a comma (Russian), a
    single comma is one too ("0,92"): a rate is never grouped in thousands."""
    cleaned = _plain_text(text, "rate")
    if marks(language or i18n.current_language()).decimal == ",":
        if cleaned.count(",") == 1 and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
    if "," in cleaned:
        raise MoneyError(_("Write the rate with a dot for decimals and no commas (0.0025)."))
    match = _AMOUNT.match(cleaned)
    if not match or not cleaned.isascii():
        raise MoneyError(
            _("%(text)s is not a rate: use digits and a dot, e.g. 0.0025.", text=quoted(cleaned))
        )
    if match["sign"] or not any(c in "123456789" for c in cleaned):
        raise MoneyError(_("A rate must be greater than zero."))
    if len(match["fraction"] or "") > MAX_RATE_DECIMALS:
        raise MoneyError(
            ngettext(
                "A rate has at most %(num)d decimal place.",
                "A rate has at most %(num)d decimal places.",
                MAX_RATE_DECIMALS,
            )
        )
    if len(match["whole"].lstrip("0")) > MAX_RATE_INTEGER_DIGITS:
        raise MoneyError(_("The rate is too large."))
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid text
        raise MoneyError(_("Not a rate.")) from None


def rate_text(rate: Decimal) -> str:
    """A rate as stored: plain decimal text without trailing zeros ("0.0025", "1")."""
    return format(rate.normalize(), "f")


def format_rate(text: str) -> str:
    """A stored rate as a page shows it: as stored in English ("0.0025"), with the language's
    decimal symbol in another ("0,0025"), every digit kept."""
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return text
    return format_decimal(Decimal(text), locale=i18n.current_language(), decimal_quantization=False)


def rate_fraction(rate: Decimal) -> tuple[int, int]:
    """A rate as (integer, decimal exponent): Decimal("0.925") → (925, 3)."""
    sign, digits, exponent = rate.as_tuple()
    numerator = int("".join(map(str, digits)) or "0")
    if exponent >= 0:
        return numerator * 10**exponent, 0
    return (-numerator if sign else numerator), -exponent


def convert(amount_minor: int, currency: str, rate: Decimal, to_currency: str) -> int:
    """Minor units of `currency` → minor units of `to_currency` at `rate` (units of `to_currency`
    per unit of `currency`), rounded ROUND_HALF_EVEN to `to_currency`'s minor unit, once."""
    if currency == to_currency:
        return amount_minor
    numerator, exponent = rate_fraction(rate)
    return convert_exact(
        amount_minor, minor_digits(currency), numerator, exponent, minor_digits(to_currency)
    )


def convert_exact(
    amount_minor: int, from_digits: int, numerator: int, exponent: int, to_digits: int
) -> int:
    """The integer arithmetic of `convert`: amount × numerator / 10^exponent, rescaled from
    `from_digits` to `to_digits` minor digits, rounded half to even. No float, no context."""
    dividend = abs(amount_minor) * numerator * 10**to_digits
    divisor = 10 ** (exponent + from_digits)
    quotient, remainder = divmod(dividend, divisor)
    if 2 * remainder > divisor or (2 * remainder == divisor and quotient % 2 == 1):
        quotient += 1
    return -quotient if amount_minor < 0 else quotient


def money_json(amount_minor: int | None, currency: str | None) -> dict | None:
    """`{"amount": "1250000.00", "currency": "EUR"}`: the API's money object."""
    if amount_minor is None or currency is None:
        return None
    return {"amount": format_minor(amount_minor, currency.upper()), "currency": currency.upper()}
