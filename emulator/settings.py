"""Start-up settings of the emulator (command-line flags end up here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

THREE_DAYS = 3 * 24 * 3600


@dataclass(frozen=True)
class EmulatorSettings:
    """How one emulator instance behaves.

    ``session_lifetime`` is the idle time after which an upstream session dies (a real server
    defaults to three days). ``controls`` turns on the test-control routes under
    ``/_emulator/``. ``files_dir`` holds the content-addressed store of published files.
    """

    db_path: Path
    files_dir: Path
    latency_ms: int = 0
    session_lifetime: float = THREE_DAYS
    controls: bool = False
    max_body_bytes: int = 64 * 1024 * 1024
