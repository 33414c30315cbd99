"""Error responses: JSON for /api/, generic pages elsewhere (never a stack trace)."""

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from tracker.db import db

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    body = {
        "code": code or ERROR_CODES.get(status, "error"),
        "message": message,
        "fields": fields or {},
    }
    return jsonify(error=body), status


def wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if wants_json():
        response = json_error(status, error.description or error.name)
        if status == 401:
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
        if status == 405 and getattr(error, "valid_methods", None):  # HTTP requires Allow
            response[0].headers["Allow"] = ", ".join(error.valid_methods)
        return response
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, error=error), status


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    # A failed flush leaves the session unusable, and the error page itself needs it (the
    # signed-in user): roll back first. Nothing of this request is saved.
    db.session.rollback()
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
