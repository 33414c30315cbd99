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
    if "," in cleaned:
        raise MoneyError(
            f"Write the {what} without commas: a dot for decimals and no thousands "
            "separators (12.50, not 12,50)."
        )
    if "e" in cleaned.lower():
        raise MoneyError(f"Write the {what} in plain digits, without an exponent.")
    return cleaned


def parse_amount(text: object, currency: str) -> int:
    """Decimal text in `currency` → integer minor units ("12.50" EUR → 1250). Signed.

    Refused: numbers (floats lose cents), exponents, commas, more decimals than the currency has
    (0.001 EUR, 1.5 JPY), more than MAX_AMOUNT either way, anything else that is not plain digits.
    """
    code = check_currency(currency)
    cleaned = _plain_text(text, "amount")
    match = _AMOUNT.match(cleaned)
    if not match or not cleaned.isascii():
        raise MoneyError(f"{cleaned[:40]!r} is not an amount: use digits and a dot, e.g. 1250.50.")
    digits = minor_digits(code)
    fraction = match["fraction"] or ""
    if len(fraction) > digits:
        if digits == 0:
            raise MoneyError(f"{code} has no minor unit: give a whole amount.")
        raise MoneyError(f"{code} has {digits} decimal places; {cleaned} has {len(fraction)}.")
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
    """For pages: `1,250,000.00 EUR` (thousands grouped for reading, never for parsing)."""
    text = format_minor(amount_minor, currency)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}"
    return f"{sign}{grouped}{'.' + fraction if fraction else ''} {currency}"


def format_compact(amount_minor: int, currency: str) -> str:
    """For charts, where a phone has room for six characters: three significant figures and a
    k / M / bn suffix (`125000000, "EUR"` → `"1.25 M"`), without the currency, which the chart
    names once. Exact amounts are in the table beside the chart."""
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
