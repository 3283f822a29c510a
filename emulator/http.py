"""Request and response plumbing shared by the handlers: ``Call``, JSON answers, raw paths.

Routing reads the raw request target (``RAW_URI`` / ``REQUEST_URI``) and percent-decodes
each segment on its own, so a name holding an encoded ``/`` stays one segment, exactly as
on a real server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request, Response

from emulator.errors import ApiError, invalid_argument
from emulator.rules import check_text, parse_bool
from emulator.store import Store
from emulator.views import Json

Args = dict[str, Any]


class Call:
    """One API request as a handler sees it: the caller, merged arguments, path segments
    (after ``/rest/v1.0``) and the store."""

    def __init__(self, request: Request, segments: list[str], args: Args, store: Store) -> None:
        self.request = request
        self.segments = segments
        self.args = args
        self.store = store
        self.user = ""

    def text(self, name: str, default: str = "") -> str:
        """A string argument (a JSON number or boolean as its JSON text)."""
        raw = self.args.get(name)
        if raw is None:
            return default
        if isinstance(raw, (dict, list)):
            raise invalid_argument(name, "expected a string")
        return check_text(name, raw if isinstance(raw, str) else json.dumps(raw))

    def flag(self, name: str, default: bool) -> bool:
        """A boolean argument (``0|1|true|false``); missing or empty gives ``default``."""
        raw = self.args.get(name)
        return default if raw is None or raw == "" else parse_bool(name, raw)

    def has(self, name: str) -> bool:
        return self.args.get(name) is not None

    def require_write(self) -> None:
        """Refuse a caller without modify privileges (403 ``AccessDenied``)."""
        if not self.store.can_write(self.user):
            raise ApiError(
                403, "AccessDenied", f"User '{self.user}' does not have modify privileges"
            )


Handler = Callable[[Call], Response]


def json_response(body: Json, status: int = 200) -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(payload.encode(), status=status, content_type="application/json")


def error_response(err: ApiError) -> Response:
    return json_response(err.envelope(), err.status)


def raw_target(request: Request) -> str:
    """The request path as sent, before any decoding (no query string)."""
    env = request.environ
    return str(env.get("RAW_URI") or env.get("REQUEST_URI") or request.path).split("?", 1)[0]


def raw_segments(environ: dict[str, Any]) -> list[str]:
    """The request path split on ``/`` and percent-decoded segment by segment."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        raw = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
    path = raw.split("?", 1)[0]
    if "://" in path:  # absolute-form request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return [unquote(s, errors="strict") for s in path.split("/")[1:]]


def read_arguments(request: Request) -> Args:
    """Query string and JSON body merged; the body wins on a clash."""
    args: Args = {}
    for key in request.args:
        values = request.args.getlist(key)
        args[key] = values if key == "dependentArtifactVersions" else values[-1]
    body = request.get_data(cache=True)
    if body.strip():
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "InvalidArgument", "The request body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "InvalidArgument", "The request body must be a JSON object")
        args.update(parsed)
    return args
