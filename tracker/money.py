"""Money: integer minor units and an ISO 4217 code, shown as an exact decimal string."""

import re

# ISO 4217 minor-unit exponents that differ from the usual two digits (EUR, USD, HUF, TRY …).
MINOR_DIGITS: dict[str, int] = {
    **dict.fromkeys(["JPY", "KRW", "ISK", "CLP", "VND", "XOF", "XAF", "UGX"], 0),
    **dict.fromkeys(["IQD", "JOD", "KWD", "BHD", "OMR", "TND", "LYD"], 3),
}


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency.upper(), 2)


def format_minor(amount_minor: int, currency: str) -> str:
    """`125000000, "EUR"` → `"1250000.00"`; integer arithmetic, so never a rounding error."""
    digits = minor_digits(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}" if digits else f"{sign}{whole}"


def money(amount_minor: int | None, currency: str | None) -> dict | None:
    if amount_minor is None or currency is None:
        return None
    return {"amount": format_minor(amount_minor, currency), "currency": currency.upper()}


CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
AMOUNT_PATTERN = re.compile(r"^(\d{1,15})(?:\.(\d+))?$")


class MoneyError(ValueError):
    """An amount or currency that cannot be stored exactly; the message says why."""


def parse_minor(amount: str, currency: str) -> int:
    """`"1250000.00", "EUR"` → `125000000`: exact, refusing more decimals than the currency has."""
    if not CURRENCY_PATTERN.match(currency):
        raise MoneyError("A currency is a three-letter ISO 4217 code, e.g. EUR.")
    match = AMOUNT_PATTERN.match(amount.strip())
    if not match:
        raise MoneyError(f"{amount!r} is not an amount like 1250000.00 (digits, a dot, no signs).")
    whole, fraction = match.group(1), match.group(2) or ""
    digits = minor_digits(currency)
    if len(fraction.rstrip("0")) > digits:
        raise MoneyError(f"{currency} amounts have at most {digits} decimal digits.")
    return int(whole) * 10**digits + int((fraction + "0" * digits)[:digits] or 0)
