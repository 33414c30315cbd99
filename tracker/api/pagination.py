"""The list envelope: `{"items", "page", "per_page", "total"}` with validated `?page=&per_page=`."""

from collections.abc import Callable

from flask import current_app, request
from sqlalchemy import Select

from tracker.api.errors import ApiError
from tracker.db import db

# Caps the OFFSET we send, so a silly page number cannot overflow it on any backend.
MAX_PAGE = 1_000_000


def _positive_int(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # isdigit() alone lets through "²" and other non-ASCII digits that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise ApiError(400, f"{name} must be a whole number from 1 to {maximum}.")
    return int(raw)


def page_args() -> tuple[int, int]:
    config = current_app.config
    maximum = config["API_MAX_PER_PAGE"]
    per_page = _positive_int("per_page", min(config["API_DEFAULT_PER_PAGE"], maximum), maximum)
    return _positive_int("page", 1, MAX_PAGE), per_page


def page_of(query: Select, serialize: Callable) -> dict:
    """One page of `query` (which needs a stable ORDER BY), serialised, in the envelope."""
    page, per_page = page_args()
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return {
        "items": [serialize(item) for item in result.items],
        "page": page,
        "per_page": per_page,
        "total": result.total,
    }
