"""What changed between two states of a property, as data the history's templates render:
a line diff of the value (``difflib``) with the changed characters of each changed line
marked, and the other fields that changed. No HTML here: the templates turn segments into
``<del>`` / ``<ins>``, escaped by Jinja like every other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from app.journal import Snapshot

CONTEXT = 3
"""Unchanged lines shown around each change."""

MAX_LINES = 5000
"""Values with more lines than this are not diffed (the page says they changed)."""

MAX_LINE_CHARS = 2000
"""Longer changed lines are shown whole instead of character by character."""


class LineKind(StrEnum):
    """A diff line: unchanged, only before (removed), only after (added), or a gap of
    unchanged lines left out."""

    SAME = "same"
    REMOVED = "removed"
    ADDED = "added"
    GAP = "gap"


@dataclass(frozen=True)
class Segment:
    """A run of text in a diff line; ``changed`` runs are the removed or added characters."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class Line:
    """One line of a value's diff; a ``GAP`` stands for ``skipped`` unchanged lines."""

    kind: LineKind
    segments: tuple[Segment, ...] = ()
    skipped: int = 0


@dataclass(frozen=True)
class FieldChange:
    """A field other than the value that changed (description, expandable)."""

    name: str
    before: str
    after: str


@dataclass(frozen=True)
class Diff:
    """What changed from ``before`` to ``after``: the value's lines (empty when the value did
    not change or cannot be shown), whether it changed, whether only hashes were kept (the
    journal's ``PROPDESK_JOURNAL_VALUES=0``: "changed" without text) or it is too large to
    diff, and the other fields that changed."""

    lines: tuple[Line, ...]
    fields: tuple[FieldChange, ...]
    value_changed: bool
    value_hidden: bool = False
    too_large: bool = False


def char_segments(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """The segments of a changed line before and after, the changed characters marked."""
    if len(old) > MAX_LINE_CHARS or len(new) > MAX_LINE_CHARS:
        return (Segment(old, True),), (Segment(new, True),)
    before: list[Segment] = []
    after: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            before.append(Segment(old[i1:i2]))
            after.append(Segment(new[j1:j2]))
            continue
        if i2 > i1:
            before.append(Segment(old[i1:i2], True))
        if j2 > j1:
            after.append(Segment(new[j1:j2], True))
    return tuple(before), tuple(after)


def _whole(kind: LineKind, text: str) -> Line:
    return Line(kind, (Segment(text, kind is not LineKind.SAME),) if text else ())


def _replaced(old: list[str], new: list[str]) -> list[Line]:
    """Lines replaced by others: pairs diffed character by character, removed lines first."""
    removed: list[Line] = []
    added: list[Line] = []
    for index in range(max(len(old), len(new))):
        if index < len(old) and index < len(new):
            before, after = char_segments(old[index], new[index])
            removed.append(Line(LineKind.REMOVED, before))
            added.append(Line(LineKind.ADDED, after))
        elif index < len(old):
            removed.append(_whole(LineKind.REMOVED, old[index]))
        else:
            added.append(_whole(LineKind.ADDED, new[index]))
    return removed + added


def line_diff(old: str, new: str) -> tuple[Line, ...]:
    """The changed lines of ``old`` -> ``new`` with ``CONTEXT`` unchanged lines around each
    change and gaps for the unchanged runs left out (nothing when they are equal)."""
    if old == new:
        return ()
    a, b = old.split("\n"), new.split("\n")
    out: list[Line] = []
    shown_to = 0  # lines of ``a`` before this index are shown or counted as a gap
    for group in SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        if group[0][1] > shown_to:
            out.append(Line(LineKind.GAP, skipped=group[0][1] - shown_to))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_whole(LineKind.SAME, line) for line in a[i1:i2])
            elif tag == "delete":
                out.extend(_whole(LineKind.REMOVED, line) for line in a[i1:i2])
            elif tag == "insert":
                out.extend(_whole(LineKind.ADDED, line) for line in b[j1:j2])
            else:
                out.extend(_replaced(a[i1:i2], b[j1:j2]))
        shown_to = group[-1][2]
    if len(a) > shown_to:
        out.append(Line(LineKind.GAP, skipped=len(a) - shown_to))
    return tuple(out)


def _flag(snapshot: Snapshot | None) -> str:
    if snapshot is None:
        return "—"
    return "yes" if snapshot.expandable else "no"


def field_changes(before: Snapshot | None, after: Snapshot | None) -> tuple[FieldChange, ...]:
    """The description and expandable flag, where they differ (absent: empty and "—")."""
    out: list[FieldChange] = []
    old_text = before.description if before else ""
    new_text = after.description if after else ""
    if old_text != new_text:
        out.append(FieldChange("Description", old_text, new_text))
    if _flag(before) != _flag(after):
        out.append(FieldChange("Expandable", _flag(before), _flag(after)))
    return tuple(out)


def diff(before: Snapshot | None, after: Snapshot | None) -> Diff:
    """What changed from ``before`` to ``after`` (``None``: the property did not exist)."""
    fields = field_changes(before, after)
    old_hash = before.value_sha256 if before else None
    new_hash = after.value_sha256 if after else None
    if old_hash == new_hash:
        return Diff((), fields, value_changed=False)
    if (before is not None and before.value_hidden) or (after is not None and after.value_hidden):
        return Diff((), fields, value_changed=True, value_hidden=True)
    old = before.value if before else None
    new = after.value if after else None
    if (old or "").count("\n") > MAX_LINES or (new or "").count("\n") > MAX_LINES:
        return Diff((), fields, value_changed=True, too_large=True)
    if old is None or new is None:  # created, deleted, or a sheet on one side: whole lines
        kind = LineKind.REMOVED if new is None else LineKind.ADDED
        text = (old if new is None else new) or ""
        return Diff(tuple(_whole(kind, line) for line in text.split("\n")), fields, True)
    return Diff(line_diff(old, new), fields, value_changed=True)
