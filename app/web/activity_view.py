"""The activity list a URL asks for (filters and page), its entries grouped by change set,
and its rows as CSV cells safe to open in a spreadsheet. No Flask.

Times in the URL are ISO dates or date-times (``2026-03-01``, ``2026-03-01T14:30``), read as
UTC unless they carry an offset; ``until`` as a bare date includes that whole day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.journal import Action, ActivityFilter, Entry, Snapshot, Source
from app.web.paging import page_number

FIELDS = ("user", "prefix", "project", "source", "action", "since", "until")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP CSV injection)."""

CSV_HEADER = (
    "id",
    "at",
    "cd_user",
    "sso_user",
    "source",
    "action",
    "outcome",
    "kind",
    "path",
    "before_value",
    "after_value",
    "before_description",
    "after_description",
    "before_expandable",
    "after_expandable",
    "modify_time",
    "change_set",
)


def parse_time(raw: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date or date-time as an aware UTC datetime (``ValueError`` if it is none); a
    bare date is its midnight, or the next midnight with ``end_of_day``."""
    moment = datetime.fromisoformat(raw)
    if len(raw) == 10 and end_of_day:
        moment += timedelta(days=1)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class ActivityQuery:
    """The filters (as typed in the URL) and page of an activity view; ``errors`` names
    the filters that could not be read (they do not filter)."""

    user: str = ""
    prefix: str = ""
    project: str = ""
    source: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    page: int = 1
    errors: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ActivityQuery:
        values = {name: args.get(name, "").strip()[:500] for name in FIELDS}
        page = page_number(args.get("page"))
        errors = []
        if values["source"] not in ("", *Source):
            errors.append(f"Unknown source {values['source']!r}")
        if values["action"] not in ("", *Action):
            errors.append(f"Unknown action {values['action']!r}")
        for name in ("since", "until"):
            try:
                if values[name]:
                    parse_time(values[name])
            except ValueError:
                errors.append(f"Not a date or time: {name} {values[name]!r}")
        return cls(**values, page=min(page, 100_000), errors=tuple(errors))

    def _time(self, raw: str, end_of_day: bool = False) -> datetime | None:
        try:
            return parse_time(raw, end_of_day=end_of_day) if raw else None
        except ValueError:
            return None

    def filters(self) -> ActivityFilter:
        """The journal's filter of this view (a filter that could not be read is left out)."""
        return ActivityFilter(
            user=self.user,
            path_prefix=self.prefix,
            project=self.project,
            source=Source(self.source) if self.source in tuple(Source) else None,
            action=Action(self.action) if self.action in tuple(Action) else None,
            since=self._time(self.since),
            until=self._time(self.until, end_of_day=True),
        )

    def args(self, **changes: str | int) -> dict[str, str]:
        """Query-string arguments for a link to this view with some changes (empty ones and
        page 1 left out)."""
        merged = {name: str(getattr(self, name)) for name in (*FIELDS, "page")}
        merged.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in merged.items() if v and not (k == "page" and v == "1")}


@dataclass(frozen=True)
class Group:
    """Entries shown as one line: a single entry, or the entries of one change set."""

    entries: tuple[Entry, ...]

    @property
    def first(self) -> Entry:
        return self.entries[0]

    @property
    def is_set(self) -> bool:
        """True for several entries of one change set (shown as one expandable line)."""
        return len(self.entries) > 1


def grouped(entries: Iterable[Entry]) -> tuple[Group, ...]:
    """Neighbouring entries of the same change set as one group (written together, they
    are neighbours in the newest-first list); every other entry on its own."""
    groups: list[list[Entry]] = []
    for entry in entries:
        last = groups[-1][-1] if groups else None
        if last is not None and entry.change_set and entry.change_set == last.change_set:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return tuple(Group(tuple(group)) for group in groups)


def csv_cell(value: str) -> str:
    """A text cell a spreadsheet will not run: one that begins with ``=``, ``+``, ``-``,
    ``@``, a tab or a CR gets a leading single quote."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _state(state: Snapshot | None) -> tuple[str, str, str]:
    if state is None:
        return "", "", ""
    value = state.value if state.value is not None else ""
    if state.value_hidden:
        value = f"sha256:{state.value_sha256}"
    return value, state.description, "1" if state.expandable else "0"


def csv_row(entry: Entry) -> list[str]:
    """One entry as the cells of ``CSV_HEADER``, each escaped with ``csv_cell``."""
    before, after = _state(entry.before), _state(entry.after)
    cells = [
        str(entry.id),
        entry.at.isoformat(),
        entry.actor.cd_user,
        entry.actor.sso_user,
        entry.source.value,
        entry.action.value,
        entry.outcome.value,
        entry.kind.value,
        str(entry.path),
        before[0],
        after[0],
        before[1],
        after[1],
        before[2],
        after[2],
        entry.modify_time.isoformat() if entry.modify_time else "",
        entry.change_set or "",
    ]
    return [csv_cell(cell) for cell in cells]
