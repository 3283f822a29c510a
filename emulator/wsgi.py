"""The emulator's WSGI application: dispatch to the REST routes, the publish endpoint or
the test controls, and turn every refusal into the upstream's error envelope."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from emulator import controls, publish, repository
from emulator.auth import authenticate
from emulator.errors import ApiError
from emulator.http import Call, error_response, raw_segments, read_arguments
from emulator.routes import PUBLIC, route
from emulator.settings import EmulatorSettings
from emulator.store import Store

API_PREFIX = ["rest", "v1.0"]
PUBLISH_PATHS = (
    ["commander", "publishArtifact.php"],
    ["commander", "cgi-bin", "publishArtifactAPI.cgi"],
)
PUBLISH_ROUTE = "POST /commander/publishArtifact"
UNKNOWN_ROUTE = "unknown"


class EmulatorApp:
    """A CloudBees CD REST API v1.0 server in one WSGI callable."""

    def __init__(self, settings: EmulatorSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.store = Store(settings.db_path, clock)
        self.controls = controls.Controls(self.store, settings.latency_ms)
        settings.files_dir.mkdir(parents=True, exist_ok=True)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.settings.max_body_bytes
        try:
            segments = raw_segments(environ)
        except UnicodeDecodeError:
            segments = ["<undecodable>"]
        response = self.dispatch(request, segments)
        return response(environ, start_response)

    def dispatch(self, request: Request, segments: list[str]) -> Response:
        """The answer to one request, ``segments`` being its percent-decoded path."""
        if segments[:1] == [controls.PREFIX] and self.settings.controls:
            return self.controls.handle(request, segments[1:])
        try:
            if any(segments == p for p in PUBLISH_PATHS):
                return self._publish(request)
            if segments[:1] == [repository.PREFIX]:
                return self._repository(request, segments[1:])
            if segments[:2] != API_PREFIX:
                self.controls.record(request, UNKNOWN_ROUTE)
                raise ApiError(501, "NotImplemented", "Unknown request")
            return self._api(request, segments[2:])
        except ApiError as err:
            return error_response(err)
        except RequestEntityTooLarge:
            return error_response(ApiError(413, "InvalidArgument", "The request body is too large"))

    def _publish(self, request: Request) -> Response:
        is_post = request.method == "POST"
        self.controls.record(request, PUBLISH_ROUTE if is_post else UNKNOWN_ROUTE)
        self.controls.delay()
        if not is_post:
            raise ApiError(501, "NotImplemented", "Unknown request")
        return publish.handle(self.store, self.settings, request)

    def _repository(self, request: Request, segs: list[str]) -> Response:
        """The artifact repository's downloads (outside ``/rest/``)."""
        self.controls.record(request, repository.route_of(segs) or UNKNOWN_ROUTE)
        self.controls.delay()
        return repository.handle(self.store, self.settings, request, segs)

    def _api(self, request: Request, segs: list[str]) -> Response:
        handler, name = route(request.method, segs)
        self.controls.record(request, name)
        self.controls.delay()
        fault = self.controls.next_fault()
        if fault is not None:
            return fault
        if handler is None:
            raise ApiError(
                501, "NotImplemented", f"Unknown request {request.method} {request.path}"
            )
        call = Call(request, segs, read_arguments(request), self.store)
        if handler not in PUBLIC:
            call.user = authenticate(self.store, request, self.settings.session_lifetime)
        return handler(call)


def create_emulator(
    settings: EmulatorSettings, clock: Callable[[], float] = time.time
) -> EmulatorApp:
    """Build an emulator WSGI app (the store is created or opened at ``settings.db_path``).

    ``clock`` is the time source of session expiry (tests pass their own).
    """
    return EmulatorApp(settings, clock)
