"""Money as the API shows it: an exact decimal string in the currency's minor digits."""

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
