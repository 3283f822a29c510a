"""``/projects``: list, read, create, modify (description, ``newName``) and delete."""

from __future__ import annotations

from werkzeug.wrappers import Response

from emulator.errors import invalid_argument
from emulator.http import Call, json_response
from emulator.views import project_json

MAX_PROJECT_NAME = 255


def list_projects(call: Call) -> Response:
    with call.store.read() as c:
        return json_response({"project": [project_json(r) for r in call.store.projects(c)]})


def get_project(call: Call) -> Response:
    with call.store.read() as c:
        return json_response({"project": project_json(call.store.project(c, call.segments[1]))})


def create_project(call: Call) -> Response:
    call.require_write()
    name = call.text("projectName")
    if not 1 <= len(name) <= MAX_PROJECT_NAME:
        raise invalid_argument("projectName", "1 to 255 characters")
    with call.store.write() as c:
        row = call.store.create_project(
            c, name, call.text("description"), call.user, call.text("pluginKey") or None
        )
    return json_response({"project": project_json(row)})


def modify_project(call: Call) -> Response:
    call.require_write()
    with call.store.write() as c:
        row = call.store.project(c, call.segments[1])
        description = call.text("description") if call.has("description") else None
        new_name: str | None = call.text("newName")
        if not new_name or new_name == row["name"]:
            new_name = None
        elif not 1 <= len(new_name) <= MAX_PROJECT_NAME:
            raise invalid_argument("newName", "1 to 255 characters")
        row = call.store.update_project(
            c, row, call.user, description=description, new_name=new_name
        )
    return json_response({"project": project_json(row)})


def delete_project(call: Call) -> Response:
    call.require_write()
    with call.store.write() as c:
        call.store.delete_project(c, call.store.project(c, call.segments[1]))
    return json_response({})
