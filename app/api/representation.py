"""How the API shows a property: a flat JSON object with camelCase times like the
upstream's, and an ``ETag`` over what a write may change."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from app.api.collections import Kind
from app.cloudbees import Property, PropertyPath

FIELDS: dict[str, Kind] = {
    "path": Kind.TEXT,
    "name": Kind.TEXT,
    "kind": Kind.TEXT,
    "value": Kind.TEXT,
    "description": Kind.TEXT,
    "expandable": Kind.BOOL,
    "counter": Kind.BOOL,
    "id": Kind.INT,
    "owner": Kind.TEXT,
    "createTime": Kind.TEXT,
    "modifyTime": Kind.TEXT,
    "lastModifiedBy": Kind.TEXT,
}
"""A property's fields as collections filter them."""


def stamp(at: datetime | None) -> str | None:
    """A time as the upstream writes it: ISO-8601 UTC with milliseconds and ``Z``."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def property_json(path: PropertyPath, prop: Property) -> dict[str, Any]:
    """One property (or sheet entry) at ``path``; a sheet's ``value`` is ``None``."""
    return {
        "path": str(path),
        "name": prop.name,
        "kind": "sheet" if prop.is_sheet else "property",
        "value": None if prop.is_sheet else (prop.value or ""),
        "description": prop.description,
        "expandable": prop.expandable,
        "counter": prop.counter,
        "id": prop.id,
        "owner": prop.owner,
        "createTime": stamp(prop.create_time),
        "modifyTime": stamp(prop.modify_time),
        "lastModifiedBy": prop.last_modified_by,
    }


def etag(prop: Property) -> str:
    """The entity tag of a property's state (unquoted): its kind, value, description,
    expandable flag and modify time; any write changes it."""
    state = [prop.is_sheet, prop.value, prop.description, prop.expandable]
    state.append(stamp(prop.modify_time))
    digest = hashlib.sha256(json.dumps(state).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:32]
