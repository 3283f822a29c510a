"""The REST route table: route template -> handler per method, found by (first segment, shape).

A request's shape is ``collection`` (``/projects``), ``item`` (``/projects/{name}``) or
``path`` (``/properties//{absolute path}``). The template names the route in the request
counts of the test controls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from emulator.handlers import (
    artifacts,
    objects,
    projects,
    property_reads,
    property_writes,
    sessions,
)
from emulator.http import Handler

Shape = Literal["collection", "item", "path"]
Methods = Mapping[str, Handler]

# ``/properties/{name}`` and ``/properties//{path}`` reach one property the same ways.
ONE_PROPERTY: Methods = {
    "GET": property_reads.get_property,
    "PUT": property_writes.put_property,
    "DELETE": property_writes.delete_property,
}


def _shape(segs: list[str]) -> Shape | None:
    """The shape of a request's (or a route template's) segments; ``None``: no route has it."""
    if len(segs) == 1:
        return "collection"
    if len(segs) == 2:
        return "item"
    if len(segs) > 2 and segs[1] == "":
        return "path"
    return None


# Route template -> handler per method; ``ROUTES`` keys them by first segment and shape.
_TEMPLATES: dict[str, Methods] = {
    "/sessions": {"POST": sessions.login, "DELETE": sessions.logout},
    "/projects": {"GET": projects.list_projects, "POST": projects.create_project},
    "/projects/{projectName}": {
        "GET": projects.get_project,
        "PUT": projects.modify_project,
        "DELETE": projects.delete_project,
    },
    "/properties": {"GET": property_reads.get_sheet, "POST": property_writes.create_property},
    "/properties/{propertyName}": ONE_PROPERTY,
    "/properties//{path}": ONE_PROPERTY,
    "/propertySheets/{propertySheetId}": {"GET": property_reads.get_sheet_by_id},
    "/artifacts": {"GET": artifacts.list_artifacts, "POST": artifacts.create_artifact},
    "/artifacts/{artifactName}": {
        "GET": artifacts.get_artifact,
        "DELETE": artifacts.delete_artifact,
    },
    "/artifactVersions": {"GET": artifacts.list_versions, "POST": artifacts.create_version},
    "/artifactVersions/{artifactVersionName}": {
        "GET": artifacts.get_version,
        "DELETE": artifacts.delete_version,
    },
    "/repositories": {"GET": artifacts.list_repositories},
    "/repositories/{repositoryName}": {"GET": artifacts.get_repository},
    "/objects": {"PUT": objects.find_objects},
}


def _key(template: str) -> tuple[str, Shape]:
    """What a route template is looked up by: its first segment and its shape."""
    segs = template.split("/")[1:]
    shape = _shape(segs)
    if shape is None:
        raise ValueError(f"Route template {template!r} has no shape")
    return segs[0], shape


ROUTES: dict[tuple[str, Shape], tuple[str, Methods]] = {
    _key(template): (template, methods) for template, methods in _TEMPLATES.items()
}

# Handlers that answer without a logged-in caller.
PUBLIC: frozenset[Handler] = frozenset({sessions.login})


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
