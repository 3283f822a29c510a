"""The journal's domain values: frozen dataclasses and enums, no SQLAlchemy, no Flask.

``Snapshot`` is one state of a property (value, description, expandable); ``Change`` is
what a caller asks ``Journal.record`` to write; ``Entry`` is what the journal gives back;
``Page`` and ``ActivityFilter`` shape the listing queries; ``DatabaseState`` is the
readiness probe's answer.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from app.cloudbees import Property, PropertyPath

T = TypeVar("T")


class Source(StrEnum):
    """Where a change came from: a propdesk page, the JSON API, an import, a revert, or
    outside propdesk (noticed when propdesk read the property)."""

    UI = "ui"
    API = "api"
    IMPORT = "import"
    REVERT = "revert"
    EXTERNAL = "external"


class Action(StrEnum):
    """What a change did to the property."""

    CREATE = "create"
    MODIFY = "modify"
    DELETE = "delete"


class Kind(StrEnum):
    """A value property or a property sheet."""

    PROPERTY = "property"
    SHEET = "sheet"


class Outcome(StrEnum):
    """``done``: the upstream answered. ``unknown``: the write timed out and the next read
    settles it, to ``done`` (it landed) or ``not_applied`` (it did not)."""

    DONE = "done"
    UNKNOWN = "unknown"
    NOT_APPLIED = "not_applied"


def sha256_text(text: str) -> str:
    """The hex SHA-256 of ``text`` as UTF-8 (how the journal compares and hides values)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def new_change_set() -> str:
    """A fresh change-set id that groups entries written together (one import, one revert
    of several values)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Snapshot:
    """One state of a property. ``value`` is ``None`` for a sheet, and also when the
    journal keeps only hashes (``PROPDESK_JOURNAL_VALUES=0``): then ``value_sha256`` still
    says whether two values differ. ``value_sha256`` is computed from ``value`` when not
    given."""

    value: str | None
    description: str = ""
    expandable: bool = True
    value_sha256: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and self.value_sha256 is None:
            object.__setattr__(self, "value_sha256", sha256_text(self.value))

    @classmethod
    def of(cls, prop: Property) -> Snapshot:
        """The state of a property as the client read it (read it raw, ``expand=False``)."""
        return cls(prop.value, prop.description, prop.expandable)

    @property
    def value_hidden(self) -> bool:
        """True when the value exists but only its hash was kept."""
        return self.value is None and self.value_sha256 is not None

    def same_as(self, other: Snapshot | None) -> bool:
        """Same value (by hash), description and expandable flag."""
        return other is not None and (
            (self.value_sha256, self.description, self.expandable)
            == (other.value_sha256, other.description, other.expandable)
        )

    def hidden(self) -> Snapshot:
        """This state with the value text dropped and its hash kept."""
        return Snapshot(None, self.description, self.expandable, self.value_sha256)


@dataclass(frozen=True)
class Actor:
    """Who made a change: the CloudBees CD user, and the SSO user when a trusted proxy
    named one (empty otherwise)."""

    cd_user: str
    sso_user: str = ""


def _action_of(before: Snapshot | None, after: Snapshot | None) -> Action:
    if before is None and after is None:
        raise ValueError("A change needs a state before or after it")
    if before is None:
        return Action.CREATE
    return Action.DELETE if after is None else Action.MODIFY


@dataclass(frozen=True)
class Change:
    """One change to record: the property's path and kind, its state before (``None`` for
    a create) and after (``None`` for a delete), who made it and from where, the upstream
    ``modifyTime`` after it, an optional change-set id and the outcome. ``action`` follows
    from ``before`` and ``after``."""

    path: PropertyPath
    kind: Kind
    before: Snapshot | None
    after: Snapshot | None
    actor: Actor
    source: Source = Source.UI
    modify_time: datetime | None = None
    change_set: str | None = None
    outcome: Outcome = Outcome.DONE
    action: Action = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", _action_of(self.before, self.after))

    @classmethod
    def between(
        cls,
        path: PropertyPath,
        before: Property | None,
        after: Property | None,
        actor: Actor,
        *,
        source: Source = Source.UI,
        change_set: str | None = None,
        outcome: Outcome = Outcome.DONE,
    ) -> Change:
        """The change from the property as read before a write to the property the
        upstream answered after it (``None`` = did not exist / no longer exists); the
        ``modifyTime`` after is ``after``'s."""
        known = after or before
        if known is None:
            raise ValueError("A change needs a property before or after it")
        return cls(
            path,
            Kind.SHEET if known.is_sheet else Kind.PROPERTY,
            Snapshot.of(before) if before else None,
            Snapshot.of(after) if after else None,
            actor,
            source,
            after.modify_time if after else None,
            change_set,
            outcome,
        )


@dataclass(frozen=True)
class Entry:
    """One journal entry as stored. For ``external`` entries ``actor.cd_user`` is the
    server's ``lastModifiedBy``, ``at`` is when propdesk saw the change and
    ``modify_time`` is the server's ``modifyTime``."""

    id: int
    at: datetime
    path: PropertyPath
    kind: Kind
    action: Action
    source: Source
    outcome: Outcome
    actor: Actor
    before: Snapshot | None
    after: Snapshot | None
    modify_time: datetime | None
    change_set: str | None

    @property
    def external(self) -> bool:
        """True for a change made outside propdesk ("changed outside propdesk")."""
        return self.source is Source.EXTERNAL


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a newest-first listing: ``number`` counts from 1; ``has_next`` says
    whether an older page exists (no total count: counting is slow on large journals)."""

    items: tuple[T, ...]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class ActivityFilter:
    """What ``Journal.activity`` lists; empty fields do not filter. ``user`` matches the
    CloudBees CD user or the SSO user; ``path_prefix`` is a text prefix of the path
    (``/projects/checkout-service/deploy``); ``project`` a project's name; ``since`` is
    inclusive, ``until`` exclusive (aware datetimes)."""

    user: str = ""
    path_prefix: str = ""
    project: str = ""
    source: Source | None = None
    action: Action | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class DatabaseState:
    """The readiness probe's answer: ``status`` is ``ok``, ``unavailable`` or
    ``not_migrated``; ``backend`` is ``sqlite`` or ``postgresql``; ``detail`` names the
    error (never a password)."""

    status: str
    backend: str
    revision: str | None
    head: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"
