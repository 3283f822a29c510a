"""A page of a sheet with its values expanded, in one read when the server can.

The server expands a whole sheet in one read, but one broken reference anywhere in it
fails that read (the demo's ``deploy/prod/brokenRef``). Then the page is read raw and
only its rows holding ``$[`` are expanded one by one, at most ``MAX_ONE_BY_ONE`` of them,
so each broken one can be flagged and the others still show what they expand to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from app.cloudbees.errors import NotFound, PermissionDenied, ValidationError
from app.cloudbees.paths import PropertyPath
from app.cloudbees.properties import PropertyService
from app.cloudbees.sheets import SheetSlice, SliceRequest

MAX_ONE_BY_ONE = 25  # rows expanded one read each when the whole read fails
OVER_THE_BOUND = (
    f"Not expanded: only the first {MAX_ONE_BY_ONE} rows holding references on a page are "
    "expanded one by one."
)
# What fails an expanded read but not the raw one: a missing reference, a cycle or an
# unreadable referenced property.
EXPANSION_ERRORS = (NotFound, ValidationError, PermissionDenied)


@dataclass(frozen=True)
class RowExpansion:
    """What expanding one row found: its ``value``, or (``value`` is ``None``) why not,
    ``broken`` when a reference in it names no property."""

    value: str | None = None
    broken: bool = False
    problem: str = ""


@dataclass(frozen=True)
class ExpandedSlice(SheetSlice):
    """A page of a sheet asked for with expanded values. ``whole``: the server expanded
    the page in its one read, so the rows hold expanded values; otherwise the rows hold
    raw values and ``expansions`` says, for each row holding ``$[``, what expanding it
    alone found."""

    whole: bool = True
    expansions: Mapping[str, RowExpansion] = field(default_factory=dict)

    @property
    def bound(self) -> int:
        """How many rows holding references a page expands one by one, at most."""
        return MAX_ONE_BY_ONE

    @property
    def broken(self) -> int:
        """How many rows on the page hold a broken reference (as far as checked)."""
        return sum(1 for found in self.expansions.values() if found.broken)


def expanded_page(
    service: PropertyService, path: PropertyPath, want: SliceRequest
) -> ExpandedSlice:
    """The page ``want`` of the sheet at ``path`` with expanded values: one call, or when
    that fails for a reason only expansion has, one raw read plus at most
    ``MAX_ONE_BY_ONE`` reads of single rows. Errors of the raw read are raised."""
    try:
        return with_expansions(service.sheet_page(path, want, expand=True))
    except EXPANSION_ERRORS:
        page = service.sheet_page(path, want)  # raises when the sheet itself is the problem
    holding = [prop for prop in page.rows if prop.has_references]
    found = {
        prop.name: expand_one(service, path.child(prop.name)) for prop in holding[:MAX_ONE_BY_ONE]
    }
    found.update(
        {prop.name: RowExpansion(problem=OVER_THE_BOUND) for prop in holding[MAX_ONE_BY_ONE:]}
    )
    return with_expansions(page, whole=False, expansions=found)


def with_expansions(
    page: SheetSlice, *, whole: bool = True, expansions: Mapping[str, RowExpansion] | None = None
) -> ExpandedSlice:
    """``page`` as an ``ExpandedSlice``."""
    own = {f.name: getattr(page, f.name) for f in fields(SheetSlice)}
    return ExpandedSlice(**own, whole=whole, expansions=expansions or {})


def expand_one(service: PropertyService, path: PropertyPath) -> RowExpansion:
    """The expanded value of the property at ``path`` (one read), or why it has none."""
    try:
        return RowExpansion(value=service.get(path, expand=True).value)
    except NotFound as err:
        return RowExpansion(broken=True, problem=err.message)
    except (ValidationError, PermissionDenied) as err:
        return RowExpansion(problem=err.message)
