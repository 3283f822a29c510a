"""Running behind a reverse proxy with SSO: ProxyFix, and the trusted identity header."""

from __future__ import annotations

import ipaddress
import unicodedata

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Settings
from app.services import settings as current_settings


def register_proxy(app: Flask, settings: Settings) -> None:
    """Believe ``X-Forwarded-*`` from exactly ``PROPDESK_PROXY_COUNT`` proxies."""
    n = settings.proxy_count
    if n:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n
        )


def peer_address() -> str:
    """The address of the TCP peer (the proxy itself), before ProxyFix rewrote it."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    return str(original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or "")


def _trusted_peer(settings: Settings) -> bool:
    try:
        peer = ipaddress.ip_address(peer_address())
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(net) for net in settings.trusted_proxies)


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
