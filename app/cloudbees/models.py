"""Frozen dataclasses built from CloudBees CD JSON, with real types instead of strings.

Builders are tolerant: a one-element list may come as a bare object, optional fields may be
missing, and PUT answers may carry only the changed fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = Mapping[str, Any]
"""A JSON object as the server sends it (the one alias every builder reads)."""


def as_list(value: Any) -> list[Any]:
    """A JSON list, whether it came as a list, a bare object or not at all."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def as_bool(value: Any, default: bool = False) -> bool:
    if value == "1":  # the common case first: these run for every row of a sheet
        return True
    if value == "0":
        return False
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true")


def as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def as_time(value: Any) -> datetime | None:
    """ISO-8601 (``2017-11-27T16:34:26.271Z``) to an aware datetime; ``None`` if absent."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value if isinstance(value, str) else str(value))
    except ValueError:
        return None


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True, kw_only=True)
class Audited:
    """Who made an object and when it was made and last changed (fields every CloudBees CD
    object carries)."""

    owner: str = ""
    create_time: datetime | None = None
    modify_time: datetime | None = None
    last_modified_by: str = ""

    @staticmethod
    def audit_fields(data: Json) -> dict[str, Any]:
        """The audit fields of a JSON object, as keyword arguments of a model."""
        return {
            "owner": as_text(data.get("owner")),
            "create_time": as_time(data.get("createTime")),
            "modify_time": as_time(data.get("modifyTime")),
            "last_modified_by": as_text(data.get("lastModifiedBy")),
        }


@dataclass(frozen=True)
class CdSession:
    """A logged-in upstream session. The id is kept out of ``repr``."""

    user_name: str
    session_id: str = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> CdSession:
        return cls(user_name=as_text(data.get("userName")), session_id=as_text(data["sessionId"]))


@dataclass(frozen=True)
class Project(Audited):
    """A CloudBees CD project; plugin projects carry a ``plugin_key``."""

    id: int | None
    name: str
    description: str = ""
    property_sheet_id: int | None = None
    tracked: bool = True
    plugin_key: str | None = None

    @property
    def is_plugin(self) -> bool:
        return bool(self.plugin_key)

    @classmethod
    def from_json(cls, data: Json) -> Project:
        return cls(
            id=as_int(data.get("projectId")),
            name=as_text(data.get("projectName")),
            description=as_text(data.get("description")),
            **cls.audit_fields(data),
            property_sheet_id=as_int(data.get("propertySheetId")),
            tracked=as_bool(data.get("tracked"), True),
            plugin_key=as_text(data.get("pluginKey")) or None,
        )


@dataclass(frozen=True)
class Property(Audited):
    """A property: a value, or (``is_sheet``) a nested sheet with ``property_sheet_id``.

    ``sheet`` holds the nested sheet's contents when it was read with ``recurse``.
    """

    id: int | None
    name: str
    value: str | None = None
    description: str = ""
    expandable: bool = True
    counter: bool = False
    tracked: bool = True
    property_sheet_id: int | None = None
    sheet: PropertySheet | None = None

    @property
    def is_sheet(self) -> bool:
        return self.property_sheet_id is not None

    @property
    def has_references(self) -> bool:
        """True when the value holds ``$[...]`` and the server would expand it."""
        return self.expandable and self.value is not None and "$[" in self.value

    @classmethod
    def from_json(cls, data: Json) -> Property:
        nested = data.get("propertySheet")
        return cls(
            id=as_int(data.get("propertyId")),
            name=as_text(data.get("propertyName")),
            value=None if data.get("value") is None else as_text(data.get("value")),
            description=as_text(data.get("description")),
            expandable=as_bool(data.get("expandable"), True),
            counter=as_bool(data.get("counter")),
            tracked=as_bool(data.get("tracked"), True),
            **cls.audit_fields(data),
            property_sheet_id=as_int(data.get("propertySheetId")),
            sheet=PropertySheet.from_json(nested) if isinstance(nested, Mapping) else None,
        )


@dataclass(frozen=True)
class PropertySheet(Audited):
    """A sheet and its properties, in the server's order."""

    id: int | None
    properties: tuple[Property, ...] = ()

    @classmethod
    def from_json(cls, data: Json) -> PropertySheet:
        return cls(
            id=as_int(data.get("propertySheetId")),
            properties=tuple(Property.from_json(p) for p in as_list(data.get("property"))),
            **cls.audit_fields(data),
        )


@dataclass(frozen=True)
class Repository:
    """An artifact repository."""

    id: int | None
    name: str
    description: str = ""
    url: str = ""
    disabled: bool = False

    @classmethod
    def from_json(cls, data: Json) -> Repository:
        return cls(
            id=as_int(data.get("repositoryId")),
            name=as_text(data.get("repositoryName")),
            description=as_text(data.get("description")),
            url=as_text(data.get("url")),
            disabled=as_bool(data.get("repositoryDisabled")),
        )


@dataclass(frozen=True)
class Artifact(Audited):
    """An artifact ``groupId:artifactKey``."""

    id: int | None
    group_id: str
    artifact_key: str
    description: str = ""
    property_sheet_id: int | None = None

    @property
    def name(self) -> str:
        return f"{self.group_id}:{self.artifact_key}"

    @classmethod
    def from_json(cls, data: Json) -> Artifact:
        group_id, key = as_text(data.get("groupId")), as_text(data.get("artifactKey"))
        if not (group_id and key) and ":" in as_text(data.get("artifactName")):
            group_id, key = as_text(data.get("artifactName")).split(":", 1)
        return cls(
            id=as_int(data.get("artifactId")),
            group_id=group_id,
            artifact_key=key,
            description=as_text(data.get("description")),
            **cls.audit_fields(data),
            property_sheet_id=as_int(data.get("propertySheetId")),
        )


@dataclass(frozen=True)
class ArtifactFile:
    """A file published with an artifact version."""

    name: str
    size: int | None
    sha256: str = ""


@dataclass(frozen=True)
class ArtifactVersion(Audited):
    """A version ``groupId:artifactKey:version`` and its state and metadata."""

    id: int | None
    group_id: str
    artifact_key: str
    version: str
    state: str = ""
    repository_name: str = ""
    description: str = ""
    dependent_versions: tuple[str, ...] = ()
    property_sheet_id: int | None = None
    files: tuple[ArtifactFile, ...] = ()

    @property
    def artifact_name(self) -> str:
        return f"{self.group_id}:{self.artifact_key}"

    @property
    def name(self) -> str:
        return f"{self.artifact_name}:{self.version}"

    @classmethod
    def from_json(cls, data: Json) -> ArtifactVersion:
        group_id, key = as_text(data.get("groupId")), as_text(data.get("artifactKey"))
        version = as_text(data.get("version"))
        full = as_text(data.get("artifactVersionName"))
        if full.count(":") == 2 and not (group_id and key and version):
            group_id, key, version = full.split(":")
        deps = data.get("dependentArtifactVersions")
        if isinstance(deps, str):
            deps = [d for d in deps.split(",") if d.strip()]
        return cls(
            id=as_int(data.get("artifactVersionId")),
            group_id=group_id,
            artifact_key=key,
            version=version,
            state=as_text(data.get("artifactVersionState")),
            repository_name=as_text(data.get("repositoryName")),
            description=as_text(data.get("description")),
            dependent_versions=tuple(as_text(d).strip() for d in as_list(deps)),
            **cls.audit_fields(data),
            property_sheet_id=as_int(data.get("propertySheetId")),
            files=tuple(
                ArtifactFile(
                    as_text(f.get("fileName")), as_int(f.get("fileSize")), as_text(f.get("sha256"))
                )
                for f in as_list(data.get("artifactFile"))
                if isinstance(f, Mapping)
            ),
        )
