"""Uploaded files: one module for every feature that takes files (see services.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Let templates say what may be uploaded: `upload_rules()` and the `filesize` filter."""
    from tracker.uploads.files import ALLOWED_LIST, format_size

    def upload_rules() -> dict:
        return {
            "accept": ALLOWED_LIST.replace(" ", ""),
            "allowed": ALLOWED_LIST,
            "limit": format_size(app.config["MAX_UPLOAD_BYTES"]),
        }

    app.add_template_global(upload_rules)
    app.add_template_filter(format_size, "filesize")
