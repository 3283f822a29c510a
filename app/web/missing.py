"""The 404 page of a property or sheet that does not exist, with a way back up: a link to
the nearest sheet above it that does exist, found with a bounded number of reads."""

from __future__ import annotations

from flask import Response, url_for

from app.cloudbees import CloudBeesError, NotFound, PropertyPath
from app.htmx import render
from app.services import cd
from app.web.nodes import node_url

MAX_LOOKUPS = 3  # reads spent looking for an existing parent before giving up


def owner_exists(owner: PropertyPath) -> bool:
    """Whether an owner (the server, a project, an artifact or a version) exists: one read
    of its root sheet, so a path typed into a URL only ever reaches the property routes."""
    if owner.segments[0] == "server":
        return True
    cd().properties.sheet(owner)
    return True


def exists(sheet: PropertyPath) -> bool:
    """Whether ``sheet`` exists as a sheet (one read); a read that fails says no."""
    try:
        return owner_exists(sheet) if sheet.is_owner else cd().properties.get(sheet).is_sheet
    except NotFound:
        return False
    except CloudBeesError as err:
        if err.status == 401:
            raise
        return False


def ancestors(path: PropertyPath) -> list[PropertyPath]:
    """The sheets above ``path``, nearest first, down to its owner's root sheet."""
    found: list[PropertyPath] = []
    current = path
    while not current.is_owner:
        current = current.parent
        found.append(current)
    return found


def nearest_sheet(path: PropertyPath) -> PropertyPath | None:
    """The nearest sheet above ``path`` that exists, among the first ``MAX_LOOKUPS``."""
    for sheet in ancestors(path)[:MAX_LOOKUPS]:
        if exists(sheet):
            return sheet
    return None


def missing_page(path: PropertyPath, err: NotFound) -> Response:
    """404: what the server said, and a link to the nearest existing sheet above (else the
    projects list)."""
    sheet = nearest_sheet(path)
    if sheet is None:
        back = ("the projects list", url_for("browse.index"))
    else:
        back = (str(sheet), node_url(sheet, True))
    return render(
        "errors/error.html", status=404, title="Not found", message=err.message, back=back
    )
