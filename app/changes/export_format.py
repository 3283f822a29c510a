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
from collections.abc import Collection, Mapping
from typing import Any

import yaml

from app.changes import yaml_writer
from app.changes.errors import FormatError, UnsupportedVersion
from app.changes.gc_pause import no_gc_pauses
from app.changes.tree import Node, Sheet, Value
from app.changes.yaml_events import IMPLICIT, Events, Unreadable, place, scalar_tag
from app.cloudbees import ValidationError
from app.cloudbees.paths import RESERVED, check_property_name

FORMAT_KEY = "propdesk-export"
VERSION = 1
MAX_DEPTH = 64
"""Sheets nested deeper than this are refused (the emulator's own limit)."""
TOO_DEEP = f"sheets are nested more than {MAX_DEPTH} deep"
MAX_NESTING = 2 * MAX_DEPTH + 8
"""YAML collections nested deeper than this are refused as they are parsed (``yaml_events``):
an export's sheets take two levels each (the entry and its ``sheet``), plus a few around."""
ALIASES = "anchors and aliases (& and *) are not part of the format; write the entries out"
STR = "tag:yaml.org,2002:str"
BOOL = "tag:yaml.org,2002:bool"
VALUE_KEYS = ("value", "description", "expandable")
SHEET_KEYS = ("description", "sheet")

PLAIN_NAME = re.compile(r"[A-Za-z0-9_.\- ]{1,255}")
"""Names that need no closer look (most of them); others go through the client's check."""
NOT_NAMES = RESERVED | {".", ".."}

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
    """The YAML export of ``tree``: what ``dump_yaml`` writes, mostly written directly
    (``yaml_writer``, which matches libyaml's emitter; PyYAML's own differs in details)."""
    if not yaml.__with_libyaml__:
        return dump_yaml(document(tree))
    return yaml_writer.write(document(tree), dump_yaml, Dumper.yaml_implicit_resolvers)


def dump_yaml(data: Any) -> str:
    """``data`` as PyYAML writes it with the export's settings."""
    text: str = yaml.dump(
        data,
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
    with no_gc_pauses():
        if text.lstrip().startswith("{"):
            return load_json(text)
        return load_yaml(text)


def load_yaml(text: str) -> Sheet:
    """The tree of a YAML export, read in one pass (``EventReader``)."""
    return EventReader(text).tree()


class EventReader(Events):
    """Builds a tree from the parser's events in one pass (no composed nodes): every
    refusal says where, and a wrong version is reported before a problem of the tree
    written above it (a file of another version may well hold what this one refuses)."""

    def __init__(self, text: str) -> None:
        super().__init__(text, MAX_NESTING, f"not a usable export: {TOO_DEEP}", ALIASES)
        self.sheets = 0
        """Sheets open."""

    def tree(self) -> Sheet:
        return self.parse(self.document)

    # -- the tree ------------------------------------------------------------------------
    def document(self) -> Sheet:
        self.get()  # the stream's start
        if type(self.get()) is not yaml.DocumentStartEvent:
            raise FormatError(
                "the file is empty; a propdesk export starts with 'propdesk-export: 1'"
            )
        root = self.next()
        if type(root) is not yaml.MappingStartEvent:
            raise self.fail(root, "the file must be a mapping of names")
        tree = self.top(root)
        self.drain()  # the document's end, and no other document
        return tree

    def top(self, root: Any) -> Sheet:
        """The file's mapping: the version, then any other key, then the properties."""
        keys: dict[str, Any] = {}
        version: Any = None
        properties, problem, alias = Sheet(), None, None
        while type(key := self.next()) is not yaml.MappingEndEvent:
            keys[self.key(key, "the file", keys)] = key
            if key.value == "properties":
                properties, problem = self.properties()
            elif key.value == FORMAT_KEY:
                version = self.skip(self.next())
            else:
                refused = self.passed_over()
                alias = alias or refused
        if version is None:
            raise self.fail(root, f"not a propdesk export: the '{FORMAT_KEY}' key is missing")
        if not (type(version) is yaml.ScalarEvent and version.value == str(VERSION)):
            found = version.value if type(version) is yaml.ScalarEvent else "?"
            raise UnsupportedVersion(wrong_version(found), *place(version.start_mark))
        if alias is not None:
            raise alias
        for name, key in keys.items():
            if name not in (FORMAT_KEY, "properties"):
                raise self.fail(key, f"unknown key {name!r} (expected 'properties')")
        if problem is not None:
            raise problem
        return properties

    def passed_over(self) -> FormatError | None:
        """Pass over the value of a key that is neither the version nor the properties;
        an alias there is refused after the version (another version may use them)."""
        try:
            self.skip(self.next())
        except Unreadable:
            raise
        except FormatError as problem:  # the alias is read: the file's mapping goes on
            return problem
        return None

    def properties(self) -> tuple[Sheet, FormatError | None]:
        """The tree under ``properties``, or what is wrong with it (reported after the
        version: a file of another version may well hold what this one refuses)."""
        depth = self.depth
        try:
            return self.sheet(self.next(), "properties"), None
        except Unreadable:
            raise
        except FormatError as problem:
            self.sheets = 0
            self.skip_to(depth)
            return Sheet(), problem

    def key(self, event: Any, where: str, seen: Collection[str]) -> str:
        """The text of a name in a mapping (no name twice)."""
        if type(event) is not yaml.ScalarEvent or scalar_tag(event) != STR:
            raise self.fail(event, f"a name in {where} must be text")
        name: str = event.value
        if name in seen:
            raise self.fail(event, f"{name!r} appears twice in {where}")
        return name

    def sheet(self, start: Any, where: str, description: str = "") -> Sheet:
        """A sheet from the start of its mapping."""
        if type(start) is not yaml.MappingStartEvent:
            raise self.fail(start, f"{where} must be a mapping of names")
        if self.sheets >= MAX_DEPTH:
            raise self.fail(start, TOO_DEEP)
        self.sheets += 1
        entries = self.entries(where)
        self.sheets -= 1
        return Sheet(entries, description)

    def entries(self, where: str) -> dict[str, Node]:
        """A sheet's entries, up to the end of its mapping: the loop that reads a large
        file, so the common case (a name and a value that are text at a glance: no tag,
        no anchor, quoted or not starting like a number or boolean, see ``IMPLICIT``) is
        read here directly, without a call."""
        get, found, scalar, implicit = self.get, dict[str, Node](), yaml.ScalarEvent, IMPLICIT
        plain_name, value_of = PLAIN_NAME.fullmatch, Value
        while True:
            key = get()
            if not (
                type(key) is scalar
                and key.tag is None
                and key.anchor is None
                and (not key.implicit[0] or key.value[:1] not in implicit)
            ):
                key = self.settle(key)
                if type(key) is yaml.MappingEndEvent:
                    return found
                self.key(key, where, ())
            name: str = key.value
            if name in found:
                raise self.fail(key, f"{name!r} appears twice in {where}")
            if not plain_name(name) or name in NOT_NAMES:
                self.check_name(key)
            value = get()
            if (
                type(value) is scalar
                and value.tag is None
                and value.anchor is None
                and (not value.implicit[0] or value.value[:1] not in implicit)
            ):
                found[name] = value_of(value.value)
            else:
                found[name] = self.node(self.settle(value), name)

    def check_name(self, key: Any) -> None:
        try:
            check_property_name(key.value)
        except ValidationError as err:
            raise self.fail(key, err.message) from None

    def node(self, event: Any, name: str) -> Node:
        """The entry ``name`` from its value's first event."""
        if type(event) is yaml.ScalarEvent:
            return Value(self.text(event, f"the value of {name!r}"))
        if type(event) is not yaml.MappingStartEvent:
            raise self.fail(event, f"{name!r} must be a mapping of names")
        fields = self.fields(name)
        keys = SHEET_KEYS if "sheet" in fields else VALUE_KEYS
        for key, (key_event, _) in fields.items():
            if key not in keys:
                allowed = ", ".join(keys)
                raise self.fail(key_event, f"unknown key {key!r} in {name!r} (allowed: {allowed})")
        description = (
            self.text(fields["description"][1], "a description") if "description" in fields else ""
        )
        if "sheet" in fields:
            sheet = fields["sheet"][1]
            if isinstance(sheet, FormatError):
                raise sheet
            if not isinstance(sheet, Sheet):
                raise self.fail(sheet, f"{name!r} must be a mapping of names")
            return Sheet(sheet.entries, description)
        if "value" not in fields:
            raise self.fail(event, f"{name!r} has neither 'value' nor 'sheet'")
        value = self.text(fields["value"][1], f"the value of {name!r}")
        expandable = self.flag(fields["expandable"][1]) if "expandable" in fields else True
        return Value(value, description, expandable)

    def fields(self, name: str) -> dict[str, tuple[Any, Any]]:
        """The keys of an entry's mapping, each with its key event and its value: a scalar
        event, the ``Sheet`` of ``sheet`` (or what is wrong in it), or the start of a
        collection passed over."""
        found: dict[str, tuple[Any, Any]] = {}
        while type(key := self.next()) is not yaml.MappingEndEvent:
            field = self.key(key, repr(name), found)
            value = self.next()
            if field == "sheet" and type(value) is yaml.MappingStartEvent:
                found[field] = (key, self.inner(value, name))
            else:
                found[field] = (key, self.skip(value))
        return found

    def inner(self, start: Any, name: str) -> Sheet | FormatError:
        """The sheet of the entry ``name`` from the start of its mapping, or what is wrong
        in it: refused after a problem of the entry's own keys, as the file reads."""
        depth, sheets = self.depth - 1, self.sheets
        try:
            return self.sheet(start, repr(name))
        except Unreadable:
            raise
        except FormatError as problem:
            self.sheets = sheets
            self.skip_to(depth)
            return problem

    def text(self, event: Any, what: str) -> str:
        if type(event) is not yaml.ScalarEvent or scalar_tag(event) != STR:
            raise self.fail(event, f'{what} must be text; quote it to keep it exact, as in "8080"')
        value: str = event.value
        return value

    def flag(self, event: Any) -> bool:
        found = None
        if type(event) is yaml.ScalarEvent and scalar_tag(event) == BOOL:
            found = yaml.SafeLoader.bool_values.get(event.value.lower())  # !!bool x: none
        if found is None:
            raise self.fail(event, "'expandable' must be true or false")
        return bool(found)


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
