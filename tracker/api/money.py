"""Money as the API shows it (the rules live in tracker.money, shared with imports)."""

from tracker.money import MINOR_DIGITS, format_minor, minor_digits, money

__all__ = ["MINOR_DIGITS", "format_minor", "minor_digits", "money"]
