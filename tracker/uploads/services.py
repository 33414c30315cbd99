"""Keeping uploaded files and sending them back: the one place every feature with files uses.

The bytes live under UPLOAD_FOLDER (default `<instance>/uploads`), never under static/, in a file
named by their SHA-256: the same content is kept once, and nothing the uploader sends (least of
all the file name) reaches the path. Each upload gets a StoredFile row with the cleaned name and
the type detected from the content. A feature links its records to StoredFile and serves it with
send_stored_file, after checking that the user may read the linking record.
"""

import hashlib
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from flask import Response, abort, current_app
from werkzeug.datastructures import FileStorage

from tracker.audit.services import By
from tracker.db import db
from tracker.uploads.files import (
    MEDIA_TYPES,
    UploadError,
    check_kind,
    clean_filename,
    content_disposition,
    format_size,
)
from tracker.uploads.models import StoredFile

__all__ = ["UploadError", "send_stored_file", "store_upload", "upload_folder"]

# A downloaded file must never run in the tracker's origin, even if a browser ignored the
# attachment disposition: no sniffing, and a sandbox with nothing allowed.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    "Cache-Control": "private, no-store",
}


def upload_folder() -> Path:
    """Where stored files live; refuses a folder under static/, which anyone could fetch."""
    configured = current_app.config.get("UPLOAD_FOLDER")
    folder = Path(configured or Path(current_app.instance_path) / "uploads").resolve()
    static = current_app.static_folder
    if static and folder.is_relative_to(Path(static).resolve()):
        raise RuntimeError("UPLOAD_FOLDER must not be inside the static folder.")
    return folder


def stored_path(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return upload_folder() / sha256[:2] / sha256[2:4] / sha256


def _read_limited(source: FileStorage | BinaryIO | bytes, limit: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        stream = source.stream if isinstance(source, FileStorage) else source
        data = stream.read(limit + 1)  # one byte more tells "too large" without reading it all
    if len(data) > limit:
        raise UploadError(f"The file is larger than the limit of {format_size(limit)}.")
    return data


def _write_once(path: Path, data: bytes) -> None:
    """Write `data` to `path` unless it is there already; readers never see half a file."""
    if path.is_file() and path.stat().st_size == len(data):
        return  # the name is the content's hash: the same bytes are kept already
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def check_writable() -> None:
    """Keep, read back and remove a small file where uploads go (the readiness check); OSError
    if the storage cannot keep files."""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".ready-") as probe:
        probe.write(b"ready")
        probe.flush()
        probe.seek(0)
        if probe.read() != b"ready":
            raise OSError(f"{folder} gave back other bytes than were written")


def store_upload(
    source: FileStorage | BinaryIO | bytes, filename: str | None = None, *, by: By
) -> StoredFile:
    """Check an uploaded file (size; type by content, agreeing with its name) and keep it.

    `filename` defaults to the FileStorage's own. Raises UploadError, with nothing written, for
    a file the tracker does not accept. The bytes are written before the transaction commits;
    if it then rolls back they stay as an unreferenced file, harmless (and reused by the next
    upload of the same content).
    """
    if filename is None and isinstance(source, FileStorage):
        filename = source.filename
    data = _read_limited(source, current_app.config["MAX_UPLOAD_BYTES"])
    name = clean_filename(filename)
    if not name:
        raise UploadError("The file has no usable name. Rename it and upload it again.")
    kind = check_kind(data, name)
    digest = hashlib.sha256(data).hexdigest()
    _write_once(stored_path(digest), data)
    stored = StoredFile(
        sha256=digest,
        filename=name,
        media_type=kind.media_type,
        size=len(data),
        created_by_id=None if isinstance(by, str) else by.id,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def _read_stored(stored: StoredFile) -> bytes:
    try:
        data = stored_path(stored.sha256).read_bytes()
    except FileNotFoundError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != stored.sha256:
        current_app.logger.error(
            "Stored file %s (%s) is %s",
            stored.id,
            stored.sha256,
            "missing" if data is None else "damaged",
        )
        abort(410, "The file's content is no longer in storage. Please tell the Secretariat.")
    return data


def send_stored_file(stored: StoredFile) -> Response:
    """The file as a download. Call it only after checking that the user may read it."""
    data = _read_stored(stored)
    # Only types the detector allows are ever stored; anything else is served as opaque bytes.
    media_type = (
        stored.media_type if stored.media_type in MEDIA_TYPES else "application/octet-stream"
    )
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    response = Response(data, content_type=media_type)
    response.headers["Content-Disposition"] = content_disposition(stored.filename)
    response.headers.update(DOWNLOAD_HEADERS)
    return response
