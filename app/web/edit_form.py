"""What an editor posts: the new text, and the exact state the edit started from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.cloudbees import Property


class Where(StrEnum):
    """Where an editor sits: in a row of its sheet's table, or on the property's page."""

    ROW = "row"
    DETAIL = "detail"

    @classmethod
    def of(cls, raw: str | None) -> Where:
        return cls.ROW if raw == cls.ROW else cls.DETAIL


class FormLike(Protocol):
    """``request.form``, a ``Draft`` or anything with ``get(name)``."""

    def get(self, key: str, /) -> str | None: ...


def text(raw: str | None) -> str:
    """Browsers send CRLF in textareas; the value keeps the user's own line breaks as LF."""
    return (raw or "").replace("\r\n", "\n")


def stamp(prop: Property) -> str:
    """The modification time an edit started from, as text for a hidden field."""
    return prop.modify_time.isoformat() if prop.modify_time else ""


@dataclass(frozen=True)
class EditForm:
    """The fields of a property editor: what the user typed, and what it started from."""

    value: str
    description: str
    expandable: bool
    base_value: str
    base_description: str
    base_expandable: bool
    base_modified: str

    @classmethod
    def from_form(cls, form: FormLike) -> EditForm:
        """Read a posted editor (or a kept draft of one)."""
        return cls(
            value=text(form.get("value")),
            description=text(form.get("description")),
            expandable=form.get("expandable") == "1",
            base_value=text(form.get("base_value")),
            base_description=text(form.get("base_description")),
            base_expandable=form.get("base_expandable") == "1",
            base_modified=form.get("base_modified") or "",
        )

    @classmethod
    def start(cls, prop: Property) -> EditForm:
        """A new edit of ``prop``: its current fields, both typed and as the base."""
        value = prop.value or ""
        return cls(
            value,
            prop.description,
            prop.expandable,
            value,
            prop.description,
            prop.expandable,
            stamp(prop),
        )

    def changed_since(self, current: Property) -> bool:
        """Someone else changed the property after this edit began (values compared with
        line ends normalised, as the browser sends them)."""
        return (
            text(current.value) != self.base_value
            or current.description != self.base_description
            or current.expandable != self.base_expandable
        )

    def value_for(self, current: Property) -> str:
        """The value to write: a value that used CRLF line ends keeps them."""
        old = current.value or ""
        if "\r\n" in old and "\n" not in old.replace("\r\n", ""):
            return self.value.replace("\n", "\r\n")
        return self.value
