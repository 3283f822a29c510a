"""The change engine's bench figures still run (small sizes, one iteration); their numbers
are not checked here, only that each is a ratio of two timings."""

from __future__ import annotations

import re
from pathlib import Path

from bench.changes import Sizes, figures
from tests.support.servers import EmulatorProcess


def test_the_change_figures_run(tmp_path: Path) -> None:
    emulator = EmulatorProcess(tmp_path / "emulator", seed=None)
    try:
        rows = figures(
            emulator, tmp_path, repeat=1, warmup=0, sizes=Sizes(200, 50, 300, 3, 100), runs=2
        )
    finally:
        emulator.stop()
    names = [r.split(" | ")[0] for r in rows]
    assert names == [
        "| plan of 50 changes on a 200-property sheet ÷ one recursive read",
        "| apply of 50 changes ÷ 50 direct PUTs",
        "| export of a 300-property tree to YAML ÷ one recursive read",
        "| export of a 300-property tree to JSON ÷ one recursive read",
        "| import of that YAML as a no-op plan (merge) ÷ one recursive read",
        "| compare of two 100-property trees ÷ the two recursive reads",
    ]
    for line in rows:
        ratio = re.search(r" \| ([\d.]+) \| .*; 2 runs: ([\d.]+)-([\d.]+)\) \|$", line)
        assert ratio, line
        low, high = float(ratio.group(2)), float(ratio.group(3))
        assert 0 < low <= float(ratio.group(1)) <= high, line


def test_the_bench_measures_the_issue_s_sizes_unless_asked_for_smaller_sheets() -> None:
    assert Sizes.up_to(10_000) == Sizes(2_000, 1_000, 10_000, 10, 5_000)
    assert Sizes.up_to(20) == Sizes(4, 2, 20, 2, 10)
