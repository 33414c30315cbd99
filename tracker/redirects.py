"""Where a form may send a person back to: a path on this site, never another site."""

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the dashboard (no open redirect)."""
    # Browsers drop tabs and newlines and read "\\" as "/": "/\t/evil.example" means
    # "//evil.example", another site. Refuse all of those, then anything with a host.
    fallback = url_for("reports.dashboard")
    if not target or any(c < " " or c in "\\\x7f" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
