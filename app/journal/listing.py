"""The journal as a filtered, ordered and paged collection, all in SQL (the JSON API's
``GET /api/v1/changes``): ``Listing`` says what to list, ``Journal.listing`` answers one
page and how many entries matched.

Its rules are those of the API's collections, so a page read here equals the page the
API would cut from every entry in memory:

- a ``Criterion`` compares a column with any of its values (``eq`` matches any, ``ne``
  none; ``lt le gt ge contains`` any); NULL never equals, orders or contains, and is never
  excluded by ``ne``;
- texts compare and sort code point by code point (``COLLATE "C"`` on PostgreSQL, SQLite's
  binary order) and ``contains`` is case-sensitive on both databases;
- times (``at``, ``modify_time``) compare and sort truncated to the millisecond, as the API
  shows them; their values must be whole milliseconds;
- ``order`` sorts stably on top of the journal's newest-first order (NULLs first when
  ascending, last when descending), then ``offset`` and ``limit`` cut the page.

Writes that did not land (``not_applied``) are never listed, as in ``activity``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean, Text

from app.journal.queries import NEWEST_FIRST, starts_with, under
from app.journal.tables import EntryRow
from app.journal.values import Outcome

TEXTS = ("path", "kind", "action", "source", "outcome", "cd_user", "sso_user", "change_set")
TIMES = ("at", "modify_time")
COLUMNS = frozenset({"id", *TEXTS, *TIMES})
"""The columns a ``Criterion`` or an order may name."""

OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "contains"})
MILLISECOND = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Criterion:
    """``column`` compared by ``op`` with any of ``values`` (str for texts, int for ``id``,
    aware whole-millisecond datetimes for times)."""

    column: str
    op: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if self.column not in COLUMNS or self.op not in OPS or not self.values:
            raise ValueError(f"cannot filter {self.column!r} by {self.op!r}")
        if self.op == "contains" and self.column not in TEXTS:
            raise ValueError("contains works on text columns only")


@dataclass(frozen=True)
class Listing:
    """One page of the journal: entries that pass every criterion, lie under one of
    ``within`` (whole segments: the path itself or below it; empty: anywhere) and start
    with one of ``starts`` (text prefixes; empty: any), sorted by ``order`` (column,
    descending), ``offset`` entries skipped, at most ``limit`` (``None``: all)."""

    criteria: tuple[Criterion, ...] = ()
    within: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    offset: int = 0
    limit: int | None = 50


class bytewise(FunctionElement[str]):
    """A text column compared code point by code point on either database."""

    type = Text()
    inherit_cache = True


@compiles(bytewise)
def _bytewise_sqlite(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # SQLite's default BINARY collation


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)} COLLATE "C")'


class holds(FunctionElement[bool]):
    """Whether the first text contains the second, case-sensitive on either database."""

    type = Boolean()
    inherit_cache = True


@compiles(holds)
def _holds_sqlite(element: holds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(instr({compiler.process(element.clauses, **kw)}) > 0)"


@compiles(holds, "postgresql")
def _holds_postgresql(element: holds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(strpos({compiler.process(element.clauses, **kw)}) > 0)"


class millisecond(FunctionElement[Any]):
    """A time column truncated to the millisecond (SQLite stores ``...SS.ffffff`` text)."""

    inherit_cache = True


@compiles(millisecond)
def _millisecond_sqlite(element: millisecond, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 23)"


@compiles(millisecond, "postgresql")
def _millisecond_postgresql(element: millisecond, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('milliseconds', {compiler.process(element.clauses, **kw)})"


def _column(name: str) -> ColumnClause[Any]:
    column: ColumnClause[Any] = getattr(EntryRow, name)
    return column


def _time_test(column: ColumnClause[Any], op: str, at: datetime) -> ColumnElement[bool]:
    """``column`` (truncated to the millisecond) ``op`` the whole millisecond ``at``, as an
    index range on the raw column."""
    if op == "lt":
        return column < at
    if op == "le":
        return column < at + MILLISECOND
    if op == "gt":
        return column >= at + MILLISECOND
    if op == "ge":
        return column >= at
    return and_(column >= at, column < at + MILLISECOND)  # eq


def _one(criterion: Criterion, value: Any) -> ColumnElement[bool]:
    """``criterion``'s column passes ``op`` for one value (eq for ``ne``)."""
    raw = _column(criterion.column)
    op = "eq" if criterion.op == "ne" else criterion.op
    if criterion.column in TIMES:
        return _time_test(raw, op, value)
    column: ColumnElement[Any] = bytewise(raw) if criterion.column in TEXTS else raw
    if op == "contains":
        return holds(raw, value)
    comparisons = {"eq": column.__eq__, "lt": column.__lt__, "le": column.__le__}
    comparisons.update({"gt": column.__gt__, "ge": column.__ge__})
    result: ColumnElement[bool] = comparisons[op](value)
    return result


def condition(criterion: Criterion) -> ColumnElement[bool]:
    """The WHERE clause of one criterion."""
    if criterion.op == "eq" and criterion.column not in TIMES:
        return _column(criterion.column).in_(list(criterion.values))
    anyof = or_(*(_one(criterion, value) for value in criterion.values))
    if criterion.op != "ne":
        return anyof
    return or_(_column(criterion.column).is_(None), not_(anyof))


def conditions(listing: Listing) -> list[ColumnElement[bool]]:
    """Every WHERE clause of ``listing``."""
    out: list[ColumnElement[bool]] = [EntryRow.outcome != Outcome.NOT_APPLIED.value]
    if listing.within:
        out.append(or_(*(under(prefix) for prefix in listing.within)))
    if listing.starts:
        out.append(or_(*(starts_with(prefix) for prefix in listing.starts)))
    out += [condition(criterion) for criterion in listing.criteria]
    return out


def sort_key(name: str, descending: bool) -> list[ColumnElement[Any]]:
    """ORDER BY terms of one order: NULLs first ascending, last descending."""
    if name not in COLUMNS:
        raise ValueError(f"cannot order by {name!r}")
    raw = _column(name)
    column: ColumnElement[Any] = (
        millisecond(raw) if name in TIMES else bytewise(raw) if name in TEXTS else raw
    )
    return [column.desc().nulls_last()] if descending else [column.asc().nulls_first()]


def page(listing: Listing) -> Select[Any]:
    """The statement of ``listing``'s page of entries."""
    order = [term for name, descending in listing.order for term in sort_key(name, descending)]
    stmt = select(EntryRow).where(*conditions(listing)).order_by(*order, *NEWEST_FIRST)
    stmt = stmt.offset(listing.offset) if listing.offset else stmt
    return stmt if listing.limit is None else stmt.limit(listing.limit)


def total(listing: Listing) -> Select[Any]:
    """The statement that counts every entry ``listing`` matches, before paging."""
    return select(func.count()).select_from(EntryRow).where(*conditions(listing))
