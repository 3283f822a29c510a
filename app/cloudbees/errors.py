"""One hierarchy of CloudBees CD errors, and the one function that reads the error envelope.

Messages carry the server's own text, the method and the route, and never credentials or
session ids (requests carry those in headers and bodies, never in the path).
"""

from __future__ import annotations

import re
from typing import Any


class CloudBeesError(Exception):
    """Any refusal or failure of a CloudBees CD call.

    ``status`` is the HTTP status (``None`` when no answer came back or the check ran before
    any call), ``code`` the server's error code (``NoSuchProperty``...), ``message`` the
    server's text meant for the person who sees it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        details: str = "",
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        code = f"[{self.code}] " if self.code else ""
        return f"{code}{self.message}{where}"


class AuthenticationError(CloudBeesError):
    """No, wrong or expired credentials (HTTP 401): log in again."""


class PermissionDenied(CloudBeesError):
    """The user may not do this (HTTP 403, ``AccessDenied``)."""


class NotFound(CloudBeesError):
    """The project, property, artifact, version or repository does not exist (HTTP 404)."""


class Conflict(CloudBeesError):
    """The name is taken, or the object changed under us (HTTP 409)."""


class ValidationError(CloudBeesError):
    """A bad argument, name or version, refused by the server (400) or checked beforehand."""


class ServerError(CloudBeesError):
    """The server failed (5xx), or answered something that is not the API's shape."""


class NotSupported(ServerError):
    """The server does not know this route or request (HTTP 501, ``NotImplemented``)."""


class UpstreamUnavailable(CloudBeesError):
    """No answer: refused connection, reset, timeout, DNS or TLS failure."""


_BY_CODE: dict[str, type[CloudBeesError]] = {
    "NoCredentials": AuthenticationError,
    "InvalidCredentials": AuthenticationError,
    "SessionExpired": AuthenticationError,
    "AccessDenied": PermissionDenied,
    "NoSuchProject": NotFound,
    "NoSuchProperty": NotFound,
    "NoSuchPropertySheet": NotFound,
    "NoSuchArtifact": NotFound,
    "NoSuchArtifactVersion": NotFound,
    "NoSuchRepository": NotFound,
    "DuplicatePropertyName": Conflict,
    "DuplicateProjectName": Conflict,
    "DuplicateArtifactName": Conflict,
    "DuplicateArtifactVersion": Conflict,
    "InvalidArgument": ValidationError,
    "InvalidPropertyName": ValidationError,
    "InvalidArtifactName": ValidationError,
    "InvalidVersion": ValidationError,
    "NotImplemented": NotSupported,
}

_BY_STATUS: dict[int, type[CloudBeesError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    405: NotSupported,
    409: Conflict,
    413: ValidationError,
    501: NotSupported,
}


def error_class(code: str, status: int | None) -> type[CloudBeesError]:
    """The exception class for an error: by ``code`` first, by HTTP status second."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status is not None and status in _BY_STATUS:
        return _BY_STATUS[status]
    if status is not None and 400 <= status < 500:
        return ValidationError
    return ServerError


def error_from_envelope(status: int, body: Any, method: str, path: str) -> CloudBeesError:
    """Build the typed error for an HTTP error answer (the envelope, or whatever came)."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if isinstance(envelope, dict):
        code = str(envelope.get("code") or "")
        message = str(envelope.get("message") or "") or f"HTTP {status}"
        details = str(envelope.get("details") or "")
    else:
        code, message, details = "", f"CloudBees CD answered HTTP {status}", ""
    cls = error_class(code, status)
    return cls(message, status=status, code=code, details=details, method=method, path=path)


_TEXT_ERROR = re.compile(r"\[(\w+)\]:?\s*(.*)", re.S)


def error_from_text(status: int, text: str, method: str, path: str) -> CloudBeesError:
    """Build the typed error for a plain-text refusal (the publish endpoint answers
    ``publishArtifactAPI error [NoSuchRepository]: ...``, sometimes with HTTP 200)."""
    found = _TEXT_ERROR.search(text)
    code, message = (found.group(1), found.group(2).strip()) if found else ("", text.strip())
    known = status if status >= 400 else None
    cls = error_class(code, known) if (code or known) else ServerError
    return cls(
        message or f"CloudBees CD refused the call ({code or status})",
        status=known,
        code=code,
        method=method,
        path=path,
    )
