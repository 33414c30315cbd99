"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Kept by hand beside the views; tests/test_api.py fails when a route is missing from it.
"""

from flask import current_app

from tracker.db import MAX_ID
from tracker.money import MAX_AMOUNT
from tracker.query_args import MAX_PAGE


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, **_json(schema)}


def _page_of(name: str) -> dict:
    return {
        "allOf": [
            _ref("Page"),
            {"type": "object", "properties": {"items": {"type": "array", "items": _ref(name)}}},
        ]
    }


def _errors(*statuses: int) -> dict:
    return {str(status): {"$ref": f"#/components/responses/{status}"} for status in statuses}


def _id_param(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1},
    }


_PAGE_PARAMS = [
    {"$ref": "#/components/parameters/page"},
    {"$ref": "#/components/parameters/per_page"},
]
_READ_ERRORS = (400, 401, 403)
_NULLABLE_STRING = {"type": ["string", "null"]}
_PROVENANCE = {
    "sources": {"type": "array", "items": {"type": "string"}, "description": "Public sources."},
    "source_confidence": {"enum": ["high", "medium", "low", None]},
}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_TIMESTAMP = {"type": "string", "format": "date-time"}

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

_ACTION_POINT_INPUT_PROPERTIES = {
    "goal_id": {"type": "integer", "description": "A priority goal of the plan."},
    "code": {"type": "string", "maxLength": 20, "examples": ["17", "3.4"]},
    "title": {"type": "string", "maxLength": 300},
    "description": {"type": ["string", "null"], "maxLength": 20000},
    "lead_actor": {"type": ["string", "null"], "description": "Actor code, e.g. HU."},
    "partners": {"type": "array", "items": {"type": "string"}, "description": "Actor codes."},
    "target_on": _NULLABLE_DATE,
}

_SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "examples": ["invalid", "conflict"]},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "current": {"description": "On 409: the record as it is now."},
                },
            }
        },
    },
    "Page": {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array"},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "description": "An exact amount: a string with the currency's ISO 4217 minor digits, "
        f"at most {MAX_AMOUNT:,} either way; a pledge's pledged total too. Responses write it "
        "plainly; a request may also group thousands as people write them (250,000.00, "
        "250.000,00, 250 000), read by the same rule as the pages (tracker/money.py).",
        "properties": {
            "amount": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["1250000.00"]},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["EUR"]},
        },
    },
    "PlanSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "examples": ["BP-CFA-2019"]},
            "title": {"type": "string"},
            "short_title": _NULLABLE_STRING,
            "starts_on": {"type": "string", "format": "date"},
            "ends_on": {"type": "string", "format": "date"},
            "expected_action_points": {"type": ["integer", "null"]},
            "defined_action_points": {"type": "integer"},
            **_PROVENANCE,
        },
    },
    "Plan": {
        "allOf": [
            _ref("PlanSummary"),
            {
                "type": "object",
                "properties": {"goals": {"type": "array", "items": _ref("Goal")}},
            },
        ]
    },
    "Goal": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "plan": {"type": "string", "description": "Plan code (GET /goals/{goal_id} only)."},
            "number": {"type": "integer"},
            "title": {"type": "string"},
            "description": _NULLABLE_STRING,
            **_PROVENANCE,
            "action_points": {"type": "array", "items": _ref("ActionPointBrief")},
        },
    },
    "ActionPointBrief": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "title": {"type": "string"},
            "lead_actor": _NULLABLE_STRING,
            "target_on": _NULLABLE_DATE,
            "version": {"type": "integer"},
        },
    },
    "ActionPointSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "plan": {"type": "string"},
            "goal": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "number": {"type": "integer"}},
            },
            "code": {"type": "string"},
            "title": {"type": "string"},
            "lead_actor": _NULLABLE_STRING,
            "partners": {"type": "array", "items": {"type": "string"}},
            "target_on": _NULLABLE_DATE,
            "version": {"type": "integer"},
        },
    },
    "ActionPoint": {
        "allOf": [
            _ref("ActionPointSummary"),
            {
                "type": "object",
                "properties": {
                    "description": _NULLABLE_STRING,
                    "created_at": _TIMESTAMP,
                    "updated_at": _TIMESTAMP,
                    "activities": {"type": "array", "items": _ref("Activity")},
                },
            },
        ]
    },
    "ActionPointCreate": {
        "type": "object",
        "additionalProperties": False,
        "required": ["goal_id", "code", "title"],
        "properties": _ACTION_POINT_INPUT_PROPERTIES,
    },
    "ActionPointPatch": {
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": {
            **_ACTION_POINT_INPUT_PROPERTIES,
            "version": {"type": "integer", "description": "The version you read and edited."},
        },
    },
    "Activity": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "action_point": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "code": {"type": "string"}},
            },
            "title": {"type": "string"},
            "description": _NULLABLE_STRING,
            "lead_actor": _NULLABLE_STRING,
            "starts_on": _NULLABLE_DATE,
            "ends_on": _NULLABLE_DATE,
            "budget": {"oneOf": [_ref("Money"), {"type": "null"}]},
            "version": {"type": "integer"},
            "created_at": _TIMESTAMP,
        },
    },
    "Actor": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "examples": ["HU"]},
            "name": {"type": "string"},
            "kind": {"enum": ["participating_state", "observer_state", "organisation"]},
            "region": _NULLABLE_STRING,
            "note": _NULLABLE_STRING,
            **_PROVENANCE,
        },
    },
}

_PATHS = {
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": _ok("OpenAPI 3.1 document", {"type": "object"})},
        }
    },
    "/plans": {
        "get": {
            "summary": "List plans",
            "parameters": _PAGE_PARAMS,
            "responses": {
                "200": _ok("A page of plans", _page_of("PlanSummary")),
                **_errors(*_READ_ERRORS),
            },
        }
    },
    "/plans/{code_or_id}": {
        "get": {
            "summary": "A plan with its goals and action points",
            "parameters": [
                {
                    "name": "code_or_id",
                    "in": "path",
                    "required": True,
                    "description": "The plan's id or its code, e.g. BP-CFA-2019.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {"200": _ok("The plan", _ref("Plan")), **_errors(401, 403, 404)},
        }
    },
    "/goals/{goal_id}": {
        "get": {
            "summary": "A priority goal with its action points",
            "parameters": [_id_param("goal_id", "Goal id")],
            "responses": {"200": _ok("The goal", _ref("Goal")), **_errors(401, 403, 404)},
        }
    },
    "/action-points": {
        "get": {
            "summary": "List action points",
            "parameters": [
                *_PAGE_PARAMS,
                {
                    "name": "plan",
                    "in": "query",
                    "description": "Only this plan's (code or id).",
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": _ok("A page of action points", _page_of("ActionPointSummary")),
                **_errors(*_READ_ERRORS),
            },
        },
        "post": {
            "summary": "Create an action point (Secretariat only)",
            "requestBody": {"required": True, **_json(_ref("ActionPointCreate"))},
            "responses": {
                "201": {
                    "description": "Created; Location gives its URL.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    **_json(_ref("ActionPoint")),
                },
                **_errors(400, 401, 403, 413, 415, 422),
            },
        },
    },
    "/action-points/{action_point_id}": {
        "get": {
            "summary": "An action point with its partners and activities",
            "parameters": [_id_param("action_point_id", "Action point id")],
            "responses": {
                "200": _ok("The action point", _ref("ActionPoint")),
                **_errors(401, 403, 404),
            },
        },
        "patch": {
            "summary": "Change some fields of an action point (Secretariat only)",
            "description": "Send the `version` you read: if the record changed since, the "
            "answer is 409 with the current record in error.current, and nothing is changed.",
            "parameters": [_id_param("action_point_id", "Action point id")],
            "requestBody": {"required": True, **_json(_ref("ActionPointPatch"))},
            "responses": {
                "200": _ok("The changed action point", _ref("ActionPoint")),
                **_errors(400, 401, 403, 404, 409, 413, 415, 422),
            },
        },
    },
    "/activities/{activity_id}": {
        "get": {
            "summary": "An activity, with its budget as Money",
            "parameters": [_id_param("activity_id", "Activity id")],
            "responses": {"200": _ok("The activity", _ref("Activity")), **_errors(401, 403, 404)},
        }
    },
    "/actors": {
        "get": {
            "summary": "List states and organisations",
            "parameters": [
                *_PAGE_PARAMS,
                {
                    "name": "kind",
                    "in": "query",
                    "schema": {"enum": ["participating_state", "observer_state", "organisation"]},
                },
            ],
            "responses": {
                "200": _ok("A page of actors", _page_of("Actor")),
                **_errors(*_READ_ERRORS),
            },
        }
    },
    "/actors/{actor_id}": {
        "get": {
            "summary": "A state or organisation",
            "parameters": [_id_param("actor_id", "Actor id")],
            "responses": {"200": _ok("The actor", _ref("Actor")), **_errors(401, 403, 404)},
        }
    },
}

_STATUS = {
    "enum": [
        "not_started",
        "planned",
        "in_progress",
        "ongoing",
        "completed",
        "on_hold",
        "discontinued",
    ]
}
_WORKFLOW = {"enum": ["draft", "submitted", "validated", "returned"]}
_UPDATE_INPUT = {
    "actor": {"type": "string", "description": "Actor code; defaults to your own actor."},
    "activity_id": {"type": ["string", "null"], "description": "An activity of the action point."},
    "status": _STATUS,
    "percent": {
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": 100,
        "description": "Omit for the status's default (0, 5, 50, 50, 100; on hold and "
        "discontinued keep the last validated percent).",
    },
    "reported_on": {
        "type": "string",
        "format": "date",
        "description": "Not in the future, not before the plan starts.",
    },
    "narrative": {"type": ["string", "null"], "maxLength": 20000, "description": "Markdown."},
    "evidence_links": {
        "type": "array",
        "maxItems": 20,
        "items": {"type": "string", "format": "uri", "pattern": "^https?://"},
    },
}
_FILTER_PARAMS = [
    {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}
    for name, description in [
        ("goal", "Goal number (with a plan)."),
        ("actor", "Actor code."),
        ("working_group", "Working group code: actors that are its members."),
        ("status", "A status, or not_reported."),
        ("workflow", "draft, submitted, validated or returned."),
    ]
]
_LATEST = {
    "type": ["object", "null"],
    "properties": {
        "update_id": {"type": "integer"},
        "status": _STATUS,
        "percent": {"type": "integer"},
        "reported_on": {"type": "string", "format": "date"},
        "validated_at": _TIMESTAMP,
    },
}
_ROLLUP = {
    "percent": {"type": "number", "description": "Weighted mean of the action points' percents."},
    "action_points": {"type": "integer"},
    "stale": {"type": "integer"},
    "counts": {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "description": "Action points per overall status (not_reported: none validated).",
    },
}
_SCHEMAS.update(
    {
        "Update": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "action_point": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "code": {"type": "string"},
                        "plan": {"type": "string"},
                    },
                },
                "activity_id": {"type": ["integer", "null"]},
                "actor": {"type": "string"},
                "status": _STATUS,
                "percent": {"type": "integer"},
                "narrative": _NULLABLE_STRING,
                "evidence_links": {"type": "array", "items": {"type": "string"}},
                "reported_on": {"type": "string", "format": "date"},
                "workflow": _WORKFLOW,
                "return_reason": _NULLABLE_STRING,
                "created_at": _TIMESTAMP,
                "updated_at": _TIMESTAMP,
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "validated_at": {"type": ["string", "null"], "format": "date-time"},
                "version": {"type": "integer"},
            },
        },
        "UpdateCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["action_point_id", "status", "reported_on"],
            "properties": {
                "action_point_id": {"type": "integer"},
                **_UPDATE_INPUT,
                "submit": {"type": "boolean", "description": "Submit at once (default: a draft)."},
            },
        },
        "UpdatePatch": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version"],
            "properties": {
                **{k: v for k, v in _UPDATE_INPUT.items() if k != "actor"},
                "version": {"type": "integer"},
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
        "Round": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "plan": {"type": "string"},
                "title": {"type": "string"},
                "opens_on": {"type": "string", "format": "date"},
                "deadline": {"type": "string", "format": "date"},
                "closed_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
    }
)


def _update_step(summary: str, body: dict | None = None) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [_id_param("update_id", "Update id")],
            "requestBody": {"required": False, **_json(body or _ref("Step"))},
            "responses": {
                "200": _ok("The update", _ref("Update")),
                **_errors(400, 401, 403, 404, 409, 415, 422),
            },
        }
    }


_PLAN_PARAM = {
    "name": "code_or_id",
    "in": "path",
    "required": True,
    "description": "Plan code or id",
    "schema": {"type": "string"},
}
_WRITE_ERRORS = (400, 401, 403, 404, 413, 415, 422)

_PATHS.update(
    {
        "/updates": {
            "get": {
                "summary": "List the progress updates you may read (validated ones, and your "
                "actor's drafts, submitted and returned ones), newest change first",
                "parameters": [
                    *_PAGE_PARAMS,
                    *_FILTER_PARAMS,
                    {"name": "plan", "in": "query", "schema": {"type": "string"}},
                    {"name": "action_point", "in": "query", "schema": {"type": "integer"}},
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {"type": "string", "format": "date"},
                        "description": "Only updates changed on or after this date.",
                    },
                ],
                "responses": {
                    "200": _ok("A page of updates", _page_of("Update")),
                    **_errors(*_READ_ERRORS, 404),
                },
            },
            "post": {
                "summary": "Report progress on an action point for an actor (draft, or submitted "
                "with submit: true). Focal points and members: their own actor only.",
                "requestBody": {"required": True, **_json(_ref("UpdateCreate"))},
                "responses": {
                    "201": {
                        "description": "Created; Location gives its URL.",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        **_json(_ref("Update")),
                    },
                    **_errors(*_WRITE_ERRORS),
                },
            },
        },
        "/updates/{update_id}": {
            "get": {
                "summary": "An update (404 if it is another actor's draft, submitted or returned)",
                "parameters": [_id_param("update_id", "Update id")],
                "responses": {"200": _ok("The update", _ref("Update")), **_errors(401, 403, 404)},
            },
            "patch": {
                "summary": "Edit a draft or returned update, at the version you read (else 409)",
                "parameters": [_id_param("update_id", "Update id")],
                "requestBody": {"required": True, **_json(_ref("UpdatePatch"))},
                "responses": {
                    "200": _ok("The update", _ref("Update")),
                    **_errors(*_WRITE_ERRORS, 409),
                },
            },
        },
        "/updates/{update_id}/submit": _update_step("Submit a draft or returned update for review"),
        "/updates/{update_id}/withdraw": _update_step(
            "Withdraw a submitted update to draft before it is reviewed (409 in another state)"
        ),
        "/updates/{update_id}/validate": _update_step(
            "Validate a submitted update (Secretariat); the action point's status follows"
        ),
        "/updates/{update_id}/return": _update_step(
            "Return a submitted update to its reporter with a reason (Secretariat)",
            {
                "type": "object",
                "required": ["reason"],
                "additionalProperties": False,
                "properties": {
                    "reason": {"type": "string", "maxLength": 5000},
                    "version": {"type": "integer"},
                },
            },
        ),
        "/updates/{update_id}/evidence": {
            "post": {
                "summary": "Attach an evidence file to a draft or returned update (size limit; "
                "type "
                "checked by content: PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, text, CSV)",
                "parameters": [_id_param("update_id", "Update id")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                },
                "responses": {
                    "201": _ok("The evidence file", {"type": "object"}),
                    **_errors(400, 401, 403, 404, 413, 422),
                },
            }
        },
        "/updates/{update_id}/evidence/{evidence_id}": {
            "get": {
                "summary": "Download an evidence file (as an attachment), if you may read "
                "the update",
                "parameters": [
                    _id_param("update_id", "Update id"),
                    _id_param("evidence_id", "Evidence file id"),
                ],
                "responses": {
                    "200": {"description": "The file", "content": {"application/octet-stream": {}}},
                    **_errors(401, 403, 404),
                },
            }
        },
        "/action-points/{action_point_id}/timeline": {
            "get": {
                "summary": "Every event about the action point and the updates on it you may read, "
                "newest first, 100 at a time",
                "parameters": [
                    _id_param("action_point_id", "Action point id"),
                    {
                        "name": "before",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        "description": "next_before of the previous answer.",
                    },
                ],
                "responses": {
                    "200": _ok(
                        "Timeline",
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": {"type": "object"}},
                                "next_before": {"type": ["integer", "null"]},
                            },
                        },
                    ),
                    **_errors(401, 403, 404),
                },
            }
        },
        "/action-points/{action_point_id}/weight": {
            "put": {
                "summary": "Set an action point's weight in the rollups (Secretariat; default 1)",
                "parameters": [_id_param("action_point_id", "Action point id")],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["weight"],
                            "properties": {
                                "weight": {"type": "integer", "minimum": 0, "maximum": 100}
                            },
                        }
                    ),
                },
                "responses": {
                    "200": _ok("The weight", {"type": "object"}),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/plans/{code_or_id}/progress": {
            "get": {
                "summary": "The plan's progress: rollup, per goal, and each action point's overall "
                "status (latest validated update), stale flag and pending submissions",
                "parameters": [_PLAN_PARAM, *_FILTER_PARAMS],
                "responses": {
                    "200": _ok(
                        "Progress",
                        {
                            "type": "object",
                            "properties": {
                                **_ROLLUP,
                                "goals": {"type": "array"},
                                "action_points": {
                                    "type": "array",
                                    "items": {"type": "object", "properties": {"overall": _LATEST}},
                                },
                            },
                        },
                    ),
                    **_errors(*_READ_ERRORS, 404),
                },
            }
        },
        "/plans/{code_or_id}/matrix": {
            "get": {
                "summary": "Actors × action points: each actor's latest validated update and its "
                "pending submissions",
                "parameters": [_PLAN_PARAM, *_FILTER_PARAMS],
                "responses": {
                    "200": _ok("Matrix", {"type": "object"}),
                    **_errors(*_READ_ERRORS, 404),
                },
            }
        },
        "/plans/{code_or_id}/changes": {
            "get": {
                "summary": "What changed since a date: action points with a new overall status, "
                "and the updates changed (newest 100, with the total)",
                "parameters": [
                    _PLAN_PARAM,
                    *_FILTER_PARAMS,
                    {
                        "name": "since",
                        "in": "query",
                        "description": "Default: 30 days ago.",
                        "schema": {"type": "string", "format": "date"},
                    },
                ],
                "responses": {
                    "200": _ok("Changes", {"type": "object"}),
                    **_errors(*_READ_ERRORS, 404),
                },
            }
        },
        "/plans/{code_or_id}/bulk-updates": {
            "post": {
                "summary": "Report on several action points at once; every row is checked and "
                "nothing is saved unless all are right (422 with error.rows by row number)",
                "parameters": [_PLAN_PARAM],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
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
                                            "status": _STATUS,
                                            "percent": {"type": ["integer", "null"]},
                                            "narrative": _NULLABLE_STRING,
                                            "evidence_links": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        }
                    ),
                },
                "responses": {
                    "201": _ok(
                        "The updates made",
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _ref("Update")}},
                        },
                    ),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/my-work": {
            "get": {
                "summary": "What waits on you, each list in the list envelope with its true "
                "total: to_validate (Secretariat, newest first); your actor's returned, waiting "
                "(submitted) and drafts updates; due (action points not yet reported in an open "
                "round, with the round); follow_ups (pending, owned by your actor); validated "
                "(the last 30 days); stale (no validated update lately). A list that does not "
                "apply to you is left out; page and per_page apply to every list.",
                "parameters": _PAGE_PARAMS,
                "responses": {"200": _ok("My work", {"type": "object"}), **_errors(*_READ_ERRORS)},
            }
        },
        "/rounds": {
            "get": {
                "summary": "Reporting rounds",
                "responses": {
                    "200": _ok(
                        "Rounds",
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _ref("Round")}},
                        },
                    ),
                    **_errors(*_READ_ERRORS),
                },
            },
            "post": {
                "summary": "Open a reporting round (Secretariat)",
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["plan", "title", "opens_on", "deadline"],
                            "properties": {
                                "plan": {"type": "string"},
                                "title": {"type": "string", "maxLength": 200},
                                "opens_on": {"type": "string", "format": "date"},
                                "deadline": {"type": "string", "format": "date"},
                            },
                        }
                    ),
                },
                "responses": {"201": _ok("The round", _ref("Round")), **_errors(*_WRITE_ERRORS)},
            },
        },
        "/rounds/{round_id}": {
            "get": {
                "summary": "Who has reported in a round: each expected actor's action points and "
                "what it reported (validated, submitted, returned)",
                "parameters": [_id_param("round_id", "Round id"), *_FILTER_PARAMS],
                "responses": {
                    "200": _ok("The round", _ref("Round")),
                    **_errors(*_READ_ERRORS, 404),
                },
            }
        },
        "/rounds/{round_id}/not-reported": {
            "get": {
                "summary": "Who has not reported on what in a round: one item for each expected "
                "actor and action point (lead or partner) with no report in the round's window",
                "parameters": [
                    _id_param("round_id", "Round id"),
                    {
                        "name": "sort",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["actor", "action_point"]},
                    },
                    *_PAGE_PARAMS,
                    *_FILTER_PARAMS,
                ],
                "responses": {
                    "200": _ok("Who has not reported", {"type": "object"}),
                    **_errors(*_READ_ERRORS, 404),
                },
            }
        },
        "/rounds/{round_id}/remind": {
            "post": {
                "summary": "Remind every actor that has not reported in an open round, or one "
                "(Secretariat). Recorded and audited; e-mail follows with notifications",
                "parameters": [_id_param("round_id", "Round id")],
                "requestBody": {
                    "required": False,
                    **_json(
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"actor": {"type": "string", "maxLength": 20}},
                        }
                    ),
                },
                "responses": {
                    "201": _ok("The reminders recorded", {"type": "object"}),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/rounds/{round_id}/close": {
            "post": {
                "summary": "Close a round (Secretariat)",
                "parameters": [_id_param("round_id", "Round id")],
                "responses": {"200": _ok("The round", _ref("Round")), **_errors(*_WRITE_ERRORS)},
            }
        },
    }
)


def _write(
    summary: str,
    schema: str | None,
    answer: str,
    *params: dict,
    status: int = 200,
    errors=(400, 401, 403, 404, 409, 413, 415, 422),
    description: str = "",
) -> dict:
    """A write operation (Secretariat only): JSON body in, a record out."""
    operation: dict = {"summary": f"{summary} (Secretariat only)", "parameters": list(params)}
    if description:
        operation["description"] = description
    if schema:
        operation["requestBody"] = {"required": True, **_json(_ref(schema))}
    operation["responses"] = {str(status): _ok(summary, _ref(answer)), **_errors(*errors)}
    return operation


def _object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    return {**schema, "required": list(required)} if required else schema


_VERSION = {"version": {"type": "integer", "description": "The version you read and edited."}}
_PLAN_PARAM = {
    "name": "code_or_id",
    "in": "path",
    "required": True,
    "description": "The plan's id or its code, e.g. BP-CFA-2019.",
    "schema": {"type": "string"},
}
_GOAL_INPUT = {
    "number": {"type": "integer", "minimum": 1, "maximum": 99},
    "title": {"type": "string", "maxLength": 300},
    "description": {"type": ["string", "null"], "maxLength": 20000},
}
_ACTIVITY_INPUT = {
    "code": {"type": ["string", "null"], "description": "Unique in the action point; empty: A<n>."},
    "title": {"type": "string", "maxLength": 300},
    "description": {"type": ["string", "null"], "maxLength": 20000},
    "lead_actor": {"type": ["string", "null"], "description": "Actor code."},
    "starts_on": _NULLABLE_DATE,
    "ends_on": _NULLABLE_DATE,
    "budget_amount": {"type": ["string", "null"], "examples": ["1250000.00"]},
    "budget_currency": {"type": ["string", "null"], "examples": ["EUR"]},
}
_ACTOR_INPUT = {
    "kind": {"enum": ["participating_state", "observer_state", "organisation"]},
    "code": {"type": "string", "maxLength": 16},
    "name": {"type": "string", "maxLength": 200},
    "region": _NULLABLE_STRING,
    "note": _NULLABLE_STRING,
}
_GROUP_INPUT = {
    "code": {"type": "string", "maxLength": 16},
    "name": {"type": "string", "maxLength": 200},
    "chair": {"type": ["string", "null"], "description": "Actor code."},
    "note": _NULLABLE_STRING,
    "members": {"type": "array", "items": {"type": "string"}, "description": "Actor codes."},
}
_SCHEMAS.update(
    {
        "GoalCreate": _object(_GOAL_INPUT, ("number", "title")),
        "GoalPatch": _object({**_GOAL_INPUT, **_VERSION}, ("version",)),
        "ActivityCreate": _object(_ACTIVITY_INPUT, ("title",)),
        "ActivityPatch": _object({**_ACTIVITY_INPUT, **_VERSION}, ("version",)),
        "ActorCreate": _object(_ACTOR_INPUT, ("kind", "code", "name")),
        "ActorPatch": _object({**_ACTOR_INPUT, **_VERSION}, ("version",)),
        "WorkingGroupCreate": _object(_GROUP_INPUT, ("code", "name")),
        "WorkingGroupPatch": _object({**_GROUP_INPUT, **_VERSION}, ("version",)),
        "WorkingGroup": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                **_GROUP_INPUT,
                **_VERSION,
                "retired_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "SeatCreate": _object(
            {"actor": {"type": "string"}, "role": {"type": "string"}, "joined_on": _NULLABLE_DATE},
            ("actor",),
        ),
        "SeatEnd": _object({"left_on": {**_NULLABLE_DATE, "description": "Empty: today."}}),
        "Seat": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "actor": {"type": "string"},
                "role": {"type": "string"},
                "joined_on": _NULLABLE_DATE,
                "left_on": _NULLABLE_DATE,
            },
        },
        "ContinuationCreate": _object(
            {
                "continued_in": {
                    "type": "string",
                    "examples": ["BP-CFA-2025:3"],
                    "description": "The later action point, PLAN:CODE.",
                }
            },
            ("continued_in",),
        ),
        "ImportResult": {
            "type": "object",
            "properties": {
                "plan": {"type": "string"},
                "dry_run": {"type": "boolean"},
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "changes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "examples": [["update action point 17: title 'Old' → 'New'"]],
                },
            },
        },
        "Retirable": {
            "description": "The record, as GET returns it, with retired_at set or "
            "cleared: a Goal, ActionPoint, Activity, Actor or WorkingGroup."
        },
    }
)
_RETIRE_PARAMS = (
    {
        "name": "kind",
        "in": "path",
        "required": True,
        "schema": {"enum": ["goals", "action-points", "activities", "actors", "working-groups"]},
    },
    _id_param("record_id", "The record's id"),
)
_IMPORT_DESCRIPTION = (
    "Multipart form data with the file in field `file` (.csv, .xlsx or .yaml, at most 5 MB; "
    "see README for the columns). The whole file is checked first: any problem gives 422 with "
    "every problem, by row and column, in error.errors, and nothing is written. `?dry_run=true` "
    "reports what would change and writes nothing. Rows are keyed by plan and code, so a "
    "second import of the same file changes nothing."
)
_PATHS.update(
    {
        "/plans/{code_or_id}/import": {
            "post": {
                **_write(
                    "Import goals, action points and activities from a file",
                    None,
                    "ImportResult",
                    _PLAN_PARAM,
                    {"name": "dry_run", "in": "query", "schema": {"type": "boolean"}},
                    errors=(400, 401, 403, 404, 413, 422),
                    description=_IMPORT_DESCRIPTION,
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                },
            }
        },
        "/plans/{code_or_id}/export": {
            "get": {
                "summary": "The plan's goals, action points and activities as a file that "
                "imports back unchanged",
                "parameters": [
                    _PLAN_PARAM,
                    {"name": "format", "in": "query", "schema": {"enum": ["csv", "xlsx", "yaml"]}},
                ],
                "responses": {
                    "200": {"description": "The file (an attachment)."},
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/plans/{code_or_id}/goals": {
            "post": _write("Add a priority goal", "GoalCreate", "Goal", _PLAN_PARAM, status=201)
        },
        "/goals/{goal_id}": {
            **_PATHS["/goals/{goal_id}"],
            "patch": _write(
                "Change a priority goal", "GoalPatch", "Goal", _id_param("goal_id", "Goal id")
            ),
        },
        "/action-points/{action_point_id}/activities": {
            "post": _write(
                "Add an activity",
                "ActivityCreate",
                "Activity",
                _id_param("action_point_id", "Action point id"),
                status=201,
            )
        },
        "/activities/{activity_id}": {
            **_PATHS["/activities/{activity_id}"],
            "patch": _write(
                "Change an activity",
                "ActivityPatch",
                "Activity",
                _id_param("activity_id", "Activity id"),
            ),
        },
        "/action-points/{action_point_id}/continuations": {
            "post": _write(
                "Link an action point to one of a later plan that continues it",
                "ContinuationCreate",
                "ActionPoint",
                _id_param("action_point_id", "Action point id"),
                status=201,
            )
        },
        "/action-points/{action_point_id}/continuations/{successor_id}": {
            "delete": _write(
                "Remove a continuation link",
                None,
                "ActionPoint",
                _id_param("action_point_id", "Action point id"),
                _id_param("successor_id", "The later action point's id"),
                errors=(401, 403, 404, 422),
            )
        },
        "/{kind}/{record_id}/retire": {
            "post": _write(
                "Retire a record: hidden from lists, kept with its history",
                None,
                "Retirable",
                *_RETIRE_PARAMS,
                errors=(401, 403, 404),
            )
        },
        "/{kind}/{record_id}/restore": {
            "post": _write(
                "Bring a retired record back",
                None,
                "Retirable",
                *_RETIRE_PARAMS,
                errors=(401, 403, 404),
            )
        },
        "/actors": {
            **_PATHS["/actors"],
            "post": _write("Add a state or organisation", "ActorCreate", "Actor", status=201),
        },
        "/actors/{actor_id}": {
            **_PATHS["/actors/{actor_id}"],
            "patch": _write(
                "Change an actor", "ActorPatch", "Actor", _id_param("actor_id", "Actor id")
            ),
        },
        "/working-groups": {
            "get": {
                "summary": "Working groups with their members (retired ones too)",
                "responses": {
                    "200": _ok(
                        "The working groups",
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": _ref("WorkingGroup")}
                            },
                        },
                    ),
                    **_errors(401, 403),
                },
            },
            "post": _write("Add a working group", "WorkingGroupCreate", "WorkingGroup", status=201),
        },
        "/working-groups/{group_id}": {
            "patch": _write(
                "Change a working group and its members",
                "WorkingGroupPatch",
                "WorkingGroup",
                _id_param("group_id", "Working group id"),
            ),
        },
        "/reference-group": {
            "post": _write(
                "Give an actor a seat in the Reference Group", "SeatCreate", "Seat", status=201
            ),
        },
        "/reference-group/{seat_id}/end": {
            "post": _write(
                "End a seat in the Reference Group (it stays, for the record)",
                "SeatEnd",
                "Seat",
                _id_param("seat_id", "Seat id"),
            ),
        },
    }
)

_MONEY_OR_NULL = {"oneOf": [_ref("Money"), {"type": "null"}]}
_TOTALS = {
    "type": "object",
    "description": "Sums in the reporting currency. Entries with no rate on or before their value "
    "date are left out (never guessed) and counted; `complete` is false then.",
    "properties": {
        "pledged": _ref("Money"),
        "committed": _ref("Money"),
        "disbursed": _ref("Money"),
        "complete": {"type": "boolean"},
        "entries_without_rate": {"type": "integer"},
        "currencies_without_rate": {"type": "array", "items": {"type": "string"}},
    },
}
_NEED = {
    "type": "object",
    "properties": {
        "id": {"type": ["integer", "null"]},
        "label": {"type": "string"},
        "need": _MONEY_OR_NULL,
        "budgets_without_rate": {"type": "integer"},
        "committed": _ref("Totals"),
        "gap": _MONEY_OR_NULL,
        "coverage_percent": {"type": ["string", "null"], "examples": ["25.0"]},
    },
}
_SCHEMAS.update(
    {
        "Totals": _TOTALS,
        "Pledge": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "actor": {"type": "string"},
                "plan": {"type": "string"},
                "target": {
                    "type": "object",
                    "properties": {
                        "kind": {"enum": ["plan", "goal", "action_point", "activity"]},
                        "id": {"type": "integer"},
                        "label": {"type": "string"},
                    },
                },
                "currency": {"type": "string"},
                "pledged_on": {"type": "string", "format": "date"},
                "purpose": {"type": "string"},
                "reference": _NULLABLE_STRING,
                "pledged": _ref("Money"),
                "committed": _ref("Money"),
                "disbursed": _ref("Money"),
                "version": {"type": "integer"},
            },
        },
        "LedgerEntry": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"enum": ["pledged", "committed", "disbursed"]},
                "amount": _ref("Money"),
                "value_date": {"type": "string", "format": "date"},
                "reason": _NULLABLE_STRING,
                "rate": {
                    "type": ["string", "null"],
                    "description": "Reporting currency per unit, the latest rate on or before "
                    "the value date; null: no rate.",
                },
                "rate_date": _NULLABLE_DATE,
                "converted": _MONEY_OR_NULL,
                "recorded_by": {"type": "string"},
                "recorded_at": _TIMESTAMP,
            },
        },
        "PledgeDetail": {
            "allOf": [
                _ref("Pledge"),
                {
                    "type": "object",
                    "properties": {
                        "entries": {"type": "array", "items": _ref("LedgerEntry")},
                        "in_reporting_currency": _ref("Totals"),
                    },
                },
            ]
        },
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
                "amount": _ref("Money"),
                "pledged_on": {"type": "string", "format": "date"},
                "purpose": {"type": "string", "maxLength": 500},
                "reference": {"type": ["string", "null"], "maxLength": 100},
            },
        },
        "PledgePatch": _object(
            {
                **_VERSION,
                "purpose": {"type": "string", "maxLength": 500},
                "reference": {"type": ["string", "null"], "maxLength": 100},
            },
            ("version",),
        ),
        "EntryCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "amount", "value_date"],
            "description": "A negative amount is a reduction or cancellation and needs a reason. "
            "Rules: 0 <= disbursed <= committed <= pledged.",
            "properties": {
                "kind": {"enum": ["pledged", "committed", "disbursed"]},
                "amount": _ref("Money"),
                "value_date": {"type": "string", "format": "date"},
                "reason": {"type": ["string", "null"], "maxLength": 500},
            },
        },
        "ExchangeRate": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "currency": {"type": "string"},
                "reporting_currency": {"type": "string"},
                "rate": {"type": "string", "description": "Reporting currency per unit."},
                "valid_on": {"type": "string", "format": "date"},
                "source": _NULLABLE_STRING,
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
        "FundingNeed": _NEED,
    }
)


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


_WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)
_PLAN_QUERY = _query(
    "plan", {"type": "string"}, "Plan code, e.g. BP-CFA-2019 (reports: the first plan if omitted)."
)
_PATHS.update(
    {
        "/pledges": {
            "get": {
                "summary": "List pledges (newest first)",
                "parameters": [
                    *_PAGE_PARAMS,
                    _query("actor", {"type": "string"}, "Actor code."),
                    _PLAN_QUERY,
                    _query("goal_id", {"type": "integer"}),
                    _query("action_point_id", {"type": "integer"}),
                ],
                "responses": {
                    "200": _ok("A page of pledges", _page_of("Pledge")),
                    **_errors(*_READ_ERRORS),
                },
            },
            "post": {
                "summary": "Pledge (a focal point for its own actor; the Secretariat for anyone)",
                "requestBody": {"required": True, **_json(_ref("PledgeCreate"))},
                "responses": {
                    "201": _ok("The new pledge", _ref("PledgeDetail")),
                    **_errors(*_WRITE_ERRORS),
                },
            },
        },
        "/pledges/{pledge_id}": {
            "get": {
                "summary": "A pledge with its ledger, each entry converted with the rate used",
                "parameters": [_id_param("pledge_id", "Pledge id")],
                "responses": {
                    "200": _ok("The pledge", _ref("PledgeDetail")),
                    **_errors(401, 403, 404),
                },
            },
            "patch": {
                "summary": "Change a pledge's purpose or reference (its money changes through "
                "ledger entries); a stale version is a 409",
                "parameters": [_id_param("pledge_id", "Pledge id")],
                "requestBody": {"required": True, **_json(_ref("PledgePatch"))},
                "responses": {
                    "200": _ok("The pledge", _ref("PledgeDetail")),
                    **_errors(*_WRITE_ERRORS),
                },
            },
        },
        "/pledges/{pledge_id}/entries": {
            "post": {
                "summary": "Record a ledger entry (pledged, committed, disbursed)",
                "description": "A broken ledger rule is a 422 naming the amounts; a concurrent "
                "writer that changed the pledge first is a 409.",
                "parameters": [_id_param("pledge_id", "Pledge id")],
                "requestBody": {"required": True, **_json(_ref("EntryCreate"))},
                "responses": {
                    "201": _ok("The pledge with the new entry", _ref("PledgeDetail")),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/exchange-rates": {
            "get": {
                "summary": "Exchange rates into the reporting currency",
                "parameters": [*_PAGE_PARAMS, _query("currency", {"type": "string"})],
                "responses": {
                    "200": _ok("A page of rates", _page_of("ExchangeRate")),
                    **_errors(*_READ_ERRORS),
                },
            },
            "post": {
                "summary": "Add (or replace the same day's) rate (Secretariat only)",
                "requestBody": {"required": True, **_json(_ref("ExchangeRateCreate"))},
                "responses": {
                    "201": _ok("The rate", _ref("ExchangeRate")),
                    **_errors(*_WRITE_ERRORS),
                },
            },
        },
        "/action-points/{action_point_id}/funding-need": {
            "put": {
                "summary": "Set or clear an action point's estimated budget (Secretariat only)",
                "parameters": [_id_param("action_point_id", "Action point id")],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
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
                        }
                    ),
                },
                "responses": {
                    "200": _ok(
                        "The budget",
                        {"type": "object", "properties": {"budget": _MONEY_OR_NULL}},
                    ),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/reports/pledge-matrix": {
            "get": {
                "summary": "Who funds what: actors x goals in the reporting currency",
                "parameters": [
                    _PLAN_QUERY,
                    _query("measure", {"enum": ["pledged", "committed", "disbursed"]}),
                    _query("from", {"type": "string", "format": "date"}, "Value dates from."),
                    _query("to", {"type": "string", "format": "date"}, "Value dates to."),
                    _query("sort", {"type": "string"}, "total, name or goal:<id>."),
                ],
                "responses": {
                    "200": _ok("The matrix", {"type": "object"}),
                    **_errors(*_READ_ERRORS),
                },
            }
        },
        "/reports/funding": {
            "get": {
                "summary": "Needs, committed, gap and coverage per action point, goal and plan",
                "parameters": [
                    _PLAN_QUERY,
                    _query("as_of", {"type": "string", "format": "date"}),
                ],
                "responses": {
                    "200": _ok("The funding report", {"type": "object"}),
                    **_errors(*_READ_ERRORS),
                },
            }
        },
    }
)
# Documents of action points (tracker/api/documents.py) and the audit trail (tracker/api/audit.py).
_ERROR_DESCRIPTIONS[410] = "The file's content is missing from storage (tell the Secretariat)."
_SCHEMAS["Document"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "action_point": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "code": {"type": "string"}},
        },
        "title": {"type": "string"},
        "filename": {"type": "string", "description": "The uploader's name for it, cleaned."},
        "media_type": {"type": "string", "description": "Detected from the content."},
        "size": {"type": "integer", "description": "Bytes."},
        "sha256": {"type": "string"},
        "created_at": _TIMESTAMP,
        "retired_at": {"type": ["string", "null"], "format": "date-time"},
        "download_url": {"type": "string"},
    },
}
_SCHEMAS["AuditEvent"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "occurred_at": _TIMESTAMP,
        "user": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "email": {"type": "string"},
                        "name": {"type": "string"},
                    },
                },
                {"type": "null"},
            ]
        },
        "agent": {**_NULLABLE_STRING, "description": "Who acted when no user did."},
        "address": {**_NULLABLE_STRING, "description": "Client address (security events)."},
        "action": {"type": "string", "examples": ["create", "update", "retire", "denied"]},
        "entity": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
                },
                {"type": "null"},
            ]
        },
        "summary": {"type": "string"},
        "changes": {
            "type": "object",
            "description": "{field: [before, after]}",
            "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
        },
    },
}
_DOCUMENT_ID = _id_param("document_id", "Document id")
_PATHS["/action-points/{action_point_id}/documents"] = {
    "get": {
        "summary": "The documents of an action point",
        "description": "Current documents; the Secretariat also gets retired ones (retired_at).",
        "parameters": [_id_param("action_point_id", "Action point id"), *_PAGE_PARAMS],
        "responses": {
            "200": _ok("A page of documents", _page_of("Document")),
            **_errors(400, 401, 403, 404),
        },
    },
    "post": {
        "summary": "Upload a document (Secretariat only)",
        "description": "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, or UTF-8 text/CSV, at most "
        "MAX_UPLOAD_BYTES (10 MB by default). The type is detected from the content and must "
        "agree with the file name's extension; anything else is a 422 at `file`.",
        "parameters": [_id_param("action_point_id", "Action point id")],
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
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
                    }
                }
            },
        },
        "responses": {
            "201": {
                "description": "Attached; Location gives the document's URL.",
                "headers": {"Location": {"schema": {"type": "string"}}},
                **_json(_ref("Document")),
            },
            **_errors(401, 403, 404, 413, 415, 422),
        },
    },
}
_PATHS["/documents/{document_id}"] = {
    "get": {
        "summary": "A document",
        "description": "A retired document is a 404 to all but the Secretariat.",
        "parameters": [_DOCUMENT_ID],
        "responses": {"200": _ok("The document", _ref("Document")), **_errors(401, 403, 404)},
    }
}
_PATHS["/documents/{document_id}/file"] = {
    "get": {
        "summary": "Download a document's file",
        "description": "Sent as an attachment with its detected type. A retired document is a "
        "404 to all but the Secretariat.",
        "parameters": [_DOCUMENT_ID],
        "responses": {
            "200": {
                "description": "The file's bytes",
                "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            **_errors(401, 403, 404, 410),
        },
    }
}
_PATHS["/documents/{document_id}/retire"] = {
    "post": {
        "summary": "Retire a document (Secretariat only)",
        "description": "It leaves the action point's list and stays on record. No body.",
        "parameters": [_DOCUMENT_ID],
        "responses": {
            "200": _ok("The retired document", _ref("Document")),
            **_errors(401, 403, 404, 409),
        },
    }
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


_PATHS["/audit-events"] = {
    "get": {
        "summary": "The audit trail, newest first (Secretariat only)",
        "description": "Filters combine; a filter that cannot be applied (an unknown email, "
        "`to` before `from`, a bad date) is a 400 with error.fields naming it.",
        "parameters": [
            *_PAGE_PARAMS,
            _query("user", {"type": "string"}, "The acting user's email."),
            _query("object_type", {"type": "string"}, "Kind of record (a table name)."),
            _query("object_id", {"type": "integer", "minimum": 1}, "Needs object_type."),
            _query("action", {"type": "string"}, "e.g. create, update, retire, denied."),
            _query("from", {"type": "string", "format": "date"}, "From this UTC day."),
            _query("to", {"type": "string", "format": "date"}, "To this UTC day, included."),
        ],
        "responses": {
            "200": _ok("A page of audit events", _page_of("AuditEvent")),
            **_errors(400, 401, 403),
        },
    }
}


# Accounts: /me, one's own tokens, and the Secretariat's user accounts (tracker/api/accounts.py).
_ROLES = ["admin", "member", "focal_point", "viewer"]
_NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
_PASSWORD = {
    "type": "string",
    "minLength": 12,
    "maxLength": 256,
    "writeOnly": True,
    "description": "12 to 256 characters; not a common password, nor the email or name.",
}
_SCHEMAS["User"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "role": {"enum": _ROLES},
        "actor": {**_NULLABLE_STRING, "description": "Code of its state or organisation."},
        "is_active": {"type": "boolean"},
        "has_password": {
            "type": "boolean",
            "description": "False for an invited account whose person has not chosen a password "
            "yet (nobody can sign in to it until then).",
        },
        "created_at": _TIMESTAMP,
        "last_sign_in_at": _NULLABLE_TIMESTAMP,
    },
}
_SCHEMAS["Invitation"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["email", "role"],
    "properties": {
        "email": {"type": "string", "maxLength": 254},
        "name": {"type": ["string", "null"], "maxLength": 200},
        "role": {"enum": _ROLES},
        "actor": {**_NULLABLE_STRING, "description": "Actor code; required for a focal point."},
    },
}
_SCHEMAS["UserCreate"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["email", "role", "password"],
    "properties": {
        "email": {"type": "string", "maxLength": 254},
        "name": {"type": ["string", "null"], "maxLength": 200},
        "role": {"enum": _ROLES},
        "actor": {**_NULLABLE_STRING, "description": "Actor code; required for a focal point."},
        "password": _PASSWORD,
    },
}
_SCHEMAS["UserPatch"] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Only the fields sent change. Deactivating an account or setting its "
    "password ends its sessions. An admin cannot deactivate or demote their own account.",
    "properties": {
        "name": {"type": ["string", "null"], "maxLength": 200},
        "role": {"enum": _ROLES},
        "actor": {**_NULLABLE_STRING, "description": "Actor code; required for a focal point."},
        "is_active": {"type": "boolean"},
        "password": _PASSWORD,
    },
}
_SCHEMAS["HandOver"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["successor"],
    "properties": {
        "successor": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "Id of an active focal point or member of the same state or "
            "organisation, not the departing person.",
        },
    },
}
_SCHEMAS["HandOverResult"] = {
    "type": "object",
    "properties": {
        "user": {**_ref("User"), "description": "The departing account, now deactivated."},
        "successor": _ref("User"),
        "moved": {
            "type": "object",
            "description": "Ids of what now rests with the successor.",
            "properties": {
                "updates": {"type": "array", "items": {"type": "integer"}},
                "pledges": {"type": "array", "items": {"type": "integer"}},
            },
        },
    },
}
_SCHEMAS["Token"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "prefix": {"type": "string", "description": "The token's first 12 characters."},
        "created_at": _TIMESTAMP,
        "last_used_at": {**_NULLABLE_TIMESTAMP, "description": "To the minute."},
        "revoked_at": _NULLABLE_TIMESTAMP,
        "is_active": {"type": "boolean"},
    },
}
_USER_ID = _id_param("user_id", "User id")
_PATHS["/me"] = {
    "get": {
        "summary": "The account the token belongs to",
        "responses": {"200": _ok("Your account", _ref("User")), **_errors(401, 403)},
    }
}
_PATHS["/tokens"] = {
    "get": {
        "summary": "Your own API tokens, revoked ones too, newest first",
        "description": "Tokens are created on the API tokens page or with `tracker token "
        "create`, never through the API: a leaked token cannot mint others.",
        "parameters": _PAGE_PARAMS,
        "responses": {"200": _ok("A page of tokens", _page_of("Token")), **_errors(400, 401, 403)},
    }
}
_PATHS["/tokens/{token_id}/revoke"] = {
    "post": {
        "summary": "Revoke one of your own tokens (it may be the one you send)",
        "parameters": [_id_param("token_id", "Token id")],
        "responses": {
            "200": _ok("The revoked token", _ref("Token")),
            "404": {
                "description": "No such token of yours (another user's token is not shown).",
                **_json(_ref("Error")),
            },
            **_errors(401, 403),
        },
    }
}
_PATHS["/users"] = {
    "get": {
        "summary": "List user accounts (Secretariat only)",
        "parameters": _PAGE_PARAMS,
        "responses": {"200": _ok("A page of users", _page_of("User")), **_errors(*_READ_ERRORS)},
    },
    "post": {
        "summary": "Create a user account (Secretariat only)",
        "requestBody": {"required": True, **_json(_ref("UserCreate"))},
        "responses": {
            "201": {
                "description": "Created; Location gives its URL.",
                "headers": {"Location": {"schema": {"type": "string"}}},
                **_json(_ref("User")),
            },
            **_errors(400, 401, 403, 413, 415, 422),
        },
    },
}
_PATHS["/users/invitations"] = {
    "post": {
        "summary": "Invite someone by email (Secretariat only)",
        "description": "Makes the account, without a password, and mails its person a link to "
        "choose one (single use; INVITATION_LINK_HOURS, 72 by default). The link is not in the "
        "answer: it is the invitee's credential. 503 when BASE_URL is not set in production.",
        "requestBody": {"required": True, **_json(_ref("Invitation"))},
        "responses": {
            "201": {
                "description": "Invited; Location gives the account's URL.",
                "headers": {"Location": {"schema": {"type": "string"}}},
                **_json(_ref("User")),
            },
            **_errors(400, 401, 403, 413, 415, 422, 503),
        },
    },
}
_PATHS["/users/{user_id}"] = {
    "get": {
        "summary": "A user account (Secretariat only)",
        "parameters": [_USER_ID],
        "responses": {"200": _ok("The user", _ref("User")), **_errors(401, 403, 404)},
    },
    "patch": {
        "summary": "Change a user account, deactivate it or set its password (Secretariat only)",
        "parameters": [_USER_ID],
        "requestBody": {"required": True, **_json(_ref("UserPatch"))},
        "responses": {
            "200": _ok("The changed user", _ref("User")),
            **_errors(400, 401, 403, 404, 413, 415, 422),
        },
    },
}

_PATHS["/users/{user_id}/hand-over"] = {
    "post": {
        "summary": "Hand a departing focal point's open work to a successor (Secretariat only)",
        "description": "Moves the person's draft and returned updates and the pledges they made "
        "that are not yet disbursed in full (of their actor) to the successor, who carries them "
        "on; their author stays in the history. Follow-ups belong to actors, not people, and do "
        "not move. The departing account is deactivated: its sessions, API tokens and calendar "
        "feed end. A successor of another actor, a deactivated one, one who is not a focal point "
        "or member, or the person themselves is a 422 naming `successor`, and nothing changes.",
        "parameters": [_USER_ID],
        "requestBody": {"required": True, **_json(_ref("HandOver"))},
        "responses": {
            "200": _ok("What was handed over", _ref("HandOverResult")),
            **_errors(400, 401, 403, 404, 413, 415, 422),
        },
    },
}

# Notifications: one's own, and one's choice of delivery (tracker/api/notifications.py).
_NOTIFICATION_KINDS = [
    "update_returned",
    "update_validated",
    "update_submitted",
    "round_opened",
    "round_deadline",
    "follow_up_due",
    "follow_up_overdue",
    "meeting_scheduled",
    "meeting_moved",
    "meeting_cancelled",
    "decision_recorded",
    "minutes_recorded",
]
_DELIVERIES = ["at_once", "daily", "none"]
_SCHEMAS["Notification"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": _NOTIFICATION_KINDS},
        "subject": {
            "type": "object",
            "description": "The record it is about: its table and id.",
            "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
        },
        "text": {"type": "string"},
        "detail": {**_NULLABLE_STRING, "description": "A returned update's reason, …"},
        "link": {"type": "string", "description": "The page it is about (a path)."},
        "created_at": _TIMESTAMP,
        "read_at": _NULLABLE_TIMESTAMP,
        "emailed_at": {**_NULLABLE_TIMESTAMP, "description": "When its mail was queued."},
    },
}
_SCHEMAS["NotificationSettings"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["delivery"],
    "properties": {
        "delivery": {
            "enum": _DELIVERIES,
            "description": "By mail at once (the default), in a daily digest, or not at all.",
        }
    },
}
_PATHS["/notifications"] = {
    "get": {
        "summary": "Your notifications, newest first",
        "parameters": [
            *_PAGE_PARAMS,
            {
                "name": "unread",
                "in": "query",
                "description": "true: only the unread ones.",
                "schema": {"type": "boolean", "default": False},
            },
        ],
        "responses": {
            "200": _ok("A page of notifications", _page_of("Notification")),
            **_errors(400, 401, 403),
        },
    }
}
_PATHS["/notifications/{notification_id}/read"] = {
    "post": {
        "summary": "Mark one of your notifications read",
        "parameters": [_id_param("notification_id", "Notification id")],
        "responses": {
            "200": _ok("The notification", _ref("Notification")),
            "404": {
                "description": "No such notification of yours (another user's is not shown).",
                **_json(_ref("Error")),
            },
            **_errors(401, 403),
        },
    }
}
_PATHS["/notifications/read"] = {
    "post": {
        "summary": "Mark all your notifications read",
        "responses": {
            "200": _ok(
                "How many were marked",
                {"type": "object", "properties": {"marked": {"type": "integer", "minimum": 0}}},
            ),
            **_errors(401, 403),
        },
    }
}
_PATHS["/me/notification-settings"] = {
    "get": {
        "summary": "How your notifications come by mail",
        "responses": {
            "200": _ok("Your settings", _ref("NotificationSettings")),
            **_errors(401, 403),
        },
    },
    "put": {
        "summary": "Choose how your notifications come by mail",
        "requestBody": {"required": True, **_json(_ref("NotificationSettings"))},
        "responses": {
            "200": _ok("Your settings", _ref("NotificationSettings")),
            **_errors(400, 401, 403, 413, 415, 422),
        },
    },
}

_MEETING_ID = _id_param("meeting_id", "Meeting id")
_AGENDA_ITEM_ID = _id_param("item_id", "Agenda item id (of this meeting; another's is a 404)")
_ATTACHMENT_ID = _id_param("attachment_id", "Attachment id (of this meeting)")
_DECISION_ID = _id_param("decision_id", "Decision id (of this meeting; another's is a 404)")
_FOLLOW_UP_ID = _id_param("follow_up_id", "Follow-up id")
_MEETING_KINDS = [
    "ministerial_conference",
    "senior_officials_meeting",
    "reference_group",
    "working_group",
    "joint_working_group",
    "thematic",
]
_FOLLOW_UP_STATUSES = ["open", "in_progress", "done", "dropped"]
_WHEN = (
    "ISO 8601 date and time. With an offset (2030-03-10T09:00+03:00) it is taken as is; without "
    "one it is read in `timezone`. Neither: 422 (a time without a time zone means nothing). "
    "A local time the clocks skip (2027-03-28T02:30 in Europe/Budapest) is a 422 naming the "
    "gap; one they pass twice is its first occurrence unless an offset says which."
)
_MEETING_INPUT = {
    "kind": {"enum": _MEETING_KINDS},
    "series": {"type": "string", "description": "Series key, e.g. reference-group."},
    "number": {"type": ["integer", "null"], "description": "Number in the series."},
    "title": {"type": "string"},
    "starts_at": {"type": "string", "description": _WHEN},
    "ends_at": {"type": "string", "description": _WHEN + " Must be after starts_at."},
    "timezone": {"type": ["string", "null"], "description": "IANA name, e.g. Europe/Budapest."},
    "place": _NULLABLE_STRING,
    "is_virtual": {"type": "boolean"},
    "url": {"type": ["string", "null"], "description": "http(s) link to join."},
    "host_actor": {"type": ["string", "null"], "description": "Actor code."},
}
_AGENDA_ITEM_INPUT = {
    "title": {"type": "string"},
    "action_point": {
        "type": ["string", "null"],
        "description": "Code of an action point of the meeting's plan (another plan's is a 422).",
    },
    "goal": {"type": ["string", "null"], "description": "Goal number in the plan."},
}
_DECISION_INPUT = {
    "text": {"type": "string"},
    "action_points": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Codes of action points of the meeting's plan.",
    },
}
_FOLLOW_UP_INPUT = {
    "text": {"type": "string"},
    "owner": {"type": "string", "description": "Actor code (required)."},
    "due_on": {"type": "string", "format": "date", "description": "Required."},
}
_SCHEMAS.update(
    {
        "MeetingCreate": _object(
            {"plan": {"type": "string", "description": "Plan code."}, **_MEETING_INPUT},
            ("plan", "kind", "series", "title", "starts_at", "ends_at"),
        ),
        "MeetingPatch": _object({**_VERSION, **_MEETING_INPUT}, ("version",)),
        "MeetingSummary": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                **_MEETING_INPUT,
                "starts_at": _TIMESTAMP,
                "ends_at": _TIMESTAMP,
                "plan": {"type": "string"},
                "cancelled_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "When the meeting was cancelled (null: it was not).",
                },
                "version": {"type": "integer"},
            },
        },
        "FollowUp": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "meeting_id": {"type": "integer"},
                "decision_id": {"type": ["integer", "null"]},
                "text": {"type": "string"},
                "owner": {"type": "string", "description": "Actor code."},
                "due_on": {"type": "string", "format": "date"},
                "status": {"enum": _FOLLOW_UP_STATUSES},
                "overdue": {"type": "boolean"},
                "version": {"type": "integer"},
                "notes": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Meeting": {
            "allOf": [
                _ref("MeetingSummary"),
                {
                    "type": "object",
                    "properties": {
                        "participants": {"type": "array", "items": {"type": "object"}},
                        "agenda_items": {"type": "array", "items": {"type": "object"}},
                        "minutes": {"type": ["object", "null"]},
                        "minutes_versions": {"type": "array", "items": {"type": "object"}},
                        "attachments": {"type": "array", "items": {"type": "object"}},
                        "decisions": {"type": "array", "items": _ref("Decision")},
                        "follow_ups": {"type": "array", "items": _ref("FollowUp")},
                    },
                },
            ]
        },
        "ParticipantInput": _object(
            {
                "actor": {"type": "string", "description": "Actor code."},
                "attendance": {"enum": ["invited", "attended", "excused", "absent"]},
            },
            ("actor", "attendance"),
        ),
        "ParticipantGroupInput": _object(
            {
                "group": {
                    "type": "string",
                    "description": "reference-group, or working-group:CODE (a working group's "
                    "code, e.g. working-group:SR).",
                },
                "attendance": {"enum": ["invited", "attended", "excused", "absent"]},
            },
            ("group", "attendance"),
        ),
        "AgendaItemPatch": _object(
            {
                "position": {
                    "type": "integer",
                    "description": "Where the item goes: 1 is first, the number of items is last; "
                    "the others close up, so positions stay 1..n. Outside that range: 422.",
                },
                **_AGENDA_ITEM_INPUT,
            },
        ),
        "AgendaItemInput": _object(_AGENDA_ITEM_INPUT, ("title",)),
        "MinutesInput": _object(
            {"text": {"type": "string", "description": "Markdown, at most 200,000 characters."}},
            ("text",),
        ),
        "DecisionInput": _object(_DECISION_INPUT, ("text",)),
        "DecisionPatch": _object({**_VERSION, **_DECISION_INPUT}, ("version",)),
        "Decision": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, **_DECISION_INPUT, **_VERSION},
        },
        "FollowUpInput": _object(
            {
                **_FOLLOW_UP_INPUT,
                "decision": {"type": ["string", "null"], "description": "Decision id."},
            },
            ("text", "owner", "due_on"),
        ),
        "FollowUpPatch": _object({**_VERSION, **_FOLLOW_UP_INPUT}, ("version",)),
        "FollowUpStatusInput": _object(
            {
                "status": {"enum": _FOLLOW_UP_STATUSES},
                "note": {"type": "string", "description": "What happened; kept, dated."},
                "version": {"type": ["integer", "null"]},
            },
            ("status", "note"),
        ),
    }
)
_CALENDAR_FEED_PROPERTIES = {
    "active": {"type": "boolean"},
    "created_at": {"type": ["string", "null"], "format": "date-time"},
    "last_used_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "Noted to the minute.",
    },
}
_SCHEMAS["CalendarFeed"] = _object(_CALENDAR_FEED_PROPERTIES, tuple(_CALENDAR_FEED_PROPERTIES))
_SCHEMAS["CalendarFeedCreated"] = _object(
    {
        **_CALENDAR_FEED_PROPERTIES,
        "url": {
            "type": "string",
            "format": "uri",
            "description": "The subscription address, e.g. https://host/meetings/feed/bpf_….ics; "
            "shown once. Keep it secret.",
        },
    },
    (*_CALENDAR_FEED_PROPERTIES, "url"),
)
_CALENDAR = {
    "description": "An iCalendar (RFC 5545) feed of upcoming meetings",
    "content": {"text/calendar": {"schema": {"type": "string"}}},
}
_PATHS.update(
    {
        "/meetings": {
            "get": {
                "summary": "List meetings (upcoming first when when=upcoming; else newest first)",
                "parameters": [
                    *_PAGE_PARAMS,
                    _query("kind", {"enum": _MEETING_KINDS}, ""),
                    _query("series", {"type": "string"}, ""),
                    _query("when", {"enum": ["upcoming", "past"]}, ""),
                ],
                "responses": {
                    "200": _ok("A page of meetings", _page_of("MeetingSummary")),
                    **_errors(*_READ_ERRORS),
                },
            },
            "post": _write(
                "Create a meeting; open follow-ups of its series join its agenda",
                "MeetingCreate",
                "Meeting",
                status=201,
            ),
        },
        "/meetings/{meeting_id}": {
            "get": {
                "summary": "A meeting: participants, agenda, latest minutes, decisions, follow-ups",
                "parameters": [_MEETING_ID],
                "responses": {"200": _ok("The meeting", _ref("Meeting")), **_errors(401, 403, 404)},
            },
            "patch": _write(
                "Change a meeting (a stale version is a 409)",
                "MeetingPatch",
                "Meeting",
                _MEETING_ID,
            ),
        },
        "/meetings/{meeting_id}/participants": {
            "post": _write(
                "Invite an actor or record its attendance",
                "ParticipantInput",
                "Meeting",
                _MEETING_ID,
            )
        },
        "/meetings/{meeting_id}/participants/group": {
            "post": _write(
                "Invite a whole group: its members not yet participants are added",
                "ParticipantGroupInput",
                "Meeting",
                _MEETING_ID,
            )
        },
        "/meetings/{meeting_id}/participants/{actor_code}": {
            "delete": _write(
                "Uninvite an actor, whatever its attendance (the audit trail keeps it)",
                None,
                "Meeting",
                _MEETING_ID,
                {
                    "name": "actor_code",
                    "in": "path",
                    "required": True,
                    "description": "The participant's actor code, e.g. HU.",
                    "schema": {"type": "string"},
                },
                errors=(401, 403, 404),
            )
        },
        "/meetings/{meeting_id}/agenda-items": {
            "post": _write(
                "Add an agenda item", "AgendaItemInput", "Meeting", _MEETING_ID, status=201
            )
        },
        "/meetings/{meeting_id}/agenda-items/{item_id}": {
            "patch": _write(
                "Change an agenda item's title or links, or move it to a position",
                "AgendaItemPatch",
                "Meeting",
                _MEETING_ID,
                _AGENDA_ITEM_ID,
                errors=(400, 401, 403, 404, 415, 422),
                description="Fields left out keep their value; null clears a link. An action "
                "point or goal of another plan is a 422.",
            ),
            "delete": _write(
                "Remove an agenda item; the others close up",
                None,
                "Meeting",
                _MEETING_ID,
                _AGENDA_ITEM_ID,
                errors=(401, 403, 404),
                description="An item carried over from an open follow-up leaves the agenda "
                "only: the follow-up is unchanged, and carrying over again puts it back while "
                "it is open (close or drop the follow-up to keep it off).",
            ),
        },
        "/meetings/{meeting_id}/cancel": {
            "post": _write(
                "Cancel the meeting (kept, marked cancelled; its participants are notified)",
                None,
                "Meeting",
                _MEETING_ID,
            )
        },
        "/meetings/{meeting_id}/carry-over": {
            "post": _write(
                "Carry the series' open follow-ups onto the agenda (idempotent)",
                None,
                "Meeting",
                _MEETING_ID,
            )
        },
        "/meetings/{meeting_id}/minutes": {
            "post": _write(
                "Record a new version of the minutes",
                "MinutesInput",
                "Meeting",
                _MEETING_ID,
                status=201,
            )
        },
        "/meetings/{meeting_id}/minutes/{version}": {
            "get": {
                "summary": "One version of the minutes, with what changed from the one before "
                "(lines marked + added, - removed, space unchanged, @ a gap)",
                "parameters": [_MEETING_ID, _id_param("version", "Version number, from 1")],
                "responses": {
                    "200": _ok("The version", {"type": "object"}),
                    **_errors(401, 403, 404),
                },
            }
        },
        "/meetings/{meeting_id}/attachments": {
            "post": {
                "summary": "Attach a file to the meeting (Secretariat only)",
                "parameters": [_MEETING_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {"file": {"type": "string", "format": "binary"}},
                                "required": ["file"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": _ok("The meeting", _ref("Meeting")),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/meetings/{meeting_id}/attachments/{attachment_id}": {
            "get": {
                "summary": "Download an attachment of a meeting",
                "parameters": [_MEETING_ID, _ATTACHMENT_ID],
                "responses": {
                    "200": {"description": "The file"},
                    **_errors(401, 403, 404, 410),
                },
            },
            "delete": _write(
                "Remove an attachment from the meeting; the stored file is kept",
                None,
                "Meeting",
                _MEETING_ID,
                _ATTACHMENT_ID,
                errors=(401, 403, 404),
            ),
        },
        "/meetings/{meeting_id}/decisions": {
            "post": _write("Record a decision", "DecisionInput", "Meeting", _MEETING_ID, status=201)
        },
        "/meetings/{meeting_id}/decisions/{decision_id}": {
            "patch": _write(
                "Correct a decision's text or linked action points (a stale version is a 409)",
                "DecisionPatch",
                "Meeting",
                _MEETING_ID,
                _DECISION_ID,
                description="Fields left out keep their value. An action point of another "
                "plan is a 422.",
            ),
            "delete": _write(
                "Remove a decision recorded by mistake",
                None,
                "Meeting",
                _MEETING_ID,
                _DECISION_ID,
                errors=(401, 403, 404, 422),
                description="A decision with follow-ups is refused (422) until they are removed.",
            ),
        },
        "/meetings/{meeting_id}/follow-ups": {
            "post": _write(
                "Add a follow-up action (owner and due date required)",
                "FollowUpInput",
                "FollowUp",
                _MEETING_ID,
                status=201,
            )
        },
        "/meetings/{meeting_id}/brief": {
            "get": {
                "summary": "The pre-meeting brief: what changed since the previous meeting of "
                "the series (JSON, or with format=pdf the printable brief as an attachment)",
                "parameters": [
                    _MEETING_ID,
                    {"name": "format", "in": "query", "schema": {"enum": ["json", "pdf"]}},
                ],
                "responses": {
                    "200": _ok("The brief", {"type": "object"}),
                    **_errors(400, 401, 403, 404),
                },
            }
        },
        "/follow-ups": {
            "get": {
                "summary": "List follow-up actions (by due date)",
                "parameters": [
                    *_PAGE_PARAMS,
                    _query("owner", {"type": "string"}, "Actor code."),
                    _query("status", {"enum": _FOLLOW_UP_STATUSES}, ""),
                    _query("overdue", {"enum": ["true", "false"]}, ""),
                ],
                "responses": {
                    "200": _ok("A page of follow-ups", _page_of("FollowUp")),
                    **_errors(*_READ_ERRORS),
                },
            }
        },
        "/follow-ups/{follow_up_id}": {
            "patch": _write(
                "Correct a follow-up's text, owner or due date (a stale version is a 409)",
                "FollowUpPatch",
                "FollowUp",
                _FOLLOW_UP_ID,
                description="Fields left out keep their value. A new due date or owner also "
                "adds a dated note saying so, its status unchanged.",
            ),
            "delete": {
                "summary": "Remove a follow-up recorded by mistake (Secretariat only)",
                "description": "Refused (422) once it has notes (a status change, a moved "
                "date or owner) or was carried onto a later agenda: drop it instead.",
                "parameters": [_FOLLOW_UP_ID],
                "responses": {
                    "204": {"description": "Removed"},
                    **_errors(401, 403, 404, 422),
                },
            },
        },
        "/follow-ups/{follow_up_id}/status": {
            "post": {
                "summary": "Change a follow-up's status with a note (its owner actor's focal "
                "point, or the Secretariat)",
                "parameters": [_FOLLOW_UP_ID],
                "requestBody": {"required": True, **_json(_ref("FollowUpStatusInput"))},
                "responses": {
                    "200": _ok("The follow-up", _ref("FollowUp")),
                    **_errors(*_WRITE_ERRORS),
                },
            }
        },
        "/calendar.ics": {
            "get": {
                "summary": "Upcoming meetings as an iCalendar feed (Bearer token)",
                "responses": {"200": _CALENDAR, **_errors(401, 403)},
            }
        },
        "/calendar/feed": {
            "get": {
                "summary": "Whether you have a calendar feed address, made when, last used when",
                "responses": {
                    "200": _ok("Your feed (never its address)", _ref("CalendarFeed")),
                    **_errors(401, 403),
                },
            },
            "post": {
                "summary": "Make your secret calendar feed address, replacing any earlier one",
                "description": "For calendar apps that cannot send a header (Google Calendar, "
                "Outlook, Apple Calendar): they subscribe to `url`, which is shown only in this "
                "answer. The token in it reads only that feed, never the API. Revoking the API "
                "token that made it revokes the feed address too.",
                "responses": {
                    "201": _ok("The new feed, with its address", _ref("CalendarFeedCreated")),
                    **_errors(401, 403, 409),
                },
            },
            "delete": {
                "summary": "Revoke your calendar feed address (nothing to revoke is fine too)",
                "responses": {
                    "204": {"description": "No feed address of yours works any more"},
                    **_errors(401, 403),
                },
            },
        },
    }
)


# The progress report, published reports and their comparison (tracker/api/reports.py).
_MONEY_TEXT = {
    "type": ["string", "null"],
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "An exact amount in the report's currency; null: no need was set.",
}
_SCHEMAS["ReportFunding"] = {
    "type": "object",
    "description": "In the reporting currency; gap = need - committed. `missing`: entries or "
    "budgets left out for want of an exchange rate on or before their date.",
    "properties": {
        **{name: _MONEY_TEXT for name in ("need", "pledged", "committed", "disbursed", "gap")},
        "missing": {"type": "integer"},
    },
}
_REPORT_STATUS = {
    "type": "string",
    "description": "A progress status (not_started, planned, in_progress, ongoing, completed, "
    "on_hold, discontinued), or not_reported: no validated update.",
}
_SCHEMAS["ProgressReport"] = {
    "type": "object",
    "description": "The progress report's data object, which the PDF, XLSX and CSV render too. "
    "Only validated updates appear; percents are 0-100 with one decimal.",
    "properties": {
        "cover": {
            "type": "object",
            "properties": {
                "plan_code": {"type": "string"},
                "plan_title": {"type": "string"},
                "as_of": {"type": "string", "format": "date"},
                "is_historical": {"type": "boolean"},
                "period_from": {"type": "string", "format": "date"},
                "period_to": {"type": "string", "format": "date"},
                "filters": {"type": "object"},
                "generated_at": _TIMESTAMP,
                "generated_by": {"type": "string"},
                "published_for": _NULLABLE_STRING,
                "state": {"type": "string", "examples": ["DRAFT", "Published for SOM 2026"]},
            },
        },
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "percent": {"type": "number"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "stale": {"type": "integer"},
        "funding": _ref("ReportFunding"),
        "goals": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "number": {"type": "integer"},
                    "title": {"type": "string"},
                    "percent": {"type": "number"},
                    "funding": _ref("ReportFunding"),
                    "action_points": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "code": {"type": "string"},
                                "title": {"type": "string"},
                                "status": _REPORT_STATUS,
                                "percent": {"type": "number"},
                                "stale": {"type": "boolean"},
                                "narratives": {"type": "array", "items": {"type": "object"}},
                                "funding": _ref("ReportFunding"),
                            },
                        },
                    },
                },
            },
        },
        "over_time": {"type": "array", "items": {"type": "object"}},
        "meetings": {"type": "array", "items": {"type": "object"}},
        "reporters": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}
_PUBLISHED_FILE = {
    "type": "object",
    "properties": {
        "filename": {"type": "string"},
        "media_type": {"type": "string"},
        "size": {"type": "integer"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "url": {"type": "string", "description": "Where to download it, byte for byte."},
    },
}
_SCHEMAS["PublishedReport"] = {
    "type": "object",
    "description": "A round's progress report as published: four files, never made again.",
    "properties": {
        "id": {"type": "integer"},
        "plan": {"type": "string"},
        "round": _ref("Round"),
        "as_of": {
            "type": "string",
            "format": "date",
            "description": "The round's deadline "
            "if it had passed when published, else the day published.",
        },
        "published_at": _TIMESTAMP,
        "published_by": {"type": "string"},
        "files": {
            "type": "object",
            "properties": {fmt: _PUBLISHED_FILE for fmt in ("pdf", "xlsx", "csv", "json")},
        },
        "url": {"type": "string"},
    },
}
_CHANGE = {
    "type": "object",
    "properties": {"old": {}, "new": {}, "change": {}},
    "description": "The value in each report; change: new - old (null when not a number).",
}
_SCHEMAS["ReportComparison"] = {
    "type": "object",
    "description": "What changed from one published report to another, or to now.",
    "properties": {
        "from": _ref("PublishedReport"),
        "to": {"oneOf": [_ref("PublishedReport"), {"const": "now"}]},
        "covers": {"type": "object", "description": "Both reports' as-of dates and states."},
        "plan_code": {"type": "string"},
        "currency": {"type": "string"},
        "notes": {"type": "array", "items": {"type": "string"}},
        "plan": _CHANGE,
        "funding": {"type": "object", "additionalProperties": _CHANGE},
        "counts": {"type": "object", "description": "Action points per status, where it changed."},
        "goals": {"type": "array", "items": _CHANGE},
        "action_points": {
            "type": "array",
            "description": "Only those that changed.",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"oneOf": [_CHANGE, {"type": "null"}]},
                    "percent": {"oneOf": [_CHANGE, {"type": "null"}]},
                    "funding": {
                        "type": "object",
                        "description": "need, pledged, committed, disbursed: where changed.",
                        "additionalProperties": _CHANGE,
                    },
                    "narratives": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "actor_code": {"type": "string"},
                                "change": {"enum": ["changed", "added", "removed"]},
                                "old": _NULLABLE_STRING,
                                "new": _NULLABLE_STRING,
                                "diff": {
                                    "type": ["array", "null"],
                                    "description": "Word runs [op, text], op one of equal, "
                                    "delete, insert; long unchanged runs cut to a few words.",
                                },
                            },
                        },
                    },
                },
            },
        },
        "added": {"type": "array", "items": {"type": "object"}},
        "removed": {"type": "array", "items": {"type": "object"}},
        "unchanged": {"type": "integer"},
    },
}
_REPORT_ID = _id_param("report_id", "Published report id")
_FILE_ANSWER = {
    "description": "The file's bytes",
    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in (
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/zip",
        )
    },
}
_PATHS.update(
    {
        "/reports/progress": {
            "get": {
                "summary": "The progress report, now or as of a past day",
                "description": "JSON is the report's data object; pdf, xlsx and csv (a zip of "
                "one UTF-8 CSV per table) come as attachments. A filter naming nothing real or "
                "a date out of bounds is a 400 with error.fields naming it.",
                "parameters": [
                    _query(
                        "plan",
                        {"type": "string"},
                        "Plan code (default: the newest plan with action points).",
                    ),
                    {
                        **_query(
                            "goal",
                            {"type": "array", "items": {"type": "integer"}},
                            "Priority goal numbers (repeat the parameter).",
                        ),
                        "explode": True,
                    },
                    {
                        **_query(
                            "actor",
                            {"type": "array", "items": {"type": "string"}},
                            "Actor codes (repeat the parameter).",
                        ),
                        "explode": True,
                    },
                    _query("working_group", {"type": "string"}, "A working group's code."),
                    _query("from", {"type": "string", "format": "date"}, "Period from."),
                    _query("to", {"type": "string", "format": "date"}, "Period to."),
                    _query(
                        "as_of",
                        {"type": "string", "format": "date"},
                        "Rebuild the report as it stood at the end of this day (UTC).",
                    ),
                    _query(
                        "format", {"enum": ["json", "pdf", "xlsx", "csv"], "default": "json"}, ""
                    ),
                ],
                "responses": {
                    "200": {
                        **_ok("The report", _ref("ProgressReport")),
                        "content": {
                            "application/json": {"schema": _ref("ProgressReport")},
                            **_FILE_ANSWER["content"],
                        },
                    },
                    **_errors(*_READ_ERRORS),
                },
            }
        },
        "/reports/published": {
            "get": {
                "summary": "Published reports, newest first",
                "parameters": list(_PAGE_PARAMS),
                "responses": {
                    "200": _ok("A page of published reports", _page_of("PublishedReport")),
                    **_errors(*_READ_ERRORS),
                },
            }
        },
        "/reports/published/{report_id}": {
            "get": {
                "summary": "A published report: its round, as-of day, and each file's SHA-256",
                "parameters": [_REPORT_ID],
                "responses": {
                    "200": _ok("The published report", _ref("PublishedReport")),
                    **_errors(401, 403, 404),
                },
            }
        },
        "/reports/published/{report_id}/{fmt}": {
            "get": {
                "summary": "Download a published report's file, byte for byte as published",
                "description": "A stored file whose bytes no longer match its SHA-256 is a 410, "
                "never the changed bytes.",
                "parameters": [
                    _REPORT_ID,
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": {"enum": ["pdf", "xlsx", "csv", "json"]},
                    },
                ],
                "responses": {
                    "200": {
                        **_FILE_ANSWER,
                        "content": {
                            **_FILE_ANSWER["content"],
                            "application/json": {"schema": _ref("ProgressReport")},
                        },
                    },
                    **_errors(401, 403, 404, 410),
                },
            }
        },
        "/rounds/{round_id}/publish": {
            "post": {
                "summary": "Publish the round's progress report (Secretariat only)",
                "description": "Builds the plan's report over the round's period, as of its "
                'deadline if that has passed (else today), marked "Published for <round>", '
                "and keeps it as PDF, XLSX, CSV zip and JSON for good. No body. Once per round: "
                "a second time is a 409 whose error.published_report is the one published.",
                "parameters": [_id_param("round_id", "Round id")],
                "responses": {
                    "201": _ok("The published report", _ref("PublishedReport")),
                    "409": _ok("The round's report was published already", _ref("Error")),
                    **_errors(401, 403, 404),
                },
            }
        },
        "/reports/compare": {
            "get": {
                "summary": "What changed between two published reports, or one and now",
                "description": "Per action point: status, percent, funding (need, pledged, "
                "committed, disbursed) and each actor's narrative; plan and goal percents; "
                "action points added and removed. Both reports must be of one plan.",
                "parameters": [
                    _query("from", {"type": "integer", "minimum": 1}, "A published report id."),
                    _query(
                        "to",
                        {
                            "oneOf": [{"type": "integer", "minimum": 1}, {"const": "now"}],
                            "default": "now",
                        },
                        "Another published report's id, or now.",
                    ),
                ],
                "responses": {
                    "200": _ok("The comparison", _ref("ReportComparison")),
                    **_errors(*_READ_ERRORS, 410),
                },
            }
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
        "paths": _PATHS,
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
                str(status): _ok(description, _ref("Error"))
                for status, description in _ERROR_DESCRIPTIONS.items()
            },
            "schemas": _SCHEMAS,
        },
    }
