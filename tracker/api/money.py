"""Money as the API shows it: an exact decimal string in the currency's minor digits."""

# ISO 4217 minor-unit exponents. Anything not listed has two digits, like most currencies.
MINOR_DIGITS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "HUF": 2,
    "TRY": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "RON": 2,
    "BGN": 2,
    "RUB": 2,
    "UAH": 2,
    "GEL": 2,
    "AFN": 2,
    "PKR": 2,
    "BDT": 2,
    "IRR": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "XOF": 0,
    "XAF": 0,
    "UGX": 0,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
    "TND": 3,
    "LYD": 3,
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
