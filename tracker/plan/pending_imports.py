"""Uploaded plan files kept between the Preview and the Import step of the upload page.

Kept in the instance folder (never under static), named by a random token and the user's id,
so that one admin cannot import another's upload; taken once, and dropped after an hour.
"""

import contextlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_login import current_user

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE_SECONDS = 3600


@dataclass
class KeptUpload:
    data: bytes
    filename: str


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "pending-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path:
    return _folder() / f"{current_user.id}-{token}"


def keep(data: bytes, filename: str) -> str:
    """Keep an upload for the current user; returns the token that takes it back."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in _folder().iterdir():
        # Another worker may take (or drop) the file between the listing and this look at it.
        with contextlib.suppress(FileNotFoundError):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    _path(token).write_bytes(data)
    _path(token).with_suffix(".json").write_text(json.dumps({"filename": filename[-200:]}))
    return token


def take(token: str | None) -> KeptUpload | None:
    """The current user's upload for `token`, removed as it is taken; None if there is none."""
    if not token or not TOKEN.match(token):
        return None
    path = _path(token)
    meta = path.with_suffix(".json")
    if not path.is_file() or not meta.is_file():
        return None
    kept = KeptUpload(path.read_bytes(), json.loads(meta.read_text())["filename"])
    path.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)
    return kept
