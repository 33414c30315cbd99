"""What the admin pages share: one form page, one edit-conflict page, file downloads."""

from flask import make_response, render_template

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


def download(data: bytes, filename: str, fmt: str):
    response = make_response(data)
    response.headers["Content-Type"] = DOWNLOAD_TYPES[fmt]
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response
