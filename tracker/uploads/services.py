"""Keeping uploaded files and sending them back: the one place every feature with files uses.

The bytes live in the storage (storage.py): under UPLOAD_FOLDER (default `<instance>/uploads`,
never under static/), or in the bucket of STORAGE_URL, named by their SHA-256: the same content
is kept once, and nothing the uploader sends (least of all the file name) reaches the name. Each
upload gets a StoredFile row with the cleaned name and the type detected from the content. A
feature links its records to StoredFile and serves it with send_stored_file, after checking that
the user may read the linking record.
"""

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from flask import Response, abort, current_app
from flask_babel import gettext as _
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
from tracker.uploads.storage import LocalFolder, Storage, StorageUnavailable, storage_of

__all__ = [
    "StorageUnavailable",
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


def storage() -> Storage:
    """The app's storage of file contents: the upload folder, or the bucket of STORAGE_URL."""
    return storage_of(current_app)


def upload_folder() -> Path:
    """Where stored files live when they are kept in a local folder (the default); refuses a
    folder under static/, which anyone could fetch."""
    kept = storage()
    if not isinstance(kept, LocalFolder):
        raise RuntimeError(f"Files are kept in {kept}, not in a local folder.")
    return kept.folder


def stored_path(sha256: str) -> Path:
    """The file of a stored content in the local upload folder (not for object storage)."""
    upload_folder()
    return storage().path(sha256)


def stored_digests() -> Iterator[str]:
    """The SHA-256 of every file kept in the storage, sorted, whatever links to it (a
    rolled-back upload leaves an unlinked one). Temporary files of writes under way are skipped."""
    return storage().digests()


def open_stored(sha256: str) -> BinaryIO:
    """The kept file's bytes, to read (a real file); FileNotFoundError if it is not kept."""
    return storage().open(sha256)


def keep_stored(sha256: str, chunks: Iterable[bytes]) -> bool:
    """Keep the content `chunks` under its hash `sha256`, unless that exact content is kept
    already (a damaged copy is replaced); returns whether it wrote. Raises ValueError, with
    nothing written, if the content's hash is not `sha256`. Readers never see half a file."""
    return storage().keep(sha256, chunks)


def _read_limited(source: FileStorage | BinaryIO | bytes, limit: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        stream = source.stream if isinstance(source, FileStorage) else source
        data = stream.read(limit + 1)  # one byte more tells "too large" without reading it all
    if len(data) > limit:
        raise UploadError(
            _("The file is larger than the limit of %(limit)s.", limit=format_size(limit))
        )
    return data


def _write_once(sha256: str, data: bytes) -> None:
    """Keep `data` under its hash unless it is kept already; readers never see half a file.
    StorageUnavailable if the storage cannot keep it: the caller has written nothing else yet."""
    storage().write_once(sha256, data)


def check_writable() -> None:
    """Keep, read back and remove a small file where uploads go (the readiness check); OSError
    if the storage cannot keep files."""
    storage().check_writable()


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
        raise UploadError(_("The file has no usable name. Rename it and upload it again."))
    kind = check_kind(data, name)
    digest = hashlib.sha256(data).hexdigest()
    _write_once(digest, data)
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
    _write_once(digest, data)
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
    changed in storage, is a 410 with a message, never the changed bytes. Storage that does not
    answer raises StorageUnavailable (a 503)."""
    try:
        data = storage().read(stored.sha256)
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
            abort(
                410, _("The file's content is no longer in storage. Please tell the Secretariat.")
            )
        abort(
            410,
            _(
                "The file's content is no longer in storage as it was saved: its bytes have "
                "changed since (they no longer match its SHA-256). Please tell the Secretariat."
            ),
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
