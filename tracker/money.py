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

from tracker import i18n

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


class MoneyError(ValueError):
    """Text that is not an exact amount (or rate) in the given currency; the message says why,
    and `part` which of the two texts is at fault ("currency", or "amount" for the rest)."""

    def __init__(self, message: str, part: str = "amount"):
        super().__init__(message)
        self.part = part


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
            f"Unknown currency {str(code)[:20]!r}: use a currency code such as EUR or USD.",
            "currency",
        )
    return text


def minor_digits(currency: str) -> int:
    """The currency's minor digits; a code outside the list (only ever stored by older data,
    since parsing refuses it) is shown with two."""
    found = currencies().get(currency.upper())
    return found.minor_units if found else 2


def _plain_text(text: object, what: str) -> str:
    if isinstance(text, bool) or isinstance(text, int | float | Decimal):
        raise MoneyError(f'Give the {what} as text (e.g. "1250.50"), not as a number.')
    if not isinstance(text, str):
        raise MoneyError(f'Give the {what} as text, e.g. "1250.50".')
    # U+2212 MINUS SIGN is how "−5" is typeset; it means a minus sign.
    cleaned = text.strip().replace("\u2212", "-")
    if not cleaned:
        raise MoneyError(f"Give an {what}.")
    if "e" in cleaned.lower():
        raise MoneyError(f"Write the {what} in plain digits, without an exponent.")
    return cleaned


# What people type between groups of thousands besides a comma or a dot: a space, and the
# no-break and thin spaces that word processors and locales put there ("250 000").
SPACES = " \u00a0\u202f\u2009"
_WRITTEN = re.compile(rf"^(?P<sign>-?)(?P<body>[0-9][0-9.,{SPACES}]*)$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:[0-9]{3})*$")
HOW_TO_WRITE = "write it as 250000.50 or 250,000.50"


def _grouped_digits(whole: str, separators: str, original: str) -> str:
    """The digits of a whole part written with `separators` between groups of three."""
    groups = re.split(f"[{re.escape(separators)}]", whole) if separators else [whole]
    if len(groups) > 1 and not (
        1 <= len(groups[0]) <= 3
        and not groups[0].startswith("0")
        and all(len(group) == 3 for group in groups[1:])
    ):
        raise MoneyError(
            f"{original[:40]!r} does not group its thousands in threes: {HOW_TO_WRITE}."
        )
    if not all(group.isdigit() for group in groups):
        raise MoneyError(f"{original[:40]!r} is not an amount: {HOW_TO_WRITE}.")
    return "".join(groups)


def plain_amount(text: str, digits: int) -> str:
    """An amount as people write it → plain digits with a dot for decimals ("-250000.5").

    The one rule for thousands separators, for pages, API and imports alike:
    - spaces (also no-break and thin) only ever separate thousands: "250 000";
    - with both a comma and a dot, the last of them is the decimal mark and the other separates
      thousands: "250.000,50" and "250,000.50";
    - a mark written more than once separates thousands: "1,250,000", "1.250.000";
    - a dot written once is the decimal point, always, as this app and its API write amounts:
      read as thousands, an unrounded "12.345" from a program would become a thousandfold
      amount, so "250.000" EUR is refused ("EUR has 2 decimal places"), saying how to write it;
    - a comma written once, followed by exactly three digits, separates thousands ("250,000"),
      unless the currency itself has three decimals or more (KWD), where "1,234" could be 1234
      or 1.234 and is refused, saying how to write it; otherwise it is the decimal mark ("12,50").
    Groups of thousands are three digits each; anything else is refused. Every amount the app
    itself writes (format_minor) reads back unchanged.
    """
    match = _WRITTEN.match(text)
    if not match:
        raise MoneyError(f"{text[:40]!r} is not an amount: {HOW_TO_WRITE}.")
    body = match["body"]
    marks = [c for c in body if c in ",."]
    spaced = any(c in SPACES for c in body)
    decimal_mark = None
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) > 1:
            raise MoneyError(f"{text[:40]!r} has more than one decimal mark: {HOW_TO_WRITE}.")
    elif len(marks) == 1:
        mark = marks[0]
        before, after = body.split(mark)
        # "0,500" is half of something, written with a decimal comma: no group starts with 0.
        if mark == "." or spaced or len(after) != 3 or before.startswith("0"):
            decimal_mark = mark
        elif digits >= 3:
            raise MoneyError(
                f"{text[:40]!r} could be a whole amount or one with three decimals: write it "
                f"with a dot for decimals and no separator (1234 or 1.234)."
            )
    whole, _, fraction = body.rpartition(decimal_mark) if decimal_mark else (body, "", "")
    if decimal_mark and not fraction.isdigit():
        raise MoneyError(f"{text[:40]!r} is not an amount: {HOW_TO_WRITE}.")
    separators = "".join(sorted({c for c in whole if not c.isdigit()}))
    if len(separators) > 1 and set(separators) - set(SPACES):
        raise MoneyError(f"{text[:40]!r} mixes separators of thousands: {HOW_TO_WRITE}.")
    if not whole:
        raise MoneyError(f"{text[:40]!r} is not an amount: {HOW_TO_WRITE}.")
    plain = _grouped_digits(whole, separators, text)
    return f"{match['sign']}{plain}{'.' + fraction if decimal_mark else ''}"


def parse_amount(text: object, currency: str) -> int:
    """Text in `currency` → integer minor units ("12.50" EUR → 1250, "250,000" → 25000000).
    Signed; thousands separators as `plain_amount` reads them.

    Refused: numbers (floats lose cents), exponents, more decimals than the currency has
    (0.001 EUR, 1.5 JPY), more than MAX_AMOUNT either way, thousands not grouped in threes,
    anything else that is not digits and separators.
    """
    code = check_currency(currency)
    digits = minor_digits(code)
    cleaned = plain_amount(_plain_text(text, "amount"), digits)
    match = _AMOUNT.match(cleaned)
    if not match:  # pragma: no cover - plain_amount returns only this shape
        raise MoneyError(f"{cleaned[:40]!r} is not an amount: {HOW_TO_WRITE}.")
    fraction = match["fraction"] or ""
    if len(fraction) > digits:
        whole_digits = match["whole"] + fraction
        hint = ""
        if (
            len(fraction) == 3
            and "," not in text
            and not match["whole"].startswith("0")
            and len(whole_digits) <= len(str(MAX_AMOUNT))
        ):
            # "250.000": thousands as some write them; say how, rather than guess.
            sign = match["sign"]
            hint = (
                f" For a whole amount, write {sign}{whole_digits} or {sign}{int(whole_digits):,}."
            )
        if digits == 0:
            raise MoneyError(f"{code} has no minor unit: give a whole amount.{hint}")
        raise MoneyError(
            f"{code} has {digits} decimal places; {text.strip()[:40]} has {len(fraction)}.{hint}"
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
    """The bound as a message says it: "1,000,000,000,000 EUR"."""
    return f"{MAX_AMOUNT:,} {currency}"


def too_large_message(currency: str) -> str:
    return f"The amount is too large: at most {bound_text(currency)} (a trillion)."


def check_amount(amount_minor: int, currency: str) -> int:
    """`amount_minor` itself when it is at most MAX_AMOUNT either way; MoneyError otherwise.
    Every amount that is stored (a ledger entry, a budget, a converted amount) passes here."""
    if abs(amount_minor) > max_minor(currency):
        raise MoneyError(too_large_message(currency))
    return amount_minor


def parse_budget(amount: object, currency: object) -> tuple[int, str]:
    """An estimated budget (an activity's) from its two texts: (minor units, ISO code).

    The rules of `check_currency` and `parse_amount`, and a budget is never negative; the
    MoneyError's `part` names the text at fault.
    """
    code = check_currency(currency)
    minor = parse_amount(amount, code)
    if minor < 0:
        raise MoneyError("A budget cannot be negative.")
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


def format_grouped(amount_minor: int, currency: str) -> str:
    """For pages: `1,250,000.00 EUR` (thousands grouped for reading, never for parsing); in
    another interface language as its readers write amounts (`1 250 000,00 €`)."""
    if i18n.current_language() != i18n.SOURCE_LANGUAGE:
        return i18n.format_money(Decimal(amount_minor).scaleb(-minor_digits(currency)), currency)
    text = format_minor(amount_minor, currency)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
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


def parse_rate(text: object) -> Decimal:
    """A positive exchange rate from decimal text, exactly (at most 10 decimals)."""
    cleaned = _plain_text(text, "rate")
    if "," in cleaned:
        raise MoneyError("Write the rate with a dot for decimals and no commas (0.0025).")
    match = _AMOUNT.match(cleaned)
    if not match or not cleaned.isascii():
        raise MoneyError(f"{cleaned[:40]!r} is not a rate: use digits and a dot, e.g. 0.0025.")
    if match["sign"] or not any(c in "123456789" for c in cleaned):
        raise MoneyError("A rate must be greater than zero.")
    if len(match["fraction"] or "") > MAX_RATE_DECIMALS:
        raise MoneyError(f"A rate has at most {MAX_RATE_DECIMALS} decimal places.")
    if len(match["whole"].lstrip("0")) > MAX_RATE_INTEGER_DIGITS:
        raise MoneyError("The rate is too large.")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid text
        raise MoneyError("Not a rate.") from None


def rate_text(rate: Decimal) -> str:
    """A rate as stored: plain decimal text without trailing zeros ("0.0025", "1")."""
    return format(rate.normalize(), "f")


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
