"""``propdesk emulator``: its flags reach the emulator, and without the emulator package (as
in the production image) it says so in one line instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import emulator.server
from app import cli
from tests.support.servers import ROOT


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What ``emulator.server.serve`` was called with, instead of serving. A stand-in on
    purpose: these tests check only how the command line reaches ``serve``; the real
    emulator's session expiry is driven over HTTP in test_emulator_contract.py."""
    calls: list[dict[str, Any]] = []

    def fake_serve(host: str, port: int, db: Path, **kwargs: Any) -> None:
        calls.append({"host": host, "port": port, "db": db, **kwargs})

    monkeypatch.setattr(emulator.server, "serve", fake_serve)
    return calls


def test_session_lifetime_defaults_to_the_emulators_own(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert cli.main(["emulator", "--db", str(tmp_path / "e.sqlite3")]) == 0
    assert served[0]["session_lifetime"] is None


def test_session_lifetime_flag_reaches_the_emulator(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    argv = ["emulator", "--db", str(tmp_path / "e.sqlite3"), "--session-lifetime", "1.5"]
    assert cli.main(argv) == 0
    assert served[0]["session_lifetime"] == 1.5


def test_without_the_emulator_package_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "emulator", None)
    monkeypatch.setitem(sys.modules, "emulator.server", None)
    assert cli.main(["emulator", "--db", str(tmp_path / "e.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("propdesk: the emulator is not installed here")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_cli_module_does_not_import_the_emulator() -> None:
    code = "import sys, app.cli; print(any(m.split('.')[0] == 'emulator' for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
