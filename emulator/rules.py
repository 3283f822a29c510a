"""Naming rules of the upstream: property names, paths, artifact names and versions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from emulator.errors import ApiError, invalid_argument

RESERVED_PROPERTY_NAMES = frozenset({"properties", "project"})
MAX_NAME = 255

_ARTIFACT_PART = re.compile(r"[A-Za-z0-9 _.\-]+")
# major[.minor[.patch]][-qualifier[-buildNumber]]: trailing parts optional, plain "1" allowed.
VERSION_RE = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([A-Za-z0-9_.]+?)(?:-(\d+))?)?")


def _has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (Unicode category ``Cc``)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (it cannot be stored as UTF-8)."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def check_property_name(name: str) -> str:
    """Return ``name`` if it may name a property, else raise ``InvalidPropertyName``.

    Refused: empty, over 255 characters, ``/``, ``[`` or ``]``, control characters, the
    reserved names ``properties`` and ``project``, and ``.`` / ``..`` (path ambiguity).
    """
    why = None
    if not name:
        why = "it is empty"
    elif len(name) > MAX_NAME:
        why = f"it is longer than {MAX_NAME} characters"
    elif "/" in name:
        why = "it contains '/'"
    elif "[" in name or "]" in name:
        why = "it contains '[' or ']'"
    elif _has_control(name):
        why = "it contains a control character"
    elif name in RESERVED_PROPERTY_NAMES:
        why = f"'{name}' is a reserved name"
    elif name in (".", ".."):
        why = "'.' and '..' are not names"
    elif _has_surrogate(name):
        why = "it contains a lone surrogate"
    if why:
        raise ApiError(400, "InvalidPropertyName", f"Invalid property name '{name}': {why}")
    return name


def check_text(arg: str, text: str) -> str:
    """Refuse text that cannot be stored as UTF-8 (lone surrogates from a JSON body)."""
    if _has_surrogate(text):
        raise invalid_argument(arg, "contains a lone surrogate")
    return text


def split_path(path: str) -> list[str]:
    """Split a property path string into segments; ``[...]`` quotes a name.

    ``/projects[My Project]/ci/x`` gives ``["projects[My Project]", "ci", "x"]``. Empty
    segments (doubled or trailing slashes) are dropped.
    """
    segments: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        if ch == "/" and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth:
        raise invalid_argument("path", "unbalanced '['")
    segments.append("".join(current))
    return [s for s in segments if s != ""]


def _check_pattern(value: str, pattern: re.Pattern[str], code: str, message: str) -> str:
    """Return ``value`` if it has 1 to ``MAX_NAME`` characters and matches ``pattern``, else
    raise a 400 ``code`` with ``message``."""
    if not value or len(value) > MAX_NAME or not pattern.fullmatch(value):
        raise ApiError(400, code, message)
    return value


def check_artifact_part(arg: str, value: str) -> str:
    """``groupId`` and ``artifactKey``: letters, digits, space, ``_``, ``-``, ``.`` only."""
    why = "use letters, digits, space, '_', '-' and '.' only"
    return _check_pattern(
        value, _ARTIFACT_PART, "InvalidArtifactName", f"Invalid {arg} '{value}': {why}"
    )


def check_version(version: str) -> str:
    """Version text ``major.minor.patch-qualifier-buildNumber``, trailing parts optional."""
    why = "expected major[.minor[.patch]][-qualifier[-build]]"
    return _check_pattern(
        version, VERSION_RE, "InvalidVersion", f"Invalid version '{version}': {why}"
    )


def split_artifact_name(arg: str, name: str, parts: int) -> list[str]:
    """``groupId:artifactKey`` (``parts=2``) or ``groupId:artifactKey:version`` (3), unchecked.

    A wrong number of parts is ``InvalidArtifactName``, or ``InvalidVersion`` when a version
    name has too many (a ``:`` inside the version).
    """
    pieces = name.split(":")
    if len(pieces) != parts:
        code = "InvalidVersion" if parts == 3 and len(pieces) > 3 else "InvalidArtifactName"
        raise ApiError(400, code, f"Invalid {arg} '{name}'")
    return pieces


def parse_dependents(items: Iterable[object]) -> list[str]:
    """``dependentArtifactVersions``: repeated fields, JSON list items or comma-separated
    text, each ``groupId:artifactKey:version``; blanks are skipped, the rest checked."""
    out = []
    for item in items:
        for piece in str(item).split(","):
            text = check_text("dependentArtifactVersions", piece).strip()
            if not text:
                continue
            group_id, key, version = split_artifact_name("dependentArtifactVersions", text, 3)
            check_artifact_part("groupId", group_id)
            check_artifact_part("artifactKey", key)
            check_version(version)
            out.append(text)
    return out


def parse_bool(arg: str, raw: object) -> bool:
    """Booleans arrive as ``0|1|true|false`` (strings or JSON values)."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise invalid_argument(arg, "expected 0, 1, true or false")
