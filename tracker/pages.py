"""What the pages share: one form page, one save step and its end (commit, say, go on), one
edit-conflict page, file downloads."""

from collections.abc import Callable

from flask import flash, make_response, redirect, render_template

from tracker.db import StaleVersionError, db
from tracker.plan.fileformats import MEDIA_TYPES
from tracker.uploads.files import content_disposition

# What a page or the API sends as a file: the plan's import formats, and reports.
DOWNLOAD_TYPES = {**MEDIA_TYPES, "pdf": "application/pdf"}


def render_form_page(form, heading: str, *, back: str, conflict=None, current=None, status=200):
    """A page with one form (create or edit); on a conflict, also what is saved now."""
    page = render_template(
        "admin/form.html",
        form=form,
        heading=heading,
        back=back,
        conflict=conflict,
        current=current,
    )
    return page, status


def conflict_page(form, error, record, back: str, current: dict | None = None):
    """The edit form again, with the saved values: saving now overwrites them, knowingly.

    `current` shows the saved values as the form writes them (a time in the record's own zone,
    say); by default, the record's attributes of the form's fields.
    """
    form.version.data = record.version
    form.version.raw_data = None  # else the field shows the stale version that was posted
    current = current or {
        name: getattr(record, name)
        for name in form.data
        if name not in ("version", "csrf_token") and hasattr(record, name)
    }
    return render_form_page(
        form, "Edit conflict", back=back, conflict=error, current=current, status=409
    )


def field_error(form, error: Exception, default: str | None = None) -> None:
    """A broken rule at the form's field it names (`error.field`, else `default`); flashed when
    the form has no such field."""
    field = form._fields.get(getattr(error, "field", None) or default or "")
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error))


def save_form(
    form,
    write: Callable[[], object],
    errors: type[Exception] | tuple[type[Exception], ...],
    done: str | Callable[[object], str],
    to: str | Callable[[object], str],
    *,
    record=None,
    back: str | None = None,
    default_field: str | None = None,
):
    """The one save step of a form page: when the form is valid, `write()`, commit, flash `done`
    and redirect to `to` (either may be a function of what `write` returned). A broken rule
    (`errors`) is shown at its field; when `record` was saved by someone else since the form
    was filled, the conflict page (back to `back`, else `to`). None when the page is to be
    shown again."""
    if not form.validate_on_submit():
        return None
    try:
        result = write()
    except errors as error:
        field_error(form, error, default_field)
        return None
    except StaleVersionError as error:
        if record is None:
            raise
        return conflict_page(form, error, record, back or str(to))
    message = done if isinstance(done, str) else done(result)
    return commit_and_go(message, to if isinstance(to, str) else to(result))


def step_and_go(write: Callable[[], object], errors, done: str | Callable[[object], str], to: str):
    """A button's write, with no form to show again: `write()`; a broken rule (`errors`) is
    said and nothing is kept, else the write is committed and `done` said (either may be a
    function of what `write` returned); on to `to` either way."""
    try:
        result = write()
    except errors as error:
        db.session.rollback()
        flash(str(error))
        return redirect(to)
    return commit_and_go(done if isinstance(done, str) else done(result), to)


def commit_and_go(message: str, to: str):
    """The end of a page's write: commit it, say what was done, and go on to `to`."""
    db.session.commit()
    flash(str(message))  # a lazy string cannot go into the session
    return redirect(to)


def download(data: bytes, filename: str, fmt: str):
    response = make_response(data)
    response.headers["Content-Type"] = DOWNLOAD_TYPES[fmt]
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response
