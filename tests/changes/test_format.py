"""The export format: exact round trips for any text, the readable common case, and clear
refusals (line and column for YAML, the version by name)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.changes.errors import FormatError, UnsupportedVersion
from app.changes.export_format import load, to_json, to_yaml
from app.changes.tree import Sheet, Value
from tests.changes.strategies import ANY_NAME, sheets
from tests.support.servers import ROOT

AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "trailing  ",
        "  leading",
        "two\nlines",
        "ends with newline\n",
        "\n\nblank first",
        "crlf\r\nline",
        "lone\rcr",
        "tab\there\t",
        "line  \nwith trailing spaces  \n",
        "$[/myProject/x] and $[/server/y]",
        "true",
        "null",
        "~",
        "8080",
        "0x10",
        "1e3",
        "- item",
        "key: value",
        "# not a comment",
        "'quoted'",
        '"double"',
        "ünïcödé ✓ 😀 中文",
        "\u2028line separator\u2029",
        "\x85next line",
        "\x00\x07\x1b control",
        "\ufeffbom",
        "|",
        ">",
        "---",
        "...",
        "@at `backtick",
    ]
)
TEXT = st.one_of(AWKWARD, st.text(max_size=60))

SLOW = [HealthCheck.too_slow]
"""A loaded machine makes examples slow; they are not timed here."""


def round_trips_exactly(tree: Sheet, write: Callable[[Sheet], str]) -> None:
    """``tree`` written by ``write`` loads back as ``tree``, and is written again byte for byte."""
    text = write(tree)
    assert load(text) == tree
    assert write(load(text)) == text


@settings(max_examples=400, deadline=None, suppress_health_check=SLOW)
@given(sheets(ANY_NAME, TEXT).map(lambda s: Sheet(s.entries)))
def test_yaml_round_trip_is_exact(tree: Sheet) -> None:
    round_trips_exactly(tree, to_yaml)


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW)
@given(sheets(ANY_NAME, TEXT).map(lambda s: Sheet(s.entries)))
def test_json_round_trip_is_exact(tree: Sheet) -> None:
    round_trips_exactly(tree, to_json)


def test_the_common_case_reads_naturally() -> None:
    tree = Sheet(
        {
            "version": Value("1.4.2"),
            "notes": Value("first line\nsecond line\n"),
            "url": Value("https://$[host]/x", "where it runs", False),
            "deploy": Sheet({"region": Value("eu-west-1")}, "deployment settings"),
            "empty": Sheet(),
        }
    )
    assert to_yaml(tree) == (
        "propdesk-export: 1\n"
        "properties:\n"
        "  version: 1.4.2\n"
        "  notes: |\n"
        "    first line\n"
        "    second line\n"
        "  url:\n"
        "    value: https://$[host]/x\n"
        "    description: where it runs\n"
        "    expandable: false\n"
        "  deploy:\n"
        "    description: deployment settings\n"
        "    sheet:\n"
        "      region: eu-west-1\n"
        "  empty:\n"
        "    sheet: {}\n"
    )
    assert json.loads(to_json(tree))["properties"]["version"] == "1.4.2"


def test_a_hand_written_file_reads() -> None:
    text = "propdesk-export: 1\nproperties:\n  a: 'x'\n  b: {value: y, expandable: no}\n"
    assert load(text) == Sheet({"a": Value("x"), "b": Value("y", "", False)})
    assert load("propdesk-export: 1\n") == Sheet()


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("propdesk-export: 1\nproperties:\n  a: [1\n", 4, 1, "not valid YAML"),
        ("propdesk-export: 1\nproperties:\n  port: 8080\n", 3, 9, "must be text; quote it"),
        ("propdesk-export: 1\nproperties:\n  a: x\n  a: y\n", 4, 3, "'a' appears twice"),
        ("propdesk-export: 1\nproperties:\n  a/b: x\n", 3, 3, "contains '/'"),
        ("propdesk-export: 1\nproperties:\n  a:\n    valeu: x\n", 4, 5, "unknown key 'valeu'"),
        ("propdesk-export: 1\nproperties:\n  a:\n    description: d\n", 4, 5, "neither"),
        (
            "propdesk-export: 1\nproperties:\n  a: {value: x, expandable: 2}\n",
            3,
            29,
            "true or false",
        ),
        ("propdesk-export: 1\nproperties:\n  a:\n", 3, 5, "must be text"),
        ("propdesk-export: 1\nextra: 1\n", 2, 1, "unknown key 'extra'"),
        ("properties: {}\n", 1, 1, "not a propdesk export"),
        ("- a\n- b\n", 1, 1, "must be a mapping"),
        ("a: 1\n---\nb: 2\n", 2, 1, "not valid YAML"),
        ("propdesk-export: 1\nproperties:\n  a: *nowhere\n", 3, 6, "not valid YAML"),
    ],
)
def test_malformed_yaml_is_refused_with_line_and_column(
    text: str, line: int, column: int, problem: str
) -> None:
    with pytest.raises(FormatError) as caught:
        load(text)
    assert (caught.value.line, caught.value.column) == (line, column), caught.value.message
    assert problem in caught.value.message
    assert caught.value.message.startswith(f"line {line}, column {column}: ")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(FormatError, match="the file is empty"):
        load("  \n")


@pytest.mark.parametrize(
    "text",
    ["propdesk-export: 2\nproperties: {}\n", '{"propdesk-export": 2, "properties": {}}'],
)
def test_another_format_version_is_refused_by_name(text: str) -> None:
    with pytest.raises(UnsupportedVersion, match="format version 2; this propdesk reads version 1"):
        load(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"propdesk-export": 1,\n "properties": {"a": }}', "line 2, column 22: not valid JSON"),
        ('{"propdesk-export": 1, "properties": {"a": 1}}', "in properties/a: a value must be text"),
        ('{"propdesk-export": 1, "properties": {"a": "x", "a": "y"}}', "'a' appears twice"),
        ('{"propdesk-export": true}', "format version True"),
        (
            '{"propdesk-export": 1, "properties": {"s": {"sheet": {"x": {"value": "1", '
            '"expandable": "no"}}}}}',
            "in properties/s/x: 'expandable' must be true or false",
        ),
        ('{"properties": {}}', "not a propdesk export"),
    ],
)
def test_malformed_json_is_refused_clearly(text: str, problem: str) -> None:
    with pytest.raises(FormatError) as caught:
        load(text)
    assert problem in caught.value.message


def test_aliases_are_refused_so_a_small_file_cannot_expand_into_a_huge_tree() -> None:
    lines = ["propdesk-export: 1", "properties:", "  a0: &a0 {sheet: {x: '1', y: '2'}}"]
    lines += [f"  a{i}: &a{i} {{sheet: {{p: *a{i - 1}, q: *a{i - 1}}}}}" for i in range(1, 40)]
    with pytest.raises(FormatError, match="anchors and aliases") as caught:
        load("\n".join(lines) + "\n")
    assert caught.value.line == 3  # where the anchor that is used again was set


def test_sheets_nested_too_deep_are_refused() -> None:
    depth = 70
    text = "propdesk-export: 1\nproperties:\n"
    for level in range(depth):
        text += "  " * (2 * level + 1) + "s:\n" + "  " * (2 * level + 2) + "sheet:\n"
    text += "  " * (2 * depth + 1) + "x: '1'\n"
    with pytest.raises(FormatError, match="nested more than 64 deep"):
        load(text)
    nested = '{"sheet": ' * 70_000 + "{}" + "}" * 70_000
    with pytest.raises(FormatError, match="nested more than 64 deep"):
        load('{"propdesk-export": 1, "properties": {"s": ' + nested + "}}")
    shallow = Sheet({"s": Sheet({"t": Sheet({"x": Value("1")})})})
    assert load(to_yaml(shallow)) == shallow


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,
        "propdesk-export: 1\nproperties: " + "{a: " * 100_000,
        "propdesk-export: 1\nproperties:\n  a:\n    " + "- " * 100_000 + "x\n",
        "propdesk-export: 1\nproperties:\n  a:\n    value: " + "{" * 100_000,
        "properties: " + "[" * 100_000 + "\npropdesk-export: 1\n",
    ],
    ids=["sequences", "flow-mappings", "block-sequences", "in-a-value", "before-the-version"],
)
def test_deeply_nested_yaml_is_refused_without_crashing_the_process(text: str) -> None:
    """libyaml's composer recurses in C: such a file used to end the whole process with a
    segfault (no exception to catch), so the load runs in a child process of its own."""
    code = (
        "import sys\n"
        "from app.changes.errors import FormatError\n"
        "from app.changes.export_format import load\n"
        "try:\n"
        "    load(sys.stdin.read())\n"
        "except FormatError as err:\n"
        "    print(err.message)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert child.returncode == 0, (child.returncode, child.stderr[-500:])
    assert "nested more than 64 deep" in child.stdout
