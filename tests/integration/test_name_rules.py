"""The client's property-name rule and the emulator's agree on any text.

propdesk refuses a name before any upstream call (``check_property_name``, ``PropertyPath``);
the emulator refuses what a server refuses. When they disagree, the dashboard either lets
through what the server rejects or blocks what it would take.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.cloudbees.errors import ValidationError
from app.cloudbees.paths import PropertyPath, check_property_name
from emulator.errors import ApiError
from emulator.rules import check_property_name as emulator_check_property_name

# Every code point, lone surrogates included (hypothesis leaves category Cs out by default),
# with the characters and names the rules single out drawn more often.
ANY_CHARACTER = st.characters(exclude_categories=())
SPECIAL = st.sampled_from(["/", "[", "]", ".", "\x00", "\x7f", "\x85", "\ud800", "\udfff"])
NAMES = st.one_of(
    st.text(st.one_of(ANY_CHARACTER, SPECIAL), max_size=300),
    st.sampled_from(["", ".", "..", "properties", "project", "Properties"]),
    st.integers(250, 260).map(lambda n: "x" * n),
)


def client_accepts(name: str) -> bool:
    try:
        check_property_name(name)
    except ValidationError:
        return False
    return True


def emulator_accepts(name: str) -> bool:
    try:
        emulator_check_property_name(name)
    except ApiError as err:
        assert (err.status, err.code) == (400, "InvalidPropertyName")
        return False
    return True


def path_accepts(name: str) -> bool:
    try:
        PropertyPath.project("Default", "ci", name)
    except ValidationError:
        return False
    return True


@settings(max_examples=500, deadline=None)
@given(NAMES)
@example("\ud800")
@example("a\udfffb")
@example("ok name.with-dots_and spaces")
def test_client_and_emulator_agree_on_property_names(name: str) -> None:
    accepted = emulator_accepts(name)
    assert client_accepts(name) == accepted
    assert path_accepts(name) == accepted


@pytest.mark.parametrize("name", ["\ud800", "x\udc00", "\udbff\udfff"])
def test_lone_surrogates_are_refused_by_both(name: str) -> None:
    with pytest.raises(UnicodeEncodeError):
        name.encode("utf-8")
    assert not client_accepts(name)
    assert not emulator_accepts(name)
