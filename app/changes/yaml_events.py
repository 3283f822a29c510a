"""YAML read as the parser's events, for a reader that builds what it needs in one pass
(``export_format`` builds a tree from them), keeping what composing the file first gave:

- nesting is counted as the events come, and refused past a limit: libyaml's composer
  recurses in C, so a file of a few hundred thousand ``[`` used to end the whole worker
  process; its parser does not recurse, and nothing here does;
- anchors and aliases are checked as the composer checks them (undefined, duplicate), and
  an alias is refused where its anchor is (a small file could stand for a huge tree);
- what parsing finds (invalid YAML, hostile nesting, a second document) is reported before
  a problem the reader found earlier in the file: after such a problem, the rest of the
  file is parsed (not built) to look for one;
- scalars get the tags the composer gives them (``scalar_tag``).

Each refusal is a ``FormatError`` with the line and column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import yaml
from yaml.composer import ComposerError

from app.changes.errors import FormatError

T = TypeVar("T")
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RESOLVER: Any = yaml.resolver.Resolver()
"""What a plain scalar means (text, number, boolean, null, date), as PyYAML's safe loader
tells it."""
IMPLICIT = RESOLVER.yaml_implicit_resolvers
"""The first characters of YAML's implicit types ("" among them: an empty plain scalar is
null). A scalar without a tag that is quoted, or plain and starting otherwise, is text."""
STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def scalar_tag(event: Any) -> str:
    """The tag PyYAML's composer gives a scalar event: its own, else what it resolves to."""
    tag: str | None = event.tag
    if tag is not None and tag != "!":
        return tag
    resolved: str = RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    return resolved


def place(mark: Any) -> tuple[int | None, int | None]:
    """Line and column (from 1) of a PyYAML mark."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


class Unreadable(FormatError):
    """A refusal that parsing alone finds (hostile nesting): nothing later comes first."""


def undefined_alias(event: Any) -> yaml.MarkedYAMLError:
    return ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)


def another_document(event: Any) -> yaml.MarkedYAMLError:
    return ComposerError(
        "expected a single document in the stream",
        None,
        "but found another document",
        event.start_mark,
    )


class Events:
    """The events of one YAML text. ``get`` is the parser's own (for a reader's loop over
    the common case: a scalar without anchor needs no counting); every other event goes
    through ``settle``, or ``next`` which gets and settles it. ``max_nesting``: the most
    collections open at once; ``too_deep``, ``aliases``: the refusals' words."""

    def __init__(self, text: str, max_nesting: int, too_deep: str, aliases: str) -> None:
        self.parser = Loader(text)
        self.get: Callable[[], Any] = self.parser.get_event
        self.max_nesting, self.too_deep, self.aliases = max_nesting, too_deep, aliases
        self.depth = 0
        """Collections open (mappings and sequences)."""
        self.anchors: dict[str, Any] = {}
        """The event of each anchor: a scalar, or the start of a collection."""

    def parse(self, build: Callable[[], T]) -> T:
        """What ``build`` reads from the events; ``FormatError`` otherwise (a problem of
        the YAML first, see the module)."""
        try:
            try:
                return build()
            except Unreadable:
                raise
            except FormatError:
                self.drain()
                raise
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            problem = f"not valid YAML: {err.problem or err.context}"
            raise FormatError(problem, *place(mark)) from None
        except yaml.YAMLError as err:
            raise FormatError(f"not valid YAML: {err}") from None
        finally:
            self.parser.dispose()

    def fail(self, event: Any, problem: str) -> FormatError:
        return FormatError(problem, *place(event.start_mark))

    def settle(self, event: Any) -> Any:
        """``event`` once counted: an anchor noted, a collection's start or end counted
        (refused past ``max_nesting``), an alias refused."""
        if type(event) is yaml.AliasEvent:
            raise self.alias(event)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.note(anchor, event)
        if isinstance(event, STARTS):
            self.depth += 1
            if self.depth > self.max_nesting:
                raise Unreadable(self.too_deep, *place(event.start_mark))
        elif isinstance(event, ENDS):
            self.depth -= 1
        return event

    def alias(self, event: Any) -> Exception:
        """The refusal of an alias: where its anchor is, or that it has none."""
        found = self.anchors.get(event.anchor)
        return undefined_alias(event) if found is None else self.fail(found, self.aliases)

    def note(self, anchor: str, event: Any) -> None:
        first = self.anchors.get(anchor)
        if first is not None:
            problem = (
                f"found duplicate anchor {anchor!r} (first set on line {first.start_mark.line + 1})"
            )
            raise ComposerError(None, None, problem, event.start_mark)
        self.anchors[anchor] = event

    def next(self) -> Any:
        return self.settle(self.get())

    def skim(self) -> Any:
        """The next event, read only for what parsing finds (an alias only checked)."""
        event = self.get()
        if type(event) is yaml.AliasEvent:
            if event.anchor not in self.anchors:
                raise undefined_alias(event)
            return event
        if type(event) is yaml.DocumentStartEvent:  # a reader has read the first one
            raise another_document(event)
        return event if event is None else self.settle(event)

    def skip(self, event: Any) -> Any:
        """``event``, after passing over the collection it starts, if any."""
        if isinstance(event, STARTS):
            self.skip_to(self.depth - 1)
        return event

    def skip_to(self, depth: int) -> None:
        """Pass over events until only ``depth`` collections are open."""
        while self.depth > depth:
            self.skim()

    def drain(self) -> None:
        """Parse the rest of the file for what parsing finds (no second document)."""
        while self.skim() is not None:
            pass
