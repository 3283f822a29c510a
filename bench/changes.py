"""The change engine's figures of ``python -m bench`` (``app.changes``), each a ratio of two
things timed alternately in one run against the emulator at +0 ms:

- plan: 1,000 changes on a 2,000-property sheet (tree read + plan) ÷ one recursive read
  from a script (GET and JSON decode);
- apply: a plan of those 1,000 changes (locks, sheet reads, writes, journal on SQLite) ÷
  1,000 direct PUTs from a script;
- export: a 10,000-property tree (ten sub-sheets) to YAML, and to JSON ÷ one recursive read;
- import as a no-op plan: that YAML file read, the tree read and planned ÷ one recursive read;
- compare: two 5,000-property trees (five sub-sheets each, a tenth of the values differing,
  some entries on one side only) read and turned into the compare page's rows ÷ the two
  recursive reads from a script.

Each ratio is measured ``runs`` times (three in ``python -m bench``); a row shows their
median and range. The sheets are written straight into the emulator's SQLite file (as
``bench.harness`` does). ``python -m bench.changes`` prints these rows alone.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
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
from app.web.compare_rows import compare
from bench import harness
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
    compared: int = 5_000

    @classmethod
    def up_to(cls, largest: int) -> Sizes:
        """The issue's sizes, or smaller ones when the bench measures smaller sheets (the
        smoke test's 20 properties): the tree at ``largest``, the sheet at a fifth of it."""
        full = cls()
        if largest >= full.tree:
            return full
        sheet = max(2, min(full.sheet, largest // 5))
        return cls(sheet, sheet // 2, max(2, largest), 2, max(2, largest // 2))


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
    runs: int = 1

    def measure(self, mine: Callable[[], Any], base: Callable[[], Any]) -> Ratio:
        """``mine`` against ``base``, ``runs`` times (``paired`` each time)."""
        return Ratio([paired(mine, base, self.repeat, self.warmup) for _ in range(self.runs)])

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


def _fill(emu: EmulatorProcess, sheet_id: int, count: int, variant: str = "") -> None:
    """``count`` values; with ``variant``, every tenth value differs, and the names are
    shifted by one (in each sub-sheet, one entry only on each side)."""
    first = 1 if variant else 0
    rows = [
        (
            sheet_id,
            f"key-{i:05d}",
            f"value {i}{variant if i % 10 == 0 else ''} " + "x" * 40,
            "",
            "admin",
            STAMP,
            STAMP,
            "a",
        )
        for i in range(first, count + first)
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
    for side, variant in (("left", ""), ("right", " changed")):
        _sheet(emu, f"/projects/{PROJECT}/{side}")
        parts = max(1, sizes.sub_sheets // 2)
        for s in range(parts):
            sheet_id = _sheet(emu, f"/projects/{PROJECT}/{side}/part-{s}")
            _fill(emu, sheet_id, sizes.compared // parts, variant)


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


@dataclass(frozen=True)
class Ratio:
    """The (mine, base) medians of each run of one figure."""

    pairs: list[tuple[float, float]]

    def row(self, figure: str, detail: str, repeat: int) -> str:
        """The table row: the median ratio, both medians and the runs' range."""
        ratio, ranged = harness.spread([mine / base for mine, base in self.pairs])
        mine = statistics.median(m for m, _ in self.pairs)
        base = statistics.median(b for _, b in self.pairs)
        return (
            f"| {figure} | {ratio:.2f} | {detail}: {mine * 1000:.0f} ms / "
            f"{base * 1000:.0f} ms (medians of {repeat}; {ranged}) |"
        )


def changed(tree: Sheet, tag: str, count: int) -> Sheet:
    """``tree`` with its first ``count`` values rewritten with ``tag``."""
    entries = dict(tree.entries)
    for name in list(entries)[:count]:
        entries[name] = Value(f"{tag} {name}")
    return Sheet(entries)


def figures(
    emu: EmulatorProcess,
    workdir: Path,
    *,
    repeat: int,
    warmup: int,
    sizes: Sizes | None = None,
    runs: int = 1,
) -> list[str]:
    """The change engine's rows of the bench table, each measured ``runs`` times."""
    sizes = sizes or Sizes()
    seed(emu, sizes)
    cd = CloudBeesClient.login(emu.base_url, *ADMIN)
    assert cd.session is not None
    direct = requests.Session()
    direct.headers.update({"sessionId": cd.session.session_id, "Accept": "application/json"})
    bench = Bench(emu, cd, direct, workdir, sizes, repeat, warmup, runs)
    try:
        return [
            *planning(bench),
            apply_figure(bench),
            *export_and_import(bench),
            compare_figure(bench),
        ]
    finally:
        cd.logout()


def planning(b: Bench) -> list[str]:
    flat = PropertyPath.project(PROJECT, "flat")
    desired = changed(read_tree(b.cd.properties, flat), "a", b.sizes.changes)

    def read_and_plan() -> None:
        assert len(plan(read_tree(b.cd.properties, flat), desired)) == b.sizes.changes

    ratio = b.measure(read_and_plan, b.recursive_read(flat))
    figure = (
        f"plan of {b.sizes.changes:,} changes on a {b.sizes.sheet:,}-property sheet "
        "÷ one recursive read"
    )
    return [ratio.row(figure, "tree read + plan / recursive read", b.repeat)]


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

    each = max(1, min(b.repeat, 3))
    ratio = Ratio([paired(apply_next, direct_puts, each, 0) for _ in range(b.runs)])
    journal.database.dispose()
    figure = f"apply of {b.sizes.changes:,} changes ÷ {b.sizes.changes:,} direct PUTs"
    return ratio.row(figure, "apply (locks, reads, writes, journal) / PUTs", each)


def export_and_import(b: Bench) -> list[str]:
    tree = PropertyPath.project(PROJECT, "tree")
    read = b.recursive_read(tree)
    props = b.cd.properties
    yaml_r = b.measure(lambda: to_yaml(read_tree(props, tree)), read)
    json_r = b.measure(lambda: to_json(read_tree(props, tree)), read)
    text = to_yaml(read_tree(props, tree))

    def no_op_import() -> None:
        assert not plan(read_tree(props, tree), load(text), mirror=False).operations

    import_r = b.measure(no_op_import, read)
    size = f"{b.sizes.tree:,}-property tree"
    return [
        yaml_r.row(
            f"export of a {size} to YAML ÷ one recursive read", "read + YAML / read", b.repeat
        ),
        json_r.row(
            f"export of a {size} to JSON ÷ one recursive read", "read + JSON / read", b.repeat
        ),
        import_r.row(
            "import of that YAML as a no-op plan (merge) ÷ one recursive read",
            "parse + tree read + plan / read",
            b.repeat,
        ),
    ]


def compare_figure(b: Bench) -> str:
    """Both trees read and listed as the compare page's rows, against both direct reads."""
    left = PropertyPath.project(PROJECT, "left")
    right = PropertyPath.project(PROJECT, "right")
    props = b.cd.properties
    read_left, read_right = b.recursive_read(left), b.recursive_read(right)

    def rows() -> None:
        assert list(compare(read_tree(props, left), read_tree(props, right)))

    ratio = b.measure(rows, lambda: (read_left(), read_right()))
    figure = f"compare of two {b.sizes.compared:,}-property trees ÷ the two recursive reads"
    return ratio.row(figure, "two tree reads + rows / two reads", b.repeat)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.changes``: the change engine's rows alone, against an emulator
    started here (for measuring a change to ``app/changes`` without the rest)."""
    parser = argparse.ArgumentParser(prog="python -m bench.changes", description=main.__doc__)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per figure")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3, help="runs of each ratio")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="propdesk-bench-changes-"))
    emu = EmulatorProcess(workdir / "emulator", seed=None)
    try:
        rows = figures(emu, workdir, repeat=args.repeat, warmup=args.warmup, runs=args.runs)
    finally:
        emu.stop()
    print("\n".join(["| figure | value | detail |", "| --- | --- | --- |", *rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
