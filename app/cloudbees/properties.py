"""Properties and property sheets: read (raw unless asked), create, set, modify, increment,
delete. Every property is addressed by a ``PropertyPath``."""

from __future__ import annotations

from app.cloudbees.errors import ServerError
from app.cloudbees.models import Property, PropertySheet, as_list
from app.cloudbees.paths import PropertyPath
from app.cloudbees.sheets import SheetSlice, SliceRequest, slice_entries
from app.cloudbees.transport import Auth, Json, Transport


def _flag(value: bool) -> str:
    return "1" if value else "0"


class PropertyService:
    """``/properties`` and ``/propertySheets``. Reads are raw (``expand=0``) unless
    ``expand=True`` asks for what the server resolves."""

    def __init__(self, transport: Transport, auth: Auth) -> None:
        self.transport = transport
        self.auth = auth

    def _call(
        self,
        method: str,
        path: PropertyPath,
        *,
        params: dict[str, str] | None = None,
        body: Json | None = None,
    ) -> Json:
        return self.transport.call(
            method, ("properties", "", *path.segments), auth=self.auth, params=params, body=body
        )

    @staticmethod
    def _property(data: Json) -> Property:
        if not isinstance(data.get("property"), dict):
            raise ServerError("CloudBees CD's answer holds no property")
        return Property.from_json(data["property"])

    # -- reads -----------------------------------------------------------------------------
    def get(self, path: PropertyPath, *, expand: bool = False) -> Property:
        """One property (or sheet entry) by absolute path."""
        return self._property(self._call("GET", path, params={"expand": _flag(expand)}))

    def sheet(
        self, path: PropertyPath, *, recurse: bool = False, expand: bool = False
    ) -> PropertySheet:
        """The sheet at ``path`` (an owner's root sheet or a nested one), one call."""
        return PropertySheet.from_json(self._sheet_json(path, recurse=recurse, expand=expand))

    def _sheet_json(self, path: PropertyPath, *, recurse: bool, expand: bool) -> Json:
        data = self.transport.call(
            "GET",
            ("properties",),
            auth=self.auth,
            params={"path": str(path), "recurse": _flag(recurse), "expand": _flag(expand)},
        )
        sheet = data.get("propertySheet")
        return sheet if isinstance(sheet, dict) else {}

    def sheet_page(
        self, path: PropertyPath, want: SliceRequest | None = None, *, expand: bool = False
    ) -> SheetSlice:
        """One page of the sheet at ``path`` (filtered and sorted), from one call; with
        ``expand``, of values as the server expands them (one broken reference anywhere
        in the sheet fails the whole read)."""
        sheet = self._sheet_json(path, recurse=False, expand=expand)
        return slice_entries(as_list(sheet.get("property")), want or SliceRequest())

    def sheet_by_id(
        self, sheet_id: int, *, recurse: bool = False, expand: bool = False
    ) -> PropertySheet:
        data = self.transport.call(
            "GET",
            ("propertySheets", str(sheet_id)),
            auth=self.auth,
            params={"recurse": _flag(recurse), "expand": _flag(expand)},
        )
        return PropertySheet.from_json(data.get("propertySheet") or {})

    # -- writes ----------------------------------------------------------------------------
    def create(
        self,
        path: PropertyPath,
        value: str = "",
        *,
        description: str = "",
        expandable: bool = True,
        counter: bool = False,
    ) -> Property:
        """Create a value property; an existing name raises ``Conflict``."""
        body: Json = {
            "propertyName": str(path),
            "value": value,
            "description": description,
            "expandable": _flag(expandable),
            "counter": _flag(counter),
            "propertyType": "string",
        }
        return self._property(
            self.transport.call("POST", ("properties",), auth=self.auth, body=body)
        )

    def create_sheet(self, path: PropertyPath, *, description: str = "") -> Property:
        """Create a nested property sheet."""
        body: Json = {
            "propertyName": str(path),
            "description": description,
            "propertyType": "sheet",
        }
        return self._property(
            self.transport.call("POST", ("properties",), auth=self.auth, body=body)
        )

    def set(
        self,
        path: PropertyPath,
        value: str,
        *,
        description: str | None = None,
        expandable: bool | None = None,
    ) -> Property:
        """Set a value (the server creates the property when missing)."""
        body: Json = {"value": value}
        if description is not None:
            body["description"] = description
        if expandable is not None:
            body["expandable"] = _flag(expandable)
        return self._property(self._call("PUT", path, body=body))

    def modify(
        self,
        path: PropertyPath,
        *,
        new_name: str | None = None,
        description: str | None = None,
        expandable: bool | None = None,
    ) -> Property:
        """Rename or change the description / expandable flag; returns the whole property
        (the server answers only the changed fields, so it is read back)."""
        body: Json = {}
        if new_name is not None:
            path.parent.child(new_name)  # validates the new name before any call
            body["newName"] = new_name
        if description is not None:
            body["description"] = description
        if expandable is not None:
            body["expandable"] = _flag(expandable)
        self._call("PUT", path, params={"request": "modifyProperty"}, body=body)
        final = path.parent.child(new_name) if new_name else path
        return self.get(final)

    def update(
        self,
        path: PropertyPath,
        *,
        value: str | None = None,
        description: str | None = None,
        expandable: bool | None = None,
    ) -> Property:
        """Change only the given fields of a property: ``setProperty`` when the value
        changes, else ``modifyProperty``, which leaves the value as it is, byte for byte."""
        if value is not None:
            return self.set(path, value, description=description, expandable=expandable)
        return self.modify(path, description=description, expandable=expandable)

    def increment(self, path: PropertyPath, by: int = 1) -> Property:
        """Atomically add ``by`` to an integer value (created at ``by`` when missing)."""
        return self._property(
            self._call(
                "PUT",
                path,
                params={"request": "incrementProperty"},
                body={"incrementBy": str(int(by))},
            )
        )

    def delete(self, path: PropertyPath) -> None:
        """Delete a property, or a sheet with everything in it."""
        self._call("DELETE", path)
