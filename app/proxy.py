"""Running behind a reverse proxy with SSO: ProxyFix for the trusted proxies only, the
forwarded path prefix, and the trusted identity header."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Settings
from app.services import settings as current_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED = tuple("HTTP_X_FORWARDED_" + name for name in ("FOR", "PROTO", "HOST", "PORT", "PREFIX"))
PREFIX_SEGMENTS = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*")
"""A plain absolute path: ``/segment/...`` of URL path characters, nothing else."""


def plain_prefix(prefix: str) -> bool:
    """Whether ``prefix`` is a plain absolute path (``""`` or ``/a/b``): no ``//``, scheme,
    query, backslash, percent escape, control character, ``.`` or ``..`` segment."""
    if not PREFIX_SEGMENTS.fullmatch(prefix):
        return False
    return not any(segment in (".", "..") for segment in prefix.split("/"))


def _in_networks(address: object, networks: Iterable[Network]) -> bool:
    try:
        peer = ipaddress.ip_address(str(address))
    except ValueError:
        return False
    return any(peer in network for network in networks)


class TrustedProxies:
    """WSGI middleware: ``ProxyFix`` for requests whose TCP peer is a trusted proxy; from
    any other peer the ``X-Forwarded-*`` headers are dropped. A forwarded prefix that is not
    a plain absolute path is ignored (the app then lives at the root); a path that starts
    with the prefix loses it (``strip_prefix``)."""

    def __init__(self, app: WSGIApplication, count: int, trusted: Sequence[str]) -> None:
        self.app = app
        self.networks = tuple(ipaddress.ip_network(net) for net in trusted)
        self.fixed = ProxyFix(
            self._checked_prefix,
            x_for=count,
            x_proto=count,
            x_host=count,
            x_port=count,
            x_prefix=count,
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if _in_networks(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        for name in FORWARDED:
            environ.pop(name, None)
        return self.app(environ, start_response)

    def _checked_prefix(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if not plain_prefix(environ.get("SCRIPT_NAME", "")):
            original = environ.get("werkzeug.proxy_fix.orig", {})
            environ["SCRIPT_NAME"] = original.get("SCRIPT_NAME") or ""
        strip_prefix(environ, environ.get("SCRIPT_NAME", ""))
        return self.app(environ, start_response)


def _without(prefix: str, path: str) -> str | None:
    """``path`` after ``prefix`` when it starts with the prefix as whole segments, else ``None``."""
    if path == prefix:
        return ""
    if path.startswith(prefix + "/"):
        return path[len(prefix) :]
    return None


def strip_prefix(environ: WSGIEnvironment, prefix: str) -> None:
    """Take the forwarded ``prefix`` off the path when the proxy passed the request target
    as the client sent it (nginx's ``proxy_pass`` without a URI part, so a name's ``%2F`` or
    ``%25`` arrives untouched): ``PATH_INFO`` and the raw target (``RAW_URI`` and
    ``REQUEST_URI``, from which property names are read) then start after it, as when the
    proxy strips the prefix itself. A path that does not start with the prefix is left as
    it is (a proxy that strips the prefix itself)."""
    if not prefix:
        return
    path = _without(prefix, environ.get("PATH_INFO", ""))
    if path is None:
        return
    environ["PATH_INFO"] = path
    for name in ("RAW_URI", "REQUEST_URI"):
        raw = environ.get(name)
        if not isinstance(raw, str):
            continue
        target, mark, query = raw.partition("?")
        rest = _without(prefix, target)
        if rest is not None:
            environ[name] = rest + mark + query


def register_proxy(app: Flask, settings: Settings) -> None:
    """Believe ``X-Forwarded-*`` from exactly ``PROPDESK_PROXY_COUNT`` proxies, when the
    request comes from one of ``PROPDESK_TRUSTED_PROXIES``."""
    if settings.proxy_count:
        app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
            app.wsgi_app, settings.proxy_count, settings.trusted_proxies
        )


def peer_address() -> str:
    """The address of the TCP peer (the proxy itself), before ProxyFix rewrote it."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    return str(original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or "")


def _trusted_peer(settings: Settings) -> bool:
    networks = (ipaddress.ip_network(net) for net in settings.trusted_proxies)
    return _in_networks(peer_address(), networks)


def sso_user() -> str | None:
    """The SSO user announced by a trusted proxy, or ``None``.

    Ignored: the header from any other peer, a header sent twice (joined with a comma by
    the server), empty or overlong values and values with control characters. gunicorn
    drops spellings with underscores (``X_Auth_Request_User``) before they get here.
    """
    settings = current_settings()
    header = settings.trusted_user_header
    if not header or not _trusted_peer(settings):
        return None
    value = request.environ.get("HTTP_" + header.upper().replace("-", "_"))
    if not isinstance(value, str) or "," in value:
        return None
    value = value.strip()
    if not value or len(value) > 255:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        return None
    return value
