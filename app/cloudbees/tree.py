"""The sub-sheets of a sheet, for a tree of sheets: names only, from one read.

A sheet of 1,000 sub-sheets answers 1,000 entries; only their names are needed, so the
answer is read as JSON and never turned into ``Property`` objects (whose times are parsed).
"""

from __future__ import annotations

from app.cloudbees.models import as_list, as_text
from app.cloudbees.paths import PropertyPath
from app.cloudbees.transport import Auth, Transport


class TreeService:
    """``GET /properties?path=...`` read for its sub-sheets."""

    def __init__(self, transport: Transport, auth: Auth) -> None:
        self.transport = transport
        self.auth = auth

    def sub_sheets(self, path: PropertyPath) -> list[str]:
        """The names of the sheets in the sheet at ``path``, sorted (one call)."""
        data = self.transport.call(
            "GET",
            ("properties",),
            auth=self.auth,
            params={"path": str(path), "expand": "0"},
        )
        sheet = data.get("propertySheet")
        entries = as_list(sheet.get("property")) if isinstance(sheet, dict) else []
        return sorted(
            as_text(e.get("propertyName"))
            for e in entries
            if isinstance(e, dict) and e.get("propertySheetId") is not None
        )
