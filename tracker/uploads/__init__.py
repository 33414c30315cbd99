"""Uploaded files: one module for every feature that takes files (see services.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Choose the storage of file contents (a STORAGE_URL that cannot work stops the app here,
    with a message), and let templates say what may be uploaded: `upload_rules()` and the
    `filesize` filter."""
    from tracker.uploads.files import ALLOWED_LIST, format_size
    from tracker.uploads.storage import storage_of

    storage_of(app)

    def upload_rules() -> dict:
        return {
            "accept": ALLOWED_LIST.replace(" ", ""),
            "allowed": ALLOWED_LIST,
            "limit": format_size(app.config["MAX_UPLOAD_BYTES"]),
        }

    app.add_template_global(upload_rules)
    app.add_template_filter(format_size, "filesize")
