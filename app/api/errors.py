"""The API's failures and their answers: propdesk's one JSON error envelope
(``app.errors.json_error``), except a refused key, which is plain text as the Coredination
guide has it (``401``, ``Content-Type: text/plain``, body ``Invalid API key``)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException

from app.api.blueprint import bp
from app.changes import ChangeError, PlanTooLarge, TreeTooLarge
from app.cloudbees import (
    AuthenticationError,
    CloudBeesError,
    Conflict,
    NotFound,
    PermissionDenied,
    UpstreamUnavailable,
    ValidationError,
)
from app.edit_lock import LockBusy
from app.errors import error_code, json_error
from app.journal import JournalError
from app.keys.crypto import DataKeysMissing, UndecryptableSecret
from app.sessions.interface import SessionStoreUnavailable

INVALID_KEY = "Invalid API key"


class ApiFailure(Exception):
    """A refusal with its status, envelope code and message (and extra headers)."""

    def __init__(
        self, status: int, message: str, code: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or error_code(status)
        self.message = message
        self.headers = headers or {}


def invalid_key() -> Response:
    """The one answer for a missing, unknown, revoked or expired key."""
    return Response(INVALID_KEY, 401, mimetype="text/plain")


def handle_failure(err: ApiFailure) -> Response:
    response = json_error(err.status, err.message, err.code)
    response.headers.update(err.headers)
    return response


def handle_cloudbees(err: CloudBeesError) -> Response:
    """Upstream errors by type: the status a script can act on, the server's message."""
    if isinstance(err, AuthenticationError):
        return json_error(
            403,
            "CloudBees CD refused this key's access token (revoked or expired there): "
            "make a new API key with a new token",
            "AccessDenied",
        )
    for kind, status in (
        (UpstreamUnavailable, 503),
        (PermissionDenied, 403),
        (NotFound, 404),
        (Conflict, 409),
        (ValidationError, 400),
    ):
        if isinstance(err, kind):
            return json_error(status, err.message)
    current_app.logger.warning("upstream error %s %s: %s", err.method, err.path, err.code)
    return json_error(502, err.message, "UpstreamError")


def handle_http(err: HTTPException) -> Response:
    return json_error(err.code or 500, err.description or err.name)


def handle_unavailable(err: Exception) -> Response:
    """A part of propdesk itself does not answer (database, session store, rate counts)."""
    current_app.logger.warning("api: %s unavailable: %s", type(err).__name__, err)
    return json_error(
        503, "propdesk's database or session store does not answer; try again", "Unavailable"
    )


def handle_busy(err: LockBusy) -> Response:
    return json_error(409, "Another write of this property is in progress; try again", "Busy")


def handle_secrets(err: Exception) -> Response:
    current_app.logger.error("api: the key's access token cannot be decrypted: %s", err)
    return json_error(
        503, "propdesk cannot decrypt this key's access token (PROPDESK_DATA_KEYS)", "Unavailable"
    )


def handle_change(err: ChangeError) -> Response:
    """A refused import or export: a bad file (400) or one too large to carry (413)."""
    if isinstance(err, (TreeTooLarge, PlanTooLarge)):
        return json_error(413, err.message, "TooLarge")
    return json_error(400, err.message, "InvalidArgument")


def handle_unexpected(err: Exception) -> Response:
    current_app.logger.exception("api: unexpected error on %s %s", request.method, request.path)
    return json_error(500, "propdesk hit an internal error", "InternalError")


def register(bp: Blueprint) -> None:
    """Answer every failure inside the API blueprint as JSON (at import, once)."""
    bp.register_error_handler(ApiFailure, handle_failure)
    bp.register_error_handler(CloudBeesError, handle_cloudbees)
    bp.register_error_handler(JournalError, handle_unavailable)
    bp.register_error_handler(SessionStoreUnavailable, handle_unavailable)
    bp.register_error_handler(StorageError, handle_unavailable)
    bp.register_error_handler(LockBusy, handle_busy)
    bp.register_error_handler(DataKeysMissing, handle_secrets)
    bp.register_error_handler(UndecryptableSecret, handle_secrets)
    bp.register_error_handler(ChangeError, handle_change)
    bp.register_error_handler(HTTPException, handle_http)
    bp.register_error_handler(Exception, handle_unexpected)


register(bp)
