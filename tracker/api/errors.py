"""Errors the API raises and how they become `{"error": {...}}` responses."""

from flask import jsonify
from flask_babel import gettext as _

from tracker.actors.services import ActorError
from tracker.db import StaleVersionError
from tracker.errors import json_error
from tracker.meetings.services import MeetingError
from tracker.plan.services import PlanError
from tracker.progress.services import ProgressBulkError, ProgressError
from tracker.query_args import QueryArgError
from tracker.tables import FileError


class ApiError(Exception):
    """An error response; `extra` adds keys to the error object (e.g. `current` on a conflict)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        code: str | None = None,
        **extra,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields
        self.code = code
        self.extra = extra


def invalid(fields: dict[str, str], message: str | None = None) -> ApiError:
    return ApiError(422, message or _("The input is invalid; see fields."), fields=fields)


def handle_api_error(error: ApiError):
    response, status = json_error(error.status, error.message, error.fields, error.code)
    if error.extra:
        response = jsonify(error={**response.get_json()["error"], **error.extra})
    return response, status


def handle_file_error(error: FileError):
    """A refused import: every problem, by row and column, in `errors`; nothing was changed."""
    message = _("The file was not imported; nothing changed. See errors.")
    return handle_api_error(
        ApiError(422, message, fields={"file": error.messages[0]}, errors=error.messages)
    )


def handle_plan_error(error: PlanError | ActorError | MeetingError):
    return handle_api_error(invalid({error.field or "input": str(error)}, str(error)))


def handle_progress_error(error: ProgressError):
    if isinstance(error, ProgressBulkError):
        rows = {str(line): problems for line, problems in error.rows.items()}
        return handle_api_error(ApiError(422, str(error), code="invalid", rows=rows))
    return handle_api_error(invalid({error.field or "input": str(error)}, str(error)))


def handle_query_arg_error(error: QueryArgError):
    return handle_api_error(ApiError(400, str(error), fields={error.name: str(error)}))


def handle_stale_version(error: StaleVersionError):
    from tracker.api.serializers import serialize

    return handle_api_error(
        ApiError(409, str(error), code="conflict", current=serialize(error.record))
    )


def init_blueprint(bp) -> None:
    bp.register_error_handler(ApiError, handle_api_error)
    bp.register_error_handler(PlanError, handle_plan_error)
    bp.register_error_handler(ProgressError, handle_progress_error)
    bp.register_error_handler(ActorError, handle_plan_error)
    bp.register_error_handler(MeetingError, handle_plan_error)
    bp.register_error_handler(FileError, handle_file_error)
    bp.register_error_handler(StaleVersionError, handle_stale_version)
    bp.register_error_handler(QueryArgError, handle_query_arg_error)
