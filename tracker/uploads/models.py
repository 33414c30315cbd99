from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracker.db import db, utcnow
from tracker.uploads.files import format_size


class StoredFile(db.Model):
    """An uploaded file: its bytes live outside static, under the instance folder, named by hash.

    Features link to it with their own tables (documents of an action point, evidence of an
    update, attachments of minutes); whoever may read the linking record may download the file.
    """

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # The uploader's file name, cleaned: only ever sent back as a download name.
    filename: Mapped[str] = mapped_column(String(200))
    # Detected from the content, never taken from the browser.
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    @property
    def size_label(self) -> str:
        return format_size(self.size)


class AttachedFile:
    """The columns of a table that attaches a stored file to a record (a meeting's attachment, an
    update's evidence, an action point's document): the file, and when it was attached."""

    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def file(cls) -> Mapped[StoredFile]:
        return relationship(StoredFile)
