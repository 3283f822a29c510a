"""Hypothesis against the emulator over real HTTP: names and values either round-trip
exactly or are refused with the right code; never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.servers import EmulatorProcess

NAME_RULE_CODES = {"InvalidPropertyName"}

names = st.one_of(
    st.text(min_size=0, max_size=40),
    st.sampled_from(
        [
            "properties",
            "project",
            ".",
            "..",
            "a/b",
            "x[1]",
            "%2F",
            "?q",
            "#h",
            "a b",
            "$[x]",
            "<b>",
            "é",
            "x" * 255,
            "x" * 256,
        ]
    ),
)
values = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda s: s + "$["),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "\x00\x01\x1f",
            "line\r\nline\n",
            "$[/projects/Default/PythonProperty]",
            "  leading and trailing  ",
        ]
    ),
    st.just("é" * 100_000),
)


@pytest.fixture(scope="module")
def project(emulator: EmulatorProcess) -> Iterator[str]:
    name = f"fuzz-{uuid.uuid4().hex[:8]}"
    requests.post(
        emulator.api + "/projects",
        json={"projectName": name},
        auth=("admin", "changeme"),
        timeout=10,
    ).raise_for_status()
    yield name


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=names, value=values)
def test_property_round_trip_or_named_refusal(
    emulator: EmulatorProcess, admin: requests.Session, project: str, name: str, value: str
) -> None:
    r = admin.post(
        emulator.api + "/properties",
        json={"propertyName": name, "projectName": project, "value": value, "expandable": "0"},
        timeout=30,
    )
    assert r.status_code < 500, r.text
    if r.status_code != 200:
        code = r.json()["error"]["code"]
        assert code in NAME_RULE_CODES | {
            "DuplicatePropertyName",
            "NoSuchProperty",
            "InvalidArgument",
        }, (name, code)
        if code == "NoSuchProperty":
            assert "/" in name  # only a path whose parent sheet is missing
        return
    created = r.json()["property"]
    assert created["propertyName"] == name.split("/")[-1] or "/" in name
    got = admin.get(
        emulator.api + "/properties/" + quote(created["propertyName"], safe=""),
        params={"projectName": project, "expand": "0"},
        timeout=30,
    )
    assert got.status_code == 200, got.text
    assert got.json()["property"]["value"] == value
    admin.delete(
        emulator.api + "/properties/" + quote(created["propertyName"], safe=""),
        params={"projectName": project},
        timeout=30,
    )
