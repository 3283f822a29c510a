"""Turn store rows into the upstream's JSON shapes (every scalar a string)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.store import Row

Json = dict[str, Any]


def _flag(value: Any) -> str:
    """A boolean column as the upstream writes it: ``"1"`` or ``"0"``."""
    return "1" if value else "0"


def property_json(row: Row, value: str | None = None) -> Json:
    """One property; a sheet carries ``propertySheetId`` and no ``value``."""
    out: Json = {
        "propertyId": str(row["id"]),
        "propertyName": row["name"],
        "counter": _flag(row["counter"]),
        "createTime": row["create_time"],
        "description": row["description"],
        "expandable": _flag(row["expandable"]),
        "lastModifiedBy": row["last_modified_by"],
        "modifyTime": row["modify_time"],
        "owner": row["owner"],
        "tracked": _flag(row["tracked"]),
    }
    if row["child_sheet_id"] is not None:
        out["propertySheetId"] = str(row["child_sheet_id"])
    else:
        out["value"] = row["value"] if value is None else value
    return out


def sheet_json(
    sheet: Row,
    grouped: dict[int, list[Row]],
    recurse: bool,
    render_value: Callable[[Row], str | None],
) -> Json:
    """A sheet with its properties; with ``recurse`` every sub-sheet nests its own."""
    entries = []
    for row in grouped.get(sheet["id"], []):
        entry = property_json(row, render_value(row))
        child = row["child_sheet_id"]
        if recurse and child is not None:
            child_sheet = {
                "id": child,
                "owner": row["owner"],
                "create_time": row["create_time"],
                "modify_time": row["modify_time"],
                "last_modified_by": row["last_modified_by"],
            }
            entry["propertySheet"] = sheet_json(child_sheet, grouped, True, render_value)
        entries.append(entry)
    out: Json = {
        "propertySheetId": str(sheet["id"]),
        "owner": sheet["owner"],
        "createTime": sheet["create_time"],
        "modifyTime": sheet["modify_time"],
        "lastModifiedBy": sheet["last_modified_by"],
    }
    if entries:  # empty fields are left out
        out["property"] = entries
    return out


def _stamps(row: Row) -> Json:
    """When and by whom a row was made and last changed, in the upstream's key order."""
    return {
        "createTime": row["create_time"],
        "modifyTime": row["modify_time"],
        "lastModifiedBy": row["last_modified_by"],
        "owner": row["owner"],
    }


def _owner_fields(row: Row) -> Json:
    """The fields every sheet owner ends with: description, stamps and its sheet's id."""
    return {
        "description": row["description"],
        **_stamps(row),
        "propertySheetId": str(row["sheet_id"]),
    }


def _artifact_name_fields(row: Row) -> Json:
    """``artifactName`` (``groupId:artifactKey``) and its two parts."""
    return {
        "artifactName": f"{row['group_id']}:{row['artifact_key']}",
        "groupId": row["group_id"],
        "artifactKey": row["artifact_key"],
    }


def project_json(row: Row) -> Json:
    """One project; ``pluginKey`` only for a plugin's project."""
    out: Json = {
        "projectId": str(row["id"]),
        "projectName": row["name"],
        **_owner_fields(row),
        "tracked": _flag(row["tracked"]),
    }
    if row["plugin_key"]:
        out["pluginKey"] = row["plugin_key"]
    return out


def artifact_json(row: Row) -> Json:
    """One artifact (``groupId:artifactKey``)."""
    return {"artifactId": str(row["id"]), **_artifact_name_fields(row), **_owner_fields(row)}


def version_json(row: Row, files: list[Row]) -> Json:
    """One artifact version with its dependents and files (each left out when empty)."""
    names = _artifact_name_fields(row)
    out: Json = {
        "artifactVersionId": str(row["id"]),
        "artifactVersionName": f"{names['artifactName']}:{row['version']}",
        **names,
        "version": row["version"],
        "artifactVersionState": row["state"],
        "repositoryName": row["repository_name"],
        **_owner_fields(row),
    }
    dependents = json.loads(row["dependents"])
    if dependents:
        out["dependentArtifactVersions"] = dependents
    if files:
        out["artifactFile"] = [
            {"fileName": f["name"], "fileSize": str(f["size"]), "sha256": f["sha256"]}
            for f in files
        ]
    return out


def repository_json(row: Row) -> Json:
    """One artifact repository; ``url`` only when it has one."""
    out: Json = {
        "repositoryId": str(row["id"]),
        "repositoryName": row["name"],
        "description": row["description"],
        "repositoryDisabled": "0",
        **_stamps(row),
    }
    if row["url"]:
        out["url"] = row["url"]
    return out
