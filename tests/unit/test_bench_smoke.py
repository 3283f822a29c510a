"""The benchmark still runs (tiny sizes, one iteration); its numbers are not checked here."""

from __future__ import annotations

import re

from bench.harness import run


def test_bench_runs_and_prints_every_figure() -> None:
    table = run(
        sizes=[20],
        latencies=[0],
        repeat=1,
        warmup=0,
        load_seconds=1,
        connections=2,
        command="python -m bench (smoke)",
        runs=2,
    )
    for figure in (
        "overhead ratio, 20 properties",
        "HTML bytes per sheet page",
        "upstream calls per sheet page | 1 |",
        "throughput ratio",
        "fixed-cost ratio, /healthz",
        "upstream connections per 100 sheet pages",
        "2 runs: ",
        "RSS per gunicorn worker",
        "Versions:",
        "Machine:",
    ):
        assert figure in table, figure
    ratio = re.search(r"overhead ratio, 20 properties, \+0 ms upstream \| ([\d.]+)", table)
    assert ratio and float(ratio.group(1)) > 0
