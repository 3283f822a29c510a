"""The only place that does HTTP to CloudBees CD.

One pooled ``requests.Session`` per thread that never keeps a server cookie (a shared cookie
jar would hand one user's CloudBees session to another); a (connect, read) timeout on every
call; urllib3 ``Retry`` with backoff for GET only (connection failures before anything was
sent are retried for every method, since the server never saw the request); ``Retry-After``
honoured; no redirects followed; TLS verified against a CA bundle passed on every call (so a
set ``REQUESTS_CA_BUNDLE`` cannot silently override it); answers larger than a cap refused.
"""

from __future__ import annotations

import json
import logging
import os
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util.retry import Retry

from app.cloudbees.errors import (
    CloudBeesError,
    ServerError,
    UpstreamUnavailable,
    error_from_envelope,
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


class _NoCookies(DefaultCookiePolicy):
    """Refuse every cookie a server sets: sessions travel only in explicit headers."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


def system_ca_bundle() -> str:
    """The operating system's CA file, or certifi's bundle when the system has none."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return str(DEFAULT_CA_BUNDLE_PATH)


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

    @property
    def api_base(self) -> str:
        return self.server_url.rstrip("/") + "/rest/v1.0"


@dataclass(frozen=True)
class RawResponse:
    """A non-JSON answer (the publish endpoint's plain text)."""

    status: int
    text: str


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment; ``.`` and ``..`` are encoded too, so no client or
    proxy can resolve them as relative references."""
    encoded = quote(segment, safe="")
    if segment in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


class Transport:
    """Sends calls to one CloudBees CD server and returns parsed JSON or typed errors."""

    def __init__(self, settings: TransportSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        if settings.verify_tls:
            self._verify: str | bool = str(settings.ca_bundle or system_ca_bundle())
        else:
            log.warning(
                "TLS verification of %s is OFF (PROPDESK_VERIFY_TLS=0): anyone on the path "
                "can read and change the traffic, passwords included",
                settings.server_url,
            )
            self._verify = False
        # HTTPS_PROXY / NO_PROXY for this server, honoured as requests would, read once.
        self._proxies = requests.utils.get_environ_proxies(settings.server_url)
        self._retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            redirect=0,
            backoff_factor=settings.backoff_factor,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )

    # -- sessions per thread ---------------------------------------------------------------
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Environment proxies are read once (in __init__), not on every call; no .netrc.
            session.trust_env = False
            session.cookies.set_policy(_NoCookies())
            adapter = HTTPAdapter(max_retries=self._retry, pool_connections=4, pool_maxsize=16)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update({"Accept": "application/json", "User-Agent": "propdesk"})
            self._local.session = session
        return session

    def close(self) -> None:
        """Close this thread's pooled connections."""
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

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
        with _observed(operation_of(method, segments)):
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
        with _observed(f"POST {url_path}") as outcome:
            response = self._send(
                "POST", url, url_path, auth, data=data, headers={"Content-Type": content_type}
            )
            text = self._read_capped(response, "POST", url_path).decode("utf-8", "replace")
            if response.status_code >= 400:
                outcome["error"] = f"HTTP {response.status_code}"
        return RawResponse(response.status_code, text)

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
        headers = dict(headers or {})
        basic: tuple[str, str] | None = None
        if isinstance(auth, SessionAuth):
            headers["sessionId"] = auth.session_id
        elif isinstance(auth, BasicAuth):
            basic = (auth.user, auth.password)
        try:
            response = self._session().request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=basic,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                verify=self._verify,
                proxies=self._proxies,
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.RequestException as err:
            raise self._failure(err, method, route) from None
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
        self, err: requests.exceptions.RequestException, method: str, route: str
    ) -> CloudBeesError:
        """The typed error for a call that got no usable answer; ``code`` says why
        (``TLSError``, ``Timeout``, ``Unreachable``), so callers never read the message."""
        host = self._host()
        if isinstance(err, requests.exceptions.SSLError):
            message, code = f"TLS verification of {host} failed: {_short(err)}", "TLSError"
        elif isinstance(err, requests.exceptions.RetryError):
            message = f"CloudBees CD at {host} kept answering with errors"
            return ServerError(message, method=method, path=route)
        else:
            kind = _timeout_kind(err)
            code = "Timeout" if kind == "read" else "Unreachable"
            if kind == "read":
                wait = self.settings.read_timeout
                message = f"CloudBees CD at {host} did not answer within {wait:g} s"
            elif kind == "connect":
                wait = self.settings.connect_timeout
                message = (
                    f"CloudBees CD at {host} is not reachable (no connection within {wait:g} s)"
                )
            else:
                message = f"CloudBees CD at {host} is not reachable ({_short(err)})"
        return UpstreamUnavailable(message, method=method, path=route, code=code)

    def _host(self) -> str:
        return self.settings.server_url.split("://", 1)[-1].split("/", 1)[0]

    def _read_capped(self, response: requests.Response, method: str, route: str) -> bytes:
        limit = self.settings.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ServerError(
                        f"The answer of CloudBees CD is larger than {limit} bytes",
                        status=response.status_code,
                        method=method,
                        path=route,
                        code="ResponseTooLarge",
                    )
                chunks.append(chunk)
        except requests.exceptions.RequestException as err:
            raise UpstreamUnavailable(
                f"CloudBees CD at {self._host()} broke off its answer ({_short(err)})",
                method=method,
                path=route,
                code="Unreachable",
            ) from None
        finally:
            response.close()
        return b"".join(chunks)

    def _json(self, response: requests.Response, method: str, route: str) -> Json:
        raw = self._read_capped(response, method, route)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
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
    "RawResponse",
    "SessionAuth",
    "Transport",
    "TransportSettings",
]
