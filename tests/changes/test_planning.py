"""The planner: plan(current, desired) applied to current gives desired, checking every
operation's expected state on the way (``simulate``), for random trees."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.changes.errors import PlanTooLarge
from app.changes.planning import Action, Operation, Plan, State, plan, simulate
from app.changes.tree import Sheet, Value
from tests.changes.strategies import trees

SLOW = [HealthCheck.too_slow]
"""A loaded machine makes examples slow; they are not timed here."""


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW)
@given(trees(), trees())
def test_a_plan_turns_current_into_desired(current: Sheet, desired: Sheet) -> None:
    assert simulate(current, plan(current, desired)) == desired


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW)
@given(trees(), trees())
def test_a_merge_keeps_what_the_desired_tree_lacks(current: Sheet, desired: Sheet) -> None:
    merged = plan(current, desired, mirror=False)
    assert merged.count(Action.DELETE) == sum(
        1
        for op in merged.operations
        if op.action is Action.DELETE
        and op.expected is not None
        and op.expected.sheet != isinstance(lookup(desired, op.names), Sheet)
    )  # a merge deletes only to change an entry's kind
    after = simulate(current, merged)
    assert covers(after, desired)
    assert not plan(after, desired, mirror=False).operations  # and it is done


@settings(deadline=None, suppress_health_check=SLOW)
@given(trees())
def test_a_tree_against_itself_plans_nothing(tree: Sheet) -> None:
    assert plan(tree, tree) == Plan(())


def test_a_plan_checks_what_it_expects() -> None:
    current = Sheet({"a": Value("1")})
    changes = plan(current, Sheet({"a": Value("2")}))
    with pytest.raises(ValueError, match="expected"):
        simulate(Sheet({"a": Value("changed by someone")}), changes)


def test_operations_say_what_they_expect_and_change() -> None:
    current = Sheet(
        {
            "keep": Value("1"),
            "edit": Value("old", "d", True),
            "gone": Value("x"),
            "kind": Value("v"),
            "sub": Sheet({"in": Value("1")}, "s"),
        }
    )
    desired = Sheet(
        {
            "keep": Value("1"),
            "edit": Value("new", "d", False),
            "kind": Sheet({}, ""),
            "sub": Sheet({"in": Value("2")}, "s2"),
            "new": Sheet({"x": Value("y")}),
        }
    )
    ops = plan(current, desired).operations
    assert ops == (
        Operation(
            Action.MODIFY, ("edit",), State(False, "old", "d"), State(False, "new", "d", False)
        ),
        Operation(Action.DELETE, ("kind",), State(False, "v"), None),
        Operation(Action.CREATE, ("kind",), None, State(True)),
        Operation(
            Action.MODIFY, ("sub",), State(True, description="s"), State(True, description="s2")
        ),
        Operation(Action.CREATE, ("new",), None, State(True)),
        Operation(Action.CREATE, ("new", "x"), None, State(False, "y")),
        Operation(Action.DELETE, ("gone",), State(False, "x"), None),
        Operation(Action.MODIFY, ("sub", "in"), State(False, "1"), State(False, "2")),
    )
    assert ops[0].changed == ("value", "expandable")


def test_deleting_a_sheet_expects_its_contents() -> None:
    current = Sheet({"s": Sheet({"x": Value("1")})})
    (op,) = plan(current, Sheet()).operations
    assert op.contents == Sheet({"x": Value("1")})
    changed = Sheet({"s": Sheet({"x": Value("2")})})
    with pytest.raises(ValueError, match="contents changed"):
        simulate(changed, Plan((op,)))


@settings(deadline=None, suppress_health_check=SLOW)
@given(st.integers(min_value=1, max_value=30))
def test_plans_past_the_limit_are_refused(limit: int) -> None:
    desired = Sheet({f"p{i}": Value("") for i in range(limit + 1)})
    with pytest.raises(PlanTooLarge, match=f"more than {limit:,} operations"):
        plan(Sheet(), desired, limit=limit)
    assert len(plan(Sheet(), desired, limit=limit + 1)) == limit + 1


def test_ten_thousand_operations_fit_in_one_plan() -> None:
    desired = Sheet({f"p{i}": Value("") for i in range(10_000)})
    assert len(plan(Sheet(), desired)) == 10_000
    with pytest.raises(PlanTooLarge):
        plan(Sheet(), Sheet({**desired.entries, "one-more": Value("")}))


def lookup(tree: Sheet, names: tuple[str, ...]) -> Sheet | Value:
    node: Sheet | Value = tree
    for name in names:
        assert isinstance(node, Sheet)
        node = node.entries[name]
    return node


def covers(tree: Sheet, part: Sheet) -> bool:
    """True when everything in ``part`` is in ``tree`` as ``part`` holds it."""
    for name, node in part.entries.items():
        have = tree.entries.get(name)
        if isinstance(node, Sheet):
            if not isinstance(have, Sheet) or have.description != node.description:
                return False
            if not covers(have, node):
                return False
        elif have != node:
            return False
    return True
