"""OWASP device cookies: a browser that logged in as a user before is known for that user.

A successful login sets a signed cookie (the user name, as the login limits compare it, and
a random nonce) on that browser. Attempts that present a valid one for the user they try
are exempt from the per-user and per-address login limits and counted per cookie instead,
so wrong passwords sent from elsewhere cannot lock the real user out of their own browser.
See https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "propdesk.device-cookie"
MAX_AGE = 90 * 24 * 3600  # seconds a device stays known without a new login
SUFFIX = "-device"  # the cookie is the session cookie's name plus this
CACHED = "propdesk_device"  # where one request keeps the device it presented, in ``g``


@dataclass(frozen=True)
class Device:
    """A browser known for ``user`` (normalised) by the cookie's ``nonce``."""

    user: str
    nonce: str


def normalised(user: str) -> str:
    """A user name as the login limits count it: ``"Admin "`` is ``admin``."""
    return user.strip().casefold()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt=SALT)


def cookie_name() -> str:
    """The device cookie's name: the session cookie's, with ``-device`` after it (so it
    keeps the ``__Host-``/``__Secure-`` prefix rules of the session cookie)."""
    return str(current_app.config["SESSION_COOKIE_NAME"]) + SUFFIX


def presented() -> Device | None:
    """The device this request's cookie names, when the cookie is valid (else ``None``)."""
    if CACHED in g:
        found: Device | None = g.get(CACHED)
        return found
    found = None
    raw = request.cookies.get(cookie_name())
    if raw and len(raw) < 512:
        try:
            data = _serializer().loads(raw, max_age=MAX_AGE)
        except BadSignature:
            data = None
        if isinstance(data, dict) and isinstance(data.get("u"), str):
            found = Device(str(data["u"]), str(data.get("n") or ""))
    setattr(g, CACHED, found)
    return found


def known_for(user: str) -> Device | None:
    """The presented device when it is known for ``user``, else ``None``."""
    device = presented()
    return device if device is not None and device.user == normalised(user) else None


def remember(response: Response, user: str) -> None:
    """Set a new device cookie for ``user`` on ``response`` (after a successful login)."""
    value = _serializer().dumps({"u": normalised(user), "n": secrets.token_urlsafe(16)})
    response.set_cookie(
        cookie_name(),
        value,
        max_age=MAX_AGE,
        path=request.script_root or "/",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Strict",  # only ever needed by our own login form
    )
