"""Every exception becomes a page, an htmx fragment or JSON here, and only here."""

from __future__ import annotations

from typing import cast

from flask import Flask, Response, current_app, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    HTTPException,
    RequestEntityTooLarge,
    SecurityError,
    TooManyRequests,
)

from app import drafts
from app.changes.errors import ChangeError
from app.cloudbees import (
    AuthenticationError,
    CloudBeesError,
    Conflict,
    NotFound,
    PermissionDenied,
    UpstreamUnavailable,
    ValidationError,
)
from app.htmx import current_page, is_htmx, notice, redirect_to, render
from app.journal import JournalError
from app.services import services, settings
from app.sessions.interface import SessionStoreUnavailable
from app.sessions.login import EXPIRED_USER
from app.web.filters import filesize

ERROR_CODES = {
    400: "InvalidArgument",
    401: "NoCredentials",
    403: "AccessDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    408: "RequestTimeout",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidArgument",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    502: "UpstreamError",
    503: "UpstreamUnavailable",
}
"""The ``code`` of propdesk's JSON error envelope for each status (the upstream's style);
any other status is ``InternalError`` (5xx) or ``BadRequest`` (4xx)."""


def error_code(status: int) -> str:
    """The envelope code of ``status`` (``ERROR_CODES``)."""
    return ERROR_CODES.get(status, "InternalError" if status >= 500 else "BadRequest")


def json_error(status: int, message: str, code: str | None = None) -> Response:
    """propdesk's one JSON error envelope: ``{"error": {"code": ..., "message": ...}}``."""
    body = {"error": {"code": code or error_code(status), "message": message}}
    payload = cast(Response, current_app.json.response(body))
    payload.status_code = status
    return payload


def wants_json() -> bool:
    """JSON answers for the API (``/api/``) and for clients that prefer JSON (not htmx)."""
    if request.path.startswith("/api/"):
        return True
    return request.accept_mimetypes.best == "application/json" and not is_htmx()


def error_page(status: int, title: str, message: str, code: str | None = None) -> Response:
    """The error answer of every handler: the error page, an htmx notice that swaps
    nothing, or the JSON envelope (``wants_json``). Public for blueprints whose own
    typed errors (Buildbot's) are turned into answers by a handler of theirs."""
    if wants_json():
        return json_error(status, message, code)
    response = render(
        "errors/error.html", "errors/_error.html", status=status, title=title, message=message
    )
    if is_htmx():
        response.headers["HX-Reswap"] = "none"
        notice(response, message, "error")
    return response


def login_again() -> Response:
    """Send the user to login, back to this page after it; keep a form being submitted."""
    state = services().login_state
    stored = state.stored()
    key = request.form.get(drafts.FIELD) if request.method == "POST" else None
    if key and stored is not None:
        drafts.keep(key, request.form, stored.user)
    carried = drafts.carried()
    if stored is not None:
        carried[EXPIRED_USER] = stored.user  # the login form offers the same user again
    state.end(keep=carried)
    return redirect_to(url_for("auth.login", next=current_page(), expired=1))


def handle_cloudbees(err: CloudBeesError) -> Response:
    if isinstance(err, AuthenticationError):
        return login_again()
    if isinstance(err, UpstreamUnavailable):
        message = err.message
        if request.method in ("POST", "PUT", "DELETE"):
            message = (
                f"Nothing was saved: {err.message}. Your form is unchanged; try "
                "again when CloudBees CD answers."
            )
        return error_page(503, "CloudBees CD is not reachable", message, "UpstreamUnavailable")
    if isinstance(err, PermissionDenied):
        return error_page(403, "Not allowed", err.message)
    if isinstance(err, NotFound):
        return error_page(404, "Not found", err.message)
    if isinstance(err, Conflict):
        return error_page(409, "Conflict", err.message)
    if isinstance(err, ValidationError):
        return error_page(422, "Not accepted", err.message)
    current_app.logger.warning("upstream error %s %s: %s", err.method, err.path, err.code)
    return error_page(502, "CloudBees CD failed", err.message, "UpstreamError")


def handle_csrf(err: CSRFError) -> Response:
    response = error_page(
        400,
        "Form expired",
        "The form was too old or not ours; the page reloads so you can try again.",
    )
    if is_htmx():
        response.headers["HX-Refresh"] = "true"
    return response


def handle_rate_limit(err: TooManyRequests) -> Response:
    return error_page(
        429, "Too many attempts", "Too many login attempts. Wait a minute, then try again."
    )


def handle_too_large(err: RequestEntityTooLarge) -> Response:
    """413: a body over the byte limit, or a form of too many parts (files)."""
    limit = settings().max_upload_bytes
    max_body = current_app.config["MAX_CONTENT_LENGTH"]
    files = settings().max_upload_files
    length = request.content_length
    if length is None:  # streamed without a length: either limit may have been passed
        message = f"The upload is larger than {filesize(limit)} or holds more than {files} files"
    elif length > max_body:
        message = f"The upload is larger than the limit of {filesize(limit)}"
    else:
        message = f"The upload holds more than {files} files"
    return error_page(
        413,
        "Upload too large",
        f"{message}; nothing was sent to CloudBees CD. Your form is unchanged.",
    )


def handle_store_down(err: Exception) -> Response:
    """No session store: a plain page that needs no session (nor CSRF token) to render."""
    current_app.logger.error("session store unavailable: %s", err)
    text = (
        "propdesk's session store is unavailable, so nobody can be logged in right now. "
        "Nothing was changed. Try again in a moment."
    )
    if is_htmx():
        response = Response(text, 503, mimetype="text/plain")
        response.headers["HX-Reswap"] = "none"
        return notice(response, text, "error")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Session store unavailable · propdesk</title></head><body><main>"
        f"<h1>Session store unavailable</h1><p>{text}</p></main></body></html>"
    )
    return Response(page, 503, mimetype="text/html")


def handle_bad_host(err: SecurityError) -> Response:
    """A Host header outside PROPDESK_TRUSTED_HOSTS: no URL can be built, so plain text."""
    return Response("Bad Request: this host name is not served here.\n", 400, mimetype="text/plain")


def handle_change_refused(err: ChangeError) -> Response:
    """The change engine refused a tree or plan (too large, too many operations) where the
    view has no form to show it beside (an export): a clear 422, never a 500."""
    return error_page(422, "Too large to handle", err.message, "InvalidArgument")


def handle_journal_down(err: JournalError) -> Response:
    """The journal's database does not answer: its pages cannot be shown (editing works)."""
    current_app.logger.warning("journal unavailable: %s", err)
    return error_page(
        503,
        "History unavailable",
        "propdesk's journal database does not answer, so the history cannot be shown right "
        "now. Editing works as usual.",
        "DatabaseUnavailable",
    )


def handle_http(err: HTTPException) -> Response:
    return error_page(err.code or 500, err.name, err.description or err.name)


def handle_unexpected(err: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(
        500,
        "Something went wrong",
        "propdesk hit an internal error; nothing was changed by this request.",
    )


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(CloudBeesError, handle_cloudbees)
    app.register_error_handler(SessionStoreUnavailable, handle_store_down)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(TooManyRequests, handle_rate_limit)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(SecurityError, handle_bad_host)
    app.register_error_handler(JournalError, handle_journal_down)
    app.register_error_handler(ChangeError, handle_change_refused)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
