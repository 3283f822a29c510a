"""The change engine's figures of ``python -m bench`` (``app.changes``), each a ratio of two
things timed alternately in one run against the emulator at +0 ms:

- plan: 1,000 changes on a 2,000-property sheet (tree read + plan) ÷ one recursive read
  from a script (GET and JSON decode);
- apply: a plan of those 1,000 changes (locks, sheet reads, writes, journal on SQLite) ÷
  1,000 direct PUTs from a script;
- export: a 10,000-property tree (ten sub-sheets) to YAML, and to JSON ÷ one recursive read;
- import as a no-op plan: that YAML file read, the tree read and planned ÷ one recursive read.

The sheets are written straight into the emulator's SQLite file (as ``bench.harness`` does).
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from app.changes import Sheet, Target, Value, apply, load, plan, read_tree, to_json, to_yaml
from app.cloudbees import CloudBeesClient, PropertyPath
from app.edit_lock import EditLocks
from app.journal import Actor, open_journal
from tests.support.servers import ADMIN, EmulatorProcess

PROJECT = "bench-changes"
STAMP = "2026-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class Sizes:
    """How big the measured sheets are (the smoke test passes small ones)."""

    sheet: int = 2_000
    changes: int = 1_000
    tree: int = 10_000
    sub_sheets: int = 10

    @classmethod
    def up_to(cls, largest: int) -> Sizes:
        """The issue's sizes, or smaller ones when the bench measures smaller sheets (the
        smoke test's 20 properties): the tree at ``largest``, the sheet at a fifth of it."""
        full = cls()
        if largest >= full.tree:
            return full
        sheet = max(2, min(full.sheet, largest // 5))
        return cls(sheet, sheet // 2, max(2, largest), 2)


@dataclass(frozen=True)
class Bench:
    """The emulator, a client of it, a plain session with the same login, and a folder."""

    emu: EmulatorProcess
    cd: CloudBeesClient
    direct: requests.Session
    workdir: Path
    sizes: Sizes
    repeat: int
    warmup: int

    def recursive_read(self, path: PropertyPath) -> Callable[[], Any]:
        """One recursive read from a script: GET and JSON decode."""
        params = {"path": str(path), "recurse": "1", "expand": "0"}
        url = self.emu.api + "/properties"
        return lambda: self.direct.get(url, params=params, timeout=60).json()


def _sheet(emu: EmulatorProcess, path: str) -> int:
    """Create the sheet ``path`` over HTTP; its sheet id."""
    r = requests.post(
        emu.api + "/properties",
        json={"propertyName": path, "propertyType": "sheet"},
        auth=ADMIN,
        timeout=30,
    )
    r.raise_for_status()
    return int(r.json()["property"]["propertySheetId"])


def _fill(emu: EmulatorProcess, sheet_id: int, count: int) -> None:
    rows = [
        (sheet_id, f"key-{i:05d}", f"value {i} " + "x" * 40, "", "admin", STAMP, STAMP, "a")
        for i in range(count)
    ]
    with sqlite3.connect(emu.db) as db:
        db.executemany(
            "INSERT INTO properties(sheet_id, name, value, description, owner, create_time,"
            " modify_time, last_modified_by) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )


def seed(emu: EmulatorProcess, sizes: Sizes) -> None:
    """``/projects/bench-changes/flat`` (2,000 values) and ``tree`` (10 sheets of 1,000)."""
    requests.post(
        emu.api + "/projects", json={"projectName": PROJECT}, auth=ADMIN, timeout=30
    ).raise_for_status()
    _fill(emu, _sheet(emu, f"/projects/{PROJECT}/flat"), sizes.sheet)
    _sheet(emu, f"/projects/{PROJECT}/tree")
    for s in range(sizes.sub_sheets):
        _fill(
            emu, _sheet(emu, f"/projects/{PROJECT}/tree/part-{s}"), sizes.tree // sizes.sub_sheets
        )


def paired(
    a: Callable[[], Any], b: Callable[[], Any], repeat: int, warmup: int
) -> tuple[float, float]:
    """Medians of ``a`` and ``b``, run alternately so both see the same machine."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(warmup + repeat):
        for call, out in ((a, times[0]), (b, times[1])):
            started = time.perf_counter()
            call()
            if i >= warmup:
                out.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def row(figure: str, mine: float, base: float, detail: str, repeat: int) -> str:
    return (
        f"| {figure} | {mine / base:.2f} | {detail}: {mine * 1000:.0f} ms / "
        f"{base * 1000:.0f} ms (medians of {repeat}) |"
    )


def changed(tree: Sheet, tag: str, count: int) -> Sheet:
    """``tree`` with its first ``count`` values rewritten with ``tag``."""
    entries = dict(tree.entries)
    for name in list(entries)[:count]:
        entries[name] = Value(f"{tag} {name}")
    return Sheet(entries)


def figures(
    emu: EmulatorProcess, workdir: Path, *, repeat: int, warmup: int, sizes: Sizes | None = None
) -> list[str]:
    """The change engine's rows of the bench table."""
    sizes = sizes or Sizes()
    seed(emu, sizes)
    cd = CloudBeesClient.login(emu.base_url, *ADMIN)
    assert cd.session is not None
    direct = requests.Session()
    direct.headers.update({"sessionId": cd.session.session_id, "Accept": "application/json"})
    bench = Bench(emu, cd, direct, workdir, sizes, repeat, warmup)
    try:
        return [*planning(bench), apply_figure(bench), *export_and_import(bench)]
    finally:
        cd.logout()


def planning(b: Bench) -> list[str]:
    flat = PropertyPath.project(PROJECT, "flat")
    desired = changed(read_tree(b.cd.properties, flat), "a", b.sizes.changes)

    def read_and_plan() -> None:
        assert len(plan(read_tree(b.cd.properties, flat), desired)) == b.sizes.changes

    mine, base = paired(read_and_plan, b.recursive_read(flat), b.repeat, b.warmup)
    figure = (
        f"plan of {b.sizes.changes:,} changes on a {b.sizes.sheet:,}-property sheet "
        "÷ one recursive read"
    )
    return [row(figure, mine, base, "tree read + plan / recursive read", b.repeat)]


def apply_figure(b: Bench) -> str:
    """Apply plans that flip the same values between two states, against direct PUTs."""
    flat = PropertyPath.project(PROJECT, "flat")
    locks = EditLocks(folder=b.workdir / "change-locks")
    journal = open_journal(f"sqlite:///{b.workdir / 'changes-journal.sqlite3'}")
    lock = lambda p: locks.hold(f"bench|{p}", lease=60)  # noqa: E731
    target = Target(b.cd.properties, flat, lock, journal, Actor("admin"))
    base = read_tree(b.cd.properties, flat)
    one, two = changed(base, "one", b.sizes.changes), changed(base, "two", b.sizes.changes)
    apply(plan(base, one), target)  # from here on the plans flip between one and two
    plans = [(plan(one, two), two), (plan(two, one), one)]
    now = [one]

    def apply_next() -> None:
        changes, after = plans[0]
        report = apply(changes, target)
        assert len(report.applied) == b.sizes.changes, report.results[:1]
        plans.reverse()
        now[0] = after

    names = list(base.entries)[: b.sizes.changes]

    def direct_puts() -> None:
        """The same number of PUTs, each writing the value the property holds already."""
        for name in names:
            held = now[0].entries[name]
            assert isinstance(held, Value)
            b.direct.put(
                b.emu.api + "/properties//" + str(flat.child(name)).lstrip("/"),
                json={"value": held.value},
                timeout=30,
            ).raise_for_status()

    runs = max(1, min(b.repeat, 3))
    mine, puts = paired(apply_next, direct_puts, runs, 0)
    journal.database.dispose()
    figure = f"apply of {b.sizes.changes:,} changes ÷ {b.sizes.changes:,} direct PUTs"
    return row(figure, mine, puts, "apply (locks, reads, writes, journal) / PUTs", runs)


def export_and_import(b: Bench) -> list[str]:
    tree = PropertyPath.project(PROJECT, "tree")
    read = b.recursive_read(tree)
    props = b.cd.properties
    yaml_t, read_y = paired(lambda: to_yaml(read_tree(props, tree)), read, b.repeat, b.warmup)
    json_t, read_j = paired(lambda: to_json(read_tree(props, tree)), read, b.repeat, b.warmup)
    text = to_yaml(read_tree(props, tree))

    def no_op_import() -> None:
        assert not plan(read_tree(props, tree), load(text), mirror=False).operations

    import_t, read_i = paired(no_op_import, read, b.repeat, b.warmup)
    size = f"{b.sizes.tree:,}-property tree"
    return [
        row(
            f"export of a {size} to YAML ÷ one recursive read",
            yaml_t,
            read_y,
            "read + YAML / read",
            b.repeat,
        ),
        row(
            f"export of a {size} to JSON ÷ one recursive read",
            json_t,
            read_j,
            "read + JSON / read",
            b.repeat,
        ),
        row(
            "import of that YAML as a no-op plan (merge) ÷ one recursive read",
            import_t,
            read_i,
            "parse + tree read + plan / read",
            b.repeat,
        ),
    ]
