"""Hypothesis strategies for property trees: few names (so two trees overlap), any text
as values and descriptions, sheets nested a few levels deep."""

from __future__ import annotations

from hypothesis import strategies as st

from app.changes.tree import Node, Sheet, Value

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
"""Few names, so that a current and a desired tree share many entries."""

ANY_NAME = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="/[]"),
    min_size=1,
    max_size=12,
).filter(lambda n: n not in ("properties", "project", ".", ".."))
"""Any name the server takes."""

TEXT = st.text(max_size=40)
"""Any value or description (no lone surrogates: they are not UTF-8)."""


def values(text: st.SearchStrategy[str] = TEXT) -> st.SearchStrategy[Value]:
    return st.builds(Value, text, st.one_of(st.just(""), text), st.booleans())


def sheets(
    names: st.SearchStrategy[str] = NAMES, text: st.SearchStrategy[str] = TEXT, depth: int = 3
) -> st.SearchStrategy[Sheet]:
    """Trees up to ``depth`` sheets deep."""
    if depth == 0:
        children: st.SearchStrategy[Node] = values(text)
    else:
        children = st.one_of(values(text), sheets(names, text, depth - 1))
    return st.builds(
        Sheet,
        st.dictionaries(names, children, max_size=5),
        st.one_of(st.just(""), text),
    )


def trees(
    names: st.SearchStrategy[str] = NAMES, text: st.SearchStrategy[str] = TEXT
) -> st.SearchStrategy[Sheet]:
    """A root sheet (its own description is not part of a plan)."""
    return sheets(names, text).map(lambda s: Sheet(s.entries))
