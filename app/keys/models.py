"""API keys as domain values: what a person asks for (``KeyRequest``), what is stored and
checked (``ApiKey``) and what is shown once (``MintedKey``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.cloudbees import PropertyPath, ValidationError

DEFAULT_DAYS = 90
"""A new key's expiry unless the person picks another."""

MAX_DAYS = 365
"""The longest expiry a key may have."""

MAX_NAME = 100
"""The longest key name."""

MAX_PREFIXES = 50
"""The most path prefixes one key may carry."""


class KeyRequestInvalid(ValueError):
    """A field of a new key is not acceptable; ``field`` names it for the form."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def parse_prefixes(text: str) -> tuple[str, ...]:
    """One property path per line, as the server writes them (``/projects/Default/ci``);
    blank lines dropped, duplicates once. Raise ``KeyRequestInvalid`` naming a bad line."""
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            path = str(PropertyPath.parse(line.strip()))
        except ValidationError as err:
            raise KeyRequestInvalid("prefixes", f"Line {number}: {err.message}") from None
        if path not in found:
            found.append(path)
    if len(found) > MAX_PREFIXES:
        raise KeyRequestInvalid("prefixes", f"At most {MAX_PREFIXES} prefixes, not {len(found)}")
    return tuple(found)


@dataclass(frozen=True)
class KeyRequest:
    """A new key as asked for: a name, read-write or not, path prefixes (none = every
    path) and days until it expires (1 to ``MAX_DAYS``)."""

    name: str
    read_write: bool = False
    prefixes: tuple[str, ...] = ()
    days: int = DEFAULT_DAYS

    def __post_init__(self) -> None:
        name = self.name.strip()
        if not name:
            raise KeyRequestInvalid("name", "Give the key a name (what will use it)")
        if len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
            raise KeyRequestInvalid("name", f"A name is 1 to {MAX_NAME} printable characters")
        if not 1 <= self.days <= MAX_DAYS:
            raise KeyRequestInvalid("days", f"Expiry is 1 to {MAX_DAYS} days")
        object.__setattr__(self, "name", name)


def under(path: PropertyPath, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or below it (whole segments: ``/projects/A`` does not
    cover ``/projects/AB``)."""
    wanted = PropertyPath.parse(prefix).segments
    return path.segments[: len(wanted)] == wanted


@dataclass(frozen=True)
class ApiKey:
    """A stored key (never its text): whose it is, what it may do, its dates."""

    id: int
    name: str
    owner: str
    read_write: bool
    prefixes: tuple[str, ...]
    created: datetime
    expires: datetime
    last_used: datetime | None = None
    revoked: datetime | None = None
    token_encrypted: str = field(default="", repr=False)

    @property
    def scope(self) -> str:
        return "read-write" if self.read_write else "read-only"

    def usable(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked is None and now < self.expires

    def covers(self, path: PropertyPath) -> bool:
        """Whether ``path`` is inside the key's prefixes (no prefixes: every path)."""
        return not self.prefixes or any(under(path, prefix) for prefix in self.prefixes)


def expiry(now: datetime, days: int) -> datetime:
    """When a key made at ``now`` for ``days`` days expires."""
    return now + timedelta(days=days)


@dataclass(frozen=True)
class MintedKey:
    """A key just made: its text (shown once, never stored) and what was stored."""

    text: str = field(repr=False)
    key: ApiKey
