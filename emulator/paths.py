"""Resolve property paths and locators to sheets, as the upstream does."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from emulator.errors import ApiError, invalid_argument, no_such_property
from emulator.rules import split_path
from emulator.store import Row, Store


@dataclass(frozen=True)
class Target:
    """Where a single property lives (or would live): its parent sheet and its name."""

    parent_sheet: int
    name: str
    shown: str


def _bracketed(segment: str, kind: str) -> str | None:
    """The name inside ``kind[...]`` (``projects[My Project]``), else ``None``."""
    if segment.startswith(kind + "[") and segment.endswith("]"):
        return segment[len(kind) + 1 : -1]
    return None


def _split_artifact(name: str, parts: int) -> list[str]:
    """An artifact (version) name of a path split on ``:``; a wrong count is a missing property."""
    pieces = name.split(":")
    if len(pieces) != parts:
        raise no_such_property(name)
    return pieces


def owner_root(c: sqlite3.Connection, segments: list[str]) -> tuple[int, list[str]]:
    """The root sheet named by the head of an absolute path, and the segments after it."""
    if not segments:
        raise invalid_argument("path", "the path is empty")
    head, rest = segments[0], segments[1:]
    for kind in ("projects", "artifacts", "artifactVersions"):
        quoted = _bracketed(head, kind)
        if head == kind:
            if not rest:
                raise no_such_property("/" + kind)
            quoted, rest = rest[0], rest[1:]
        if quoted is None:
            continue
        if kind == "projects":
            return int(Store.project(c, quoted)["sheet_id"]), rest
        if kind == "artifacts":
            group_id, key = _split_artifact(quoted, 2)
            return int(Store.artifact(c, group_id, key)["sheet_id"]), rest
        group_id, key, version = _split_artifact(quoted, 3)
        return int(Store.artifact_version(c, group_id, key, version)["sheet_id"]), rest
    if head == "server":
        return Store.server_sheet(c), rest
    raise no_such_property("/" + "/".join(segments))


def locator_root(c: sqlite3.Connection, args: dict[str, Any]) -> int:
    """The root sheet named by a locator argument (``projectName`` and friends)."""
    if args.get("projectName"):
        return int(Store.project(c, str(args["projectName"]))["sheet_id"])
    if args.get("artifactVersionName"):
        group_id, key, version = _split_artifact(str(args["artifactVersionName"]), 3)
        return int(Store.artifact_version(c, group_id, key, version)["sheet_id"])
    if args.get("artifactName"):
        group_id, key = _split_artifact(str(args["artifactName"]), 2)
        return int(Store.artifact(c, group_id, key)["sheet_id"])
    if args.get("propertySheetId"):
        sheet = Store.sheet(c, _int_arg("propertySheetId", args["propertySheetId"]))
        if sheet is None:
            raise ApiError(404, "NoSuchPropertySheet", "Property sheet does not exist")
        return int(sheet["id"])
    raise invalid_argument(
        "projectName", "a relative property name needs a locator such as projectName"
    )


def _int_arg(name: str, raw: Any) -> int:
    """An integer argument; anything else is ``InvalidArgument``."""
    try:
        return int(str(raw))
    except ValueError:
        raise invalid_argument(name, "expected an integer") from None


def sheet_of_segments(c: sqlite3.Connection, root: int, names: list[str], shown: str) -> int:
    """The sheet reached by following ``names`` (all sheets) from ``root``."""
    if not names:
        return root
    row = Store.walk(c, root, names, shown)
    if row is None:
        raise no_such_property(shown)
    if row["child_sheet_id"] is None:
        raise invalid_argument("path", f"'{shown}' is a property, not a property sheet")
    return int(row["child_sheet_id"])


def target(
    c: sqlite3.Connection, segments: list[str], absolute: bool, args: dict[str, Any]
) -> Target:
    """Resolve an absolute or locator-relative path of one property."""
    shown = ("/" if absolute else "") + "/".join(segments)
    if absolute:
        root, names = owner_root(c, segments)
    else:
        root, names = locator_root(c, args), segments
    if not names:
        raise invalid_argument("propertyName", f"'{shown}' names an owner, not a property")
    parent = sheet_of_segments(c, root, names[:-1], shown)
    return Target(parent, names[-1], shown)


def sheet_from_path(c: sqlite3.Connection, path: str, args: dict[str, Any]) -> int:
    """The sheet a ``path`` argument (or, without one, a locator) names."""
    if path:
        segments = split_path(path)
        if path.startswith("/"):
            root, names = owner_root(c, segments)
        else:
            root, names = locator_root(c, args), segments
        return sheet_of_segments(c, root, names, path)
    return locator_root(c, args)


def path_target(c: sqlite3.Connection, name_or_path: str, args: dict[str, Any]) -> Target:
    """A ``propertyName`` argument that may be a plain name or a (relative) path."""
    segments = split_path(name_or_path) if "/" in name_or_path else [name_or_path]
    if not segments or segments == [""]:
        raise ApiError(400, "InvalidPropertyName", "Invalid property name '': it is empty")
    return target(c, segments, name_or_path.startswith("/"), args)


def request_target(c: sqlite3.Connection, segments: list[str], args: dict[str, Any]) -> Target:
    """The property named by ``/properties/{name}`` (with a locator) or ``/properties//{path}``.

    ``segments`` start at ``properties``; a trailing slash after a path names nothing.
    """
    if len(segments) > 2 and segments[1] == "":
        names = segments[2:-1] if segments[-1] == "" else segments[2:]
        return target(c, names, True, args)
    return target(c, [segments[1]], False, args)


def request_property(
    c: sqlite3.Connection, segments: list[str], args: dict[str, Any]
) -> tuple[Target, Row | None]:
    """Where the property of a ``/properties`` request lives, and its row (``None``: missing)."""
    where = request_target(c, segments, args)
    return where, Store.property_in(c, where.parent_sheet, where.name)


def existing_property(c: sqlite3.Connection, segments: list[str], args: dict[str, Any]) -> Row:
    """The row of the property a ``/properties`` request names; 404 when it is missing."""
    where, row = request_property(c, segments, args)
    if row is None:
        raise no_such_property(where.shown)
    return row
