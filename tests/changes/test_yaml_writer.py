"""The YAML export's direct writer gives the very bytes PyYAML's dumper gives for the same
document: for any tree, for text near every rule of a plain scalar, for long names, and
when it hands the whole document to PyYAML."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.changes import Sheet, Value, to_yaml, yaml_writer
from app.changes.export_format import Dumper, document, dump_yaml
from tests.changes.strategies import ANY_NAME, TEXT, sheets

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
# fmt: off
TRICKY = st.sampled_from(
    [
        "yes", "No", "on", "OFF", "true", "null", "~", "", " ", "1", "-1", "+1", "0x1F", "0o7",
        "1_000", "1.5", ".5", ".inf", "-.Inf", ".NaN", "1e3", "1:20", "2001-12-14",
        "2001-12-14t21:59:43.10-05:00", "<<", "=", "a: b", "a:b", "a:", "a #b", "a#b", "#a",
        "-", "- a", "-a", "?", "? a", ":a", "...", "---", "..a", "--a", "a  b", "a ", " a",
        "a\tb", "'a'", '"a"', "a'b", "@a", "`a", "%a", "!a", "&a", "*a", "|a", ">a", "[a]",
        "{a}", ",a", "a,b", "a[b]", "$[/server/x]", "http://host:8080/x", "C:\\dir",
        "é", "\u00a0a", "a\u00a0", "\u2028", "a\u2029b", "\ufeffa", "\x85", "\u3000",
        "\U0001f600", "a\nb", "a\n", "\na", "a\x00", "\x7f",
    ]
)
# fmt: on
"""Text at or near each rule of what YAML writes plain."""
PIECES = st.text(st.sampled_from("ab1.-:# ~'\"y\n\t\u00a0é\u2028?,[]{}"), max_size=8)
NEAR_PLAIN = st.one_of(TRICKY, PIECES, st.builds(str.__add__, TRICKY, PIECES), TEXT)
LONG_NAMES = st.one_of(
    ANY_NAME,
    st.integers(25, 140).map(lambda n: "k" * n),
    st.integers(20, 50).map(lambda n: "ü" * n),
)


def same_bytes(tree: Sheet) -> None:
    assert to_yaml(tree) == dump_yaml(document(tree))


@settings(max_examples=400, deadline=None, suppress_health_check=SLOW)
@given(sheets(ANY_NAME, TEXT).map(lambda s: Sheet(s.entries)))
def test_any_tree_is_written_as_pyyaml_writes_it(tree: Sheet) -> None:
    same_bytes(tree)


@settings(max_examples=600, deadline=None, suppress_health_check=SLOW)
@given(sheets(LONG_NAMES, NEAR_PLAIN).map(lambda s: Sheet(s.entries)))
def test_text_near_the_plain_rules_and_long_names_are_written_as_pyyaml_writes_them(
    tree: Sheet,
) -> None:
    same_bytes(tree)


@given(st.lists(NEAR_PLAIN, min_size=1, max_size=40))
def test_a_flat_sheet_of_tricky_values_is_written_as_pyyaml_writes_it(texts: list[str]) -> None:
    same_bytes(Sheet({f"key-{i}": Value(text) for i, text in enumerate(texts)}))


def test_the_common_case_needs_no_pyyaml() -> None:
    tree = Sheet(
        {
            "app": Sheet({f"key-{i:03d}": Value(f"value {i} $[/x]") for i in range(50)}, "d"),
            "url": Value("https://host:8443/x?a=b", "where", expandable=False),
            "empty": Sheet(),
        }
    )
    calls: list[object] = []

    def dump(data: object) -> str:
        calls.append(data)
        return dump_yaml(data)

    text = yaml_writer.write(document(tree), dump, Dumper.yaml_implicit_resolvers)
    assert text == dump_yaml(document(tree))
    assert calls == []


def test_a_document_of_mostly_hard_entries_goes_to_pyyaml_whole() -> None:
    tree = Sheet({f"key-{i:03d}": Value(f"line {i}\nnext line\n") for i in range(100)})
    calls: list[object] = []

    def dump(data: object) -> str:
        calls.append(data)
        return dump_yaml(data)

    text = yaml_writer.write(document(tree), dump, Dumper.yaml_implicit_resolvers)
    assert text == dump_yaml(document(tree))
    assert len(calls) == 26  # 25 entries one at a time (a quarter of 100 + 2), then all
    assert calls[-1] == document(tree)
