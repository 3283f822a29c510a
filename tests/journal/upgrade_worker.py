"""``propdesk db upgrade`` started by a test, which may hold it back until a go-file
appears so that several processes upgrade at the same moment.

    python -m tests.journal.upgrade_worker [GO_FILE]     (PROPDESK_DATABASE_URL set)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import app.journal.migrate  # noqa: F401  (imported before the start line, not after)
from app.cli import main

WAIT = 60.0


def run(go: Path | None) -> int:
    deadline = time.monotonic() + WAIT
    while go is not None and not go.exists():
        if time.monotonic() > deadline:
            return 3
        time.sleep(0.001)
    return main(["db", "upgrade"])


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
