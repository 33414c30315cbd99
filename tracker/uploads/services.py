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
from collections.abc import Iterable, Iterator
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

__all__ = [
    "UploadError",
    "keep_stored",
    "open_stored",
    "read_stored_file",
    "send_stored_file",
    "store_generated",
    "store_upload",
    "stored_digests",
    "upload_folder",
]

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


_SHA256 = re.compile(r"[0-9a-f]{64}")


def stored_path(sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return upload_folder() / sha256[:2] / sha256[2:4] / sha256


def stored_digests() -> Iterator[str]:
    """The SHA-256 of every file kept in the upload folder, sorted, whatever links to it (a
    rolled-back upload leaves an unlinked one). Temporary files of writes under way are skipped."""
    folder = upload_folder()
    for path in sorted(folder.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        name = path.name
        if _SHA256.fullmatch(name) and path.parent.name == name[2:4] and path.is_file():
            if path.parent.parent.name == name[:2]:
                yield name


def open_stored(sha256: str) -> BinaryIO:
    """The kept file's bytes, to read; FileNotFoundError if it is not kept."""
    return stored_path(sha256).open("rb")


def keep_stored(sha256: str, chunks: Iterable[bytes]) -> bool:
    """Keep the content `chunks` under its hash `sha256`, unless that exact content is kept
    already (a damaged copy is replaced); returns whether it wrote. Raises ValueError, with
    nothing written, if the content's hash is not `sha256`. Readers never see half a file."""
    path = stored_path(sha256)
    with suppress(FileNotFoundError), path.open("rb") as kept:
        if hashlib.file_digest(kept, "sha256").hexdigest() == sha256:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as file:
            for chunk in chunks:
                digest.update(chunk)
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        if digest.hexdigest() != sha256:
            raise ValueError(f"the content's SHA-256 is {digest.hexdigest()}, not {sha256}")
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return True


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


# Files the tracker makes itself (published reports), by media type and the one extension each
# is saved under. Not uploads: nobody sends their bytes, so the upload checks (which refuse a
# ZIP that is no Office document, and JSON as markup-free text only by luck) do not apply.
GENERATED_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/zip": "zip",
    "application/json": "json",
}


def store_generated(data: bytes, filename: str, media_type: str, *, by: By) -> StoredFile:
    """Keep a file the tracker rendered itself (a published report), as store_upload keeps an
    upload: named by its SHA-256, written once, with a StoredFile row.

    Server-side only: never pass it bytes or a name that came from a request. The media type
    must be one the tracker generates, and the name must end in its extension.
    """
    extension = GENERATED_TYPES.get(media_type)
    if extension is None:
        raise ValueError(f"{media_type!r} is not a type the tracker generates")
    name = clean_filename(filename)
    if not data or not name.lower().endswith(f".{extension}"):
        raise ValueError(f"a generated {extension} file needs bytes and a .{extension} name")
    digest = hashlib.sha256(data).hexdigest()
    _write_once(stored_path(digest), data)
    stored = StoredFile(
        sha256=digest,
        filename=name,
        media_type=media_type,
        size=len(data),
        created_by_id=None if isinstance(by, str) else by.id,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def read_stored_file(stored: StoredFile) -> bytes:
    """The file's bytes, checked against its SHA-256: a missing file, or one whose bytes were
    changed on disk, is a 410 with a message, never the changed bytes."""
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
        if data is None:
            abort(410, "The file's content is no longer in storage. Please tell the Secretariat.")
        abort(
            410,
            "The file's content is no longer in storage as it was saved: its bytes have changed "
            "since (they no longer match its SHA-256). Please tell the Secretariat.",
        )
    return data


def send_stored_file(stored: StoredFile) -> Response:
    """The file as a download. Call it only after checking that the user may read it."""
    data = read_stored_file(stored)
    # Only types the detector allows, or the tracker generates, are ever stored; anything else
    # is served as opaque bytes.
    known = stored.media_type in MEDIA_TYPES or stored.media_type in GENERATED_TYPES
    media_type = stored.media_type if known else "application/octet-stream"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    response = Response(data, content_type=media_type)
    response.headers["Content-Disposition"] = content_disposition(stored.filename)
    response.headers.update(DOWNLOAD_HEADERS)
    return response
