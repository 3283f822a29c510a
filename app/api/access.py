"""Who is calling the API and what they may do: the key (header ``API-Key`` or query
parameter ``api_key``), its rate limit, and the one policy of scope and path prefixes.

Browser sessions never authenticate API calls (no cookie is read here) and API keys never
authenticate pages (only this blueprint looks at them).
"""

from __future__ import annotations

import math
import time

from flask import Response, g, request
from limits import parse

from app.api.blueprint import bp
from app.api.errors import ApiFailure, invalid_key
from app.api.keyring import keyring
from app.cloudbees import PropertyPath
from app.config import instance_id
from app.extensions import limiter
from app.journal import Source
from app.keys.models import ApiKey
from app.services import settings
from app.web.journaling import use_source

HEADER = "API-Key"
PARAMETER = "api_key"
PUBLIC = frozenset({"api.version", "api.openapi"})
"""Endpoints that need no key (a key sent to them is still checked)."""


def sent_key() -> str | None:
    """The key the caller sent: the header first, else the query parameter."""
    return request.headers.get(HEADER) or request.args.get(PARAMETER)


def authenticate() -> Response | None:
    """Before every API request: a live key (else 401 text), within its rate limit (else
    429 with ``Retry-After``); remembered as ``g.api_key`` and as the journal's actor."""
    text = sent_key()
    if text is None and request.endpoint in PUBLIC:
        return None
    key = keyring().store.find(text or "")
    if key is None:
        return invalid_key()
    check_rate(key)
    keyring().store.touch(key)
    g.api_key = key
    g.user = key.owner
    g.sso_user = "key:" + key.name  # the journal records the key's name beside its owner
    use_source(Source.API)
    return None


bp.before_request(authenticate)


def check_rate(key: ApiKey) -> None:
    """Count one call of ``key`` against ``PROPDESK_API_RATE_LIMIT`` (shared by every
    worker and, with Redis, every replica); raise 429 when it is spent."""
    item = parse(settings().api_rate_limit)
    who = ("api-key", instance_id(settings().cd_url, settings().secret_key), str(key.id))
    if limiter.limiter.hit(item, *who):
        return
    reset = limiter.limiter.get_window_stats(item, *who).reset_time
    wait = max(1, math.ceil(reset - time.time()))
    raise ApiFailure(
        429,
        f"This API key made more than {item} calls; try again in {wait} s",
        headers={"Retry-After": str(wait)},
    )


def current_key() -> ApiKey:
    """The key of this request (``authenticate`` set it)."""
    key = g.get("api_key")
    if not isinstance(key, ApiKey):
        raise ApiFailure(401, "An API key is needed")
    return key


def allow(path: PropertyPath, *, write: bool) -> ApiKey:
    """The one place that decides what a key may do: a read-only key never writes, and a
    key with path prefixes touches nothing outside them. Raise 403 otherwise."""
    key = current_key()
    if write and not key.read_write:
        raise ApiFailure(403, f"The API key {key.name!r} is read-only", "AccessDenied")
    if not key.covers(path):
        raise ApiFailure(
            403,
            f"The API key {key.name!r} may not touch {path}: it is outside the key's prefixes",
            "AccessDenied",
        )
    return key
