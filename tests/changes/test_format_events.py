"""The YAML export read in one pass over the parser's events: any way YAML can write the
same document reads as the same tree, and a file with several problems is refused for the
one that matters most (invalid YAML anywhere, then the version, then the tree)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.changes import yaml_events
from app.changes.errors import FormatError, UnsupportedVersion
from app.changes.export_format import document, load
from app.changes.tree import Sheet, Value
from tests.changes.strategies import ANY_NAME, sheets

STYLES: list[dict[str, Any]] = [
    {"default_flow_style": True},
    {"canonical": True},
    {"default_style": '"'},
    {"default_style": "'"},
    {"default_flow_style": None, "width": 20},
]
"""Ways PyYAML writes one document: flow, canonical (every scalar tagged, ``? key``),
double- or single-quoted, folded at a narrow width."""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(ANY_NAME).map(lambda s: Sheet(s.entries)), st.sampled_from(STYLES))
def test_any_yaml_writing_of_an_export_reads_as_its_tree(
    tree: Sheet, style: dict[str, Any]
) -> None:
    text = yaml.dump(document(tree), Dumper=yaml.SafeDumper, explicit_start=True, **style)
    assert load(text) == tree


def refusal(text: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        load(text)
    return caught.value


def test_invalid_yaml_later_in_the_file_comes_before_a_problem_of_the_tree() -> None:
    err = refusal("propdesk-export: 1\nproperties:\n  port: 8080\n  b: [1\n")
    assert (err.line, err.column) == (5, 1)
    assert err.problem.startswith("not valid YAML")


def test_a_wrong_version_comes_before_a_problem_of_the_tree_written_above_it() -> None:
    text = "properties:\n  port: 8080\n  a/b: x\npropdesk-export: 2\n"
    with pytest.raises(UnsupportedVersion, match="format version 2") as caught:
        load(text)
    assert (caught.value.line, caught.value.column) == (4, 18)


@pytest.mark.parametrize(
    "text",
    [
        "propdesk-export: 2\nshared: &a x\nmore: *a\nproperties: {}\n",
        "shared: &a {k: v}\nmore: *a\npropdesk-export: 2\n",
    ],
)
def test_a_wrong_version_comes_before_an_alias_in_a_key_that_version_may_have(text: str) -> None:
    """A later format may add keys (and use anchors in them): refused by its version."""
    with pytest.raises(UnsupportedVersion, match="format version 2"):
        load(text)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("  s:\n    bogus: x\n", "unknown key 'bogus' in 's'"),
        ("  s:\n    description: 5\n", "a description must be text"),
    ],
)
def test_a_problem_of_an_entry_comes_before_one_inside_its_sheet(entry: str, problem: str) -> None:
    """As the file reads: the entry's own keys, then what its sheet holds."""
    err = refusal("propdesk-export: 1\nproperties:\n" + entry + "    sheet:\n      port: 8080\n")
    assert err.line == 4, err.message
    assert problem in err.message


def test_a_file_without_the_version_key_is_not_an_export_whatever_it_holds() -> None:
    err = refusal("properties:\n  port: 8080\nother: [1, 2]\n")
    assert err.problem.startswith("not a propdesk export")
    assert (err.line, err.column) == (1, 1)


def test_the_tree_is_read_on_after_a_version_written_below_it() -> None:
    text = "properties:\n  a: x\n  s: {sheet: {b: 'y'}}\npropdesk-export: 1\n"
    assert load(text) == Sheet({"a": Value("x"), "s": Sheet({"b": Value("y")})})


def test_an_alias_even_to_a_text_is_refused_where_its_anchor_is() -> None:
    err = refusal("propdesk-export: 1\nproperties:\n  a: &v shared\n  b: {value: *v}\n")
    assert (err.line, err.column) == (3, 6)
    assert "anchors and aliases" in err.message
    assert load("propdesk-export: 1\nproperties:\n  a: &v shared\n") == Sheet(
        {"a": Value("shared")}
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        (
            "propdesk-export: 1\nproperties:\n  a: &v x\n  b: &v y\n",
            4,
            6,
            "duplicate anchor 'v' (first set on line 3)",
        ),
        ("propdesk-export: 1\nproperties:\n  a: 8080\n  b: *v\n", 4, 6, "undefined alias 'v'"),
        ("propdesk-export: 1\nproperties: &p {a: x}\nother: *p\n", 2, 13, "anchors and aliases"),
        ("propdesk-export: 1\nproperties:\n  a: [x]\n", 3, 6, "'a' must be a mapping"),
        ("propdesk-export: 1\nproperties:\n  a: !!int 1\n", 3, 6, "must be text"),
        ("propdesk-export: 1\nproperties:\n  a: !custom x\n", 3, 6, "must be text"),
        ("propdesk-export: 1\nproperties:\n  ? [a]\n  : x\n", 3, 5, "name in properties must be"),
        ("propdesk-export: 1\nproperties:\n  s: {sheet: x}\n", 3, 14, "'s' must be a mapping"),
        ("propdesk-export: 1\nproperties:\n  s: {sheet: {}, value: x}\n", 3, 18, "unknown key"),
        ("propdesk-export: 1\nproperties: x\n", 2, 13, "properties must be a mapping"),
        (
            "propdesk-export: 1\nproperties:\n  a: {value: x, expandable: !!bool maybe}\n",
            3,
            29,
            "'expandable' must be true or false",
        ),
        ("propdesk-export: [1]\n", 1, 18, "format version ?"),
        ("---\n", 2, 1, "the file must be a mapping"),
    ],
)
def test_refusals_say_where(text: str, line: int, column: int, problem: str) -> None:
    err = refusal(text)
    assert (err.line, err.column) == (line, column), err.message
    assert problem in err.message


def test_a_deep_but_allowed_tree_reads() -> None:
    """64 sheets deep (the emulator's limit) is the deepest tree, and it reads."""
    text = "propdesk-export: 1\nproperties: " + "{s: {sheet: " * 63 + "{x: '1'}" + "}}" * 63
    tree = load(text)
    for _ in range(63):
        inner = tree.entries["s"]
        assert isinstance(inner, Sheet)
        tree = inner
    assert tree == Sheet({"x": Value("1")})


@pytest.mark.parametrize(
    "text",
    [
        "propdesk-export: 1\nproperties:\n  a: &v x\n  s:\n    sheet: {b: x, c: {value: '1'}}\n",
        "propdesk-export: 1\nproperties:\n  a: &v x\n  s:\n    sheet: {b: *v}\n",
        "propdesk-export: 1\nproperties:\n  port: 8080\n  b: [1\n",
        "properties: {a: x}\npropdesk-export: 2\n",
        "propdesk-export: 1\nproperties: " + "[" * 1000,
    ],
)
def test_the_pure_python_parser_reads_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where PyYAML runs without libyaml, its own parser gives the events."""
    with_libyaml = outcome(text)
    monkeypatch.setattr(yaml_events, "Loader", yaml.SafeLoader)
    assert outcome(text) == with_libyaml


def outcome(text: str) -> object:
    """The tree, or the refusal's kind and place (the two parsers word theirs apart)."""
    try:
        return load(text)
    except FormatError as err:
        return type(err), err.line, err.column, err.problem.split(":")[0]
