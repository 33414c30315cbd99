"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

What code knows comes from code: a request body's schema from the form that validates it
(tracker/api/schema.py), a response's from the declaration of what its serializer returns
(tracker/api/shapes.py, through msgspec). Written here is what no code knows: the operations,
their summaries and descriptions, and the few bodies that views check without a form.
tests/test_api.py fails when a route is missing; tests/api/test_openapi_conformance.py runs
Schemathesis over the whole document against the app.
"""

import re
import typing

import msgspec
from flask import current_app

from tracker.actors.forms import ActorForm, EndSeatForm, SeatForm, WorkingGroupForm
from tracker.api import shapes
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
from tracker.notifications.forms import NotificationSettingsForm
from tracker.plan.forms import ActionPointForm, ActivityForm, ContinuationForm, GoalForm
from tracker.pledges.forms import PledgeEditForm
from tracker.progress.forms import UpdateForm
from tracker.query_args import MAX_PAGE

OBJECT = {"type": "object"}
PAGE = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
_FILES = ("evidence_files",)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict:
    items = {"type": "object", "properties": {"items": {"type": "array", "items": _ref(name)}}}
    return {"allOf": [_ref("Page"), items]}


def items_of(name: str) -> dict:
    items = {"type": "array", "items": _ref(name)}
    return {"type": "object", "required": ["items"], "properties": {"items": items}}


def q(name: str, schema: dict, description: str = "") -> dict:
    """A query parameter."""
    param = {"name": name, "in": "query", "schema": schema}
    return {**param, "description": description} if description else param


def form(form_class: type, **options) -> dict:
    """The JSON body that the form validates (see schema.form_schema)."""
    return form_schema(form_class, **options)


def patch(form_class: type, **options) -> dict:
    """A PATCH body: any of the form's fields, and the `version` that was read."""
    return form_schema(form_class, partial=True, required={"version"}, **options)


def op(
    summary: str,
    answer: str | dict | None = None,
    *,
    status: int = 200,
    body: dict | None = None,
    body_required: bool = True,
    files: dict | None = None,
    query: list | None = None,
    content: list | None = None,
    location: bool = False,
    errors: tuple = (),
    description: str = "",
    public: bool = False,
) -> dict:
    """One operation; its path parameters and usual errors are added by _finish."""
    schema = _ref(answer) if isinstance(answer, str) else answer
    ok: dict = {"description": "Created" if status == 201 else "OK"}
    if location:
        ok["headers"] = {"Location": {"schema": {"type": "string"}}}
    if content:
        ok["content"] = {media: {} for media in content}
    elif schema is not None:
        ok["content"] = {"application/json": {"schema": schema}}
    operation: dict = {"summary": summary, "parameters": list(query or [])}
    if description:
        operation["description"] = description
    if public:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    if files is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": files}},
        }
    # The errors every operation of its kind can answer; `errors` adds the others.
    codes = {401, 403, *errors} if not public else set(errors)
    if query or body is not None or files is not None:
        codes.add(400)
    if body is not None:
        codes |= {413, 415, 422}
    if files is not None:
        codes |= {413, 422}
    responses = {str(status): ok}
    responses.update({str(c): {"$ref": f"#/components/responses/{c}"} for c in sorted(codes)})
    operation["responses"] = responses
    return operation


_ID_PARAMS = {
    "goal_id": "Goal id",
    "action_point_id": "Action point id",
    "activity_id": "Activity id",
    "actor_id": "Actor id",
    "update_id": "Update id",
    "evidence_id": "Evidence file id",
    "round_id": "Round id",
    "successor_id": "The later action point's id",
    "record_id": "The record's id",
    "group_id": "Working group id",
    "seat_id": "Seat id",
    "pledge_id": "Pledge id",
    "document_id": "Document id",
    "token_id": "Token id",
    "user_id": "User id",
    "notification_id": "Notification id",
    "meeting_id": "Meeting id",
    "item_id": "Agenda item id (of this meeting; another's is a 404)",
    "version": "Version number, from 1",
    "attachment_id": "Attachment id (of this meeting)",
    "decision_id": "Decision id (of this meeting; another's is a 404)",
    "follow_up_id": "Follow-up id",
    "report_id": "Published report id",
}
_OTHER_PATH_PARAMS = {
    "code_or_id": ({"type": "string"}, "The plan's id or its code, e.g. BP-CFA-2019."),
    "kind": ({"enum": ["goals", "action-points", "activities", "actors", "working-groups"]}, ""),
    "actor_code": ({"type": "string"}, "The participant's actor code, e.g. HU."),
    "fmt": ({"enum": ["pdf", "xlsx", "csv", "json"]}, ""),
}


def _path_parameters(path: str) -> list[dict]:
    params = []
    for name in re.findall(r"{(\w+)}", path):
        if name in _ID_PARAMS:
            schema, description = (
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                _ID_PARAMS[name],
            )
        else:
            schema, description = _OTHER_PATH_PARAMS[name]
        param = {"name": name, "in": "path", "required": True, "schema": schema}
        params.append({**param, "description": description} if description else param)
    return params


def _finish(paths: dict) -> dict:
    """Every operation with its path parameters; 404 where the path names a record."""
    for path, operations in paths.items():
        for operation in operations.values():
            operation["parameters"] = _path_parameters(path) + operation["parameters"]
            if "{" in path:
                operation["responses"].setdefault("404", {"$ref": "#/components/responses/404"})
            if not operation["parameters"]:
                del operation["parameters"]
    return paths


_PASSWORD = {
    "type": "string",
    "minLength": 12,
    "maxLength": 256,
    "writeOnly": True,
    "description": "12 to 256 characters; not a common password, nor the email or name.",
}
_UPDATE_EXTRA_PATCH = {
    "evidence_links": {
        "type": "array",
        "maxItems": 20,
        "items": {"type": "string", "format": "uri", "pattern": "^https?://"},
    }
}
_UPDATE_EXTRA = {
    **_UPDATE_EXTRA_PATCH,
    "action_point_id": {"type": "integer"},
    "submit": {"type": "boolean", "description": "Submit at once (default: a draft)."},
}
# Bodies that views check without a form.
_BODIES = {
    "PledgeCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["actor", "target", "amount", "pledged_on", "purpose"],
        "properties": {
            "actor": {"type": "string", "description": "Actor code; a focal point: its own."},
            "target": {
                "type": "object",
                "required": ["kind", "id"],
                "properties": {
                    "kind": {"enum": ["plan", "goal", "action_point", "activity"]},
                    "id": {"type": "integer"},
                },
            },
            "amount": {"$ref": "#/components/schemas/Money"},
            "pledged_on": {"type": "string", "format": "date"},
            "purpose": {"type": "string", "maxLength": 500},
            "reference": {"type": ["string", "null"], "maxLength": 100},
        },
    },
    "EntryCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "amount", "value_date"],
        "description": (
            "A negative amount is a reduction or cancellation and needs a reason. "
            "Rules: 0 <= disbursed <= committed <= pledged."
        ),
        "properties": {
            "kind": {"enum": ["pledged", "committed", "disbursed"]},
            "amount": {"$ref": "#/components/schemas/Money"},
            "value_date": {"type": "string", "format": "date"},
            "reason": {"type": ["string", "null"], "maxLength": 500},
        },
    },
    "ExchangeRateCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["currency", "rate", "valid_on"],
        "properties": {
            "currency": {"type": "string"},
            "rate": {"type": "string", "examples": ["0.9245"]},
            "valid_on": {"type": "string", "format": "date"},
            "source": {"type": ["string", "null"]},
        },
    },
    "Step": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "version": {
                "type": "integer",
                "description": "Optional: the version you saw; a newer one gives 409.",
            }
        },
    },
}
_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, a body that is not an object, or a bad query parameter.",
    401: "Missing, malformed, wrong or revoked Bearer token. After 30 wrong tokens from one "
    "address in 15 minutes, every request from it gets 429 with Retry-After.",
    403: "The token's user may not do this.",
    404: "No such resource.",
    405: "Method not allowed on this path.",
    409: "Edit conflict: the record changed since the version sent (error.current holds it).",
    413: "The body is too large.",
    415: "The body is not JSON (Content-Type: application/json).",
    422: "Invalid input; error.fields maps each field to its message.",
    503: "The server lacks a setting this needs (the message names it).",
}

_ERROR_DESCRIPTIONS[410] = "The file's content is missing from storage (tell the Secretariat)."


def _response_schemas() -> dict:
    """The component schemas of shapes.py's declarations (each TypedDict under its name)."""
    declared = [
        value
        for name, value in vars(shapes).items()
        if not name.startswith("_") and typing.is_typeddict(value)
    ]
    _, components = msgspec.json.schema_components(
        declared, ref_template="#/components/schemas/{name}"
    )
    return components


def _paths() -> dict:
    return _finish(
        {
            "/openapi.json": {
                "get": op("This document", OBJECT, public=True),
            },
            "/plans": {
                "get": op("List plans", page_of("PlanSummary"), query=[*PAGE]),
            },
            "/plans/{code_or_id}": {
                "get": op("A plan with its goals and action points", "Plan"),
            },
            "/goals/{goal_id}": {
                "get": op("A priority goal with its action points", "Goal"),
                "patch": op(
                    "Change a priority goal (Secretariat only)",
                    "Goal",
                    body=patch(GoalForm),
                    errors=(409,),
                ),
            },
            "/action-points": {
                "get": op(
                    "List action points",
                    page_of("ActionPointSummary"),
                    query=[*PAGE, q("plan", {"type": "string"}, "Only this plan's (code or id).")],
                ),
                "post": op(
                    "Create an action point (Secretariat only)",
                    "ActionPoint",
                    body=form(ActionPointForm, exclude={"version"}),
                    status=201,
                    location=True,
                ),
            },
            "/action-points/{action_point_id}": {
                "get": op("An action point with its partners and activities", "ActionPoint"),
                "patch": op(
                    "Change some fields of an action point (Secretariat only)",
                    "ActionPoint",
                    description=(
                        "Send the `version` you read: if the record changed since, the answer "
                        "is 409 with the current record in error.current, and nothing is "
                        "changed."
                    ),
                    body=patch(ActionPointForm),
                    errors=(409,),
                ),
            },
            "/activities/{activity_id}": {
                "get": op("An activity, with its budget as Money", "Activity"),
                "patch": op(
                    "Change an activity (Secretariat only)",
                    "Activity",
                    body=patch(ActivityForm),
                    errors=(409,),
                ),
            },
            "/actors": {
                "get": op(
                    "List states and organisations",
                    page_of("Actor"),
                    query=[
                        *PAGE,
                        q(
                            "kind",
                            {"enum": ["participating_state", "observer_state", "organisation"]},
                        ),
                    ],
                ),
                "post": op(
                    "Add a state or organisation (Secretariat only)",
                    "Actor",
                    body=form(ActorForm, exclude={"version"}),
                    status=201,
                    errors=(404, 409),
                ),
            },
            "/actors/{actor_id}": {
                "get": op("A state or organisation", "Actor"),
                "patch": op(
                    "Change an actor (Secretariat only)",
                    "Actor",
                    body=patch(ActorForm),
                    errors=(409,),
                ),
            },
            "/updates": {
                "get": op(
                    (
                        "List the progress updates you may read (validated ones, and your "
                        "actor's drafts, submitted and returned ones), newest change first"
                    ),
                    page_of("Update"),
                    query=[
                        *PAGE,
                        q("goal", {"type": "string"}, "Goal number (with a plan)."),
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "working_group",
                            {"type": "string"},
                            "Working group code: actors that are its members.",
                        ),
                        q("status", {"type": "string"}, "A status, or not_reported."),
                        q(
                            "workflow",
                            {"type": "string"},
                            "draft, submitted, validated or returned.",
                        ),
                        q("plan", {"type": "string"}),
                        q("action_point", {"type": "integer"}),
                        q(
                            "since",
                            {"type": "string", "format": "date"},
                            "Only updates changed on or after this date.",
                        ),
                    ],
                    errors=(404,),
                ),
                "post": op(
                    (
                        "Report progress on an action point for an actor (draft, or submitted "
                        "with submit: true). Focal points and members: their own actor only."
                    ),
                    "Update",
                    body=form(
                        UpdateForm,
                        exclude={"version"},
                        required={"actor", "status", "action_point_id"},
                        extra=_UPDATE_EXTRA,
                    ),
                    status=201,
                    location=True,
                    errors=(404,),
                ),
            },
            "/updates/{update_id}": {
                "get": op(
                    "An update (404 if it is another actor's draft, submitted or returned)",
                    "Update",
                ),
                "patch": op(
                    "Edit a draft or returned update, at the version you read (else 409)",
                    "Update",
                    body=patch(UpdateForm, exclude={"actor"}, extra=_UPDATE_EXTRA_PATCH),
                    errors=(409,),
                ),
            },
            "/updates/{update_id}/submit": {
                "post": op(
                    "Submit a draft or returned update for review",
                    "Update",
                    body=_BODIES["Step"],
                    body_required=False,
                    errors=(409,),
                ),
            },
            "/updates/{update_id}/withdraw": {
                "post": op(
                    (
                        "Withdraw a submitted update to draft before it is reviewed (409 in "
                        "another state)"
                    ),
                    "Update",
                    body=_BODIES["Step"],
                    body_required=False,
                    errors=(409,),
                ),
            },
            "/updates/{update_id}/validate": {
                "post": op(
                    "Validate a submitted update (Secretariat); the action point's status follows",
                    "Update",
                    body=_BODIES["Step"],
                    body_required=False,
                    errors=(409,),
                ),
            },
            "/updates/{update_id}/return": {
                "post": op(
                    "Return a submitted update to its reporter with a reason (Secretariat)",
                    "Update",
                    body={
                        "type": "object",
                        "required": ["reason"],
                        "additionalProperties": False,
                        "properties": {
                            "reason": {"type": "string", "maxLength": 5000},
                            "version": {"type": "integer"},
                        },
                    },
                    body_required=False,
                    errors=(409,),
                ),
            },
            "/updates/{update_id}/evidence": {
                "post": op(
                    (
                        "Attach an evidence file to a draft or returned update (size limit; "
                        "type checked by content: PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, "
                        "text, CSV)"
                    ),
                    OBJECT,
                    files={
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    },
                    status=201,
                ),
            },
            "/updates/{update_id}/evidence/{evidence_id}": {
                "get": op(
                    "Download an evidence file (as an attachment), if you may read the update",
                    content=["application/octet-stream"],
                ),
            },
            "/action-points/{action_point_id}/timeline": {
                "get": op(
                    (
                        "Every event about the action point and the updates on it you may "
                        "read, newest first, 100 at a time"
                    ),
                    {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": {"type": "object"}},
                            "next_before": {"type": ["integer", "null"]},
                        },
                    },
                    query=[
                        q(
                            "before",
                            {"type": "integer", "minimum": 1, "maximum": 2147483647},
                            "next_before of the previous answer.",
                        )
                    ],
                ),
            },
            "/action-points/{action_point_id}/weight": {
                "put": op(
                    "Set an action point's weight in the rollups (Secretariat; default 1)",
                    OBJECT,
                    body={
                        "type": "object",
                        "required": ["weight"],
                        "properties": {"weight": {"type": "integer", "minimum": 0, "maximum": 100}},
                    },
                ),
            },
            "/plans/{code_or_id}/progress": {
                "get": op(
                    (
                        "The plan's progress: rollup, per goal, and each action point's "
                        "overall status (latest validated update), stale flag and pending "
                        "submissions"
                    ),
                    {
                        "type": "object",
                        "properties": {
                            "percent": {
                                "type": "number",
                                "description": "Weighted mean of the action points' percents.",
                            },
                            "action_points": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "overall": {
                                            "type": ["object", "null"],
                                            "properties": {
                                                "update_id": {"type": "integer"},
                                                "status": {
                                                    "enum": [
                                                        "not_started",
                                                        "planned",
                                                        "in_progress",
                                                        "ongoing",
                                                        "completed",
                                                        "on_hold",
                                                        "discontinued",
                                                    ]
                                                },
                                                "percent": {"type": "integer"},
                                                "reported_on": {"type": "string", "format": "date"},
                                                "validated_at": {
                                                    "type": "string",
                                                    "format": "date-time",
                                                },
                                            },
                                        }
                                    },
                                },
                            },
                            "stale": {"type": "integer"},
                            "counts": {
                                "type": "object",
                                "additionalProperties": {"type": "integer"},
                                "description": "Action points per overall status "
                                "(not_reported: none validated).",
                            },
                            "goals": {"type": "array"},
                        },
                    },
                    query=[
                        q("goal", {"type": "string"}, "Goal number (with a plan)."),
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "working_group",
                            {"type": "string"},
                            "Working group code: actors that are its members.",
                        ),
                        q("status", {"type": "string"}, "A status, or not_reported."),
                        q(
                            "workflow",
                            {"type": "string"},
                            "draft, submitted, validated or returned.",
                        ),
                    ],
                ),
            },
            "/plans/{code_or_id}/matrix": {
                "get": op(
                    (
                        "Actors × action points: each actor's latest validated update and its "
                        "pending submissions"
                    ),
                    OBJECT,
                    query=[
                        q("goal", {"type": "string"}, "Goal number (with a plan)."),
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "working_group",
                            {"type": "string"},
                            "Working group code: actors that are its members.",
                        ),
                        q("status", {"type": "string"}, "A status, or not_reported."),
                        q(
                            "workflow",
                            {"type": "string"},
                            "draft, submitted, validated or returned.",
                        ),
                    ],
                ),
            },
            "/plans/{code_or_id}/changes": {
                "get": op(
                    (
                        "What changed since a date: action points with a new overall status, "
                        "and the updates changed (newest 100, with the total)"
                    ),
                    OBJECT,
                    query=[
                        q("goal", {"type": "string"}, "Goal number (with a plan)."),
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "working_group",
                            {"type": "string"},
                            "Working group code: actors that are its members.",
                        ),
                        q("status", {"type": "string"}, "A status, or not_reported."),
                        q(
                            "workflow",
                            {"type": "string"},
                            "draft, submitted, validated or returned.",
                        ),
                        q("since", {"type": "string", "format": "date"}, "Default: 30 days ago."),
                    ],
                ),
            },
            "/plans/{code_or_id}/bulk-updates": {
                "post": op(
                    (
                        "Report on several action points at once; every row is checked and "
                        "nothing is saved unless all are right (422 with error.rows by row "
                        "number)"
                    ),
                    items_of("Update"),
                    body={
                        "type": "object",
                        "required": ["reported_on", "rows"],
                        "properties": {
                            "actor": {"type": "string"},
                            "reported_on": {"type": "string", "format": "date"},
                            "submit": {"type": "boolean"},
                            "rows": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["action_point", "status"],
                                    "properties": {
                                        "action_point": {
                                            "type": "string",
                                            "description": "Action point code",
                                        },
                                        "status": {
                                            "enum": [
                                                "not_started",
                                                "planned",
                                                "in_progress",
                                                "ongoing",
                                                "completed",
                                                "on_hold",
                                                "discontinued",
                                            ]
                                        },
                                        "percent": {"type": ["integer", "null"]},
                                        "narrative": {"type": ["string", "null"]},
                                        "evidence_links": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                    status=201,
                ),
            },
            "/my-work": {
                "get": op(
                    (
                        "What waits on you, each list in the list envelope with its true "
                        "total: to_validate (Secretariat, newest first); your actor's "
                        "returned, waiting (submitted) and drafts updates; due (action points "
                        "not yet reported in an open round, with the round); follow_ups "
                        "(pending, owned by your actor); validated (the last 30 days); stale "
                        "(no validated update lately). A list that does not apply to you is "
                        "left out; page and per_page apply to every list."
                    ),
                    OBJECT,
                    query=[*PAGE],
                ),
            },
            "/rounds": {
                "get": op("Reporting rounds", items_of("Round"), errors=(400,)),
                "post": op(
                    "Open a reporting round (Secretariat)",
                    "Round",
                    body={
                        "type": "object",
                        "required": ["plan", "title", "opens_on", "deadline"],
                        "properties": {
                            "plan": {"type": "string"},
                            "title": {"type": "string", "maxLength": 200},
                            "opens_on": {"type": "string", "format": "date"},
                            "deadline": {"type": "string", "format": "date"},
                        },
                    },
                    status=201,
                    errors=(404,),
                ),
            },
            "/rounds/{round_id}": {
                "get": op(
                    (
                        "Who has reported in a round: each expected actor's action points and "
                        "what it reported (validated, submitted, returned)"
                    ),
                    "Round",
                    query=[
                        q("goal", {"type": "string"}, "Goal number (with a plan)."),
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "working_group",
                            {"type": "string"},
                            "Working group code: actors that are its members.",
                        ),
                        q("status", {"type": "string"}, "A status, or not_reported."),
                        q(
                            "workflow",
                            {"type": "string"},
                            "draft, submitted, validated or returned.",
                        ),
                    ],
                ),
            },
            "/rounds/{round_id}/not-reported": {
                "get": op(
                    (
                        "Who has not reported on what in a round: one item for each expected "
                        "actor and action point (lead or partner) with no report in the "
                        "round's window"
                    ),
                    OBJECT,
                    query=[
                        q("sort", {"type": "string", "enum": ["actor", "action_point"]}),
                        *PAGE,
                        q("goal", {"type": "string"}, "Goal number (with a plan)."),
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "working_group",
                            {"type": "string"},
                            "Working group code: actors that are its members.",
                        ),
                        q("status", {"type": "string"}, "A status, or not_reported."),
                        q(
                            "workflow",
                            {"type": "string"},
                            "draft, submitted, validated or returned.",
                        ),
                    ],
                ),
            },
            "/rounds/{round_id}/remind": {
                "post": op(
                    (
                        "Remind every actor that has not reported in an open round, or one "
                        "(Secretariat). Recorded and audited; e-mail follows with "
                        "notifications"
                    ),
                    OBJECT,
                    body={
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"actor": {"type": "string", "maxLength": 20}},
                    },
                    body_required=False,
                    status=201,
                ),
            },
            "/rounds/{round_id}/close": {
                "post": op("Close a round (Secretariat)", "Round", errors=(400, 413, 415, 422)),
            },
            "/plans/{code_or_id}/import": {
                "post": op(
                    "Import goals, action points and activities from a file (Secretariat only)",
                    "ImportResult",
                    query=[q("dry_run", {"type": "boolean"})],
                    description=(
                        "Multipart form data with the file in field `file` (.csv, .xlsx or "
                        ".yaml, at most 5 MB; see README for the columns). The whole file is "
                        "checked first: any problem gives 422 with every problem, by row and "
                        "column, in error.errors, and nothing is written. `?dry_run=true` "
                        "reports what would change and writes nothing. Rows are keyed by plan "
                        "and code, so a second import of the same file changes nothing."
                    ),
                    files={
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    },
                ),
            },
            "/plans/{code_or_id}/export": {
                "get": op(
                    (
                        "The plan's goals, action points and activities as a file that "
                        "imports back unchanged"
                    ),
                    query=[q("format", {"enum": ["csv", "xlsx", "yaml"]})],
                ),
            },
            "/plans/{code_or_id}/goals": {
                "post": op(
                    "Add a priority goal (Secretariat only)",
                    "Goal",
                    body=form(GoalForm, exclude={"version"}, required={"number"}),
                    status=201,
                    errors=(409,),
                ),
            },
            "/action-points/{action_point_id}/activities": {
                "post": op(
                    "Add an activity (Secretariat only)",
                    "Activity",
                    body=form(ActivityForm, exclude={"version"}),
                    status=201,
                    errors=(409,),
                ),
            },
            "/action-points/{action_point_id}/continuations": {
                "post": op(
                    (
                        "Link an action point to one of a later plan that continues it "
                        "(Secretariat only)"
                    ),
                    "ActionPoint",
                    body=form(ContinuationForm, required={"continued_in"}),
                    status=201,
                    errors=(409,),
                ),
            },
            "/action-points/{action_point_id}/continuations/{successor_id}": {
                "delete": op(
                    "Remove a continuation link (Secretariat only)", "ActionPoint", errors=(422,)
                ),
            },
            "/{kind}/{record_id}/retire": {
                "post": op(
                    "Retire a record: hidden from lists, kept with its history (Secretariat only)",
                    "Retirable",
                ),
            },
            "/{kind}/{record_id}/restore": {
                "post": op("Bring a retired record back (Secretariat only)", "Retirable"),
            },
            "/working-groups": {
                "get": op(
                    "Working groups with their members (retired ones too)", items_of("WorkingGroup")
                ),
                "post": op(
                    "Add a working group (Secretariat only)",
                    "WorkingGroup",
                    body=form(WorkingGroupForm, exclude={"version"}),
                    status=201,
                    errors=(404, 409),
                ),
            },
            "/working-groups/{group_id}": {
                "patch": op(
                    "Change a working group and its members (Secretariat only)",
                    "WorkingGroup",
                    body=patch(WorkingGroupForm),
                    errors=(409,),
                ),
            },
            "/reference-group": {
                "post": op(
                    "Give an actor a seat in the Reference Group (Secretariat only)",
                    "Seat",
                    body=form(SeatForm, required={"actor"}),
                    status=201,
                    errors=(404, 409),
                ),
            },
            "/reference-group/{seat_id}/end": {
                "post": op(
                    (
                        "End a seat in the Reference Group (it stays, for the record) "
                        "(Secretariat only)"
                    ),
                    "Seat",
                    body=form(EndSeatForm),
                    errors=(409,),
                ),
            },
            "/pledges": {
                "get": op(
                    "List pledges (newest first)",
                    page_of("Pledge"),
                    query=[
                        *PAGE,
                        q("actor", {"type": "string"}, "Actor code."),
                        q(
                            "plan",
                            {"type": "string"},
                            "Plan code, e.g. BP-CFA-2019 (reports: the first plan if omitted).",
                        ),
                        q("goal_id", {"type": "integer"}),
                        q("action_point_id", {"type": "integer"}),
                    ],
                ),
                "post": op(
                    "Pledge (a focal point for its own actor; the Secretariat for anyone)",
                    "PledgeDetail",
                    body=_BODIES["PledgeCreate"],
                    status=201,
                    errors=(404, 409),
                ),
            },
            "/pledges/{pledge_id}": {
                "get": op(
                    "A pledge with its ledger, each entry converted with the rate used",
                    "PledgeDetail",
                ),
                "patch": op(
                    (
                        "Change a pledge's purpose or reference (its money changes through "
                        "ledger entries); a stale version is a 409"
                    ),
                    "PledgeDetail",
                    body=patch(PledgeEditForm),
                    errors=(409,),
                ),
            },
            "/pledges/{pledge_id}/entries": {
                "post": op(
                    "Record a ledger entry (pledged, committed, disbursed)",
                    "PledgeDetail",
                    description=(
                        "A broken ledger rule is a 422 naming the amounts; a concurrent "
                        "writer that changed the pledge first is a 409."
                    ),
                    body=_BODIES["EntryCreate"],
                    status=201,
                    errors=(409,),
                ),
            },
            "/exchange-rates": {
                "get": op(
                    "Exchange rates into the reporting currency",
                    page_of("ExchangeRate"),
                    query=[*PAGE, q("currency", {"type": "string"})],
                ),
                "post": op(
                    "Add (or replace the same day's) rate (Secretariat only)",
                    "ExchangeRate",
                    body=_BODIES["ExchangeRateCreate"],
                    status=201,
                    errors=(404, 409),
                ),
            },
            "/action-points/{action_point_id}/funding-need": {
                "put": op(
                    "Set or clear an action point's estimated budget (Secretariat only)",
                    {
                        "type": "object",
                        "properties": {
                            "budget": {
                                "oneOf": [{"$ref": "#/components/schemas/Money"}, {"type": "null"}]
                            }
                        },
                    },
                    body={
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "budget": {
                                "type": ["object", "null"],
                                "description": "Money; null clears the budget.",
                                "properties": {
                                    "amount": {"type": "string"},
                                    "currency": {"type": "string"},
                                },
                            }
                        },
                    },
                    errors=(409,),
                ),
            },
            "/reports/pledge-matrix": {
                "get": op(
                    "Who funds what: actors x goals in the reporting currency",
                    OBJECT,
                    query=[
                        q(
                            "plan",
                            {"type": "string"},
                            "Plan code, e.g. BP-CFA-2019 (reports: the first plan if omitted).",
                        ),
                        q("measure", {"enum": ["pledged", "committed", "disbursed"]}),
                        q("from", {"type": "string", "format": "date"}, "Value dates from."),
                        q("to", {"type": "string", "format": "date"}, "Value dates to."),
                        q("sort", {"type": "string"}, "total, name or goal:<id>."),
                    ],
                ),
            },
            "/reports/funding": {
                "get": op(
                    "Needs, committed, gap and coverage per action point, goal and plan",
                    OBJECT,
                    query=[
                        q(
                            "plan",
                            {"type": "string"},
                            "Plan code, e.g. BP-CFA-2019 (reports: the first plan if omitted).",
                        ),
                        q("as_of", {"type": "string", "format": "date"}),
                    ],
                ),
            },
            "/action-points/{action_point_id}/documents": {
                "get": op(
                    "The documents of an action point",
                    page_of("Document"),
                    query=[*PAGE],
                    description=(
                        "Current documents; the Secretariat also gets retired ones (retired_at)."
                    ),
                ),
                "post": op(
                    "Upload a document (Secretariat only)",
                    "Document",
                    description=(
                        "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, or UTF-8 text/CSV, at "
                        "most MAX_UPLOAD_BYTES (10 MB by default). The type is detected from "
                        "the content and must agree with the file name's extension; anything "
                        "else is a 422 at `file`."
                    ),
                    files={
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "title": {
                                "type": "string",
                                "maxLength": 200,
                                "description": "Defaults to the file's name.",
                            },
                        },
                    },
                    status=201,
                    location=True,
                    errors=(415,),
                ),
            },
            "/documents/{document_id}": {
                "get": op(
                    "A document",
                    "Document",
                    description="A retired document is a 404 to all but the Secretariat.",
                ),
            },
            "/documents/{document_id}/file": {
                "get": op(
                    "Download a document's file",
                    description=(
                        "Sent as an attachment with its detected type. A retired document is "
                        "a 404 to all but the Secretariat."
                    ),
                    content=["*/*"],
                    errors=(410,),
                ),
            },
            "/documents/{document_id}/retire": {
                "post": op(
                    "Retire a document (Secretariat only)",
                    "Document",
                    description="It leaves the action point's list and stays on record. No body.",
                    errors=(409,),
                ),
            },
            "/audit-events": {
                "get": op(
                    "The audit trail, newest first (Secretariat only)",
                    page_of("AuditEvent"),
                    query=[
                        *PAGE,
                        q("user", {"type": "string"}, "The acting user's email."),
                        q("object_type", {"type": "string"}, "Kind of record (a table name)."),
                        q("object_id", {"type": "integer", "minimum": 1}, "Needs object_type."),
                        q("action", {"type": "string"}, "e.g. create, update, retire, denied."),
                        q("from", {"type": "string", "format": "date"}, "From this UTC day."),
                        q("to", {"type": "string", "format": "date"}, "To this UTC day, included."),
                    ],
                    description=(
                        "Filters combine; a filter that cannot be applied (an unknown email, "
                        "`to` before `from`, a bad date) is a 400 with error.fields naming "
                        "it."
                    ),
                ),
            },
            "/me": {
                "get": op("The account the token belongs to", "User"),
            },
            "/tokens": {
                "get": op(
                    "Your own API tokens, revoked ones too, newest first",
                    page_of("Token"),
                    query=[*PAGE],
                    description=(
                        "Tokens are created on the API tokens page or with `tracker token "
                        "create`, never through the API: a leaked token cannot mint others."
                    ),
                ),
            },
            "/tokens/{token_id}/revoke": {
                "post": op("Revoke one of your own tokens (it may be the one you send)", "Token"),
            },
            "/users": {
                "get": op("List user accounts (Secretariat only)", page_of("User"), query=[*PAGE]),
                "post": op(
                    "Create a user account (Secretariat only)",
                    "User",
                    body=form(NewUserForm, required={"email", "role", "password"}),
                    status=201,
                    location=True,
                ),
            },
            "/users/invitations": {
                "post": op(
                    "Invite someone by email (Secretariat only)",
                    "User",
                    description=(
                        "Makes the account, without a password, and mails its person a link "
                        "to choose one (single use; INVITATION_LINK_HOURS, 72 by default). "
                        "The link is not in the answer: it is the invitee's credential. 503 "
                        "when BASE_URL is not set in production."
                    ),
                    body=form(InviteForm, required={"email", "role"}),
                    status=201,
                    location=True,
                    errors=(503,),
                ),
            },
            "/users/{user_id}": {
                "get": op("A user account (Secretariat only)", "User"),
                "patch": op(
                    "Change a user account, deactivate it or set its password (Secretariat only)",
                    "User",
                    body=form(
                        UserForm, exclude={"loaded"}, partial=True, extra={"password": _PASSWORD}
                    ),
                ),
            },
            "/users/{user_id}/hand-over": {
                "post": op(
                    "Hand a departing focal point's open work to a successor (Secretariat only)",
                    "HandOverResult",
                    description=(
                        "Moves the person's draft and returned updates and the pledges they "
                        "made that are not yet disbursed in full (of their actor) to the "
                        "successor, who carries them on; their author stays in the history. "
                        "Follow-ups belong to actors, not people, and do not move. The "
                        "departing account is deactivated: its sessions, API tokens and "
                        "calendar feed end. A successor of another actor, a deactivated one, "
                        "one who is not a focal point or member, or the person themselves is "
                        "a 422 naming `successor`, and nothing changes."
                    ),
                    body=form(HandOverForm, required={"successor"}),
                ),
            },
            "/notifications": {
                "get": op(
                    "Your notifications, newest first",
                    page_of("Notification"),
                    query=[
                        *PAGE,
                        q(
                            "unread",
                            {"type": "boolean", "default": False},
                            "true: only the unread ones.",
                        ),
                    ],
                ),
            },
            "/notifications/{notification_id}/read": {
                "post": op("Mark one of your notifications read", "Notification"),
            },
            "/notifications/read": {
                "post": op(
                    "Mark all your notifications read",
                    {"type": "object", "properties": {"marked": {"type": "integer", "minimum": 0}}},
                ),
            },
            "/me/notification-settings": {
                "get": op("How your notifications come by mail", "NotificationSettings"),
                "put": op(
                    "Choose how your notifications come by mail",
                    "NotificationSettings",
                    body=form(NotificationSettingsForm, required={"delivery"}),
                ),
            },
            "/meetings": {
                "get": op(
                    "List meetings (upcoming first when when=upcoming; else newest first)",
                    page_of("MeetingSummary"),
                    query=[
                        *PAGE,
                        q(
                            "kind",
                            {
                                "enum": [
                                    "ministerial_conference",
                                    "senior_officials_meeting",
                                    "reference_group",
                                    "working_group",
                                    "joint_working_group",
                                    "thematic",
                                ]
                            },
                        ),
                        q("series", {"type": "string"}),
                        q("when", {"enum": ["upcoming", "past"]}),
                    ],
                ),
                "post": op(
                    (
                        "Create a meeting; open follow-ups of its series join its agenda "
                        "(Secretariat only)"
                    ),
                    "Meeting",
                    body=form(MeetingForm, exclude={"version"}),
                    status=201,
                    errors=(404, 409),
                ),
            },
            "/meetings/{meeting_id}": {
                "get": op(
                    "A meeting: participants, agenda, latest minutes, decisions, follow-ups",
                    "Meeting",
                ),
                "patch": op(
                    "Change a meeting (a stale version is a 409) (Secretariat only)",
                    "Meeting",
                    body=patch(MeetingForm),
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/participants": {
                "post": op(
                    "Invite an actor or record its attendance (Secretariat only)",
                    "Meeting",
                    body=form(ParticipantForm, required={"actor"}),
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/participants/group": {
                "post": op(
                    (
                        "Invite a whole group: its members not yet participants are added "
                        "(Secretariat only)"
                    ),
                    "Meeting",
                    body=form(ParticipantGroupForm, required={"group", "attendance"}),
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/participants/{actor_code}": {
                "delete": op(
                    (
                        "Uninvite an actor, whatever its attendance (the audit trail keeps "
                        "it) (Secretariat only)"
                    ),
                    "Meeting",
                ),
            },
            "/meetings/{meeting_id}/agenda-items": {
                "post": op(
                    "Add an agenda item (Secretariat only)",
                    "Meeting",
                    body=form(AgendaItemForm, required={"title"}),
                    status=201,
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/agenda-items/{item_id}": {
                "patch": op(
                    (
                        "Change an agenda item's title or links, or move it to a position "
                        "(Secretariat only)"
                    ),
                    "Meeting",
                    description=(
                        "Fields left out keep their value; null clears a link. An action "
                        "point or goal of another plan is a 422."
                    ),
                    body=form(AgendaItemChangeForm, partial=True),
                ),
                "delete": op(
                    "Remove an agenda item; the others close up (Secretariat only)",
                    "Meeting",
                    description=(
                        "An item carried over from an open follow-up leaves the agenda only: "
                        "the follow-up is unchanged, and carrying over again puts it back "
                        "while it is open (close or drop the follow-up to keep it off)."
                    ),
                ),
            },
            "/meetings/{meeting_id}/cancel": {
                "post": op(
                    (
                        "Cancel the meeting (kept, marked cancelled; its participants are "
                        "notified) (Secretariat only)"
                    ),
                    "Meeting",
                    errors=(400, 409, 413, 415, 422),
                ),
            },
            "/meetings/{meeting_id}/carry-over": {
                "post": op(
                    (
                        "Carry the series' open follow-ups onto the agenda (idempotent) "
                        "(Secretariat only)"
                    ),
                    "Meeting",
                    errors=(400, 409, 413, 415, 422),
                ),
            },
            "/meetings/{meeting_id}/minutes": {
                "post": op(
                    "Record a new version of the minutes (Secretariat only)",
                    "Meeting",
                    body=form(MinutesForm, required={"text"}),
                    status=201,
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/minutes/{version}": {
                "get": op(
                    (
                        "One version of the minutes, with what changed from the one before "
                        "(lines marked + added, - removed, space unchanged, @ a gap)"
                    ),
                    OBJECT,
                ),
            },
            "/meetings/{meeting_id}/attachments": {
                "post": op(
                    "Attach a file to the meeting (Secretariat only)",
                    "Meeting",
                    files={
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    },
                    status=201,
                    errors=(409, 415),
                ),
            },
            "/meetings/{meeting_id}/attachments/{attachment_id}": {
                "get": op("Download an attachment of a meeting", errors=(410,)),
                "delete": op(
                    (
                        "Remove an attachment from the meeting; the stored file is kept "
                        "(Secretariat only)"
                    ),
                    "Meeting",
                ),
            },
            "/meetings/{meeting_id}/decisions": {
                "post": op(
                    "Record a decision (Secretariat only)",
                    "Meeting",
                    body=form(DecisionForm, required={"text"}),
                    status=201,
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/decisions/{decision_id}": {
                "patch": op(
                    (
                        "Correct a decision's text or linked action points (a stale version "
                        "is a 409) (Secretariat only)"
                    ),
                    "Meeting",
                    description=(
                        "Fields left out keep their value. An action point of another plan is "
                        "a 422."
                    ),
                    body=patch(DecisionEditForm),
                    errors=(409,),
                ),
                "delete": op(
                    "Remove a decision recorded by mistake (Secretariat only)",
                    "Meeting",
                    description="A decision with follow-ups is refused (422) "
                    "until they are removed.",
                    errors=(422,),
                ),
            },
            "/meetings/{meeting_id}/follow-ups": {
                "post": op(
                    "Add a follow-up action (owner and due date required) (Secretariat only)",
                    "FollowUp",
                    body=form(FollowUpForm),
                    status=201,
                    errors=(409,),
                ),
            },
            "/meetings/{meeting_id}/brief": {
                "get": op(
                    (
                        "The pre-meeting brief: what changed since the previous meeting of "
                        "the series (JSON, or with format=pdf the printable brief as an "
                        "attachment)"
                    ),
                    OBJECT,
                    query=[q("format", {"enum": ["json", "pdf"]})],
                ),
            },
            "/follow-ups": {
                "get": op(
                    "List follow-up actions (by due date)",
                    page_of("FollowUp"),
                    query=[
                        *PAGE,
                        q("owner", {"type": "string"}, "Actor code."),
                        q("status", {"enum": ["open", "in_progress", "done", "dropped"]}),
                        q("overdue", {"enum": ["true", "false"]}),
                    ],
                ),
            },
            "/follow-ups/{follow_up_id}": {
                "patch": op(
                    (
                        "Correct a follow-up's text, owner or due date (a stale version is a "
                        "409) (Secretariat only)"
                    ),
                    "FollowUp",
                    description=(
                        "Fields left out keep their value. A new due date or owner also adds "
                        "a dated note saying so, its status unchanged."
                    ),
                    body=patch(FollowUpEditForm),
                    errors=(409,),
                ),
                "delete": op(
                    "Remove a follow-up recorded by mistake (Secretariat only)",
                    description=(
                        "Refused (422) once it has notes (a status change, a moved date or "
                        "owner) or was carried onto a later agenda: drop it instead."
                    ),
                    status=204,
                    errors=(422,),
                ),
            },
            "/follow-ups/{follow_up_id}/status": {
                "post": op(
                    (
                        "Change a follow-up's status with a note (its owner actor's focal "
                        "point, or the Secretariat)"
                    ),
                    "FollowUp",
                    body=form(FollowUpStatusForm, required={"status", "note"}),
                    errors=(409,),
                ),
            },
            "/calendar.ics": {
                "get": op(
                    "Upcoming meetings as an iCalendar feed (Bearer token)",
                    content=["text/calendar"],
                ),
            },
            "/calendar/feed": {
                "get": op(
                    "Whether you have a calendar feed address, made when, last used when",
                    "CalendarFeed",
                ),
                "post": op(
                    "Make your secret calendar feed address, replacing any earlier one",
                    "CalendarFeedCreated",
                    description=(
                        "For calendar apps that cannot send a header (Google Calendar, "
                        "Outlook, Apple Calendar): they subscribe to `url`, which is shown "
                        "only in this answer. The token in it reads only that feed, never the "
                        "API. Revoking the API token that made it revokes the feed address "
                        "too."
                    ),
                    status=201,
                    errors=(409,),
                ),
                "delete": op(
                    "Revoke your calendar feed address (nothing to revoke is fine too)", status=204
                ),
            },
            "/reports/progress": {
                "get": op(
                    "The progress report, now or as of a past day",
                    query=[
                        q(
                            "plan",
                            {"type": "string"},
                            "Plan code (default: the newest plan with action points).",
                        ),
                        q(
                            "goal",
                            {"type": "array", "items": {"type": "integer"}},
                            "Priority goal numbers (repeat the parameter).",
                        ),
                        q(
                            "actor",
                            {"type": "array", "items": {"type": "string"}},
                            "Actor codes (repeat the parameter).",
                        ),
                        q("working_group", {"type": "string"}, "A working group's code."),
                        q("from", {"type": "string", "format": "date"}, "Period from."),
                        q("to", {"type": "string", "format": "date"}, "Period to."),
                        q(
                            "as_of",
                            {"type": "string", "format": "date"},
                            "Rebuild the report as it stood at the end of this day (UTC).",
                        ),
                        q("format", {"enum": ["json", "pdf", "xlsx", "csv"], "default": "json"}),
                    ],
                    description=(
                        "JSON is the report's data object; pdf, xlsx and csv (a zip of one "
                        "UTF-8 CSV per table) come as attachments. A filter naming nothing "
                        "real or a date out of bounds is a 400 with error.fields naming it."
                    ),
                    content=[
                        "application/json",
                        "application/pdf",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "application/zip",
                    ],
                ),
            },
            "/reports/published": {
                "get": op(
                    "Published reports, newest first", page_of("PublishedReport"), query=[*PAGE]
                ),
            },
            "/reports/published/{report_id}": {
                "get": op(
                    "A published report: its round, as-of day, and each file's SHA-256",
                    "PublishedReport",
                ),
            },
            "/reports/published/{report_id}/{fmt}": {
                "get": op(
                    "Download a published report's file, byte for byte as published",
                    description=(
                        "A stored file whose bytes no longer match its SHA-256 is a 410, "
                        "never the changed bytes."
                    ),
                    content=[
                        "application/pdf",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "application/zip",
                        "application/json",
                    ],
                    errors=(410,),
                ),
            },
            "/rounds/{round_id}/publish": {
                "post": op(
                    "Publish the round's progress report (Secretariat only)",
                    "PublishedReport",
                    description=(
                        "Builds the plan's report over the round's period, as of its deadline "
                        'if that has passed (else today), marked "Published for <round>", and '
                        "keeps it as PDF, XLSX, CSV zip and JSON for good. No body. Once per "
                        "round: a second time is a 409 whose error.published_report is the "
                        "one published."
                    ),
                    status=201,
                    errors=(409,),
                ),
            },
            "/reports/compare": {
                "get": op(
                    "What changed between two published reports, or one and now",
                    "ReportComparison",
                    query=[
                        q("from", {"type": "integer", "minimum": 1}, "A published report id."),
                        q(
                            "to",
                            {
                                "oneOf": [{"type": "integer", "minimum": 1}, {"const": "now"}],
                                "default": "now",
                            },
                            "Another published report's id, or now.",
                        ),
                    ],
                    description=(
                        "Per action point: status, percent, funding (need, pledged, "
                        "committed, disbursed) and each actor's narrative; plan and goal "
                        "percents; action points added and removed. Both reports must be of "
                        "one plan."
                    ),
                    errors=(410,),
                ),
            },
        }
    )


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
                    "content": {"application/json": {"schema": _ref("Error")}},
                }
                for status, description in _ERROR_DESCRIPTIONS.items()
            },
            "schemas": _response_schemas(),
        },
    }
