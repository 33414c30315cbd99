"""Error responses: JSON for /api/, generic pages elsewhere (never a stack trace)."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from tracker.audit.services import record_denied_request
from tracker.db import db, is_lock_timeout, read_only_from_now
from tracker.i18n import SOURCE_LANGUAGE, current_language
from tracker.uploads.files import format_size
from tracker.uploads.storage import StorageUnavailable

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
    503: "unavailable",
}
# Werkzeug's own names and descriptions are English: in another language, ours stand in for
# them when an error carries no message of its own. The JSON `code` stays as it is.
ERROR_NAMES = {
    400: _l("Bad request"),
    401: _l("Not signed in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    410: _l("Gone"),
    413: _l("Too large"),
    415: _l("Unsupported file type"),
    422: _l("Not valid"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Unavailable"),
}
ERROR_DESCRIPTIONS = {
    400: _l("The request could not be understood."),
    401: _l("Sign in, or send a valid API token, to do this."),
    403: _l("Your account may not do this. If you think it should, ask the Secretariat."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not take this method."),
    409: _l("The request conflicts with what is saved now."),
    410: _l("This is no longer here."),
    415: _l("The request's content is of a type this address does not take."),
    422: _l("The request was understood but is not valid."),
    429: _l("Too many requests. Wait a moment, then try again."),
    500: _l(
        "The error was logged and nothing was saved. Try again; if it keeps happening, tell "
        "the Secretariat."
    ),
    503: _l("The service is unavailable just now. Try again in a moment."),
}
# How long a client told that the database is busy (503) should wait before trying again.
RETRY_AFTER_SECONDS = 5
# ... and that the file storage does not answer.
STORAGE_RETRY_AFTER_SECONDS = 60


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    body = {
        "code": code or ERROR_CODES.get(status, "error"),
        "message": message,
        "fields": fields or {},
    }
    return jsonify(error=body), status


# URL arguments that are credentials (a calendar feed address): never written to a log or the trail.
SECRET_URL_ARGUMENTS = {"feed_token"}


def path_for_log() -> str:
    """The request's path, or its route's pattern when the path holds a secret."""
    if request.url_rule is not None and SECRET_URL_ARGUMENTS & (request.view_args or {}).keys():
        return request.url_rule.rule
    return request.path


def wants_json() -> bool:
    return request.path.startswith("/api/")


def record_denied() -> None:
    """Keep a 403 in the audit trail: who asked for what, and from where.

    Only for signed-in users: anonymous ones are sent to sign in (or get a 401 from the API),
    so a 403 always has someone to name, and strangers cannot write to the trail at all.
    """
    if not current_user.is_authenticated:
        return
    user = current_user._get_current_object()
    # Nothing the refused request did may be saved with the event: start from a clean slate.
    db.session.rollback()
    try:
        record_denied_request(
            user,
            method=request.method,
            path=path_for_log(),
            status=403,
            address=request.remote_addr,
        )
        db.session.commit()
    except SQLAlchemyError:
        # The refusal stands even when it cannot be recorded (say, the database is read-only).
        db.session.rollback()
        current_app.logger.exception("Could not record the denied request %s", path_for_log())


def too_large() -> RequestEntityTooLarge:
    limit = format_size(current_app.config["MAX_UPLOAD_BYTES"])
    return RequestEntityTooLarge(
        _(
            "The request is too large: a file may have at most %(limit)s. Choose a smaller file.",
            limit=limit,
        )
    )


def database_busy() -> ServiceUnavailable:
    """The answer when a write waited for the database's lock longer than the busy timeout
    (another worker holds it): try again soon, nothing was saved. Never a 500."""
    # Nothing of this request is saved, and the error page must not queue for the lock again.
    db.session.rollback()
    read_only_from_now()
    current_app.logger.warning(
        "Database busy: %s %s gave up waiting for a lock", request.method, path_for_log()
    )
    return ServiceUnavailable(
        _(
            "The database is busy with another change; nothing was saved. "
            "Try again in %(seconds)d seconds.",
            seconds=RETRY_AFTER_SECONDS,
        ),
        retry_after=RETRY_AFTER_SECONDS,
    )


def handle_database_error(error: OperationalError):
    if is_lock_timeout(error):
        return handle_http_error(database_busy())
    return handle_unexpected_error(error)


def error_name(error: HTTPException) -> str:
    """The error's name in the request's language ("Not Found", "Не найдено")."""
    if current_language() == SOURCE_LANGUAGE:
        return error.name
    return str(ERROR_NAMES.get(error.code, error.name))


def error_message(error: HTTPException) -> str:
    """The error's own message, or Werkzeug's default put in the request's language."""
    default = type(error).description
    if current_language() == SOURCE_LANGUAGE or (
        error.description and error.description != default
    ):
        return str(error.description or error_name(error))
    return str(ERROR_DESCRIPTIONS.get(error.code) or error.description or error_name(error))


def handle_http_error(error: HTTPException):
    if isinstance(error, InternalServerError) and is_lock_timeout(error.original_exception):
        error = database_busy()  # raised outside the view (an after_request commit, say)
    status = error.code or 500
    if status == 403:
        record_denied()
    if status == 413:
        error = too_large()  # werkzeug's own wording says nothing of the limit
    headers = {}
    if retry_after := getattr(error, "retry_after", None):  # a 429 (or 503) says when
        headers["Retry-After"] = str(retry_after)
    if wants_json():
        response = json_error(status, error_message(error))
        if status == 401:
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
        if status == 405 and getattr(error, "valid_methods", None):  # HTTP requires Allow
            response[0].headers["Allow"] = ", ".join(error.valid_methods)
        response[0].headers.update(headers)
        return response
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return (
        render_template(
            template, error=error, name=error_name(error), message=error_message(error)
        ),
        status,
        headers,
    )


def handle_storage_unavailable(error: StorageUnavailable):
    """The file storage (an object storage, say) does not answer: a 503 that says so, never a
    500. Files are kept before their rows are flushed, so nothing of the request is saved."""
    current_app.logger.error(
        "File storage unavailable on %s %s: %s", request.method, path_for_log(), error
    )
    db.session.rollback()
    if request.method in ("GET", "HEAD"):
        message = _(
            "The file storage does not answer just now, so the file cannot be sent. Try again "
            "in a minute; if it goes on, please tell the Secretariat."
        )
    else:
        message = _(
            "The file storage does not answer just now, so nothing was saved. Try again in a "
            "minute; if it goes on, please tell the Secretariat."
        )
    return handle_http_error(ServiceUnavailable(message, retry_after=STORAGE_RETRY_AFTER_SECONDS))


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("Unhandled error on %s %s", request.method, path_for_log())
    # A failed flush leaves the session unusable, and the error page itself needs it (the
    # signed-in user): roll back first. Nothing of this request is saved.
    db.session.rollback()
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(StorageUnavailable, handle_storage_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
