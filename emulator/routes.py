"""The REST route table: (first segment, shape) -> route template and handler per method.

A request's shape is ``collection`` (``/projects``), ``item`` (``/projects/{name}``) or
``path`` (``/properties//{absolute path}``). The template names the route in the request
counts of the test controls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from emulator.handlers import artifacts, projects, property_reads, property_writes, sessions
from emulator.http import Handler

Shape = Literal["collection", "item", "path"]
Methods = Mapping[str, Handler]

# ``/properties/{name}`` and ``/properties//{path}`` reach one property the same ways.
ONE_PROPERTY: Methods = {
    "GET": property_reads.get_property,
    "PUT": property_writes.put_property,
    "DELETE": property_writes.delete_property,
}

ROUTES: dict[tuple[str, Shape], tuple[str, Methods]] = {
    ("sessions", "collection"): (
        "/sessions",
        {"POST": sessions.login, "DELETE": sessions.logout},
    ),
    ("projects", "collection"): (
        "/projects",
        {"GET": projects.list_projects, "POST": projects.create_project},
    ),
    ("projects", "item"): (
        "/projects/{projectName}",
        {
            "GET": projects.get_project,
            "PUT": projects.modify_project,
            "DELETE": projects.delete_project,
        },
    ),
    ("properties", "collection"): (
        "/properties",
        {"GET": property_reads.get_sheet, "POST": property_writes.create_property},
    ),
    ("properties", "item"): ("/properties/{propertyName}", ONE_PROPERTY),
    ("properties", "path"): ("/properties//{path}", ONE_PROPERTY),
    ("propertySheets", "item"): (
        "/propertySheets/{propertySheetId}",
        {"GET": property_reads.get_sheet_by_id},
    ),
    ("artifacts", "collection"): (
        "/artifacts",
        {"GET": artifacts.list_artifacts, "POST": artifacts.create_artifact},
    ),
    ("artifacts", "item"): (
        "/artifacts/{artifactName}",
        {"GET": artifacts.get_artifact, "DELETE": artifacts.delete_artifact},
    ),
    ("artifactVersions", "collection"): (
        "/artifactVersions",
        {"GET": artifacts.list_versions, "POST": artifacts.create_version},
    ),
    ("artifactVersions", "item"): (
        "/artifactVersions/{artifactVersionName}",
        {"GET": artifacts.get_version, "DELETE": artifacts.delete_version},
    ),
    ("repositories", "collection"): ("/repositories", {"GET": artifacts.list_repositories}),
    ("repositories", "item"): (
        "/repositories/{repositoryName}",
        {"GET": artifacts.get_repository},
    ),
}

# Handlers that answer without a logged-in caller.
PUBLIC: frozenset[Handler] = frozenset({sessions.login})


def _shape(segs: list[str]) -> Shape | None:
    if len(segs) == 1:
        return "collection"
    if len(segs) == 2:
        return "item"
    if len(segs) > 2 and segs[1] == "":
        return "path"
    return None


def route(method: str, segs: list[str]) -> tuple[Handler | None, str]:
    """The handler (``None``: not implemented) and the route name of an API request.

    ``segs`` are the segments after ``/rest/v1.0``. A trailing slash is ignored except
    under ``/properties``, where an empty last segment is part of the name or path.
    """
    if segs and segs[-1] == "" and not (len(segs) > 1 and segs[0] == "properties"):
        segs = segs[:-1]
    shape = _shape(segs)
    found = ROUTES.get((segs[0], shape)) if shape is not None else None
    if found is None:
        return None, f"{method} unknown"
    template, methods = found
    return methods.get(method), f"{method} {template}"
