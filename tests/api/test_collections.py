"""Buildbot's collection parameters on ``GET /api/v1/sheets/<path>``: every generated
query answers what a brute-force filter, sort and slice of the whole sheet gives, and
unknown parameters are refused by name."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.collections import OPS
from app.api.representation import FIELDS
from tests.api.support import Api
from tests.support.servers import EmulatorProcess

Row = dict[str, Any]
TEXT_FIELDS = sorted(n for n, k in FIELDS.items() if k == "text")
BOOL_FIELDS = sorted(n for n, k in FIELDS.items() if k == "bool")
SPELLINGS = {True: ["1", "true", "yes", "on", "TRUE"], False: ["0", "false", "no", "off"]}


@pytest.fixture(scope="module")
def sheet(emulator: EmulatorProcess) -> str:
    """A project with 24 values (repeats, empty text, both flags) and two sub-sheets."""
    project = emulator.new_project("coll")
    for n in range(24):
        emulator.put_value(
            f"/projects/{project}/p{n:02d}",
            ["alpha", "beta", "", "Alpha beta", "gamma"][n % 5] + ("" if n % 3 else str(n)),
            description=["", "first", "second"][n % 3],
            expandable="1" if n % 4 else "0",
        )
    return project


def brute(rows: list[Row], filters: list[tuple[str, str, list[Any]]]) -> list[Row]:
    def one(op: str, have: Any, want: Any) -> bool:
        if op in ("eq", "in"):
            return have is not None and have == want
        if op == "contains":
            return isinstance(have, str) and want in have
        if have is None:
            return False
        found: bool = {
            "lt": have < want,
            "le": have <= want,
            "gt": have > want,
            "ge": have >= want,
        }[op]
        return found

    def keep(row: Row) -> bool:
        for name, op, values in filters:
            have = row.get(name)
            if op in ("ne", "notin"):
                if have is not None and have in values:
                    return False
            elif not any(one(op, have, v) for v in values):
                return False
        return True

    return [row for row in rows if keep(row)]


def ordered(rows: list[Row], order: list[str]) -> list[Row]:
    def compare(a: Row, b: Row) -> int:
        for spec in order:
            name = spec.lstrip("-")
            x, y = (a.get(name) is not None, a.get(name)), (b.get(name) is not None, b.get(name))
            if x != y:
                result = -1 if x < y else 1
                return -result if spec.startswith("-") else result
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))


@st.composite
def queries(draw: st.DrawFn, values: dict[str, list[Any]]) -> tuple[list[tuple[str, str]], Any]:
    params: list[tuple[str, str]] = []
    filters: list[tuple[str, str, list[Any]]] = []
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=3, unique=True)):
        kind = FIELDS[name]
        ops = [op for op in OPS if kind == "text" or op != "contains"]
        op = draw(st.sampled_from(ops))
        seen: list[Any] = values[name]
        picked: list[Any]
        if kind == "bool":
            picked = draw(st.lists(st.booleans(), min_size=1, max_size=2))
            texts = [draw(st.sampled_from(SPELLINGS[v])) for v in picked]
        elif kind == "int":
            ints: st.SearchStrategy[Any] = st.one_of(st.sampled_from(seen), st.integers(0, 10**6))
            picked = draw(st.lists(ints, min_size=1, max_size=2))
            texts = [str(v) for v in picked]
        else:
            pool: st.SearchStrategy[Any] = st.one_of(
                st.sampled_from(seen), st.text("abAgp 0123", max_size=3)
            )
            picked = draw(st.lists(pool, min_size=1, max_size=2))
            texts = [str(v) for v in picked]
        key = name if op == "eq" and draw(st.booleans()) else f"{name}__{op}"
        params += [(key, t) for t in texts]
        real_op = {"eq": "in", "ne": "notin"}.get(op, op) if len(picked) > 1 else op
        filters.append((name, real_op, picked))
    order = draw(
        st.lists(
            st.sampled_from(sorted(FIELDS)).map(lambda n: n)
            | st.sampled_from(["-" + n for n in sorted(FIELDS)]),
            max_size=2,
        )
    )
    params += [("order", o) for o in order]
    offset = draw(st.none() | st.integers(0, 30))
    limit = draw(st.none() | st.integers(0, 30))
    fields = draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=3, unique=True))
    params += [("offset", str(offset))] if offset is not None else []
    params += [("limit", str(limit))] if limit is not None else []
    params += [("field", f) for f in fields]
    return params, (filters, order, offset or 0, 1000 if limit is None else limit, fields)


def test_queries_match_a_brute_force_filter(api: Api, sheet: str) -> None:
    everything = api.get(f"/sheets/projects/{sheet}").json()
    rows: list[Row] = everything["properties"]
    assert everything["meta"]["total"] == len(rows) == 24
    values = {
        name: sorted({r[name] for r in rows if r[name] is not None}, key=str) for name in FIELDS
    }

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(queries(values))
    def check(query: tuple[list[tuple[str, str]], Any]) -> None:
        params, (filters, order, offset, limit, fields) = query
        answer = api.get(f"/sheets/projects/{sheet}", params=params)
        assert answer.status_code == 200, (params, answer.text)
        found = brute(rows, filters)
        expected = ordered(found, order)[offset : offset + limit]
        if fields:
            expected = [{f: r[f] for f in fields} for r in expected]
        assert answer.json() == {"properties": expected, "meta": {"total": len(found)}}, params

    check()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("foo", "1")], "unrecognized query parameter 'foo'"),
        ([("name__like", "x")], "unrecognized query parameter 'name__like'"),
        ([("colour", "x")], "unrecognized query parameter 'colour'"),
        ([("field", "colour")], "unknown field 'colour'"),
        ([("order", "-colour")], "cannot order by unknown field 'colour'"),
        ([("limit", "1001")], "'limit' is at most 1000"),
        ([("limit", "-1")], "'limit' takes a whole number"),
        ([("offset", "x")], "'offset' takes a whole number"),
        ([("limit", "\u00b2")], "'limit' takes a whole number"),
        ([("expandable", "maybe")], "'expandable' takes a boolean"),
        ([("id__gt", "x")], "'id__gt' takes a whole number"),
        ([("expandable__contains", "1")], "'expandable__contains': contains works on text"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    api: Api, params: list[tuple[str, str]], message: str
) -> None:
    answer = api.get("/sheets/projects/Default", params=params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidArgument" and error["message"].startswith(message)


def test_api_key_is_never_an_unknown_parameter(api_dashboard: Any, rw_key: str) -> None:
    answer = Api(api_dashboard, rw_key, in_query=True).get(
        "/sheets/projects/Default", params={"limit": "1"}
    )
    assert answer.status_code == 200 and len(answer.json()["properties"]) == 1
