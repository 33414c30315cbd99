from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from tracker.audit import services
from tracker.audit.forms import AuditFilterForm, entity_label
from tracker.auth.permissions import can_view_audit_trail, require
from tracker.query_args import list_page
from tracker.reports.history import describe_changes, summary_in_words

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
bp.add_app_template_filter(summary_in_words)
bp.add_app_template_filter(entity_label)

PER_PAGE = 50


@bp.get("/")
@login_required
def index():
    require(can_view_audit_trail(current_user))
    form = AuditFilterForm(request.args)
    events = None
    if form.validate():
        try:
            query = services.audit_events_query(**form.filter_values())
        except services.AuditFilterError as error:
            form.field_named(error.field).errors.append(str(error))
        else:
            events = list_page(query, PER_PAGE)
    # Page links keep the filters; the page number is theirs to set.
    filters = {name: value for name, value in request.args.items() if name != "page" and value}
    changes = describe_changes(events.items) if events is not None else {}
    return render_template(
        "audit/index.html", form=form, events=events, filters=filters, changes=changes
    )
