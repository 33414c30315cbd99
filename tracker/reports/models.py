"""Published reports: the progress report of a reporting round, frozen in four files."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import db, utcnow
from tracker.i18n import SOURCE_LANGUAGE
from tracker.plan.models import Plan
from tracker.progress.models import Round
from tracker.uploads.models import StoredFile

if TYPE_CHECKING:
    from tracker.auth.models import User

# The formats a published report is kept in, in the order they are listed.
PUBLISHED_FORMATS = ("pdf", "xlsx", "csv", "json")


class PublishedReport(db.Model):
    """The progress report as the Secretariat published it for a round: its PDF, XLSX, CSV zip
    and JSON, stored once through the upload module and served byte for byte ever after.

    One per round (the unique round_id); never regenerated and never edited (the ORM refuses
    to). A round belongs to its plan for good, so removing a round (only the demo's reset does)
    removes its report with it.
    """

    __tablename__ = "published_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_rounds.id", ondelete="CASCADE"), unique=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    # The day the report stands at: the day it was published.
    as_of: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The name on the report's cover ("command line" when published from there).
    published_by: Mapped[str] = mapped_column(String(200))
    # The language its files are written in (a code of i18n.languages(), chosen when publishing);
    # reports published before languages existed are English.
    language: Mapped[str] = mapped_column(
        String(16), default=SOURCE_LANGUAGE, server_default=SOURCE_LANGUAGE
    )
    pdf_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    xlsx_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    csv_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    json_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))

    round: Mapped[Round] = relationship()
    plan: Mapped[Plan] = relationship()
    publisher: Mapped["User | None"] = relationship()
    pdf_file: Mapped[StoredFile] = relationship(foreign_keys=[pdf_file_id])
    xlsx_file: Mapped[StoredFile] = relationship(foreign_keys=[xlsx_file_id])
    csv_file: Mapped[StoredFile] = relationship(foreign_keys=[csv_file_id])
    json_file: Mapped[StoredFile] = relationship(foreign_keys=[json_file_id])

    def file(self, fmt: str) -> StoredFile:
        if fmt not in PUBLISHED_FORMATS:
            raise KeyError(fmt)
        return getattr(self, f"{fmt}_file")

    @property
    def files(self) -> dict[str, StoredFile]:
        return {fmt: self.file(fmt) for fmt in PUBLISHED_FORMATS}


@event.listens_for(PublishedReport, "before_update")
@event.listens_for(PublishedReport, "before_delete")
def _refuse_changing_what_was_published(mapper, connection, target):
    raise RuntimeError("a published report is frozen: publish for another round instead")
