"""Money as the API shows it: an exact decimal string in the currency's minor digits.

The rules themselves (the ISO 4217 list, parsing, formatting, conversion) live in tracker.money,
shared with the pages; this module keeps the API's names for them.
"""

from tracker.money import format_minor, minor_digits, money_json

__all__ = ["format_minor", "minor_digits", "money"]


def money(amount_minor: int | None, currency: str | None) -> dict | None:
    return money_json(amount_minor, currency)
