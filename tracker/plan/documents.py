"""Documents of an action point (the official text, a concept note): the first user of uploads.

A document is retired, never deleted: the audit trail keeps naming it, and the Secretariat can
still open what was replaced. Everyone signed in sees and downloads the current documents.
"""

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from tracker.audit.services import By, add_and_record, set_retired
from tracker.db import db
from tracker.plan.models import ActionPoint, ActionPointDocument
from tracker.plan.services import PlanError
from tracker.uploads.files import extension_of
from tracker.uploads.models import StoredFile

MAX_TITLE_LENGTH = 200


def _check_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_LENGTH:
        raise PlanError(
            _("Use at most %(max)d characters for the title.", max=MAX_TITLE_LENGTH), "title"
        )
    if "\x00" in title:
        raise PlanError(_("The title must not contain NUL characters."), "title")
    return title


def attach_document(
    action_point: ActionPoint, upload: StoredFile, *, title: str | None = None, by: By
) -> ActionPointDocument:
    """Attach a stored file to an action point; the title defaults to the file's name."""
    title = _check_title(title or "")
    if not title:
        stem = upload.filename.removesuffix(f".{extension_of(upload.filename)}")
        title = _check_title(stem or upload.filename)
    document = ActionPointDocument(action_point_id=action_point.id, file_id=upload.id, title=title)
    return add_and_record(
        document,
        by=by,
        summary=f"Attached “{title}” ({upload.filename}) to action point {action_point.code}",
        changes={
            "action_point": [None, action_point.code],
            "title": [None, title],
            "file": [None, f"{upload.filename} ({upload.size_label})"],
            "sha256": [None, upload.sha256],
        },
    )


def retire_document(document: ActionPointDocument, *, by: By) -> ActionPointDocument:
    """Take a document off its action point's list; it stays on record for the Secretariat."""
    label = f"“{document.title}” of action point {document.action_point.code}"
    if not set_retired(document, retired=True, by=by, label=label):
        raise PlanError(_("This document is retired already."), "document")
    return document


def get_document(document_id: int) -> ActionPointDocument | None:
    """A document with its file and action point (one query)."""
    return db.session.scalar(
        select(ActionPointDocument)
        .where(ActionPointDocument.id == document_id)
        .options(joinedload(ActionPointDocument.file), joinedload(ActionPointDocument.action_point))
    )


def documents_query(action_point: ActionPoint, *, include_retired: bool) -> Select:
    """An action point's documents with their files, oldest first (a stable order, for paging)."""
    query = (
        select(ActionPointDocument)
        .where(ActionPointDocument.action_point_id == action_point.id)
        .options(joinedload(ActionPointDocument.file), joinedload(ActionPointDocument.action_point))
        .order_by(ActionPointDocument.created_at, ActionPointDocument.id)
    )
    if not include_retired:
        query = query.where(ActionPointDocument.retired_at.is_(None))
    return query
