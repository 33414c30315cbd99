"""The audit trail in the API, for the Secretariat: the same filters as the admin page."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.errors import ApiError
from tracker.api.pagination import page_of
from tracker.api.serializers import iso
from tracker.api.views import bp
from tracker.audit.forms import AuditFilterForm
from tracker.audit.models import AuditEvent
from tracker.audit.services import AuditFilterError, audit_events_query
from tracker.auth.permissions import can_view_audit_trail, require


def audit_event_detail(event: AuditEvent) -> dict:
    user = event.user
    return {
        "id": event.id,
        "occurred_at": iso(event.occurred_at),
        "user": {"id": user.id, "email": user.email, "name": user.name} if user else None,
        "agent": event.agent,
        "address": event.address,
        "action": event.action,
        "entity": {"type": event.entity_type, "id": event.entity_id} if event.entity_type else None,
        "summary": event.summary,
        "changes": event.changes,
    }


@bp.get("/audit-events")
def list_audit_events():
    require(can_view_audit_trail(current_user))
    form = AuditFilterForm(request.args)
    if not form.validate():
        raise ApiError(400, _("A filter is invalid; see fields."), fields=form.field_errors())
    try:
        query = audit_events_query(**form.filter_values())
    except AuditFilterError as error:
        raise ApiError(400, str(error), fields={error.field: str(error)}) from None
    return page_of(query, audit_event_detail)
