"""Documents of action points in the API: list, upload (multipart), download, retire.

Routes on the `api` blueprint (its token check and error handlers apply), kept out of views.py.
"""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.errors import ApiError, handle_api_error, invalid
from tracker.api.pagination import page_of
from tracker.api.serializers import iso, stored_file
from tracker.api.views import acting_user, answer, bp, created, found
from tracker.auth.permissions import (
    can_manage_plans,
    get_manageable_document,
    get_readable_document,
    require,
)
from tracker.db import db
from tracker.plan import documents
from tracker.plan import services as plan_services
from tracker.plan.models import ActionPoint, ActionPointDocument
from tracker.uploads.forms import DocumentForm
from tracker.uploads.services import UploadError, send_stored_file, store_upload


def document_detail(document: ActionPointDocument) -> dict:
    return {
        "id": document.id,
        "action_point": {"id": document.action_point.id, "code": document.action_point.code},
        "title": document.title,
        **stored_file(document.file),
        "created_at": iso(document.created_at),
        "retired_at": iso(document.retired_at),
        "download_url": url_for("api.download_document", document_id=document.id),
    }


def handle_upload_error(error: UploadError):
    return handle_api_error(invalid({error.field: str(error)}, str(error)))


bp.register_error_handler(UploadError, handle_upload_error)


def action_point_or_404(action_point_id: int) -> ActionPoint:
    return found(
        db.session.get(ActionPoint, action_point_id),
        _("There is no action point %(action_point_id)s.", action_point_id=action_point_id),
    )


@bp.get("/action-points/<id:action_point_id>/documents")
def list_documents(action_point_id: int):
    action_point = action_point_or_404(action_point_id)
    # What each may download: retired documents are listed for the Secretariat only.
    query = documents.documents_query(action_point, include_retired=can_manage_plans(current_user))
    return page_of(query, document_detail)


@bp.post("/action-points/<id:action_point_id>/documents")
def upload_document(action_point_id: int):
    require(can_manage_plans(current_user))
    action_point = action_point_or_404(action_point_id)
    if request.mimetype != "multipart/form-data":
        abort(415, _("Send the file as multipart/form-data, in a part named `file`."))
    form = DocumentForm(meta={"csrf": False})
    if not form.validate():
        raise invalid(
            {name: " ".join(map(str, messages)) for name, messages in form.errors.items()}
        )
    upload = store_upload(form.file.data, by=acting_user())
    document = documents.attach_document(
        action_point, upload, title=form.title.data, by=acting_user()
    )
    return created(document_detail(document), ".get_document", document_id=document.id)


@bp.get("/documents/<id:document_id>")
def get_document(document_id: int):
    return document_detail(get_readable_document(document_id))


@bp.get("/documents/<id:document_id>/file")
def download_document(document_id: int):
    return send_stored_file(get_readable_document(document_id).file)


@bp.post("/documents/<id:document_id>/retire")
def retire_document(document_id: int):
    document = get_manageable_document(document_id)
    try:
        documents.retire_document(document, by=acting_user())
    except plan_services.PlanError as error:
        raise ApiError(409, str(error), code="conflict") from None
    return answer(document_detail(document))
