"""Test controls (``/_emulator/...``, only with ``--controls``) and what they steer: added
latency, per-route request counts, the log of recent requests and injected faults."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from emulator.errors import ApiError, invalid_argument
from emulator.http import error_response, json_response, raw_target
from emulator.store import Store
from emulator.views import Json

PREFIX = "_emulator"
REQUEST_LOG_SIZE = 2000

Fault = tuple[int, str, str]  # (status, Retry-After, Location)


class Controls:
    """The emulator's run-time knobs, shared by every request thread."""

    def __init__(self, store: Store, latency_ms: int) -> None:
        self.store = store
        self.latency_ms = latency_ms
        self._counts: Counter[str] = Counter()
        self._requests: deque[Json] = deque(maxlen=REQUEST_LOG_SIZE)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._table: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("POST", "sessions/expire"): self._expire_sessions,
            ("GET", "latency"): self._get_latency,
            ("PUT", "latency"): self._set_latency,
            ("GET", "counts"): self._get_counts,
            ("DELETE", "counts"): self._reset_counts,
            ("PUT", "faults"): self._set_faults,
            ("GET", "requests"): self._get_requests,
            ("POST", "tokens"): self._mint_token,
        }

    # -- used on every request -------------------------------------------------------------
    def record(self, request: Request, route: str) -> None:
        """Count the request under its route name and keep it in the request log."""
        entry = {
            "method": request.method,
            "route": route,
            "path": raw_target(request),
            "query": request.query_string.decode("latin-1"),
            # The client's address and port: one per TCP connection (reuse shows as repeats).
            "peer": f"{request.remote_addr}:{request.environ.get('REMOTE_PORT')}",
        }
        with self._lock:
            self._counts[route] += 1
            self._requests.append(entry)

    def delay(self) -> None:
        """Sleep for the configured latency (the emulated server's think time)."""
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)

    def next_fault(self) -> Response | None:
        """The answer of the next pending injected fault, if any (it is used up)."""
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is None:
            return None
        status, retry_after, location = fault
        code = "ServiceUnavailable" if status >= 500 else "Injected"
        response = error_response(ApiError(status, code, f"Injected fault (HTTP {status})"))
        if retry_after:
            response.headers["Retry-After"] = retry_after
        if location:
            response.headers["Location"] = location
        return response

    # -- the control routes ----------------------------------------------------------------
    def handle(self, request: Request, segs: list[str]) -> Response:
        """Answer ``/_emulator/<segs>``."""
        if request.method == "DELETE" and len(segs) == 2 and segs[0] == "tokens":
            return self._revoke_token(segs[1])
        control = self._table.get((request.method, "/".join(segs)))
        if control is None:
            return error_response(ApiError(501, "NotImplemented", "Unknown control"))
        return control(request)

    def _expire_sessions(self, request: Request) -> Response:
        user = request.args.get("userName") or None
        return json_response({"expired": self.store.expire_sessions(user)})

    def _get_latency(self, request: Request) -> Response:
        return json_response({"latencyMs": self.latency_ms})

    def _set_latency(self, request: Request) -> Response:
        try:
            self.latency_ms = max(0, int(request.args.get("ms", "0")))
        except ValueError:
            return error_response(invalid_argument("ms", "expected an integer"))
        return json_response({"latencyMs": self.latency_ms})

    def _get_counts(self, request: Request) -> Response:
        with self._lock:
            counts = dict(self._counts)
        return json_response({"counts": counts, "total": sum(counts.values())})

    def _reset_counts(self, request: Request) -> Response:
        with self._lock:
            self._counts.clear()
            self._requests.clear()
        return json_response({})

    def _set_faults(self, request: Request) -> Response:
        """The next ``count`` API calls answer ``status`` (optional Retry-After, Location)."""
        try:
            status = int(request.args.get("status", "503"))
            count = int(request.args.get("count", "1"))
        except ValueError:
            return error_response(invalid_argument("status", "integer"))
        fault = (status, request.args.get("retryAfter", ""), request.args.get("location", ""))
        with self._lock:
            self._faults = [fault] * count
        return json_response({"pending": count})

    def _get_requests(self, request: Request) -> Response:
        with self._lock:
            return json_response({"requests": list(self._requests)})

    def _mint_token(self, request: Request) -> Response:
        """A new access token for ``?userName=U`` (section 11 of the reference)."""
        user = request.args.get("userName", "")
        token = self.store.mint_token(user) if user else None
        if token is None:
            return error_response(invalid_argument("userName", "expected an existing user"))
        return json_response({"token": token})

    def _revoke_token(self, token: str) -> Response:
        """Revoke an access token: later logins with it are refused."""
        if not self.store.revoke_token(token):
            return error_response(ApiError(404, "NoSuchToken", "No such access token"))
        return json_response({})
