"""Reading an API request: the property path in the URL, the JSON body of a write, the
query parameters an endpoint takes, and the conditional headers (``If-Match``,
``If-None-Match``) checked against the current state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import request

from app.api.collections import ALWAYS_KNOWN, FALSE, TRUE, bad
from app.api.errors import ApiFailure
from app.api.representation import etag
from app.cloudbees import Property, PropertyPath, ValidationError

MAX_VALUE = 4 * 1024 * 1024
"""The longest value or description a write may carry, in characters."""


def property_path(raw: str) -> PropertyPath:
    """The path after ``/properties/`` or ``/sheets/`` (``projects/Default/x``)."""
    try:
        return PropertyPath.parse("/" + raw)
    except ValidationError as err:
        raise bad(err.message) from None


def only(allowed: Iterable[str] = ()) -> None:
    """Refuse query parameters other than ``allowed`` (and ``api_key``)."""
    known = {*allowed, *ALWAYS_KNOWN}
    for name in request.args:
        if name not in known:
            raise bad(f"unrecognized query parameter '{name}'")


def flag(name: str) -> bool:
    """A boolean query parameter (absent: false)."""
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.lower() in TRUE or raw.lower() in FALSE:
        return raw.lower() in TRUE
    raise bad(f"'{name}' takes a boolean (true/false, on/off, yes/no, 1/0), not {raw!r}")


def json_object(allowed: Iterable[str]) -> dict[str, Any]:
    """The request's JSON object, holding only ``allowed`` members."""
    body = request.get_json(force=True, silent=True) if request.get_data() else {}
    if not isinstance(body, dict):
        raise bad("The body must be a JSON object")
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise bad(f"unknown member '{extra[0]}' in the body")
    return body


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"'{name}' must be a string")
    if len(value) > MAX_VALUE:
        raise bad(f"'{name}' is longer than {MAX_VALUE} characters")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise bad(f"'{name}' holds a lone surrogate")
    return value


@dataclass(frozen=True)
class PropertyWrite:
    """The body of ``PUT /properties/...``: a value, optionally a description and the
    expandable flag (left as they are when absent)."""

    value: str
    description: str | None = None
    expandable: bool | None = None

    @classmethod
    def from_request(cls) -> PropertyWrite:
        body = json_object(("value", "description", "expandable"))
        value = _text(body, "value")
        if value is None:
            raise bad("'value' is required (a string)")
        expandable = body.get("expandable")
        if expandable is not None and not isinstance(expandable, bool):
            raise bad("'expandable' must be true or false")
        return cls(value, _text(body, "description"), expandable)


def sheet_description() -> str:
    """The optional ``description`` of ``PUT /sheets/...``."""
    return _text(json_object(("description",)), "description") or ""


def precondition_failed(message: str) -> ApiFailure:
    return ApiFailure(412, message, "PreconditionFailed")


def check_conditions(current: Property | None) -> None:
    """``If-None-Match: *`` wants no property; ``If-Match`` wants one whose ETag it names
    (or any, for ``*``). Raise 412 when the current state says otherwise."""
    none_match = request.if_none_match
    if current is not None and (none_match.star_tag or none_match.contains(etag(current))):
        raise precondition_failed("The property exists (If-None-Match)")
    if "If-Match" not in request.headers:
        return
    if current is None:
        raise precondition_failed("The property does not exist (If-Match)")
    if not (request.if_match.star_tag or request.if_match.contains(etag(current))):
        raise precondition_failed("The property changed since that ETag (If-Match)")
