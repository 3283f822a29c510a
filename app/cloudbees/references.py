"""``$[...]`` property references inside raw values, and which of them are broken.

The server's error envelope has no field naming a missing reference, so its message is
never parsed: the references are read from the raw value and the absolute ones are checked
one by one (a bounded number of reads)."""

from __future__ import annotations

import re

from app.cloudbees.errors import NotFound, ValidationError
from app.cloudbees.paths import PropertyPath
from app.cloudbees.properties import PropertyService

REFERENCE = re.compile(r"\$\[([^\[\]]+)\]")
MAX_CHECKED = 5


def references(value: str) -> tuple[str, ...]:
    """The innermost references in ``value``, in order, without repeats."""
    found = (match.group(1).strip() for match in REFERENCE.finditer(value))
    return tuple(dict.fromkeys(found))


def broken_reference(service: PropertyService, value: str) -> str | None:
    """The first absolute reference of ``value`` that names no property, checked with at
    most ``MAX_CHECKED`` reads; ``None`` when none of those checked is missing (relative
    references depend on where the server expands them, so they are not checked)."""
    absolute = [ref for ref in references(value) if ref.startswith("/")]
    for ref in absolute[:MAX_CHECKED]:
        try:
            path = PropertyPath.parse(ref)
        except ValidationError:
            continue
        try:
            service.get(path)
        except NotFound:
            return ref
    return None
