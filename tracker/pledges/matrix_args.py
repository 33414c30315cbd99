"""The funding matrix's query string, read in one place for its page and its API route:
?measure= (pledged, committed or disbursed), ?from= and ?to= (value dates, YYYY-MM-DD) and
?sort= (total, name or goal:<goal id>); the funding page's ?as_of= is read as a date the same way.

Each is read by query_args.arg, the house rule for query arguments: the API answers a value it
cannot take with a JSON 400 naming the argument (api.errors), a page goes on with the default
(or no date) and says so in a flashed message. A page's filter form sends an empty date field as
`from=`: on a page that means no date; the API refuses an empty value like any other it cannot
take (`blank_is_absent`).
"""

from datetime import date

from flask import request
from flask_babel import gettext as _

from tracker.pledges.totals import parse_sort
from tracker.query_args import QueryArgError, arg

MEASURES = ("pledged", "committed", "disbursed")


def _measure(name: str, text: str) -> str:
    if text not in MEASURES:
        raise QueryArgError(
            name, _("measure must be one of %(measures)s.", measures=", ".join(MEASURES))
        )
    return text


def _date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryArgError(name, _("%(name)s must be a date, YYYY-MM-DD.", name=name)) from None


def _read(name: str, parse, default, *, blank_is_absent: bool):
    """?name= through query_args.arg; where a blank is not "absent" (the API), `parse` refuses it
    as it refuses any value it cannot take."""
    text = request.args.get(name)
    if text == "" and not blank_is_absent:
        return parse(name, text)
    return arg(name, parse, default)


def query_date(name: str, *, blank_is_absent: bool) -> date | None:
    """?name= as a date, None when it is not given (see the module's docstring)."""
    return _read(name, _date, None, blank_is_absent=blank_is_absent)


def funding_matrix_args(*, blank_is_absent: bool) -> dict:
    """The keyword arguments of totals.funding_matrix from the query string (see the module's
    docstring)."""
    return {
        "measure": _read("measure", _measure, "committed", blank_is_absent=blank_is_absent),
        "date_from": query_date("from", blank_is_absent=blank_is_absent),
        "date_to": query_date("to", blank_is_absent=blank_is_absent),
        "sort": arg("sort", parse_sort, "total"),
    }
