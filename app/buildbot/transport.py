"""The only place that does HTTP to a Buildbot master.

One pooled ``requests.Session`` per thread that never keeps a server cookie (a user's
Buildbot session travels only in an explicit ``Cookie`` header, so no user can ever call
with another's); a (connect, read) timeout on every call; urllib3 ``Retry`` with backoff
for reads only (never a login, never a force) and only where the master did not start on
the call (a refused connection, 502/503/504: a read that timed out is not sent again); one
deadline for all the calls of a page (``start_deadline``); no redirects followed; TLS
verified against a CA bundle passed on every call; ``Accept: application/json`` (Buildbot
pretty-prints text otherwise); answers larger than a cap refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from app.buildbot.errors import (
    BuildbotError,
    LoginRefused,
    OAuth2Only,
    ServerError,
    Unreachable,
    error_from_answer,
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

Json = dict[str, Any]
Params = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class BuildbotSettings:
    """Where and how to reach the master: ``url`` is its base (the web UI's URL)."""

    url: str
    connect_timeout: float = 3.05
    read_timeout: float = 30.0
    retries: int = 2
    ca_bundle: Path | None = None
    verify_tls: bool = True
    max_response_bytes: int = 64 * 1024 * 1024
    deadline: float = 45.0
    """Seconds all the calls of one page may take together (``start_deadline``)."""

    @property
    def host(self) -> str:
        return host_of(self.url)


@dataclass(frozen=True)
class BuildbotSession:
    """A user's login at the master: the cookies ``/auth/login`` set (``TWISTED_SESSION``)
    and the user name it was made for. Never shown, never logged."""

    user: str
    cookies: tuple[tuple[str, str], ...]

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies)

    def __repr__(self) -> str:
        return f"BuildbotSession(user={self.user!r})"


class BuildbotTransport:
    """Sends calls to one master and returns parsed JSON or typed errors."""

    def __init__(self, settings: BuildbotSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._verify = tls_verify(settings.ca_bundle, settings.verify_tls)
        self._proxies = requests.utils.get_environ_proxies(settings.url)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            retry = Retry(
                total=self.settings.retries,
                read=False,  # the master has the call and is slow: asking again doubles the wait
                backoff_factor=0.2,
                status_forcelist=(502, 503, 504),
                allowed_methods=frozenset({"GET"}),
                raise_on_status=False,
                respect_retry_after_header=False,
            )
            session = cookieless_session(HTTPAdapter(max_retries=retry))
            self._local.session = session
        return session

    def start_deadline(self) -> None:
        """Bound every call this thread makes from now on, until ``end_deadline``, by one
        deadline of ``settings.deadline`` seconds (a page's calls: a hung master holds a
        propdesk thread that long at most, not a read timeout per call)."""
        self._local.deadline = Deadline.starting_now(self.settings.deadline)

    def end_deadline(self) -> None:
        """Calls of this thread are no longer bound by a deadline."""
        self._local.deadline = None

    def _timeouts(self, method: str, route: str) -> tuple[float, float]:
        """The (connect, read) timeouts of one call, cut to the deadline's time left;
        ``Unreachable`` once it has passed."""
        deadline: Deadline | None = getattr(self._local, "deadline", None)
        connect, read = self.settings.connect_timeout, self.settings.read_timeout
        if deadline is None:
            return connect, read
        left = deadline.left()
        if left <= 0:
            raise Unreachable(
                f"The Buildbot master at {self.settings.host} did not answer within the "
                f"{deadline.seconds:g} s this page may wait for it",
                method=method,
                path=route,
            )
        return cut_to(left, connect, read)

    def url(self, segments: Sequence[str]) -> str:
        """``<master>/api/v2/seg1/seg2``, every segment percent-encoded on its own."""
        path = "/".join(encode_segment(s) for s in segments)
        return self.settings.url.rstrip("/") + "/api/v2/" + path

    def get(self, segments: Sequence[str], params: Params = (), *, session: Any = None) -> Json:
        """One REST read; the JSON object, or a typed error."""
        route = "/api/v2/" + "/".join(segments)
        response = self._send("GET", self.url(segments), route, params=params, session=session)
        return self._json(response, "GET", route)

    def rpc(
        self, segments: Sequence[str], method: str, params: Json, *, session: Any = None
    ) -> Any:
        """One JSON-RPC call (``POST`` of ``{"jsonrpc": "2.0", "method": ...}``); its
        ``result``, or a typed error (per-field errors for -32602)."""
        route = "/api/v2/" + "/".join(segments)
        body = json.dumps({"jsonrpc": "2.0", "method": method, "id": 1, "params": params})
        response = self._send(
            "POST", self.url(segments), route, data=body.encode(), session=session
        )
        return self._json(response, "POST", route).get("result")

    def config(self, session: BuildbotSession | None = None) -> Json:
        """The master's web configuration (``/config``: its auth class, its version, and
        who ``session`` is to it)."""
        url = self.settings.url.rstrip("/") + "/config"
        answer = self._send("GET", url, "/config", session=session)
        return self._json(answer, "GET", "/config")

    def login(self, user: str, password: str) -> BuildbotSession:
        """Log in with HTTP Basic at ``/auth/login``; the session cookies it sets."""
        url = self.settings.url.rstrip("/") + "/auth/login"
        response = self._send("GET", url, "/auth/login", basic=(user, password), retry=False)
        response.close()
        if response.status_code == 401:
            raise LoginRefused(
                "Buildbot refused the user name or password", status=401, path="/auth/login"
            )
        if response.status_code == 302 and self._is_ours(_location(response)):
            cookies = _session_cookies(response)
            if cookies:
                return BuildbotSession(user, cookies)
        if response.status_code in (301, 302, 303, 307):
            raise OAuth2Only(
                "This Buildbot master logs people in through an external (OAuth2) provider, "
                "which Buildbot's REST API cannot be used with",
                status=response.status_code,
                path="/auth/login",
            )
        raise error_from_answer(response.status_code, None, "GET", "/auth/login")

    def _is_ours(self, location: str) -> bool:
        """Whether a redirect leads back into the master (a login that worked), not to an
        outside provider: a path of its own (not ``//host``), or an absolute URL of the
        same scheme and host (``http://master.evil`` is not ``http://master``)."""
        target, own = urlsplit(location), urlsplit(self.settings.url)
        if not target.scheme and not target.netloc:
            return location.startswith("/") and not location.startswith(("//", "/\\"))
        return (target.scheme, target.netloc) == (own.scheme, own.netloc)

    def _send(
        self,
        method: str,
        url: str,
        route: str,
        *,
        params: Params = (),
        data: bytes | None = None,
        session: BuildbotSession | None = None,
        basic: tuple[str, str] | None = None,
        retry: bool = True,
    ) -> requests.Response:
        """Send one call with the timeouts; no answer becomes ``Unreachable``."""
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if session is not None:
            headers["Cookie"] = session.header()
        # A call that must not be retried (a login) goes through a session of its own.
        http = self._session() if retry else cookieless_session()
        timeout = self._timeouts(method, route)
        try:
            return send(
                http,
                method,
                url,
                params=list(params),
                data=data,
                headers=headers,
                auth=basic,
                timeout=timeout,
                verify=self._verify,
                proxies=self._proxies,
            )
        except requests.exceptions.SSLError:
            raise Unreachable(
                f"TLS verification of the Buildbot master {self.settings.host} failed",
                method=method,
                path=route,
            ) from None
        except requests.exceptions.RequestException as err:
            raise Unreachable(
                f"The Buildbot master at {self.settings.host} is not reachable ({_why(err)})",
                method=method,
                path=route,
            ) from None

    def _json(self, response: requests.Response, method: str, route: str) -> Json:
        body = json_body(self._read_capped(response, method, route))
        if response.status_code >= 300:
            raise error_from_answer(response.status_code, body, method, route)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            raise error_from_answer(response.status_code, body, method, route)
        if not isinstance(body, dict):
            raise ServerError(
                f"The Buildbot master answered something that is not JSON "
                f"(HTTP {response.status_code})",
                status=response.status_code,
                method=method,
                path=route,
            )
        return body

    def _read_capped(self, response: requests.Response, method: str, route: str) -> bytes:
        limit = self.settings.max_response_bytes
        return read_capped(
            response,
            limit,
            too_large=lambda: ServerError(
                f"The Buildbot master's answer is larger than {limit} bytes",
                method=method,
                path=route,
            ),
            broke_off=lambda err: Unreachable(
                f"The Buildbot master broke off its answer ({_why(err)})", method=method, path=route
            ),
        )


def _location(response: requests.Response) -> str:
    return str(response.headers.get("Location") or "")


def _session_cookies(response: requests.Response) -> tuple[tuple[str, str], ...]:
    """The cookies an answer sets, the last value of each name winning (Buildbot's login
    sets ``TWISTED_SESSION`` twice: the anonymous one, then the user's)."""
    found: dict[str, str] = {}
    for line in response.raw.headers.getlist("Set-Cookie"):
        name, _, rest = line.partition("=")
        if name.strip() and rest:
            found[name.strip()] = rest.split(";", 1)[0].strip()
    return tuple(found.items())


def _why(err: BaseException) -> str:
    """A short reason for a failed call, without URLs."""
    if isinstance(err, requests.exceptions.ReadTimeout):
        return "no answer in time"
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return "no connection in time"
    if isinstance(err, requests.exceptions.ConnectionError):
        return "connection refused or reset"
    return type(err).__name__


__all__ = ["BuildbotError", "BuildbotSession", "BuildbotSettings", "BuildbotTransport"]
