"""``$[...]`` property references inside raw values: where each one points, and which of
them are broken.

Where a reference points follows the rule the server (and the emulator's expansion,
``emulator/expansion.py``) uses: an absolute path names one property; a relative one is
looked up in the referring property's sheet, then in each sheet above it up to the owner's
root sheet, and the nearest property with a value wins. ``candidates`` lists those places in
order; ``resolve`` reads them until one holds a value.

The server's error envelope has no field naming a missing reference, so its message is
never parsed: the references are read from the raw value and the absolute ones are checked
one by one (a bounded number of reads)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    return next(iter(missing_references(service, value, stop_at_first=True)), None)


def missing_references(
    service: PropertyService, value: str, *, stop_at_first: bool = False
) -> tuple[str, ...]:
    """The absolute references of ``value`` that name no property, in order: one read for
    each of the first ``MAX_CHECKED`` that parse as property paths (relative references
    and further ones are not checked). Other errors of a read are raised."""
    absolute = [ref for ref in references(value) if ref.startswith("/")]
    missing: list[str] = []
    for ref in absolute[:MAX_CHECKED]:
        try:
            path = PropertyPath.parse(ref)
        except ValidationError:
            continue
        if path.is_owner:  # an owner is not a property; the server says what it makes of it
            continue
        try:
            service.get(path)
        except NotFound:
            missing.append(ref)
            if stop_at_first:
                break
    return tuple(missing)


@dataclass(frozen=True)
class Piece:
    """A part of a raw value: plain text, or (``ref`` set) one ``$[...]`` reference."""

    text: str
    ref: str | None = None


def pieces(value: str) -> tuple[Piece, ...]:
    """``value`` cut into text and the innermost references it holds, in order."""
    out: list[Piece] = []
    at = 0
    for match in REFERENCE.finditer(value):
        if match.start() > at:
            out.append(Piece(value[at : match.start()]))
        out.append(Piece(match.group(0), match.group(1).strip()))
        at = match.end()
    if at < len(value):
        out.append(Piece(value[at:]))
    return tuple(out)


def relative_names(ref: str) -> tuple[str, ...]:
    """The names of a relative reference (``a/b``; ``[...]`` quotes a name), checked as
    property names (``ValidationError`` otherwise)."""
    return PropertyPath.parse("/server/" + ref).names  # the path parser, on a neutral owner


def candidates(referrer: PropertyPath, ref: str) -> tuple[PropertyPath, ...]:
    """Where ``ref``, found in the value of the property at ``referrer``, may point, in the
    order the server tries them (``ValidationError`` when it cannot name a property)."""
    if ref.startswith("/"):
        target = PropertyPath.parse(ref)
        if target.is_owner:
            raise ValidationError(f"{ref!r} names an owner, not a property")
        return (target,)
    names = relative_names(ref)
    if not names:
        raise ValidationError("An empty reference names nothing")
    sheet = referrer.parent
    found = [PropertyPath((*sheet.segments, *names))]
    while not sheet.is_owner:
        sheet = sheet.parent
        found.append(PropertyPath((*sheet.segments, *names)))
    return tuple(found)


def resolve(service: PropertyService, referrer: PropertyPath, ref: str) -> PropertyPath | None:
    """The property ``ref`` (in the value at ``referrer``) points to: the first candidate
    holding a value, one read each; ``None`` when none does or ``ref`` names nothing."""
    try:
        places = candidates(referrer, ref)
    except ValidationError:
        return None
    for place in places:
        try:
            found = service.get(place)
        except (NotFound, ValidationError):
            continue
        if found.value is not None or ref.startswith("/"):
            return place
    return None
