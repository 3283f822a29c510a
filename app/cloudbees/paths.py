"""Property paths as value objects, so user input can never change a route or a host."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.cloudbees.errors import ValidationError

OWNER_KINDS = ("projects", "artifacts", "artifactVersions")
RESERVED = frozenset({"properties", "project"})
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode's Cc category, all of it
SURROGATE = re.compile("[\ud800-\udfff]")


def check_property_name(name: str) -> str:
    """Refuse a name the server would refuse (or that would be read as a path)."""
    why = ""
    if not name:
        why = "it is empty"
    elif len(name) > 255:
        why = "it is longer than 255 characters"
    elif "/" in name:
        why = "it contains '/'"
    elif "[" in name or "]" in name:
        why = "it contains '[' or ']'"
    elif CONTROL.search(name):
        why = "it contains a control character"
    elif name in RESERVED:
        why = f"'{name}' is a reserved name"
    elif name in (".", ".."):
        why = "'.' and '..' are not names"
    elif SURROGATE.search(name):
        why = "it contains a lone surrogate (not encodable as UTF-8)"
    if why:
        raise ValidationError(f"Invalid property name {name!r}: {why}", code="InvalidPropertyName")
    return name


@dataclass(frozen=True)
class PropertyPath:
    """An absolute property path: an owner (``server``, a project, an artifact (version))
    followed by property names. ``segments`` holds each part unencoded, e.g.
    ``("projects", "Default", "ci", "version")``.
    """

    segments: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.segments:
            raise ValidationError("A property path needs an owner such as /server")
        head = self.segments[0]
        owner_len = 1 if head == "server" else 2 if head in OWNER_KINDS else 0
        if owner_len == 0 or len(self.segments) < owner_len:
            raise ValidationError(f"Not a property path: {'/'.join(self.segments)!r}")
        if owner_len == 2 and not self.segments[1]:
            raise ValidationError("The owner's name is empty")
        for name in self.segments[owner_len:]:
            check_property_name(name)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def server(cls, *names: str) -> PropertyPath:
        return cls(("server", *names))

    @classmethod
    def project(cls, project: str, *names: str) -> PropertyPath:
        return cls(("projects", project, *names))

    @classmethod
    def artifact_version(cls, version_name: str, *names: str) -> PropertyPath:
        return cls(("artifactVersions", version_name, *names))

    @classmethod
    def parse(cls, text: str) -> PropertyPath:
        """Read ``/projects/Default/ci/x`` or ``/projects[My Project]/x``."""
        parts: list[str] = []
        current: list[str] = []
        depth = 0
        for ch in text:
            if ch == "[":
                depth += 1
            elif ch == "]" and depth:
                depth -= 1
            if ch == "/" and depth == 0:
                parts.append("".join(current))
                current = []
            else:
                current.append(ch)
        parts.append("".join(current))
        parts = [p for p in parts if p]
        if parts:
            for kind in OWNER_KINDS:
                if parts[0].startswith(kind + "[") and parts[0].endswith("]"):
                    parts[0:1] = [kind, parts[0][len(kind) + 1 : -1]]
                    break
        return cls(tuple(parts))

    def child(self, name: str) -> PropertyPath:
        """The path of ``name`` in this sheet: only ``name`` is checked (this path's own
        parts were when it was made), so a page's rows get their paths cheaply."""
        check_property_name(name)
        made = object.__new__(PropertyPath)
        object.__setattr__(made, "segments", (*self.segments, name))
        return made

    # -- reading ---------------------------------------------------------------------------
    @property
    def owner_length(self) -> int:
        return 1 if self.segments[0] == "server" else 2

    @property
    def names(self) -> tuple[str, ...]:
        """The property names below the owner."""
        return self.segments[self.owner_length :]

    @property
    def is_owner(self) -> bool:
        """True for an owner's root sheet (``/server``, ``/projects/P``)."""
        return not self.names

    @property
    def name(self) -> str:
        return self.segments[-1]

    @property
    def parent(self) -> PropertyPath:
        if self.is_owner:
            raise ValidationError("An owner's root sheet has no parent")
        return PropertyPath(self.segments[:-1])

    def __str__(self) -> str:
        """The path as the server reads it in a ``path`` or ``propertyName`` argument."""
        if self.owner_length == 1:
            head = "/server"
        else:
            owner = self.segments[1]
            head = (
                f"/{self.segments[0]}[{owner}]" if "/" in owner else f"/{self.segments[0]}/{owner}"
            )
        return head + "".join("/" + n for n in self.names)
