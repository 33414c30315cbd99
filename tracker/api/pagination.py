"""The list envelope: `{"items", "page", "per_page", "total"}` with validated `?page=&per_page=`."""

from collections.abc import Callable

from flask import current_app
from sqlalchemy import Select

from tracker.db import db
from tracker.query_args import int_arg, page_arg


def page_args() -> tuple[int, int]:
    config = current_app.config
    maximum = config["API_MAX_PER_PAGE"]
    per_page = int_arg("per_page", min(config["API_DEFAULT_PER_PAGE"], maximum), maximum=maximum)
    return page_arg(), per_page


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
