"""The YAML export written straight from the data for the common case, byte for byte what
PyYAML's dumper writes with the export's settings, several times faster.

PyYAML builds a node per key and value and runs its representer and resolver over each
(the C emitter only does the last step), some 5 us an entry: most of an export's time on
top of the tree read. Here a key or value that PyYAML would write as is (a plain scalar:
printable text, no leading or trailing space, no ``: `` or `` #``, not starting with an
indicator, not read back as a number, boolean, null or date) is written as is; anything
else (quoting, literal blocks, long keys) goes to PyYAML one entry at a time, indented to
its place. When more than a quarter of the entries need PyYAML, the whole document goes
to it instead (one call is cheaper than many). A property-based test holds the two
writers to the same bytes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Dump = Callable[[Any], str]
"""PyYAML's dump of some data with the export's settings."""

PRINTABLE = "\\x21-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd"
"""Characters but the space both PyYAML emitters write as they are (no line breaks, no BOM)."""
PLAIN = re.compile(
    "[A-Za-z0-9_/$()+=;<~^\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd]"
    f"(?:[ {PRINTABLE}]*[{PRINTABLE}])?"
)
"""Text that may be a plain scalar in block context, as far as its characters go: a
first character that is no indicator (``-``, ``.``, ``?``, quotes, ...), no space last."""
BLOCK_SCALAR = re.compile(r"[:?] \|\d?[-+]?$", re.M)
"""The start of a literal block (a value, or a key holding a line break)."""
OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")
"""Line breaks of YAML 1.1 besides ``\\n``, written as they are inside literal blocks."""
END = "...\n"
"""libyaml's end of a document after a literal block ending in several line breaks."""
SHORT_KEY = 32
"""Keys of at most this many characters are simple keys in both emitters (128 bytes)."""


def plain(text: str, implicit: Mapping[str | None, Any]) -> bool:
    """True when PyYAML writes ``text`` plain (``implicit``: the dumper's resolvers)."""
    if not PLAIN.fullmatch(text) or ": " in text or " #" in text or text[-1] == ":":
        return False
    resolvers = implicit.get(text[0])
    return resolvers is None or not any(regexp.match(text) for _, regexp in resolvers)


def plain_key(text: str, implicit: Mapping[str | None, Any]) -> bool:
    """True when PyYAML writes ``text`` as a plain simple key (``key: ...``)."""
    if len(text) > SHORT_KEY and not (len(text) <= 100 and text.isascii()):
        return False
    return plain(text, implicit)


class TooManyHard(Exception):
    """More entries need PyYAML than the writer lets through one at a time, or one needs
    it in a way that cannot be indented to its place: the whole document goes to PyYAML."""


@dataclass
class Writer:
    """Writes nested mappings of text, flags and sheets (what ``document`` gives)."""

    dump: Dump
    implicit: Mapping[str | None, Any]
    allowed: int
    out: list[str] = field(default_factory=list)
    open_ended: bool = False
    """A literal block that keeps its final line breaks (``|+``) was written, and no
    other block since: libyaml then ends the document with ``...``."""

    def mapping(self, data: Mapping[str, Any], indent: str) -> None:
        implicit = self.implicit
        for key, value in data.items():
            if not plain_key(key, implicit):
                self.by_pyyaml(key, value, indent)
            elif isinstance(value, str):
                if plain(value, implicit):
                    self.out.append(f"{indent}{key}: {value}\n")
                else:
                    self.by_pyyaml(key, value, indent)
            elif isinstance(value, bool):
                self.out.append(f"{indent}{key}: {'true' if value else 'false'}\n")
            elif isinstance(value, int):
                self.out.append(f"{indent}{key}: {value}\n")
            elif isinstance(value, Mapping) and not value:
                self.out.append(f"{indent}{key}: {{}}\n")
            elif isinstance(value, Mapping):
                self.out.append(f"{indent}{key}:\n")
                self.mapping(value, indent + "  ")
            else:
                self.by_pyyaml(key, value, indent)

    def by_pyyaml(self, key: str, value: Any, indent: str) -> None:
        """One entry as PyYAML writes it, indented to its place (a line break inside a
        value leaves its empty lines empty, as PyYAML does)."""
        self.allowed -= 1
        if self.allowed < 0:
            raise TooManyHard
        text = self.dump({key: value})
        if OTHER_BREAKS.search(text):  # libyaml indents after them too: not re-indented here
            raise TooManyHard
        if text.endswith("\n" + END):  # a line of its own (content lines are indented)
            text, self.open_ended = text.removesuffix(END), True
        elif BLOCK_SCALAR.search(text):
            self.open_ended = False
        for line in text.split("\n")[:-1]:
            self.out.append(f"{indent}{line}\n" if line else "\n")


def write(data: Mapping[str, Any], dump: Dump, implicit: Mapping[str | None, Any]) -> str:
    """``data`` as YAML, the same bytes as ``dump(data)``; ``implicit`` holds the dumper's
    implicit resolvers (``Dumper.yaml_implicit_resolvers``)."""
    writer = Writer(dump, implicit, allowed=max(8, entries(data) // 4))
    try:
        writer.mapping(data, "")
    except TooManyHard:
        return dump(data)
    return "".join(writer.out) + (END if writer.open_ended else "")


def entries(data: Mapping[str, Any]) -> int:
    """How many keys ``data`` holds, nested ones included."""
    return sum(1 + (entries(v) if isinstance(v, Mapping) else 0) for v in data.values())
