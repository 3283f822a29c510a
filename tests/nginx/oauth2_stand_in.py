"""A stand-in for oauth2-proxy: only the part of its protocol nginx's ``auth_request`` uses.

- ``GET /oauth2/auth``: 202 with ``X-Auth-Request-User`` and ``X-Auth-Request-Email`` when the
  request carries a live ``_oauth2_proxy`` session cookie, 401 otherwise.
- ``GET /oauth2/sign_in``: the sign-in page (200), which names where the browser would return
  (``X-Auth-Request-Redirect``, set by nginx).

Sessions are made and ended by the test (``sign_in`` / ``sign_out``) instead of an identity
provider round trip, which is all a real oauth2-proxy adds and none of propdesk's business.
"""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

COOKIE = "_oauth2_proxy"
SIGN_IN_MARK = "oauth2-proxy stand-in: sign in"


@dataclass(frozen=True)
class SsoUser:
    """Who an SSO session belongs to."""

    user: str
    email: str


class OAuth2ProxyStandIn:
    """The stand-in served over real HTTP on a free loopback port (``address``)."""

    def __init__(self) -> None:
        self.sessions: dict[str, SsoUser] = {}
        self.auth_requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.address = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sign_in(self, user: str, email: str | None = None) -> str:
        """A new SSO session for ``user``; the value of its ``_oauth2_proxy`` cookie."""
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.sessions[token] = SsoUser(user, email or f"{user}@example.com")
        return token

    def sign_out(self, token: str) -> None:
        """End an SSO session (as its expiry would)."""
        with self.lock:
            self.sessions.pop(token, None)

    def app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The two endpoints; anything else is a 404."""
        request = Request(environ)
        if request.path == "/oauth2/auth":
            response = self.auth(request)
        elif request.path == "/oauth2/sign_in":
            target = html.escape(request.headers.get("X-Auth-Request-Redirect", ""))
            page = f"<!doctype html><title>Sign in</title><h1>{SIGN_IN_MARK}</h1><p>{target}</p>"
            response = Response(page, 200, content_type="text/html")
        else:
            response = Response("not found", 404)
        return response(environ, start_response)

    def auth(self, request: Request) -> Response:
        """``/oauth2/auth``: 202 with the user headers for a live session, else 401."""
        with self.lock:
            self.auth_requests.append(dict(request.headers))
            jar = SimpleCookie(request.headers.get("Cookie", ""))
            found = self.sessions.get(jar[COOKIE].value) if COOKIE in jar else None
        if found is None:
            return Response("", 401)
        return Response(
            "",
            202,
            headers={"X-Auth-Request-User": found.user, "X-Auth-Request-Email": found.email},
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
