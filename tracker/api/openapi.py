"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

What code knows comes from code: a request body's schema from the form that validates it
(tracker/api/schema.py), a response's from the declaration of what its serializer returns
(tracker/api/shapes.py, through msgspec). Written here is what no code knows: the operations,
their summaries and descriptions, and the few bodies that views check without a form.
tests/api/test_basics.py fails when a route is missing; tests/api/test_openapi_conformance.py runs
Schemathesis over the whole document against the app.
"""

from flask import current_app

from tracker import retirement
from tracker.actors.forms import ActorForm, EndSeatForm, SeatForm, WorkingGroupForm
from tracker.actors.models import ActorKind
from tracker.api import shapes
from tracker.api.document import components, items_of, operation, page_of, path_names, paths, ref
from tracker.api.schema import form_schema
from tracker.auth.forms import HandOverForm, InviteForm, NewUserForm, UserForm
from tracker.db import MAX_ID
from tracker.meetings.forms import (
    AgendaItemChangeForm,
    AgendaItemForm,
    DecisionEditForm,
    DecisionForm,
    FollowUpEditForm,
    FollowUpForm,
    FollowUpStatusForm,
    MeetingForm,
    MinutesForm,
    ParticipantForm,
    ParticipantGroupForm,
)
from tracker.meetings.models import FollowUpStatus, MeetingKind
from tracker.notifications.forms import NotificationSettingsForm
from tracker.plan.forms import ActionPointForm, ActivityForm, ContinuationForm, GoalForm
from tracker.pledges.forms import PledgeEditForm
from tracker.pledges.models import EntryKind
from tracker.progress.forms import UpdateForm
from tracker.query_args import MAX_PAGE

OBJECT = {"type": "object"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE = {
    "type": "object",
    "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}},
}
FILE_TITLED = {
    **FILE,
    "properties": {
        **FILE["properties"],
        "title": {"type": "string", "maxLength": 200, "description": "Default: the file's name."},
    },
}
_PASSWORD = {
    "type": "string",
    "minLength": 12,
    "maxLength": 256,
    "writeOnly": True,
    "description": "12 to 256 characters; not a common password, nor the email or name.",
}
# evidence_links: the form takes one link a line; JSON sends a list (progress._links).
_LINKS = {
    "evidence_links": {
        "type": "array",
        "maxItems": 20,
        "items": {"type": "string", "format": "uri", "pattern": "^https?://"},
    }
}
_NEW_UPDATE = {
    **_LINKS,
    "action_point_id": {"type": "integer"},
    "submit": {"type": "boolean", "description": "Submit at once (default: a draft)."},
}
_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, a body that is not an object, or a bad query parameter.",
    401: "Missing, malformed, wrong or revoked Bearer token. After 30 wrong tokens from one "
    "address in 15 minutes, every request from it gets 429 with Retry-After.",
    403: "The token's user may not do this.",
    404: "No such resource.",
    405: "Method not allowed on this path.",
    409: "Edit conflict: the record changed since the version sent (error.current holds it).",
    410: "The file's content is missing from storage (tell the Secretariat).",
    413: "The body is too large.",
    415: "The body is not JSON (Content-Type: application/json).",
    422: "Invalid input; error.fields maps each field to its message.",
    503: "The server lacks a setting this needs (the message names it).",
}


def form(form_class: type, **options) -> dict:
    """The JSON body that the form validates (see schema.form_schema)."""
    return form_schema(form_class, **options)


def patch(form_class: type, **options) -> dict:
    """A PATCH body: any of the form's fields, and the `version` that was read."""
    return form_schema(form_class, partial=True, required={"version"}, **options)


def _query(names: str) -> list[dict]:
    params = []
    for key in names.split():
        if key == "page":
            params += [{"$ref": f"#/components/parameters/{p}"} for p in ("page", "per_page")]
            continue
        name, schema, description = _QUERY[key]
        param = {"name": name, "in": "query", "schema": schema}
        params.append({**param, "description": description} if description else param)
    return params


def op(summary: str, answer: str | dict | None = None, *, query: str = "", **options) -> dict:
    """An operation; `query` names _QUERY's parameters (see document.operation)."""
    return operation(summary, answer, query=_query(query), **options)


def _path_parameters(path: str) -> list[dict]:
    params = []
    for name in path_names(path):
        if name in _ID_PARAMS:
            schema, description = _ID_SCHEMA, _ID_PARAMS[name]
        else:
            schema, description = _OTHER_PATH_PARAMS[name]
        param = {"name": name, "in": "path", "required": True, "schema": schema}
        params.append({**param, "description": description} if description else param)
    return params


def _values(enum) -> dict:
    return {"enum": [member.value for member in enum]}


STR, INT, DATE = {"type": "string"}, {"type": "integer"}, {"type": "string", "format": "date"}
# fmt: off
_ID_PARAMS = {
    "goal_id": "Goal id", "action_point_id": "Action point id", "activity_id": "Activity id",
    "actor_id": "Actor id", "update_id": "Update id", "evidence_id": "Evidence file id",
    "round_id": "Round id", "successor_id": "The later action point's id",
    "record_id": "The record's id", "group_id": "Working group id", "seat_id": "Seat id",
    "pledge_id": "Pledge id", "document_id": "Document id", "token_id": "Token id",
    "user_id": "User id", "notification_id": "Notification id", "meeting_id": "Meeting id",
    "item_id": "Agenda item id (of this meeting; another's is a 404)",
    "version": "Version number, from 1", "attachment_id": "Attachment id (of this meeting)",
    "decision_id": "Decision id (of this meeting; another's is a 404)",
    "follow_up_id": "Follow-up id", "report_id": "Published report id",
}
_OTHER_PATH_PARAMS = {
    "code_or_id": (STR, "The plan's id or its code, e.g. BP-CFA-2019."),
    "kind": ({"enum": list(retirement.RETIRABLE)}, ""),
    "actor_code": (STR, "The participant's actor code, e.g. HU."),
    "fmt": ({"enum": ["pdf", "xlsx", "csv", "json"]}, ""),
}
# Query parameters: the key that operations name -> (parameter, schema, description).
_QUERY = {
    "plan": ("plan", STR, "Only this plan's (code or id)."),
    "any_plan": ("plan", STR, ""),
    "report_plan": ("plan", STR, "Plan code, e.g. BP-CFA-2019 (a report: the first plan if none)."),
    "progress_plan": ("plan", STR, "Plan code (default: the newest plan with action points)."),
    "actor_kind": ("kind", _values(ActorKind), ""),
    "goal": ("goal", STR, "Goal number (with a plan)."),
    "goals": ("goal", {"type": "array", "items": INT}, "Priority goal numbers (repeat it)."),
    "actor": ("actor", STR, "Actor code."),
    "actors": ("actor", {"type": "array", "items": STR}, "Actor codes (repeat the parameter)."),
    "working_group": ("working_group", STR, "Working group code: actors that are its members."),
    "group": ("working_group", STR, "A working group's code."),
    "status": ("status", STR, "A status, or not_reported."),
    "workflow": ("workflow", STR, "draft, submitted, validated or returned."),
    "action_point": ("action_point", INT, ""),
    "changed_since": ("since", DATE, "Only updates changed on or after this date."),
    "since": ("since", DATE, "Default: 30 days ago."),
    "before": ("before", _ID_SCHEMA, "next_before of the previous answer."),
    "matrix_sort": ("sort", {"type": "string", "enum": ["actor", "action_point"]}, ""),
    "dry_run": ("dry_run", {"type": "boolean"}, ""),
    "plan_format": ("format", {"enum": ["csv", "xlsx", "yaml"]}, ""),
    "goal_id": ("goal_id", INT, ""),
    "action_point_id": ("action_point_id", INT, ""),
    "currency": ("currency", STR, ""),
    "measure": ("measure", _values(EntryKind), ""),
    "value_from": ("from", DATE, "Value dates from."),
    "value_to": ("to", DATE, "Value dates to."),
    "order": ("sort", STR, "total, name or goal:<id>."),
    "as_of": ("as_of", DATE, ""),
    "user": ("user", STR, "The acting user's email."),
    "object_type": ("object_type", STR, "Kind of record (a table name)."),
    "object_id": ("object_id", {**INT, "minimum": 1}, "Needs object_type."),
    "action": ("action", STR, "e.g. create, update, retire, denied."),
    "day_from": ("from", DATE, "From this UTC day."),
    "day_to": ("to", DATE, "To this UTC day, included."),
    "unread": ("unread", {"type": "boolean", "default": False}, "true: only the unread ones."),
    "meeting_kind": ("kind", _values(MeetingKind), ""),
    "series": ("series", STR, ""),
    "when": ("when", {"enum": ["upcoming", "past"]}, ""),
    "brief_format": ("format", {"enum": ["json", "pdf"]}, ""),
    "owner": ("owner", STR, "Actor code."),
    "follow_up_status": ("status", _values(FollowUpStatus), ""),
    "overdue": ("overdue", {"enum": ["true", "false"]}, ""),
    "period_from": ("from", DATE, "Period from."),
    "period_to": ("to", DATE, "Period to."),
    "stood_on": ("as_of", DATE, "Rebuild the report as it stood at the end of this day (UTC)."),
    "report_format": ("format", {"enum": ["json", "pdf", "xlsx", "csv"], "default": "json"}, ""),
    "report_from": ("from", {**INT, "minimum": 1}, "A published report id."),
    "report_to": ("to", {"oneOf": [{**INT, "minimum": 1}, {"const": "now"}], "default": "now"},
                  "Another published report's id, or now."),
}
# fmt: on


def _paths() -> dict:
    # fmt: off
    return paths({
        "GET /openapi.json": op("This document", OBJECT, public=True),
        "GET /plans": op("List plans", page_of("PlanSummary"), query="page"),
        "GET /plans/{code_or_id}": op("A plan with its goals and action points", "Plan"),
        "GET /goals/{goal_id}": op("A priority goal with its action points", "Goal"),
        "PATCH /goals/{goal_id}": op("Change a priority goal (Secretariat only)", "Goal",
            body=patch(GoalForm), errors=(409,)),
        "GET /action-points": op("List action points", page_of("ActionPointSummary"),
            query="page plan"),
        "POST /action-points": op("Create an action point (Secretariat only)", "ActionPoint",
            body=form(ActionPointForm, exclude={"version"}), status=201, location=True),
        "GET /action-points/{action_point_id}": op("An action point with its partners and "
            "activities", "ActionPoint"),
        "PATCH /action-points/{action_point_id}": op("Change some fields of an action point "
            "(Secretariat only)", "ActionPoint", description="Send the `version` you read: if "
            "the record changed since, the answer is 409 with the current record in "
            "error.current, and nothing is changed.", body=patch(ActionPointForm), errors=(409,)),
        "GET /activities/{activity_id}": op("An activity, with its budget as Money", "Activity"),
        "PATCH /activities/{activity_id}": op("Change an activity (Secretariat only)", "Activity",
            body=patch(ActivityForm), errors=(409,)),
        "GET /actors": op("List states and organisations", page_of("Actor"),
            query="page actor_kind"),
        "POST /actors": op("Add a state or organisation (Secretariat only)", "Actor",
            body=form(ActorForm, exclude={"version"}), status=201, errors=(404, 409)),
        "GET /actors/{actor_id}": op("A state or organisation", "Actor"),
        "PATCH /actors/{actor_id}": op("Change an actor (Secretariat only)", "Actor",
            body=patch(ActorForm), errors=(409,)),
        "GET /updates": op("List the progress updates you may read (validated ones, and your "
            "actor's drafts, submitted and returned ones), newest change first", page_of("Update"),
            query="page goal actor working_group status workflow any_plan action_point "
            "changed_since", errors=(404,)),
        "POST /updates": op("Report progress on an action point for an actor (draft, or "
            "submitted with submit: true). Focal points and members: their own actor only.",
            "Update",
            body=form(UpdateForm, exclude={"version"}, extra=_NEW_UPDATE,
                      required={"actor", "status", "action_point_id"}),
            status=201, location=True, errors=(404,)),
        "GET /updates/{update_id}": op("An update (404 if it is another actor's draft, submitted "
            "or returned)", "Update"),
        "PATCH /updates/{update_id}": op("Edit a draft or returned update, at the version you "
            "read (else 409)", "Update", body=patch(UpdateForm, exclude={"actor"}, extra=_LINKS),
            errors=(409,)),
        "POST /updates/{update_id}/submit": op("Submit a draft or returned update for review",
            "Update", body="Step", body_required=False, errors=(409,)),
        "POST /updates/{update_id}/withdraw": op("Withdraw a submitted update to draft before it "
            "is reviewed (409 in another state)", "Update", body="Step", body_required=False,
            errors=(409,)),
        "POST /updates/{update_id}/validate": op("Validate a submitted update (Secretariat); the "
            "action point's status follows", "Update", body="Step", body_required=False,
            errors=(409,)),
        "POST /updates/{update_id}/return": op("Return a submitted update to its reporter with a "
            "reason (Secretariat)", "Update", body="ReturnReason", body_required=False,
            errors=(409,)),
        "POST /updates/{update_id}/evidence": op("Attach an evidence file to a draft or returned "
            "update (size limit; type checked by content: PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, "
            "ODS, text, CSV)", OBJECT, files=FILE, status=201),
        "GET /updates/{update_id}/evidence/{evidence_id}": op("Download an evidence file (as an "
            "attachment), if you may read the update", content=["application/octet-stream"]),
        "GET /action-points/{action_point_id}/timeline": op("Every event about the action point "
            "and the updates on it you may read, newest first, 100 at a time", "Timeline",
            query="before"),
        "PUT /action-points/{action_point_id}/weight": op("Set an action point's weight in the "
            "rollups (Secretariat; default 1)", "Weight", body="WeightInput"),
        "GET /plans/{code_or_id}/progress": op("The plan's progress: rollup, per goal, and each "
            "action point's overall status (latest validated update), stale flag and pending "
            "submissions", "PlanProgress", query="goal actor working_group status workflow"),
        "GET /plans/{code_or_id}/matrix": op("Actors × action points: each actor's latest "
            "validated update and its pending submissions", OBJECT,
            query="goal actor working_group status workflow"),
        "GET /plans/{code_or_id}/changes": op("What changed since a date: action points with a "
            "new overall status, and the updates changed (newest 100, with the total)", OBJECT,
            query="goal actor working_group status workflow since"),
        "POST /plans/{code_or_id}/bulk-updates": op("Report on several action points at once; "
            "every row is checked and nothing is saved unless all are right (422 with error.rows "
            "by row number)", items_of("Update"), body="BulkUpdates", status=201),
        "GET /my-work": op("What waits on you, each list in the list envelope with its true "
            "total: to_validate (Secretariat, newest first); your actor's returned, waiting "
            "(submitted) and drafts updates; due (action points not yet reported in an open "
            "round, with the round); follow_ups (pending, owned by your actor); validated (the "
            "last 30 days); stale (no validated update lately). A list that does not apply to "
            "you is left out; page and per_page apply to every list.", OBJECT, query="page"),
        "GET /rounds": op("Reporting rounds", items_of("Round"), errors=(400,)),
        "POST /rounds": op("Open a reporting round (Secretariat)", "Round", body="RoundCreate",
            status=201, errors=(404,)),
        "GET /rounds/{round_id}": op("Who has reported in a round: each expected actor's action "
            "points and what it reported (validated, submitted, returned)", "Round",
            query="goal actor working_group status workflow"),
        "GET /rounds/{round_id}/not-reported": op("Who has not reported on what in a round: one "
            "item for each expected actor and action point (lead or partner) with no report in "
            "the round's window", OBJECT, query="matrix_sort page goal actor working_group "
            "status workflow"),
        "POST /rounds/{round_id}/remind": op("Remind every actor that has not reported in an "
            "open round, or one (Secretariat). Recorded and audited; e-mail follows with "
            "notifications", OBJECT, body="Remind", body_required=False, status=201),
        "POST /rounds/{round_id}/close": op("Close a round (Secretariat)", "Round",
            errors=(400, 413, 415, 422)),
        "POST /plans/{code_or_id}/import": op("Import goals, action points and activities from a "
            "file (Secretariat only)", "ImportResult", query="dry_run",
            description="Multipart form data with the file in field `file` (.csv, .xlsx or "
            ".yaml, at most 5 MB; see README for the columns). The whole file is checked first: "
            "any problem gives 422 with every problem, by row and column, in error.errors, and "
            "nothing is written. `?dry_run=true` reports what would change and writes nothing. "
            "Rows are keyed by plan and code, so a second import of the same file changes "
            "nothing.", files=FILE),
        "GET /plans/{code_or_id}/export": op("The plan's goals, action points and activities as "
            "a file that imports back unchanged", query="plan_format"),
        "POST /plans/{code_or_id}/goals": op("Add a priority goal (Secretariat only)", "Goal",
            body=form(GoalForm, exclude={"version"}, required={"number"}), status=201,
            errors=(409,)),
        "POST /action-points/{action_point_id}/activities": op("Add an activity (Secretariat only)",
            "Activity", body=form(ActivityForm, exclude={"version"}), status=201, errors=(409,)),
        "POST /action-points/{action_point_id}/continuations": op("Link an action point to one "
            "of a later plan that continues it (Secretariat only)", "ActionPoint",
            body=form(ContinuationForm, required={"continued_in"}), status=201, errors=(409,)),
        "DELETE /action-points/{action_point_id}/continuations/{successor_id}": op(
            "Remove a continuation link (Secretariat only)", "ActionPoint", errors=(422,)),
        "POST /{kind}/{record_id}/retire": op("Retire a record: hidden from lists, kept with its "
            "history (Secretariat only)", "Retirable"),
        "POST /{kind}/{record_id}/restore": op("Bring a retired record back (Secretariat only)",
            "Retirable"),
        "GET /working-groups": op("Working groups with their members (retired ones too)",
            items_of("WorkingGroup")),
        "POST /working-groups": op("Add a working group (Secretariat only)", "WorkingGroup",
            body=form(WorkingGroupForm, exclude={"version"}), status=201, errors=(404, 409)),
        "PATCH /working-groups/{group_id}": op("Change a working group and its members "
            "(Secretariat only)", "WorkingGroup", body=patch(WorkingGroupForm), errors=(409,)),
        "POST /reference-group": op("Give an actor a seat in the Reference Group (Secretariat "
            "only)", "Seat", body=form(SeatForm, required={"actor"}), status=201,
            errors=(404, 409)),
        "POST /reference-group/{seat_id}/end": op("End a seat in the Reference Group (it stays, "
            "for the record) (Secretariat only)", "Seat", body=form(EndSeatForm), errors=(409,)),
        "GET /pledges": op("List pledges (newest first)", page_of("Pledge"),
            query="page actor report_plan goal_id action_point_id"),
        "POST /pledges": op("Pledge (a focal point for its own actor; the Secretariat for anyone)",
            "PledgeDetail", body="PledgeCreate", status=201, errors=(404, 409)),
        "GET /pledges/{pledge_id}": op("A pledge with its ledger, each entry converted with the "
            "rate used", "PledgeDetail"),
        "PATCH /pledges/{pledge_id}": op("Change a pledge's purpose or reference (its money "
            "changes through ledger entries); a stale version is a 409", "PledgeDetail",
            body=patch(PledgeEditForm), errors=(409,)),
        "POST /pledges/{pledge_id}/entries": op("Record a ledger entry (pledged, committed, "
            "disbursed)", "PledgeDetail", description="A broken ledger rule is a 422 naming the "
            "amounts; a concurrent writer that changed the pledge first is a 409.",
            body="EntryCreate", status=201, errors=(409,)),
        "GET /exchange-rates": op("Exchange rates into the reporting currency",
            page_of("ExchangeRate"), query="page currency"),
        "POST /exchange-rates": op("Add (or replace the same day's) rate (Secretariat only)",
            "ExchangeRate", body="ExchangeRateCreate", status=201, errors=(404, 409)),
        "PUT /action-points/{action_point_id}/funding-need": op("Set or clear an action point's "
            "estimated budget (Secretariat only)", "FundingNeedSet", body="FundingNeedInput",
            errors=(409,)),
        "GET /reports/pledge-matrix": op("Who funds what: actors x goals in the reporting currency",
            OBJECT, query="report_plan measure value_from value_to order"),
        "GET /reports/funding": op("Needs, committed, gap and coverage per action point, goal "
            "and plan", OBJECT, query="report_plan as_of"),
        "GET /action-points/{action_point_id}/documents": op("The documents of an action point",
            page_of("Document"), query="page", description="Current documents; the Secretariat "
            "also gets retired ones (retired_at)."),
        "POST /action-points/{action_point_id}/documents": op("Upload a document (Secretariat "
            "only)", "Document", description="PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, or "
            "UTF-8 text/CSV, at most MAX_UPLOAD_BYTES (10 MB by default). The type is detected "
            "from the content and must agree with the file name's extension; anything else is a "
            "422 at `file`.", files=FILE_TITLED, status=201, location=True, errors=(415,)),
        "GET /documents/{document_id}": op("A document", "Document",
            description="A retired document is a 404 to all but the Secretariat."),
        "GET /documents/{document_id}/file": op("Download a document's file",
            description="Sent as an attachment with its detected type. A retired document is a "
            "404 to all but the Secretariat.", content=["*/*"], errors=(410,)),
        "POST /documents/{document_id}/retire": op("Retire a document (Secretariat only)",
            "Document", description="It leaves the action point's list and stays on record. No "
            "body.", errors=(409,)),
        "GET /audit-events": op("The audit trail, newest first (Secretariat only)",
            page_of("AuditEvent"), query="page user object_type object_id action day_from day_to",
            description="Filters combine; a filter that cannot be applied (an unknown email, "
            "`to` before `from`, a bad date) is a 400 with error.fields naming it."),
        "GET /me": op("The account the token belongs to", "User"),
        "GET /tokens": op("Your own API tokens, revoked ones too, newest first", page_of("Token"),
            query="page", description="Tokens are created on the API tokens page or with "
            "`tracker token create`, never through the API: a leaked token cannot mint others."),
        "POST /tokens/{token_id}/revoke": op("Revoke one of your own tokens (it may be the one "
            "you send)", "Token"),
        "GET /users": op("List user accounts (Secretariat only)", page_of("User"), query="page"),
        "POST /users": op("Create a user account (Secretariat only)", "User",
            body=form(NewUserForm, required={"email", "role", "password"}), status=201,
            location=True),
        "POST /users/invitations": op("Invite someone by email (Secretariat only)", "User",
            description="Makes the account, without a password, and mails its person a link to "
            "choose one (single use; INVITATION_LINK_HOURS, 72 by default). The link is not in "
            "the answer: it is the invitee's credential. 503 when BASE_URL is not set in "
            "production.", body=form(InviteForm, required={"email", "role"}), status=201,
            location=True, errors=(503,)),
        "GET /users/{user_id}": op("A user account (Secretariat only)", "User"),
        "PATCH /users/{user_id}": op("Change a user account, deactivate it or set its password "
            "(Secretariat only)", "User",
            body=form(UserForm, exclude={"loaded"}, partial=True, extra={"password": _PASSWORD})),
        "POST /users/{user_id}/hand-over": op("Hand a departing focal point's open work to a "
            "successor (Secretariat only)", "HandOverResult",
            description="Moves the person's draft and returned updates and the pledges they made "
            "that are not yet disbursed in full (of their actor) to the successor, who carries "
            "them on; their author stays in the history. Follow-ups belong to actors, not "
            "people, and do not move. The departing account is deactivated: its sessions, API "
            "tokens and calendar feed end. A successor of another actor, a deactivated one, one "
            "who is not a focal point or member, or the person themselves is a 422 naming "
            "`successor`, and nothing changes.", body=form(HandOverForm, required={"successor"})),
        "GET /notifications": op("Your notifications, newest first", page_of("Notification"),
            query="page unread"),
        "POST /notifications/{notification_id}/read": op("Mark one of your notifications read",
            "Notification"),
        "POST /notifications/read": op("Mark all your notifications read", "Marked"),
        "GET /me/notification-settings": op("How your notifications come by mail",
            "NotificationSettings"),
        "PUT /me/notification-settings": op("Choose how your notifications come by mail",
            "NotificationSettings", body=form(NotificationSettingsForm, required={"delivery"})),
        "GET /meetings": op("List meetings (upcoming first when when=upcoming; else newest first)",
            page_of("MeetingSummary"), query="page meeting_kind series when"),
        "POST /meetings": op("Create a meeting; open follow-ups of its series join its agenda "
            "(Secretariat only)", "Meeting", body=form(MeetingForm, exclude={"version"}),
            status=201, errors=(404, 409)),
        "GET /meetings/{meeting_id}": op("A meeting: participants, agenda, latest minutes, "
            "decisions, follow-ups", "Meeting"),
        "PATCH /meetings/{meeting_id}": op("Change a meeting (a stale version is a 409) "
            "(Secretariat only)", "Meeting", body=patch(MeetingForm), errors=(409,)),
        "POST /meetings/{meeting_id}/participants": op("Invite an actor or record its attendance "
            "(Secretariat only)", "Meeting", body=form(ParticipantForm, required={"actor"}),
            errors=(409,)),
        "POST /meetings/{meeting_id}/participants/group": op("Invite a whole group: its members "
            "not yet participants are added (Secretariat only)", "Meeting",
            body=form(ParticipantGroupForm, required={"group", "attendance"}), errors=(409,)),
        "DELETE /meetings/{meeting_id}/participants/{actor_code}": op("Uninvite an actor, "
            "whatever its attendance (the audit trail keeps it) (Secretariat only)", "Meeting"),
        "POST /meetings/{meeting_id}/agenda-items": op("Add an agenda item (Secretariat only)",
            "Meeting", body=form(AgendaItemForm, required={"title"}), status=201, errors=(409,)),
        "PATCH /meetings/{meeting_id}/agenda-items/{item_id}": op("Change an agenda item's title "
            "or links, or move it to a position (Secretariat only)", "Meeting",
            description="Fields left out keep their value; null clears a link. An action point "
            "or goal of another plan is a 422.", body=form(AgendaItemChangeForm, partial=True)),
        "DELETE /meetings/{meeting_id}/agenda-items/{item_id}": op("Remove an agenda item; the "
            "others close up (Secretariat only)", "Meeting", description="An item carried over "
            "from an open follow-up leaves the agenda only: the follow-up is unchanged, and "
            "carrying over again puts it back while it is open (close or drop the follow-up to "
            "keep it off)."),
        "POST /meetings/{meeting_id}/cancel": op("Cancel the meeting (kept, marked cancelled; "
            "its participants are notified) (Secretariat only)", "Meeting",
            errors=(400, 409, 413, 415, 422)),
        "POST /meetings/{meeting_id}/carry-over": op("Carry the series' open follow-ups onto the "
            "agenda (idempotent) (Secretariat only)", "Meeting", errors=(400, 409, 413, 415, 422)),
        "POST /meetings/{meeting_id}/minutes": op("Record a new version of the minutes "
            "(Secretariat only)", "Meeting", body=form(MinutesForm, required={"text"}), status=201,
            errors=(409,)),
        "GET /meetings/{meeting_id}/minutes/{version}": op("One version of the minutes, with "
            "what changed from the one before (lines marked + added, - removed, space unchanged, "
            "@ a gap)", OBJECT),
        "POST /meetings/{meeting_id}/attachments": op("Attach a file to the meeting (Secretariat "
            "only)", "Meeting", files=FILE, status=201, errors=(409, 415)),
        "GET /meetings/{meeting_id}/attachments/{attachment_id}": op("Download an attachment of "
            "a meeting", errors=(410,)),
        "DELETE /meetings/{meeting_id}/attachments/{attachment_id}": op("Remove an attachment "
            "from the meeting; the stored file is kept (Secretariat only)", "Meeting"),
        "POST /meetings/{meeting_id}/decisions": op("Record a decision (Secretariat only)",
            "Meeting", body=form(DecisionForm, required={"text"}), status=201, errors=(409,)),
        "PATCH /meetings/{meeting_id}/decisions/{decision_id}": op("Correct a decision's text or "
            "linked action points (a stale version is a 409) (Secretariat only)", "Meeting",
            description="Fields left out keep their value. An action point of another plan is a "
            "422.", body=patch(DecisionEditForm), errors=(409,)),
        "DELETE /meetings/{meeting_id}/decisions/{decision_id}": op("Remove a decision recorded "
            "by mistake (Secretariat only)", "Meeting", description="A decision with follow-ups "
            "is refused (422) until they are removed.", errors=(422,)),
        "POST /meetings/{meeting_id}/follow-ups": op("Add a follow-up action (owner and due date "
            "required) (Secretariat only)", "FollowUp", body=form(FollowUpForm), status=201,
            errors=(409,)),
        "GET /meetings/{meeting_id}/brief": op("The pre-meeting brief: what changed since the "
            "previous meeting of the series (JSON, or with format=pdf the printable brief as an "
            "attachment)", OBJECT, query="brief_format", content=["application/pdf"]),
        "GET /follow-ups": op("List follow-up actions (by due date)", page_of("FollowUp"),
            query="page owner follow_up_status overdue"),
        "PATCH /follow-ups/{follow_up_id}": op("Correct a follow-up's text, owner or due date (a "
            "stale version is a 409) (Secretariat only)", "FollowUp",
            description="Fields left out keep their value. A new due date or owner also adds a "
            "dated note saying so, its status unchanged.", body=patch(FollowUpEditForm),
            errors=(409,)),
        "DELETE /follow-ups/{follow_up_id}": op("Remove a follow-up recorded by mistake "
            "(Secretariat only)", description="Refused (422) once it has notes (a status change, "
            "a moved date or owner) or was carried onto a later agenda: drop it instead.",
            status=204, errors=(422,)),
        "POST /follow-ups/{follow_up_id}/status": op("Change a follow-up's status with a note "
            "(its owner actor's focal point, or the Secretariat)", "FollowUp",
            body=form(FollowUpStatusForm, required={"status", "note"}), errors=(409,)),
        "GET /calendar.ics": op("Upcoming meetings as an iCalendar feed (Bearer token)",
            content=["text/calendar"]),
        "GET /calendar/feed": op("Whether you have a calendar feed address, made when, last used "
            "when", "CalendarFeed"),
        "POST /calendar/feed": op("Make your secret calendar feed address, replacing any earlier "
            "one", "CalendarFeedCreated", description="For calendar apps that cannot send a "
            "header (Google Calendar, Outlook, Apple Calendar): they subscribe to `url`, which "
            "is shown only in this answer. The token in it reads only that feed, never the API. "
            "Revoking the API token that made it revokes the feed address too.", status=201,
            errors=(409,)),
        "DELETE /calendar/feed": op("Revoke your calendar feed address (nothing to revoke is "
            "fine too)", status=204),
        "GET /reports/progress": op("The progress report, now or as of a past day",
            query="progress_plan goals actors group period_from period_to stood_on report_format",
            description="JSON is the report's data object; pdf, xlsx and csv (a zip of one UTF-8 "
            "CSV per table) come as attachments. A filter naming nothing real or a date out of "
            "bounds is a 400 with error.fields naming it.",
            content=["application/json", "application/pdf", XLSX, "application/zip"]),
        "GET /reports/published": op("Published reports, newest first", page_of("PublishedReport"),
            query="page"),
        "GET /reports/published/{report_id}": op("A published report: its round, as-of day, and "
            "each file's SHA-256", "PublishedReport"),
        "GET /reports/published/{report_id}/{fmt}": op("Download a published report's file, byte "
            "for byte as published", description="A stored file whose bytes no longer match its "
            "SHA-256 is a 410, never the changed bytes.",
            content=["application/pdf", XLSX, "application/zip", "application/json"],
            errors=(410,)),
        "POST /rounds/{round_id}/publish": op("Publish the round's progress report (Secretariat "
            "only)", "PublishedReport", description="Builds the plan's report over the round's "
            'period, as of its deadline if that has passed (else today), marked "Published for '
            '<round>", and keeps it as PDF, XLSX, CSV zip and JSON for good. No body. Once per '
            "round: a second time is a 409 whose error.published_report is the one published.",
            status=201, errors=(409,)),
        "GET /reports/compare": op("What changed between two published reports, or one and now",
            "ReportComparison", query="report_from report_to",
            description="Per action point: status, percent, funding (need, pledged, committed, "
            "disbursed) and each actor's narrative; plan and goal percents; action points added "
            "and removed. Both reports must be of one plan.", errors=(410,)),
    }, _path_parameters)
    # fmt: on
    # fmt: on


def openapi_document() -> dict:
    config = current_app.config
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Budapest Process implementation tracker API",
            "version": "1",
            "description": "Read the action plans, keep their action points, report and review "
            "progress, record pledges with their ledgers, and keep meetings, minutes, decisions "
            "and follow-ups. Authenticate "
            "with `Authorization: Bearer <token>` (`tracker token create EMAIL`).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "page": {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                },
                "per_page": {
                    "name": "per_page",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": config["API_MAX_PER_PAGE"],
                        "default": config["API_DEFAULT_PER_PAGE"],
                    },
                },
            },
            "responses": {
                str(status): {
                    "description": description,
                    "content": {"application/json": {"schema": ref("Error")}},
                }
                for status, description in _ERROR_DESCRIPTIONS.items()
            },
            "schemas": components(shapes),
        },
    }
