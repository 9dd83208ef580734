"""Application errors and the handlers that turn every failure into a clear 4xx (or a bare 500)."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from marshmallow import Schema, fields
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A refusal the user can act on: a code, a message, and optional per-field messages."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        if status:
            self.status = status


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class Conflict(AppError):
    status = 409
    code = "conflict"


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "Stable, machine-readable: not_found, validation_failed, conflict..."})
    message = fields.String(required=True, metadata={"description": "A sentence for people."})
    fields = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "Messages by field name: a list of strings, or an object for nested fields; empty when none."},
    )


class ErrorResponse(Schema):
    """The one error shape of the JSON API: {"error": {"code", "message", "fields"}}."""

    error = fields.Nested(ErrorBody, required=True)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    503: "unavailable",
}
# Errors that mean the database cannot be reached (refused, dropped, pool exhausted), not that the request is wrong.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
RETRY_AFTER_SECONDS = 30
FRIENDLY = {
    400: "The request could not be understood.",
    401: "Sign in to continue.",
    403: "You do not have permission to do that.",
    404: "Nothing here: the page or record does not exist, or it is not yours to see.",
    405: "That method is not allowed here.",
    413: "The upload is too large.",
    429: "Too many attempts. Wait a few minutes and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, field_errors: dict | None = None, headers=None):
    if wants_json():
        body = {"error": {"code": code, "message": message, "fields": field_errors or {}}}
        response = jsonify(body)
    else:
        response = render_template("errors/error.html", status=status, message=message), status
        from flask import make_response

        response = make_response(response)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten_webargs(messages) -> dict:
    # webargs nests messages by location ({"json": {...}, "query": {...}}).
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "multipart", "headers", "view_args"}:
        merged = {}
        for value in messages.values():
            if isinstance(value, dict):
                merged.update(value)
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}


def handle_app_error(error: AppError):
    return error_response(error.status, error.code, error.message, error.fields, getattr(error, "headers", None))


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    field_errors = None
    message = FRIENDLY.get(status, error.description or error.name)
    if "messages" in data or "errors" in data:
        field_errors = _flatten_webargs(data.get("errors") or data.get("messages"))
        message = "The request has invalid fields."
    if data.get("message"):
        message = data["message"]
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    if status == 401 and wants_json():
        headers.setdefault("WWW-Authenticate", 'Bearer realm="backline"')
    code = HTTP_CODES.get(status, "error")
    if status == 400 and "CSRF" in (error.description or ""):
        code, message = "csrf_failed", "The form expired or did not come from this site. Reload the page and try again."
    return error_response(status, code, message, field_errors, headers)


def handle_integrity_error(error: IntegrityError):
    """A duplicate key met while flushing (a concurrent request saved it first) is a 409, not a 500."""
    from app.core import uow

    if uow.is_unique_violation(error):
        return uow.conflict_response(error)
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", FRIENDLY[500])


def handle_database_unavailable(error: Exception):
    """503 with Retry-After: the request may succeed once the database is back."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, error)
    message = "The service is temporarily unavailable. Try again in a minute."
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        return error_response(503, "unavailable", message, headers=headers)
    from flask import make_response

    # A page of its own: the site layout reads the signed-in user and the agency, which needs the database.
    response = make_response(render_template("errors/unavailable.html", message=message), 503)
    response.headers.update(headers)
    return response


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_text() -> None:
    """Text holding a NUL character cannot be stored (PostgreSQL refuses it): 422 before anything reads it.

    Query strings, form fields and JSON strings are checked; uploaded files are bytes and may hold anything.
    """
    texts = [*request.args.values(), *request.args.keys()]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        texts += [*request.form.values(), *request.form.keys()]
        if request.is_json:
            texts.append(request.get_json(silent=True))
    if any(_has_nul(text) for text in texts):
        raise ValidationFailed("Text may not contain NUL characters.", fields={"_text": ["Remove the NUL (\\x00) characters."]})


def init_app(app) -> None:
    app.before_request(refuse_nul_text)
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
