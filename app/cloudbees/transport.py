"""The only place that does HTTP to CloudBees CD.

One pooled ``requests.Session`` per thread that never keeps a server cookie (a shared cookie
jar would hand one user's CloudBees session to another); a (connect, read) timeout on every
call; urllib3 ``Retry`` with backoff for GET only (connection failures before anything was
sent are retried for every method, since the server never saw the request); ``Retry-After``
honoured up to a cap; one deadline per chain of calls (a dashboard request, or one call on its
own) bounding every attempt, retry and wait in it; no redirects followed; TLS verified against
a CA bundle passed on every call (so a set ``REQUESTS_CA_BUNDLE`` cannot silently override
it); answers larger than a cap refused.
"""

from __future__ import annotations

import json
import logging
import math
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from app.cloudbees.errors import (
    CloudBeesError,
    ServerError,
    UpstreamUnavailable,
    error_from_envelope,
)
from app.http_session import (
    Deadline,
    cookieless_session,
    cut_to,
    encode_segment,
    host_of,
    json_body,
    read_capped,
    send,
    tls_verify,
)

log = logging.getLogger(__name__)

# Called after every upstream call with (operation, seconds, error kind or None); the
# dashboard registers its metrics here (this package stays free of Flask and Prometheus).
OBSERVERS: list[Callable[[str, float, str | None], None]] = []


@contextmanager
def _observed(operation: str) -> Iterator[dict[str, str]]:
    """Time one upstream call and tell every observer, failures included. The caller may
    set ``outcome["error"]`` for a failure that raised nothing (a plain-text refusal)."""
    started = time.perf_counter()
    outcome: dict[str, str] = {}
    try:
        yield outcome
    except CloudBeesError as err:
        outcome["error"] = type(err).__name__
        raise
    finally:
        for observe in OBSERVERS:
            observe(operation, time.perf_counter() - started, outcome.get("error"))


def operation_of(method: str, segments: Sequence[str]) -> str:
    """A bounded label for a call: ``GET /properties//{path}``, ``PUT /properties/{name}``."""
    if not segments:
        return f"{method} /"
    head = segments[0]
    if len(segments) == 1:
        return f"{method} /{head}"
    if segments[1] == "":
        return f"{method} /{head}//{{path}}"
    return f"{method} /{head}/{{name}}"


Json = dict[str, Any]


@dataclass(frozen=True)
class BasicAuth:
    """User name and password sent on every call (scripts; no session)."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"BasicAuth(user={self.user!r})"


@dataclass(frozen=True)
class SessionAuth:
    """An upstream session id sent in the ``sessionId`` header."""

    session_id: str

    def __repr__(self) -> str:
        return "SessionAuth(<hidden>)"


Auth = BasicAuth | SessionAuth


# The client's defaults, named once: ``TransportSettings``, ``CloudBeesClient.login`` and the
# dashboard's ``PROPDESK_*`` settings table (``app/config.py``) all take them from here.
DEFAULT_CONNECT_TIMEOUT: float = 3.05
"""Seconds to wait for a TCP connection (a little over a multiple of 3, the TCP resend)."""
DEFAULT_READ_TIMEOUT: float = 30.0
"""Seconds to wait for the server's answer once connected."""
DEFAULT_RETRIES: int = 2
"""Retries of idempotent calls on connection errors and 502/503/504, with backoff."""
DEFAULT_MAX_RESPONSE_BYTES: int = 64 * 1024 * 1024
"""Largest answer read into memory (64 MiB); a larger one is refused."""
DEFAULT_DEADLINE_MARGIN: float = 15.0
"""Seconds the default deadline of a chain of calls adds to the read timeout: room for the
retries of quick failures and their waits."""
DEFAULT_BACKOFF_MAX: float = 5.0
"""Longest backoff between two attempts (urllib3's ``backoff_max``)."""


def derived_deadline(read_timeout: float) -> float:
    """The default deadline of a chain of calls: the read timeout plus
    ``DEFAULT_DEADLINE_MARGIN`` (``PROPDESK_UPSTREAM_DEADLINE`` when it is empty)."""
    return read_timeout + DEFAULT_DEADLINE_MARGIN


@dataclass(frozen=True)
class TransportSettings:
    """Where and how to reach the server. ``server_url`` is the base URL without
    ``/rest/v1.0``; ``verify_tls=False`` is an explicit, logged opt-out."""

    server_url: str
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff_factor: float = 0.2
    ca_bundle: Path | None = None
    verify_tls: bool = True
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    deadline: float | None = None

    @property
    def api_base(self) -> str:
        return self.server_url.rstrip("/") + "/rest/v1.0"

    @property
    def deadline_seconds(self) -> float:
        """Seconds one chain of calls may take in all: ``deadline``, or when it is ``None``
        the read timeout plus ``DEFAULT_DEADLINE_MARGIN``."""
        return self.deadline if self.deadline is not None else derived_deadline(self.read_timeout)


@dataclass(frozen=True)
class RawResponse:
    """A non-JSON answer (the publish endpoint's plain text)."""

    status: int
    text: str


class _GaveUp(MaxRetryError):
    """urllib3's "no more retries", saying how many attempts were made and, when the
    deadline rather than the retry count ended them, which deadline."""

    def __init__(
        self,
        pool: ConnectionPool | None,
        url: str | None,
        reason: Exception | None,
        *,
        attempts: int,
        deadline: Deadline | None,
    ) -> None:
        super().__init__(pool, url or "", reason)  # type: ignore[arg-type]
        self.attempts = attempts
        self.deadline = deadline


class _DeadlineRetry(Retry):
    """urllib3's ``Retry`` that also gives up when the wait before the next attempt (the
    capped ``Retry-After`` or backoff, what ``sleep`` will wait) plus one whole attempt
    (``attempt_seconds``: connect and read timeouts) would not end before the deadline of the
    chain of calls (``deadline_of()``), so retries and waits never outlast it. When it gives
    up, a failed answer (503) is returned as it is, a failed attempt raises ``_GaveUp``."""

    def __init__(
        self,
        *args: Any,
        deadline_of: Callable[[], Deadline | None] = lambda: None,
        attempt_seconds: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.deadline_of = deadline_of
        self.attempt_seconds = attempt_seconds

    def new(self, **kw: Any) -> Self:
        kw.setdefault("deadline_of", self.deadline_of)
        kw.setdefault("attempt_seconds", self.attempt_seconds)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        attempts = len(self.history) + 1
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError as spent:
            raise _GaveUp(_pool, url, spent.reason, attempts=attempts, deadline=None) from spent
        deadline = self.deadline_of()
        if deadline is not None and deadline.left() < retry.next_wait(response) + (
            self.attempt_seconds
        ):
            reason = error or ResponseError(f"no time left for another attempt ({url})")
            raise _GaveUp(_pool, url, reason, attempts=attempts, deadline=deadline) from error
        return retry

    def next_wait(self, response: BaseHTTPResponse | None) -> float:
        """What ``sleep`` waits before the next attempt: the answer's ``Retry-After``
        (capped at ``retry_after_max``) when it is obeyed, else the backoff (capped at
        ``backoff_max``)."""
        if self.respect_retry_after_header and response is not None:
            try:
                after = self.get_retry_after(response)
            except InvalidHeader:
                after = None
            if after:
                return after
        return self.get_backoff_time()


@dataclass(frozen=True)
class _Tried:
    """What one failed call went through, so its message tells the truth: the attempts, the
    seconds they took, the deadline, the (connect, read) timeouts it was sent with, whether
    the read timeout was cut short to fit the deadline (``cut``) and whether the deadline
    stopped further retries (``stopped``)."""

    attempts: int
    seconds: float
    deadline: Deadline
    waits: tuple[float, float]
    cut: bool
    stopped: bool

    @classmethod
    def of(
        cls,
        err: Exception,
        started: float,
        deadline: Deadline,
        waits: tuple[float, float],
        cut: bool,
    ) -> _Tried:
        """Read the attempts from the error requests raised (urllib3's, inside it)."""
        gave_up = err.args[0] if err.args and isinstance(err.args[0], _GaveUp) else None
        return cls(
            attempts=gave_up.attempts if gave_up else 1,
            seconds=time.monotonic() - started,
            deadline=deadline,
            waits=waits,
            cut=cut,
            stopped=gave_up is not None and gave_up.deadline is not None,
        )

    def tail(self) -> str:
        """`` (3 attempts, 9.4 s)`` and why no other attempt was made; empty for one
        attempt the deadline did not stop."""
        if self.attempts == 1 and not self.stopped:
            return ""
        counted = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        why = (
            f"; the {self.deadline.seconds:g} s deadline left no time for another attempt"
            if self.stopped
            else ""
        )
        return f" ({counted}, {self.seconds:.1f} s{why})"


def _with_auth(
    headers: dict[str, str] | None, auth: Auth | None
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """The headers with the session id added, and the user and password for Basic auth."""
    headers = dict(headers or {})
    if isinstance(auth, SessionAuth):
        headers["sessionId"] = auth.session_id
        return headers, None
    if isinstance(auth, BasicAuth):
        return headers, (auth.user, auth.password)
    return headers, None


class Transport:
    """Sends calls to one CloudBees CD server and returns parsed JSON or typed errors."""

    def __init__(self, settings: TransportSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._verify = tls_verify(settings.ca_bundle, settings.verify_tls)
        if not settings.verify_tls:
            log.warning(
                "TLS verification of %s is OFF (PROPDESK_VERIFY_TLS=0): anyone on the path "
                "can read and change the traffic, passwords included",
                settings.server_url,
            )
        # HTTPS_PROXY / NO_PROXY for this server, honoured as requests would, read once.
        self._proxies = requests.utils.get_environ_proxies(settings.server_url)
        self._retry = _DeadlineRetry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            redirect=0,
            backoff_factor=settings.backoff_factor,
            backoff_max=DEFAULT_BACKOFF_MAX,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            retry_after_max=math.ceil(settings.deadline_seconds),
            raise_on_status=False,
            raise_on_redirect=False,
            deadline_of=self.active_deadline,
            attempt_seconds=settings.connect_timeout + settings.read_timeout,
        )

    # -- sessions per thread ---------------------------------------------------------------
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            # Environment proxies are read once (in __init__), not on every call; no .netrc.
            adapter = HTTPAdapter(max_retries=self._retry, pool_connections=4, pool_maxsize=16)
            session = cookieless_session(adapter)
            session.headers.update({"Accept": "application/json", "User-Agent": "propdesk"})
            self._local.session = session
        return session

    def close(self) -> None:
        """Close this thread's pooled connections."""
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    # -- deadlines per thread --------------------------------------------------------------
    def active_deadline(self) -> Deadline | None:
        """The deadline of the chain of calls this thread is in, if any."""
        found = getattr(self._local, "deadline", None)
        return found if isinstance(found, Deadline) else None

    @contextmanager
    def deadline(self, seconds: float | None = None) -> Iterator[Deadline]:
        """Bound every call this thread makes inside the block by one deadline, ``seconds``
        from now (default ``settings.deadline_seconds``): all their attempts, retries and
        waits together. Inside another such block the earlier end holds. Every call opens one
        of its own; the dashboard opens one per request."""
        outer = self.active_deadline()
        mine = Deadline.starting_now(self.settings.deadline_seconds if seconds is None else seconds)
        if outer is not None and outer.ends_at <= mine.ends_at:
            mine = outer
        self._local.deadline = mine
        try:
            yield mine
        finally:
            self._local.deadline = outer

    # -- URLs ------------------------------------------------------------------------------
    def api_url(self, segments: Sequence[str]) -> str:
        """``<api base>/seg1/seg2...`` with every segment percent-encoded on its own."""
        return self.settings.api_base + "/" + "/".join(encode_segment(s) for s in segments)

    # -- calls -----------------------------------------------------------------------------
    def call(
        self,
        method: str,
        segments: Sequence[str],
        *,
        auth: Auth | None,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        """One REST call; returns the JSON object or raises a ``CloudBeesError``."""
        url = self.api_url(segments)
        route = "/" + "/".join(encode_segment(s) for s in segments)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = json.dumps(body).encode() if body is not None else None
        with _observed(operation_of(method, segments)), self.deadline():
            response = self._send(
                method, url, route, auth, params=params, data=data, headers=headers
            )
            return self._json(response, method, route)

    def post_form(
        self,
        url_path: str,
        *,
        auth: Auth | None,
        data: Any,
        content_type: str,
    ) -> RawResponse:
        """POST a (streamed) form body outside ``/rest/`` (the publish endpoint)."""
        url = self.settings.server_url.rstrip("/") + url_path
        with _observed(f"POST {url_path}") as outcome, self.deadline():
            response = self._send(
                "POST", url, url_path, auth, data=data, headers={"Content-Type": content_type}
            )
            text = self._read_capped(response, "POST", url_path).decode("utf-8", "replace")
            if response.status_code >= 400:
                outcome["error"] = f"HTTP {response.status_code}"
        return RawResponse(response.status_code, text)

    def open_stream(self, url: str, route: str, headers: Mapping[str, str]) -> Stream:
        """GET an absolute ``url`` (an artifact repository's, not the REST API's) and hand
        back its body as a ``Stream`` to read chunk by chunk: never held in memory, never
        bound by ``max_response_bytes``. The call has the timeouts, retries and deadline of
        any read; an error answer raises the typed error of its status."""
        with _observed(f"GET {route}") as outcome, self.deadline():
            response = self._send("GET", url, route, None, headers=dict(headers))
            if response.status_code >= 400:
                outcome["error"] = f"HTTP {response.status_code}"
                raw = self._read_capped(response, "GET", route)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                raise error_from_envelope(response.status_code, body, "GET", route)
        return Stream(response, self._host(), route)

    def _send(
        self,
        method: str,
        url: str,
        route: str,
        auth: Auth | None,
        *,
        params: Mapping[str, str] | None = None,
        data: bytes | BinaryIO | Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one call (with its retries) inside the active deadline: its timeouts are cut
        to the time left, and none is sent once the deadline has passed."""
        headers, basic = _with_auth(headers, auth)
        deadline = self.active_deadline() or Deadline.starting_now(self.settings.deadline_seconds)
        left = deadline.left()
        if left <= 0:
            raise self._too_late(deadline, method, route)
        read = self.settings.read_timeout
        waits = cut_to(left, self.settings.connect_timeout, read)
        started = time.monotonic()
        try:
            response = send(
                self._session(),
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=basic,
                timeout=waits,
                verify=self._verify,
                proxies=self._proxies,
            )
        except requests.exceptions.RequestException as err:
            tried = _Tried.of(err, started, deadline, waits, cut=left < read)
            raise self._failure(err, method, route, tried) from None
        if 300 <= response.status_code < 400:
            response.close()
            raise ServerError(
                f"CloudBees CD at {self._host()} answered with a redirect "
                f"(HTTP {response.status_code}); check PROPDESK_CD_URL",
                status=response.status_code,
                method=method,
                path=route,
            )
        return response

    def _failure(
        self,
        err: requests.exceptions.RequestException,
        method: str,
        route: str,
        tried: _Tried,
    ) -> CloudBeesError:
        """The typed error for a call that got no usable answer; ``code`` says why
        (``TLSError``, ``Timeout``, ``Unreachable``), so callers never read the message,
        which says how often and how long propdesk tried (``tried``)."""
        host = self._host()
        if isinstance(err, requests.exceptions.SSLError):
            message, code = f"TLS verification of {host} failed: {_short(err)}", "TLSError"
        elif isinstance(err, requests.exceptions.RetryError):
            message = f"CloudBees CD at {host} kept answering with errors{tried.tail()}"
            return ServerError(message, method=method, path=route)
        else:
            kind = _timeout_kind(err)
            code = "Timeout" if kind == "read" else "Unreachable"
            if kind == "read" and tried.cut:
                message = (
                    f"CloudBees CD at {host} did not answer before the "
                    f"{tried.deadline.seconds:g} s deadline of this request"
                )
            elif kind == "read":
                message = f"CloudBees CD at {host} did not answer within {tried.waits[1]:g} s"
            elif kind == "connect":
                wait = tried.waits[0]
                message = (
                    f"CloudBees CD at {host} is not reachable (no connection within {wait:g} s)"
                )
            else:
                message = f"CloudBees CD at {host} is not reachable ({_short(err)})"
            message += tried.tail()
        return UpstreamUnavailable(message, method=method, path=route, code=code)

    def _too_late(self, deadline: Deadline, method: str, route: str) -> UpstreamUnavailable:
        """The error for a call not sent because its chain's deadline had passed."""
        return UpstreamUnavailable(
            f"No time was left to ask CloudBees CD at {self._host()}: the "
            f"{deadline.seconds:g} s deadline of this request has passed",
            method=method,
            path=route,
            code="Timeout",
        )

    def _host(self) -> str:
        return host_of(self.settings.server_url)

    def _read_capped(self, response: requests.Response, method: str, route: str) -> bytes:
        """The answer's body, refused past ``max_response_bytes``. Each read waits at most
        the read timeout the call was sent with (cut to its deadline); an answer that has
        begun is read to its end even past the deadline (a publish may take longer to upload
        than that, and its answer must not be lost)."""
        limit = self.settings.max_response_bytes
        return read_capped(
            response,
            limit,
            too_large=lambda: ServerError(
                f"The answer of CloudBees CD is larger than {limit} bytes",
                status=response.status_code,
                method=method,
                path=route,
                code="ResponseTooLarge",
            ),
            broke_off=lambda err: UpstreamUnavailable(
                f"CloudBees CD at {self._host()} broke off its answer ({_short(err)})",
                method=method,
                path=route,
                code="Unreachable",
            ),
        )

    def _json(self, response: requests.Response, method: str, route: str) -> Json:
        body = json_body(self._read_capped(response, method, route))
        if response.status_code >= 400:
            raise error_from_envelope(response.status_code, body, method, route)
        if not isinstance(body, dict):
            raise ServerError(
                f"CloudBees CD answered something that is not JSON (HTTP {response.status_code})",
                status=response.status_code,
                method=method,
                path=route,
            )
        return body


class Stream:
    """The open body of a download: its headers, and its chunks to pass on as they come.
    A connection that breaks off midway ends the chunks early (logged); the caller's
    answer has begun by then, so there is no error page left to show."""

    CHUNK = 64 * 1024

    def __init__(self, response: requests.Response, host: str, route: str) -> None:
        self.response = response
        self.host = host
        self.route = route

    @property
    def headers(self) -> Mapping[str, str]:
        """The repository's answer headers (``Content-Type``, ``Content-Length``, ``Format``)."""
        return self.response.headers

    def chunks(self) -> Iterator[bytes]:
        """The body, chunk by chunk (each read waits at most the read timeout); closed at
        the end, early or not."""
        try:
            yield from self.response.iter_content(chunk_size=self.CHUNK)
        except requests.exceptions.RequestException as err:
            log.warning("download from %s %s broke off: %s", self.host, self.route, _short(err))
        finally:
            self.response.close()

    def close(self) -> None:
        """Give the connection back without reading the rest."""
        self.response.close()


def _timeout_kind(err: Exception) -> str:
    """``"read"`` or ``"connect"`` for a timeout (also when urllib3 wrapped it after its
    retries), ``""`` for any other failure. urllib3's ``NewConnectionError`` (refused,
    unreachable) inherits from its timeout class but is not one."""
    if isinstance(err, requests.exceptions.ReadTimeout):
        return "read"
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return "connect"
    reason = getattr(err.args[0], "reason", None) if err.args else None
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return ""
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return "read"
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return "connect"
    return ""


def _short(err: Exception) -> str:
    """The innermost reason of a requests error, without URLs or headers."""
    reason: object = err.args[0] if err.args else err
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    if isinstance(reason, ssl.SSLCertVerificationError):
        return reason.verify_message or "certificate verify failed"
    if isinstance(reason, ssl.SSLError):
        return str(reason.reason or "TLS error")
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(reason))
    if found:
        return found.group(1).strip().rstrip(".")
    return type(reason).__name__


__all__ = [
    "Auth",
    "BasicAuth",
    "CloudBeesError",
    "Deadline",
    "RawResponse",
    "SessionAuth",
    "Transport",
    "TransportSettings",
    "encode_segment",
]
