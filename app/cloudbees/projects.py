"""Projects."""

from __future__ import annotations

from app.cloudbees.models import Project, as_list
from app.cloudbees.transport import Auth, Transport


class ProjectService:
    """``/projects``: list and read (plugin projects included, marked by ``plugin_key``)."""

    def __init__(self, transport: Transport, auth: Auth) -> None:
        self.transport = transport
        self.auth = auth

    def all(self) -> list[Project]:
        data = self.transport.call("GET", ("projects",), auth=self.auth)
        return [Project.from_json(p) for p in as_list(data.get("project"))]

    def get(self, name: str) -> Project:
        data = self.transport.call("GET", ("projects", name), auth=self.auth)
        return Project.from_json(data["project"])

    def create(self, name: str, description: str = "") -> Project:
        data = self.transport.call(
            "POST",
            ("projects",),
            auth=self.auth,
            body={"projectName": name, "description": description},
        )
        return Project.from_json(data["project"])

    def delete(self, name: str) -> None:
        """Delete a project with everything in it."""
        self.transport.call("DELETE", ("projects", name), auth=self.auth)
