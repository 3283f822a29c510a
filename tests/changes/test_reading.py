"""Tree reads against the emulator over HTTP: one call with ``recurse=1``, one per sheet
without it, the same tree either way, and a clear refusal past the size limit."""

from __future__ import annotations

import pytest

from app.changes import Sheet, TreeTooLarge, Value, read_tree
from app.cloudbees import CloudBeesClient, NotFound, PropertyPath, Transport, TransportSettings
from app.cloudbees.properties import PropertyService
from tests.support.servers import EmulatorProcess


def seed(emulator: EmulatorProcess, cd: CloudBeesClient) -> PropertyPath:
    """A project with values and two levels of sub-sheets (one of them empty)."""
    project = emulator.new_project("tree")
    root = PropertyPath.project(project)
    cd.properties.create_sheet(root.child("deploy"), description="deploy settings")
    cd.properties.create_sheet(root.child("deploy").child("prod"))
    cd.properties.create_sheet(root.child("empty"))
    cd.properties.create(root.child("a"), "$[/server/x]  \n", description="d", expandable=False)
    cd.properties.create(root.child("deploy").child("region"), "eu")
    cd.properties.create(root.child("deploy").child("prod").child("ünï"), "✓")
    return root


EXPECTED = Sheet(
    {
        "a": Value("$[/server/x]  \n", "d", False),
        "deploy": Sheet(
            {"region": Value("eu"), "prod": Sheet({"ünï": Value("✓")})}, "deploy settings"
        ),
        "empty": Sheet(),
    }
)


def test_one_recursive_read_and_one_read_per_sheet_give_the_same_tree(
    emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    root = seed(emulator, cd)
    emulator.reset_counts()
    assert read_tree(cd.properties, root) == EXPECTED
    assert sum(emulator.counts().values()) == 1
    emulator.reset_counts()
    assert read_tree(cd.properties, root, recurse=False) == EXPECTED
    counts = emulator.counts()
    assert sum(counts.values()) == 4, counts  # the root, deploy, deploy/prod, empty


def test_a_tree_past_the_limit_is_refused_clearly(
    emulator: EmulatorProcess, cd: CloudBeesClient
) -> None:
    root = seed(emulator, cd)
    small = Transport(TransportSettings(server_url=emulator.base_url, max_response_bytes=600))
    service = PropertyService(small, cd.auth)
    with pytest.raises(
        TreeTooLarge, match=r"larger than 600 bytes \(PROPDESK_MAX_RESPONSE_BYTES\)"
    ):
        read_tree(service, root)
    # sheet by sheet, each answer fits but the sum does not
    with pytest.raises(TreeTooLarge, match=str(root)):
        read_tree(cd.properties, root, recurse=False, limit=900)
    assert read_tree(cd.properties, root, recurse=False, limit=100_000) == EXPECTED


def test_a_missing_sheet_is_not_found(emulator: EmulatorProcess, cd: CloudBeesClient) -> None:
    root = PropertyPath.project(emulator.new_project("tree"))
    assert read_tree(cd.properties, root) == Sheet()
    with pytest.raises(NotFound):
        read_tree(cd.properties, root.child("nothing"))
