"""The publish form: parsed and checked before any upstream call."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import FileStorage

from app.cloudbees import ArtifactVersion, ValidationError
from app.cloudbees.artifacts import ArtifactService, check_artifact_part, check_version
from app.web.filters import filesize

FIELDS = (
    "group_id",
    "artifact_key",
    "version",
    "repository",
    "description",
    "dependents",
    "files",
    "general",
)


@dataclass(frozen=True)
class UploadLimits:
    """What one publish may carry: bytes of all files together, and how many files."""

    max_bytes: int
    max_files: int


def size_of(upload: FileStorage) -> int:
    """The size of an uploaded file, already received in full (the stream is rewound)."""
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def check_files(files: tuple[FileStorage, ...], limits: UploadLimits) -> str:
    """What is wrong with the chosen files, or ``""``: too many, too large together, or
    two with one name (the server would keep only one of them)."""
    if len(files) > limits.max_files:
        return (
            f"{len(files)} files chosen; one publish may carry at most {limits.max_files}. "
            "Nothing was sent."
        )
    names = [f.filename or "" for f in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return f"Two or more files are named “{twice[0]}”; rename them so each name is once."
    total = sum(size_of(f) for f in files)
    if total > limits.max_bytes:
        return (
            f"The files hold {filesize(total)} together; the limit is "
            f"{filesize(limits.max_bytes)}. Nothing was sent."
        )
    return ""


@dataclass(frozen=True)
class PublishForm:
    """What a person asked to publish, and what is wrong with it (by field)."""

    group_id: str
    artifact_key: str
    version: str
    repository: str
    description: str
    dependents: tuple[str, ...]
    files: tuple[FileStorage, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def artifact_name(self) -> str:
        return f"{self.group_id}:{self.artifact_key}"

    @property
    def version_name(self) -> str:
        return f"{self.artifact_name}:{self.version}"

    def publish(self, artifacts: ArtifactService) -> ArtifactVersion:
        """Publish what this checked form holds in one upstream call (the page's and the
        API's publish alike); the server's refusals raise its typed errors."""
        return artifacts.publish_version(
            self.group_id,
            self.artifact_key,
            self.version,
            [(upload.filename or "file", upload.stream) for upload in self.files],
            repository=self.repository,
            description=self.description,
            dependents=self.dependents,
        )

    def values(self) -> dict[str, Any]:
        """The typed text, to fill the form back in (files cannot be: browsers forbid it)."""
        return {
            "group_id": self.group_id,
            "artifact_key": self.artifact_key,
            "version": self.version,
            "repository": self.repository,
            "description": self.description,
            "dependents": list(self.dependents),
        }

    @classmethod
    def parse(cls, form: Any, files: Any, limits: UploadLimits) -> PublishForm:
        existing = (form.get("existing") or "").strip()
        group_id = (form.get("group_id") or "").strip()
        key = (form.get("artifact_key") or "").strip()
        if existing and not (group_id or key) and existing.count(":") == 1:
            group_id, key = existing.split(":")
        dependents = tuple(d.strip() for d in form.getlist("dependents") if d.strip())
        uploads = tuple(f for f in files.getlist("files") if f and f.filename)
        parsed = cls(
            group_id,
            key,
            (form.get("version") or "").strip(),
            (form.get("repository") or "default").strip(),
            (form.get("description") or "").replace("\r\n", "\n"),
            dependents,
            uploads,
        )
        parsed.errors.update(parsed.check())
        if problem := check_files(uploads, limits):
            parsed.errors["files"] = problem
        return parsed

    def check(self) -> dict[str, str]:
        """Field -> message, for everything that can be judged without the server."""
        errors: dict[str, str] = {}
        for name, value, label in (
            ("group_id", self.group_id, "Group id"),
            ("artifact_key", self.artifact_key, "Artifact key"),
        ):
            try:
                check_artifact_part(label, value)
            except ValidationError as err:
                errors[name] = "Required." if not value else err.message
        try:
            check_version(self.version)
        except ValidationError as err:
            errors["version"] = "Required." if not self.version else err.message
        for dependent in self.dependents:
            parts = dependent.split(":")
            ok = len(parts) == 3
            try:
                if ok:
                    check_artifact_part("Group id", parts[0])
                    check_artifact_part("Artifact key", parts[1])
                    check_version(parts[2])
            except ValidationError:
                ok = False
            if not ok:
                errors["dependents"] = (
                    f"“{dependent}” is not a version name (groupId:artifactKey:version)."
                )
                break
        return errors

    @staticmethod
    def field_for(code: str) -> str:
        """Which field an upstream refusal belongs next to."""
        return {
            "InvalidVersion": "version",
            "DuplicateArtifactVersion": "version",
            "InvalidArtifactName": "artifact_key",
            "NoSuchRepository": "repository",
            "AccessDenied": "general",
        }.get(code, "general")
