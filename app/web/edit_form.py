"""What an editor posts: the new text, and the exact state the edit started from.

A browser cannot send every value back as it got it: HTML turns CR and CRLF into LF and NUL
into U+FFFD, and a form sends every line end as CRLF. So the edit's base travels as an exact
fingerprint (``base_digest``), a value the user did not touch is never written, and a value
the browser cannot carry at all (NUL, a CR without LF) is kept out of the form.
"""

from __future__ import annotations

import hashlib
import json
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


def as_browsed(value: str) -> str:
    """A value as a browser's form gives it back: line ends as LF, NUL as U+FFFD."""
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def carried(value: str | None) -> bool:
    """True when the editor can carry ``value`` (line ends aside): no NUL, no CR without LF."""
    text = value or ""
    return "\x00" not in text and "\r" not in text.replace("\r\n", "")


def mixes_line_ends(value: str | None) -> bool:
    """True when ``value`` ends some lines with CRLF and others with LF (a browser cannot
    keep them apart, so a changed value is saved with LF line ends)."""
    text = value or ""
    return "\r\n" in text and "\n" in text.replace("\r\n", "")


def fingerprint(prop: Property) -> str:
    """The exact value, description and expandable flag of ``prop`` as a short hash: what
    an edit started from, carried through the browser without loss."""
    fields = json.dumps([prop.value or "", prop.description, prop.expandable])
    return hashlib.sha256(fields.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Changes:
    """The fields a save writes; ``None`` leaves a field as the server holds it."""

    value: str | None = None
    description: str | None = None
    expandable: bool | None = None

    @property
    def empty(self) -> bool:
        """True when the save has nothing to write."""
        return self.value is None and self.description is None and self.expandable is None

    def held_by(self, prop: Property) -> bool:
        """True when ``prop`` holds every field of these changes exactly."""
        return (
            (self.value is None or self.value == (prop.value or ""))
            and (self.description is None or self.description == prop.description)
            and (self.expandable is None or self.expandable == prop.expandable)
        )


@dataclass(frozen=True)
class EditForm:
    """The fields of a property editor: what the user typed, and what it started from.
    ``value_kept``: the editor has no value field (the value stays as the server holds it)."""

    value: str
    description: str
    expandable: bool
    base_value: str
    base_description: str
    base_expandable: bool
    base_modified: str
    base_digest: str = ""
    value_kept: bool = False

    @classmethod
    def from_form(cls, form: FormLike) -> EditForm:
        """Read a posted editor (or a kept draft of one)."""
        kept = form.get("value_kept") == "1"
        base_value = text(form.get("base_value"))
        return cls(
            value=base_value if kept else text(form.get("value")),
            description=text(form.get("description")),
            expandable=form.get("expandable") == "1",
            base_value=base_value,
            base_description=text(form.get("base_description")),
            base_expandable=form.get("base_expandable") == "1",
            base_modified=form.get("base_modified") or "",
            base_digest=form.get("base_digest") or "",
            value_kept=kept,
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
            fingerprint(prop),
            not carried(value),
        )

    @property
    def value_touched(self) -> bool:
        """The user changed the value (as the browser showed it to them)."""
        return not self.value_kept and as_browsed(self.value) != as_browsed(self.base_value)

    @property
    def touched(self) -> bool:
        """The user changed at least one field of the edit."""
        return (
            self.value_touched
            or self.description != self.base_description
            or self.expandable != self.base_expandable
        )

    def changed_since(self, current: Property) -> bool:
        """Someone else changed the property after this edit began (exactly, by the base's
        fingerprint; a form without one compares the fields as a browser carries them)."""
        if self.base_digest:
            return fingerprint(current) != self.base_digest
        return (
            as_browsed(current.value or "") != as_browsed(self.base_value)
            or current.description != self.base_description
            or current.expandable != self.base_expandable
        )

    def changes_for(self, current: Property) -> Changes:
        """What a save writes over ``current``: each field the user changed, unless the
        server already holds exactly that. Untouched fields are never sent."""
        value = self.value_for(current) if self.value_touched else None
        description = self.description if self.description != self.base_description else None
        expandable = self.expandable if self.expandable != self.base_expandable else None
        return Changes(
            None if value == (current.value or "") else value,
            None if description == current.description else description,
            None if expandable == current.expandable else expandable,
        )

    def shown_value(self, prop: Property | None) -> str:
        """The value an editor without a value field shows (the server's, when known),
        with NUL and a CR without LF made visible as ␀ and ␍."""
        value = (prop.value or "") if prop is not None else self.base_value
        return value.replace("\r\n", "\n").replace("\r", "␍").replace("\x00", "␀")

    def mixed_line_ends(self, prop: Property | None) -> bool:
        """True when the value being edited mixes CRLF and LF line ends."""
        return mixes_line_ends(prop.value if prop is not None else self.base_value)

    def value_for(self, current: Property) -> str:
        """The value to write: a value that used CRLF line ends keeps them."""
        old = current.value or ""
        if "\r\n" in old and "\n" not in old.replace("\r\n", ""):
            return self.value.replace("\n", "\r\n")
        return self.value
