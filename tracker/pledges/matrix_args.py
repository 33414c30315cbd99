"""The funding matrix's query string, read in one place for its page and its API route:
?measure= (pledged, committed or disbursed), ?from= and ?to= (value dates, YYYY-MM-DD) and
?sort= (total, name or goal:<goal id>).

A value the matrix cannot take is a QueryArgError that names the argument: the API answers it
with a JSON 400 naming it (api.errors), a pledge page with a 400 page (pledges.views). ?sort=
alone has a fallback on a page: the default order, and a flashed message (query_args.arg).
"""

from datetime import date

from flask import request
from flask_babel import gettext as _

from tracker.pledges.totals import parse_sort
from tracker.query_args import QueryArgError, arg

MEASURES = ("pledged", "committed", "disbursed")


def query_date(name: str, *, blank_is_absent: bool) -> date | None:
    """?name= as a date, None when it is not given; else QueryArgError. A page's filter form
    sends an empty date field as `name=`: there (`blank_is_absent`) it means no date."""
    text = request.args.get(name)
    if text is None or (blank_is_absent and not text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryArgError(name, _("%(name)s must be a date, YYYY-MM-DD.", name=name)) from None


def funding_matrix_args(*, blank_is_absent: bool) -> dict:
    """The keyword arguments of totals.funding_matrix from the query string (see query_date for
    `blank_is_absent`); QueryArgError for a measure or a date it cannot take."""
    measure = request.args.get("measure", "committed")
    if measure not in MEASURES:
        message = _("measure must be one of %(measures)s.", measures=", ".join(MEASURES))
        raise QueryArgError("measure", message)
    return {
        "measure": measure,
        "date_from": query_date("from", blank_is_absent=blank_is_absent),
        "date_to": query_date("to", blank_is_absent=blank_is_absent),
        "sort": arg("sort", parse_sort, "total"),
    }
