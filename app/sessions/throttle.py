"""The login limits (Flask-Limiter), one ``PROPDESK_LOGIN_RATE_LIMIT`` for each of:

- the client address, and the user name across every address: both for browsers that are
  not known for the user being tried (no device cookie for that user);
- the (user name, client address) pair: for every attempt;
- the device cookie: for attempts from a browser known for that user.

Every ``POST /login`` counts, right or wrong. The counts are shared by every gunicorn
worker (a SQLite file beside the file sessions, or the session Redis) and a refusal is a
429 with ``Retry-After``; no worker ever sleeps. Only ``POST /login`` pays for the limits:
no other request asks the limiter anything (``install_login_limits``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar, cast

from flask import Flask, Response, request
from limits.errors import StorageError

from app.extensions import limiter
from app.services import settings
from app.sessions.devices import known_for, normalised

F = TypeVar("F", bound=Callable[..., object])


def _typed_user() -> str:
    return normalised(request.form.get("username") or "")


def _address() -> str:
    return request.remote_addr or "unknown"


def _by_address() -> str:
    return "address:" + _address()


def _by_user() -> str:
    return "user:" + _typed_user()


def _by_user_and_address() -> str:
    return f"user-address:{_typed_user()}|{_address()}"


def _by_device() -> str:
    device = known_for(_typed_user())
    return "device:" + (device.nonce if device else "")


def _known_device() -> bool:
    return known_for(_typed_user()) is not None


def _unknown_device() -> bool:
    return not _known_device()


def _limit() -> str:
    return settings().login_rate_limit


POLICY: tuple[tuple[Callable[[], str], Callable[[], bool] | None], ...] = (
    (_by_address, _known_device),
    (_by_user_and_address, None),
    (_by_user, _known_device),
    (_by_device, _unknown_device),
)
"""(key, exempt when) of each login limit, in the order they are counted."""


def login_limits(view: F) -> F:
    """Decorate the login view with every limit of ``POLICY`` (POST only)."""
    for key, exempt in reversed(POLICY):
        limit = limiter.limit(_limit, methods=["POST"], key_func=key, exempt_when=exempt)
        view = cast(F, limit(view))
    return view


def install_login_limits(app: Flask) -> None:
    """Bind the limiter to ``app``, counting only where a limit is declared: the login
    view's decorators check their limits themselves, so the app-wide before-request check
    Flask-Limiter adds (for default and blueprint limits, of which propdesk has none) is
    taken out, and no other request pays for it."""
    limiter.init_app(app)
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def add_retry_after(response: Response) -> Response:
    """On a 429 from the login limits: ``Retry-After`` with the seconds until the limit
    that refused the attempt resets."""
    limit = limiter.current_limit if response.status_code == 429 else None
    if limit is not None:
        try:
            wait = limit.window.reset_time - time.time()
        except StorageError:  # the count was refused; its reset time is only advice
            return response
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response
