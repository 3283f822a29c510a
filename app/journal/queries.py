"""The journal's read queries, each one indexed statement: a path's history, the
activity list with its filters (and keyset batches for CSV export), recent changes of a
page of rows, one entry, one change set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select

from app.cloudbees import PropertyPath
from app.journal.tables import EntryRow
from app.journal.values import ActivityFilter, Outcome

NEWEST_FIRST = (EntryRow.at.desc(), EntryRow.id.desc())


def successor(prefix: str) -> str | None:
    """The smallest text above every text that starts with ``prefix`` (``None``: none),
    so ``prefix <= path < successor`` is an index range (paths compare byte by byte)."""
    trimmed = prefix.rstrip(chr(0x10FFFF))
    if not trimmed:
        return None
    return trimmed[:-1] + chr(ord(trimmed[-1]) + 1)


def starts_with(prefix: str) -> ColumnElement[bool]:
    """Paths that begin with ``prefix`` (a text prefix, as an index range)."""
    upper = successor(prefix)
    low = EntryRow.path >= prefix
    return low if upper is None else and_(low, EntryRow.path < upper)


def under(prefix: str) -> ColumnElement[bool]:
    """The path ``prefix`` itself and every path below it (whole segments)."""
    return or_(EntryRow.path == prefix, starts_with(prefix + "/"))


def in_project(name: str) -> ColumnElement[bool]:
    """Paths of the project ``name``: its root sheet and everything below it."""
    return under(str(PropertyPath.project(name)))


def conditions(filters: ActivityFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters`` (empty fields add none)."""
    out: list[ColumnElement[bool]] = [EntryRow.outcome != Outcome.NOT_APPLIED.value]
    if filters.user:
        out.append(or_(EntryRow.cd_user == filters.user, EntryRow.sso_user == filters.user))
    if filters.path_prefix:
        out.append(starts_with(filters.path_prefix))
    if filters.project:
        out.append(in_project(filters.project))
    if filters.source is not None:
        out.append(EntryRow.source == filters.source.value)
    if filters.action is not None:
        out.append(EntryRow.action == filters.action.value)
    if filters.since is not None:
        out.append(EntryRow.at >= filters.since)
    if filters.until is not None:
        out.append(EntryRow.at < filters.until)
    return out


def paged(stmt: Select[EntryRow], page: int, size: int) -> Select[EntryRow]:
    """One page of a newest-first listing, plus one row that tells whether more follow."""
    if page < 1 or size < 1:
        raise ValueError("page and size count from 1")
    return stmt.order_by(*NEWEST_FIRST).offset((page - 1) * size).limit(size + 1)


def history(path: PropertyPath) -> Select[EntryRow]:
    """Every entry of one path (index ``path, at, id``), writes that did not land left out."""
    return select(EntryRow).where(
        EntryRow.path == str(path), EntryRow.outcome != Outcome.NOT_APPLIED.value
    )


def activity(filters: ActivityFilter) -> Select[EntryRow]:
    """Every entry that ``filters`` admit."""
    return select(EntryRow).where(*conditions(filters))


def batch_after(
    filters: ActivityFilter, last: tuple[datetime, int] | None, size: int
) -> Select[EntryRow]:
    """The next ``size`` entries after ``last`` (its time and id), newest first: keyset
    paging, so an export of any length reads each row once."""
    stmt = activity(filters)
    if last is not None:
        at, row_id = last
        stmt = stmt.where(or_(EntryRow.at < at, and_(EntryRow.at == at, EntryRow.id < row_id)))
    return stmt.order_by(*NEWEST_FIRST).limit(size)


RECENT_CHANGES: Select[str, datetime] = (
    select(EntryRow.path, func.max(EntryRow.at))
    .where(
        EntryRow.path.in_(bindparam("paths", expanding=True)),
        EntryRow.at >= bindparam("since"),
        EntryRow.outcome != Outcome.NOT_APPLIED.value,
    )
    .group_by(EntryRow.path)
)
"""The newest change time since ``since`` of each of ``paths`` that has one, built once
at import and run with ``paths`` (a list of path texts) and
``since``: the sheet markers ask it on every sheet page, and building the statement there
cost more than the database's own work (bench/PROFILE.md)."""


def change_set(change_set_id: str) -> Select[EntryRow]:
    """The entries of one change set, in the order they were written."""
    return select(EntryRow).where(EntryRow.change_set == change_set_id).order_by(EntryRow.id)
