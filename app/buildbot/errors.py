"""One hierarchy of Buildbot errors, and the one function that reads Buildbot's answers.

Buildbot's REST API answers a refused read with ``{"error": "text"}`` (400 for a bad query,
404 for a missing resource) and a refused JSON-RPC call with ``{"error": {"code": ...,
"message": ...}}``: ``-32602`` carries one message per form field, ``-32603`` an internal
failure (an unknown scheduler or builder), ``-32600`` a refusal (a missing role).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
INVALID_REQUEST = -32600


class BuildbotError(Exception):
    """Any refusal or failure of a Buildbot call. ``status`` is the HTTP status (``None``
    without an answer), ``code`` the JSON-RPC error code (0 for REST), ``message`` the
    text for the person who sees it, ``method`` and ``path`` the call."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int = 0,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        return f"{self.message}{where}"


class LoginRequired(BuildbotError):
    """The master wants a login (HTTP 401, or a refusal to an anonymous user)."""


class LoginRefused(BuildbotError):
    """The user name or password was wrong (``/auth/login`` answered 401)."""


class PermissionDenied(BuildbotError):
    """The (logged-in) user may not do this (HTTP 403, JSON-RPC -32600)."""


class NotFound(BuildbotError):
    """The builder, build or scheduler does not exist (HTTP 404)."""


class BadRequest(BuildbotError):
    """Buildbot refused the query or the call (HTTP 400): an unknown parameter, field,
    limit or filter."""


class FieldErrors(BadRequest):
    """A force was refused field by field (JSON-RPC -32602): ``fields`` maps a parameter's
    name to Buildbot's message about it."""

    def __init__(self, fields: Mapping[str, str], **kwargs: Any) -> None:
        listed = "; ".join(f"{name}: {text}" for name, text in fields.items())
        super().__init__(f"Buildbot refused the form: {listed}", **kwargs)
        self.fields = dict(fields)


class OAuth2Only(BuildbotError):
    """The master logs people in only through an OAuth2 provider, which Buildbot's REST
    API cannot be used with."""


class ServerError(BuildbotError):
    """The master failed (5xx, JSON-RPC -32603) or answered something not the API's."""


class Unreachable(BuildbotError):
    """No answer: refused connection, reset, timeout, DNS or TLS failure."""


def error_from_answer(status: int, body: Any, method: str, path: str) -> BuildbotError:
    """The typed error for an error answer of the REST API or of a JSON-RPC call."""
    error = body.get("error") if isinstance(body, dict) else None
    where: dict[str, Any] = {"status": status, "method": method, "path": path}
    if isinstance(error, dict):
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) else 0
        message = error.get("message")
        if code == INVALID_PARAMS and isinstance(message, dict):
            fields = {str(k): str(v) for k, v in message.items()}
            return FieldErrors(fields, code=code, **where)
        text = str(message or f"HTTP {status}")
        if code == INVALID_REQUEST or status == 403:
            return PermissionDenied(f"Buildbot refused: {text}", code=code, **where)
        if code == INTERNAL_ERROR:
            return ServerError(f"Buildbot failed: {text}", code=code, **where)
        return _by_status(status, text, code, where)
    text = str(error) if isinstance(error, str) and error else f"Buildbot answered HTTP {status}"
    return _by_status(status, text, 0, where)


def _by_status(status: int, text: str, code: int, where: dict[str, Any]) -> BuildbotError:
    if status == 401:
        return LoginRequired(f"Buildbot wants a login: {text}", code=code, **where)
    if status == 403:
        return PermissionDenied(f"Buildbot refused: {text}", code=code, **where)
    if status == 404:
        return NotFound(_short_not_found(text), code=code, **where)
    if 400 <= status < 500:
        return BadRequest(f"Buildbot refused the request: {text}", code=code, **where)
    return ServerError(f"Buildbot failed (HTTP {status}): {text}", code=code, **where)


def _short_not_found(text: str) -> str:
    """Buildbot's 404 text lists its endpoint patterns and internal arguments: keep the
    first words only."""
    head = text.split(" while ", 1)[0].strip() or "not found"
    return f"Buildbot: {head}"
