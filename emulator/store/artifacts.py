"""Artifacts, artifact versions and their files: every query on the ``artifact*`` tables."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from emulator.errors import ApiError
from emulator.store.schema import Row, update_stamped
from emulator.store.sheets import SheetQueries

_VERSIONS = (
    "SELECT v.*, a.group_id, a.artifact_key FROM artifact_versions v "
    "JOIN artifacts a ON a.id = v.artifact_id"
)


class ArtifactQueries(SheetQueries):
    """Artifacts (``groupId:artifactKey``), their versions and the versions' files."""

    @staticmethod
    def artifact(c: sqlite3.Connection, group_id: str, key: str) -> Row:
        """The artifact ``groupId:artifactKey``; 404 ``NoSuchArtifact`` when missing."""
        row = c.execute(
            "SELECT * FROM artifacts WHERE group_id=? AND artifact_key=?", (group_id, key)
        ).fetchone()
        if row is None:
            raise ApiError(404, "NoSuchArtifact", f"Artifact '{group_id}:{key}' does not exist")
        return dict(row)

    @staticmethod
    def artifacts(c: sqlite3.Connection) -> list[Row]:
        """Every artifact, by group and key."""
        return [
            dict(r) for r in c.execute("SELECT * FROM artifacts ORDER BY group_id, artifact_key")
        ]

    def create_artifact(
        self, c: sqlite3.Connection, group_id: str, key: str, description: str, user: str
    ) -> Row:
        """Add an artifact with its own sheet; 409 when it exists."""
        if c.execute(
            "SELECT 1 FROM artifacts WHERE group_id=? AND artifact_key=?", (group_id, key)
        ).fetchone():
            raise ApiError(
                409, "DuplicateArtifactName", f"Artifact '{group_id}:{key}' already exists"
            )
        values = {"group_id": group_id, "artifact_key": key, "description": description}
        self.insert_owner(c, "artifacts", values, user)
        return self.artifact(c, group_id, key)

    def ensure_artifact(self, c: sqlite3.Connection, group_id: str, key: str, user: str) -> Row:
        """The artifact, created (with no description) when it is missing."""
        try:
            return self.artifact(c, group_id, key)
        except ApiError:
            return self.create_artifact(c, group_id, key, "", user)

    def delete_artifact(self, c: sqlite3.Connection, row: Row) -> None:
        """Delete an artifact, its versions, their files and every sheet they own."""
        for version in self.artifact_versions(c, row["id"]):
            self.delete_sheet_tree(c, version["sheet_id"])
        c.execute("DELETE FROM artifacts WHERE id=?", (row["id"],))
        self.delete_sheet_tree(c, row["sheet_id"])

    @staticmethod
    def artifact_version(c: sqlite3.Connection, group_id: str, key: str, version: str) -> Row:
        """One version (with its artifact's names); 404 ``NoSuchArtifactVersion``."""
        row = c.execute(
            _VERSIONS + " WHERE a.group_id=? AND a.artifact_key=? AND v.version=?",
            (group_id, key, version),
        ).fetchone()
        if row is None:
            raise ApiError(
                404,
                "NoSuchArtifactVersion",
                f"Artifact version '{group_id}:{key}:{version}' does not exist",
            )
        return dict(row)

    @staticmethod
    def artifact_versions(c: sqlite3.Connection, artifact_id: int | None) -> list[Row]:
        """Every version (of one artifact, or of all), oldest first."""
        if artifact_id is None:
            rows = c.execute(_VERSIONS + " ORDER BY v.id")
        else:
            rows = c.execute(_VERSIONS + " WHERE v.artifact_id=? ORDER BY v.id", (artifact_id,))
        return [dict(r) for r in rows]

    def create_artifact_version(
        self,
        c: sqlite3.Connection,
        artifact: Row,
        version: str,
        repository: str,
        description: str,
        dependents: list[str],
        state: str,
        user: str,
    ) -> Row:
        """Add a version in ``state``; 404 for an unknown repository, 409 for a duplicate."""
        if c.execute("SELECT 1 FROM repositories WHERE name=?", (repository,)).fetchone() is None:
            raise ApiError(404, "NoSuchRepository", f"Repository '{repository}' does not exist")
        if c.execute(
            "SELECT 1 FROM artifact_versions WHERE artifact_id=? AND version=?",
            (artifact["id"], version),
        ).fetchone():
            name = f"{artifact['group_id']}:{artifact['artifact_key']}:{version}"
            raise ApiError(
                409, "DuplicateArtifactVersion", f"Artifact version '{name}' already exists"
            )
        values = {
            "artifact_id": artifact["id"],
            "version": version,
            "state": state,
            "repository_name": repository,
            "description": description,
            "dependents": json.dumps(dependents),
        }
        stamp = self.insert_owner(c, "artifact_versions", values, user)
        update_stamped(c, "artifacts", artifact["id"], user, stamp)
        return self.artifact_version(c, artifact["group_id"], artifact["artifact_key"], version)

    def delete_artifact_version(self, c: sqlite3.Connection, row: Row) -> None:
        """Delete a version, its files and its property tree."""
        c.execute("DELETE FROM artifact_versions WHERE id=?", (row["id"],))
        self.delete_sheet_tree(c, row["sheet_id"])

    @staticmethod
    def set_version_state(c: sqlite3.Connection, version_id: int, state: str) -> None:
        """Move a version to ``state`` (``publishing``, ``available``, ...)."""
        c.execute("UPDATE artifact_versions SET state=? WHERE id=?", (state, version_id))

    @staticmethod
    def add_version_files(
        c: sqlite3.Connection, version_id: int, files: Iterable[tuple[str, int, str]]
    ) -> None:
        """Record a version's files as ``(name, size, sha256)``; a same-named file is replaced."""
        c.executemany(
            "INSERT OR REPLACE INTO artifact_files(version_id, name, size, sha256) "
            "VALUES (?,?,?,?)",
            [(version_id, name, size, sha) for name, size, sha in files],
        )

    @staticmethod
    def files_of(c: sqlite3.Connection, version_ids: list[int]) -> dict[int, list[Row]]:
        """The files of each version, by version id, sorted by name."""
        grouped: dict[int, list[Row]] = {}
        if not version_ids:
            return grouped
        marks = ",".join("?" * len(version_ids))
        for r in c.execute(
            f"SELECT * FROM artifact_files WHERE version_id IN ({marks}) ORDER BY name",  # noqa: S608
            version_ids,
        ):
            grouped.setdefault(r["version_id"], []).append(dict(r))
        return grouped
