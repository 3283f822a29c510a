"""The export format: a sheet and everything under it as YAML or JSON, version 1.

::

    propdesk-export: 1
    properties:
      version: 1.4.2                    # a value with no description, expandable
      notes: |                          # several lines: a literal block, exact
        first line
        second line
      url:
        value: https://$[host]/x        # $[...] kept unexpanded
        description: where it runs
        expandable: false               # only when false
      deploy:                           # a nested sheet
        description: deployment settings
        sheet:
          region: eu-west-1

Values are kept byte for byte: YAML quotes whatever it could not write plainly (trailing
spaces, leading blanks, tabs, control characters). Reading is strict so that nothing is
changed on the way in: a plain value must be a string (``port: "8080"``, not ``8080``),
unknown keys, duplicate names and invalid property names are refused with their line and
column; a file of another format version is refused by name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from app.changes.errors import FormatError, UnsupportedVersion
from app.changes.tree import Node, Sheet, Value
from app.cloudbees import ValidationError
from app.cloudbees.paths import RESERVED, check_property_name

FORMAT_KEY = "propdesk-export"
VERSION = 1
MAX_DEPTH = 64
"""Sheets nested deeper than this are refused (the emulator's own limit)."""
TOO_DEEP = f"sheets are nested more than {MAX_DEPTH} deep"
MAX_NESTING = 2 * MAX_DEPTH + 8
"""YAML collections nested deeper than this are refused before composing: an export's
sheets take two levels each (the entry and its ``sheet``), plus a few around them."""
ALIASES = "anchors and aliases (& and *) are not part of the format; write the entries out"
STR = "tag:yaml.org,2002:str"
BOOL = "tag:yaml.org,2002:bool"
VALUE_KEYS = ("value", "description", "expandable")
SHEET_KEYS = ("description", "sheet")

PLAIN_NAME = re.compile(r"[A-Za-z0-9_.\- ]{1,255}")
"""Names that need no closer look (most of them); others go through the client's check."""
NOT_NAMES = RESERVED | {".", ".."}

BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# -- writing -------------------------------------------------------------------------------
def document(tree: Sheet) -> dict[str, Any]:
    """The export of ``tree`` as plain data (what both YAML and JSON write)."""
    return {FORMAT_KEY: VERSION, "properties": entries_data(tree)}


def entries_data(sheet: Sheet) -> dict[str, Any]:
    return {name: node_data(node) for name, node in sheet.entries.items()}


def node_data(node: Node) -> Any:
    """A value as a plain string when it has no description and is expandable, else a
    mapping; a sheet as a mapping with its ``sheet`` (and description, when set)."""
    if isinstance(node, Sheet):
        data: dict[str, Any] = {"description": node.description} if node.description else {}
        data["sheet"] = entries_data(node)
        return data
    if not node.description and node.expandable:
        return node.value
    out: dict[str, Any] = {"value": node.value}
    if node.description:
        out["description"] = node.description
    if not node.expandable:
        out["expandable"] = False
    return out


class Dumper(BaseDumper):  # type: ignore[misc]
    """PyYAML's safe dumper, writing several-line strings as literal blocks (the emitter
    falls back to quotes where a block could not hold the text exactly)."""


def represent_text(dumper: Any, text: str) -> Any:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar(STR, text, style=style)


Dumper.add_representer(str, represent_text)


def to_yaml(tree: Sheet) -> str:
    """The YAML export of ``tree``."""
    text: str = yaml.dump(
        document(tree),
        Dumper=Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=2**31 - 1,  # never fold a long value across lines
    )
    return text


def to_json(tree: Sheet) -> str:
    """The JSON export of ``tree``."""
    return json.dumps(document(tree), ensure_ascii=False, indent=2) + "\n"


def check_name(name: str) -> None:
    """Refuse a name CloudBees CD would refuse (``ValidationError``)."""
    if not PLAIN_NAME.fullmatch(name) or name in NOT_NAMES:
        check_property_name(name)


# -- reading -------------------------------------------------------------------------------
def load(text: str) -> Sheet:
    """The tree of an export file, YAML or JSON (told apart by a leading ``{``). Raises
    ``FormatError`` (with line and column) or ``UnsupportedVersion``."""
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return load_json(text)
    return load_yaml(text)


class Loader(BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader, telling most plain scalars to be text at a glance: one whose
    first character starts none of YAML's implicit types (numbers, booleans, null, dates)
    is text, exactly as PyYAML's own resolver would find after trying them all."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and (
            not implicit[0] or (value and value[0] not in self.yaml_implicit_resolvers)
        ):
            return STR
        return super().resolve(kind, value, implicit)


def load_yaml(text: str) -> Sheet:
    try:
        check_nesting(text)
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = f"not valid YAML: {err.problem or err.context}"
        raise FormatError(problem, *place(mark)) from None
    except yaml.YAMLError as err:
        raise FormatError(f"not valid YAML: {err}") from None
    except RecursionError:
        raise FormatError(f"not a usable export: {TOO_DEEP}") from None
    if root is None:
        raise FormatError("the file is empty; a propdesk export starts with 'propdesk-export: 1'")
    return YamlReader().document(root)


def check_nesting(text: str) -> None:
    """Refuse collections nested deeper than any export holds, before they are composed:
    libyaml's composer recurses in C, so a file of a few hundred thousand ``[`` would
    crash the whole worker process instead of raising. The parser's events come from a
    loop, and counting them is cheap (a tenth of the composing)."""
    depth = 0
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise FormatError(f"not a usable export: {TOO_DEEP}", *place(event.start_mark))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def place(mark: Any) -> tuple[int | None, int | None]:
    """Line and column (from 1) of a PyYAML mark."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


class YamlReader:
    """Builds a tree from composed YAML nodes, so every refusal can say where. Each
    mapping is read once (an alias to one is refused: no "billion laughs")."""

    def __init__(self) -> None:
        self.visited: set[int] = set()
        self.depth = 0

    def fail(self, node: yaml.Node, problem: str) -> FormatError:
        return FormatError(problem, *place(node.start_mark))

    def mapping(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """The (key, key node, value node) pairs of a mapping; string keys, no duplicates."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of names")
        if id(node) in self.visited:
            raise self.fail(node, ALIASES)
        self.visited.add(id(node))
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag != STR:
                raise self.fail(key, f"a name in {what} must be text")
            if key.value in seen:
                raise self.fail(key, f"{key.value!r} appears twice in {what}")
            seen.add(key.value)
            yield key.value, key, value

    def document(self, root: yaml.Node) -> Sheet:
        fields = {k: (kn, v) for k, kn, v in self.mapping(root, "the file")}
        if FORMAT_KEY not in fields:
            raise self.fail(root, f"not a propdesk export: the '{FORMAT_KEY}' key is missing")
        version = fields[FORMAT_KEY][1]
        if not (isinstance(version, yaml.ScalarNode) and version.value == str(VERSION)):
            raise UnsupportedVersion(
                wrong_version(getattr(version, "value", "?")), *place(version.start_mark)
            )
        for key, (key_node, _) in fields.items():
            if key not in (FORMAT_KEY, "properties"):
                raise self.fail(key_node, f"unknown key {key!r} (expected 'properties')")
        if "properties" not in fields:
            return Sheet()
        return self.sheet(fields["properties"][1], "properties")

    def sheet(self, node: yaml.Node, where: str, description: str = "") -> Sheet:
        entries: dict[str, Node] = {}
        if isinstance(node, yaml.MappingNode) and not node.value:
            return Sheet(entries, description)
        if self.depth >= MAX_DEPTH:
            raise self.fail(node, TOO_DEEP)
        self.depth += 1
        for name, key, value in self.mapping(node, where):
            try:
                check_name(name)
            except ValidationError as err:
                raise self.fail(key, err.message) from None
            entries[name] = self.node(value, name)
        self.depth -= 1
        return Sheet(entries, description)

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR:
            raise self.fail(node, f'{what} must be text; quote it to keep it exact, as in "8080"')
        value: str = node.value
        return value

    def node(self, node: yaml.Node, name: str) -> Node:
        if isinstance(node, yaml.ScalarNode):
            return Value(self.text(node, f"the value of {name!r}"))
        fields = {k: (kn, v) for k, kn, v in self.mapping(node, repr(name))}
        keys = SHEET_KEYS if "sheet" in fields else VALUE_KEYS
        for key, (key_node, _) in fields.items():
            if key not in keys:
                allowed = ", ".join(keys)
                raise self.fail(key_node, f"unknown key {key!r} in {name!r} (allowed: {allowed})")
        description = (
            self.text(fields["description"][1], "a description") if "description" in fields else ""
        )
        if "sheet" in fields:
            return self.sheet(fields["sheet"][1], repr(name), description)
        if "value" not in fields:
            raise self.fail(node, f"{name!r} has neither 'value' nor 'sheet'")
        value = self.text(fields["value"][1], f"the value of {name!r}")
        expandable = self.flag(fields["expandable"][1]) if "expandable" in fields else True
        return Value(value, description, expandable)

    def flag(self, node: yaml.Node) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL:
            raise self.fail(node, "'expandable' must be true or false")
        return bool(yaml.SafeLoader.bool_values[node.value.lower()])


def wrong_version(found: object) -> str:
    return (
        f"this file is in propdesk export format version {found}; this propdesk reads "
        f"version {VERSION} only"
    )


# -- JSON ----------------------------------------------------------------------------------
def load_json(text: str) -> Sheet:
    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as err:
        raise FormatError(f"not valid JSON: {err.msg}", err.lineno, err.colno) from None
    except DuplicateName as err:
        raise FormatError(
            f"not a usable export: {err.args[0]!r} appears twice in one object"
        ) from None
    except RecursionError:
        raise FormatError(f"not a usable export: {TOO_DEEP}") from None
    return JsonReader().document(data)


class DuplicateName(ValueError):
    """A JSON object with the same key twice."""


def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateName(key)
        out[key] = value
    return out


class JsonReader:
    """Builds a tree from parsed JSON; refusals name the keys that lead to the problem."""

    def fail(self, where: str, problem: str) -> FormatError:
        return FormatError(f"in {where}: {problem}")

    def document(self, data: Any) -> Sheet:
        if not isinstance(data, dict) or FORMAT_KEY not in data:
            raise FormatError(f"not a propdesk export: the '{FORMAT_KEY}' key is missing")
        if data[FORMAT_KEY] != VERSION or isinstance(data[FORMAT_KEY], bool):
            raise UnsupportedVersion(wrong_version(data[FORMAT_KEY]))
        extra = set(data) - {FORMAT_KEY, "properties"}
        if extra:
            raise FormatError(f"unknown key {sorted(extra)[0]!r} (expected 'properties')")
        return self.sheet(data.get("properties", {}), "properties")

    def sheet(self, data: Any, where: str, description: str = "") -> Sheet:
        if not isinstance(data, dict):
            raise self.fail(where, "a sheet must be an object of names")
        if where.count("/") >= MAX_DEPTH:
            raise self.fail(where, TOO_DEEP)
        entries: dict[str, Node] = {}
        for name, value in data.items():
            try:
                check_name(name)
            except ValidationError as err:
                raise self.fail(where, err.message) from None
            entries[name] = self.node(value, f"{where}/{name}")
        return Sheet(entries, description)

    def node(self, data: Any, where: str) -> Node:
        if isinstance(data, str):
            return Value(data)
        if not isinstance(data, dict):
            raise self.fail(where, "a value must be text, or an object with 'value' or 'sheet'")
        keys = SHEET_KEYS if "sheet" in data else VALUE_KEYS
        extra = sorted(set(data) - set(keys))
        if extra:
            raise self.fail(where, f"unknown key {extra[0]!r} (allowed: {', '.join(keys)})")
        description = self.typed(data, "description", str, "", where)
        if "sheet" in data:
            return self.sheet(data["sheet"], where, description)
        if "value" not in data:
            raise self.fail(where, "neither 'value' nor 'sheet'")
        value = self.typed(data, "value", str, "", where)
        return Value(value, description, self.typed(data, "expandable", bool, True, where))

    def typed(self, data: Mapping[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
        found = data.get(key, default)
        if not isinstance(found, kind):
            wanted = "true or false" if kind is bool else "text"
            raise self.fail(where, f"{key!r} must be {wanted}")
        return found
