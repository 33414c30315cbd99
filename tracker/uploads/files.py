"""What an uploaded file is, judged by its bytes, and a file name that is safe to send back.

A small detector of our own rather than a library: the allow-list is ten formats, and the ones a
generic magic-number library gets wrong are exactly the ones that matter here. Office files are
ZIP archives, told apart by their member names (read from the archive's directory with zipfile,
not guessed from the first kilobytes); plain text has no magic number at all, and HTML, SVG and
scripts are text too, so they must be refused by looking at the text.
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker.fields import FieldError
from tracker.i18n import format_number

MAX_FILENAME_LENGTH = 200  # the stored_files.filename column


class UploadError(FieldError):
    """A file the tracker will not keep; `field` names the form field it belongs to."""

    field = "file"


@dataclass(frozen=True)
class FileKind:
    label: str
    media_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", ("pdf",))
PNG = FileKind("PNG image", "image/png", ("png",))
JPEG = FileKind("JPEG image", "image/jpeg", ("jpg", "jpeg"))
DOCX = FileKind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileKind(
    "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
PPTX = FileKind(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODT = FileKind("OpenDocument text", "application/vnd.oasis.opendocument.text", ("odt",))
ODS = FileKind(
    "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)
)
TEXT = FileKind("plain text", "text/plain", ("txt",))
CSV = FileKind("CSV", "text/csv", ("csv",))

ALLOWED = (PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, TEXT, CSV)
ALLOWED_EXTENSIONS = tuple(ext for kind in ALLOWED for ext in kind.extensions)
ALLOWED_LIST = ", ".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)
MEDIA_TYPES = {kind.media_type: kind for kind in ALLOWED}

# Member that marks each Office Open XML kind (besides [Content_Types].xml).
_OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF_MIMETYPES = {ODT.media_type: ODT, ODS.media_type: ODS}


class _Refused(Exception):
    """Content of a kind we do not accept; `found` says what it is ("a Windows program")."""

    def __init__(self, found: str):
        super().__init__(found)
        self.found = found


# Formats we recognise only to name them in the refusal.
_REFUSED_MAGIC = [
    (b"MZ", _l("a Windows program")),
    (b"\x7fELF", _l("a Linux program")),
    (b"\xca\xfe\xba\xbe", _l("a program")),
    (b"\xcf\xfa\xed\xfe", _l("a macOS program")),
    (b"GIF8", _l("a GIF image")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _l("an old (pre-2007) Office file")),
]
# Markup a browser could render or run. Served files cannot be (attachment, nosniff, sandbox),
# but a document that is HTML or SVG has no place here, whatever its name says.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed)\b|<\?xml", re.IGNORECASE
)
_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r", "\f"}
_UNKNOWN = "unknown"


def detect(data: bytes) -> FileKind:
    """The allowed kind these bytes are; raises _Refused naming what they are instead."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _detect_zip(data)
    for magic, found in _REFUSED_MAGIC:
        if data.startswith(magic):
            raise _Refused(found)
    return _detect_text(data)


def _detect_zip(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            mimetype = infos.get("mimetype")
            # ODF keeps its type in a tiny member called "mimetype"; reading any bigger member
            # would open the door to a ZIP bomb.
            small = mimetype is not None and mimetype.file_size < 100
            declared = archive.read(mimetype).strip() if small else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
        raise _Refused(_("a damaged or unreadable ZIP archive")) from None
    if any(name.lower().endswith("vbaproject.bin") for name in infos):
        raise UploadError(_("Office files with macros are not accepted. Save it without macros."))
    if kind := _ODF_MIMETYPES.get(declared.decode("ascii", "replace")):
        return kind
    if "[Content_Types].xml" in infos:
        for part, kind in _OOXML_PARTS.items():
            if part in infos:
                return kind
    raise _Refused(_("a ZIP archive but no Office document"))


def _detect_text(data: bytes) -> FileKind:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Refused(_UNKNOWN) from None
    if any(unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS_ALLOWED for ch in text):
        raise _Refused(_UNKNOWN)
    if text.lstrip().startswith("<") or _MARKUP.search(data):
        raise _Refused(_("HTML, SVG or XML markup"))
    if text.lstrip().startswith("#!"):
        raise _Refused(_("a script"))
    return TEXT


def clean_filename(raw: str | None) -> str:
    """The uploader's file name without folders, control or invisible characters, capped in
    length (keeping the extension); it is only ever sent back as a download name."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]  # browsers on Windows may send the whole path
    name = re.sub(r"\s+", " ", name)  # newlines and tabs too
    # Cc: NUL and other controls; Cf: invisible formatting, such as the right-to-left override
    # that makes "invoice\u202efdp.exe" look like "invoiceexe.pdf"; Cs/Co: not real characters.
    name = "".join(
        "" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") else ch for ch in name
    )
    name = re.sub(r'[<>:"|?*]', "_", name)  # reserved on Windows: the file must save there
    name = re.sub(r" +", " ", name).strip(" .")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot and stem else ""
        keep = MAX_FILENAME_LENGTH - (len(ext) + 1 if ext else 0)
        name = f"{name[:keep].rstrip(' .')}.{ext}" if ext else name[:MAX_FILENAME_LENGTH]
    return name


def extension_of(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_kind(data: bytes, filename: str) -> FileKind:
    """The detected kind, if the file name's extension says the same; else UploadError."""
    extension = extension_of(filename)
    if extension not in ALLOWED_EXTENSIONS:
        shown = extension if len(extension) <= 20 else extension[:19] + "…"
        if extension:
            message = _(
                "“.%(extension)s” files are not accepted. Accepted: %(accepted)s.",
                extension=shown,
                accepted=ALLOWED_LIST,
            )
        else:
            message = _(
                "A file without an extension is not accepted. Accepted: %(accepted)s.",
                accepted=ALLOWED_LIST,
            )
        raise UploadError(message)
    if not data:
        raise UploadError(_("The file is empty."))
    try:
        kind = detect(data)
    except _Refused as refused:
        if refused.found == _UNKNOWN:
            message = _(
                "The content of this file is not of an accepted type (text and CSV files must "
                "be in UTF-8). Accepted: %(accepted)s.",
                accepted=ALLOWED_LIST,
            )
        else:
            message = _(
                "The file is named .%(extension)s, but its content is %(found)s, which is not "
                "accepted. Accepted: %(accepted)s.",
                extension=extension,
                found=refused.found,
                accepted=ALLOWED_LIST,
            )
        raise UploadError(message) from None
    if kind in (TEXT, CSV):
        # Both are plain UTF-8 text: the name says which one it is meant to be.
        kind = CSV if extension == "csv" else TEXT
    if extension not in kind.extensions:
        raise UploadError(
            _(
                "The file is named .%(extension)s, but its content is %(kind)s. Rename it or "
                "upload the right file.",
                extension=extension,
                kind=CONTENT_NAMES[kind.media_type],
            )
        )
    return kind


# What a file's content is, in a sentence ("… but its content is a PDF").
CONTENT_NAMES = {
    PDF.media_type: _l("a PDF"),
    PNG.media_type: _l("a PNG image"),
    JPEG.media_type: _l("a JPEG image"),
    DOCX.media_type: _l("a Word document"),
    XLSX.media_type: _l("an Excel workbook"),
    PPTX.media_type: _l("a PowerPoint presentation"),
    ODT.media_type: _l("an OpenDocument text"),
    ODS.media_type: _l("an OpenDocument spreadsheet"),
    TEXT.media_type: _l("a plain text"),
    CSV.media_type: _l("a CSV"),
}


def format_size(size: int) -> str:
    """A byte count as people read it: 812 bytes, 34 KB, 2.5 MB (binary units)."""
    if size < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    if size < 1024 * 1024:
        return _("%(num)s KB", num=format_number(round(size / 1024)))
    megabytes = Decimal(f"{size / (1024 * 1024):.1f}".removesuffix(".0"))
    return _("%(num)s MB", num=format_number(megabytes))


def content_disposition(filename: str) -> str:
    """An attachment (RFC 6266): the UTF-8 name in filename*, an ASCII one for old clients."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._()\[\] -]", "_", fallback).strip(" .") or "download"
    extension = extension_of(filename)
    if extension and not fallback.lower().endswith(f".{extension}"):
        fallback = f"download.{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
