"""Collection queries of Buildbot's REST API built from typed arguments.

Buildbot reads ``field=`` (repeatable), ``{field}__{op}={value}`` filters (a repeated
filter means "any of"), ``order=`` (``-`` reverses), ``offset`` and ``limit``; ordering or
filtering on a field that was not selected is refused, so ``to_params`` selects them.
An unknown operator is silently ignored by Buildbot: here it is refused before any call.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATORS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "contains", "in", "notin"})


class QueryError(ValueError):
    """A query Buildbot would refuse or misread (an unknown operator, a negative limit)."""


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Filter:
    """``field op value``: ``Filter("results", "eq", 0)``; several values mean "any of"."""

    field: str
    op: str
    values: tuple[str | int | bool, ...]

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise QueryError(f"unknown filter operator {self.op!r}")
        if not self.field.isidentifier():
            raise QueryError(f"not a field name: {self.field!r}")

    @classmethod
    def of(cls, field: str, op: str, *values: str | int | bool) -> Filter:
        return cls(field, op, values)

    def params(self) -> list[tuple[str, str]]:
        return [(f"{self.field}__{self.op}", _text(v)) for v in self.values]


@dataclass(frozen=True)
class CollectionQuery:
    """Which fields, filters, order and page of a collection to read. ``fields`` empty
    means all fields (then nothing needs adding for filters or order)."""

    fields: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    order: tuple[str, ...] = ()
    offset: int = 0
    limit: int | None = None
    properties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.offset < 0 or (self.limit is not None and self.limit < 1):
            raise QueryError("offset must be 0 or more and limit 1 or more")

    def selected(self) -> tuple[str, ...]:
        """The fields to ask for: those given plus those filtered or ordered on."""
        if not self.fields:
            return ()
        wanted = list(self.fields)
        for name in [f.field for f in self.filters] + [o.lstrip("-") for o in self.order]:
            if name not in wanted:
                wanted.append(name)
        return tuple(wanted)

    def to_params(self) -> list[tuple[str, str]]:
        """The query string's pairs, in a stable order."""
        params = [("field", name) for name in self.selected()]
        for item in self.filters:
            params += item.params()
        params += [("order", o) for o in self.order]
        params += [("property", p) for p in self.properties]
        if self.offset:
            params.append(("offset", str(self.offset)))
        if self.limit is not None:
            params.append(("limit", str(self.limit)))
        return params
