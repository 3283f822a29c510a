"""The README's "Use the API" examples run as written (curl and Python) against a
dashboard over the seeded emulator, as against `make run`'s demo; and the demo keeps its
secret key and data key across restarts."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from app.cli import kept_secret
from tests.api.support import Api
from tests.support.servers import ROOT, DashboardThread
from tests.support.tools import not_installed

DEMO = "http://127.0.0.1:8000"


def section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Use the API\n")
    return text[start : text.index("\n## ", start + 1)]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), re.S)


def test_the_section_has_curl_and_python_examples_in_order() -> None:
    shell = blocks("sh")
    assert len(shell) == 4 and len(blocks("python")) == 1
    assert "/version" in shell[0] and "API-Key" not in shell[0]  # first the public call
    assert "API-Key" in shell[1] and "/sheets/" in shell[1]  # then with a key, a list
    assert "-X PUT" in shell[2]  # then a create
    assert "/export/" in shell[3] and "/import/" in shell[3]


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_examples_run(api: Api, api_dashboard: DashboardThread, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        not_installed(
            "curl is missing in CI: .ci/run should have installed it",
            "README example test skipped: no curl (apt install curl)",
        )
    env = {**os.environ, "BASE": api.base, "KEY": str(api.key)}
    for block in blocks("sh"):
        script = block.replace(DEMO, api_dashboard.url)
        out = run(["bash", "-euo", "pipefail", "-c", f"cd {tmp_path} && {script}"], env)
        assert out.strip()
    assert '"create":0' in out.replace(" ", "")  # the export imported back: nothing to do
    assert '"name":"com.example:pipeline-configs:1.0.' in out.replace(" ", "")  # published
    created = api.get("/properties/projects/Default/api-example").json()["property"]
    assert (created["value"], created["description"]) == ("1.4.2", "set by the pipeline")
    script = blocks("python")[0]
    first = run([sys.executable, "-c", script], env)
    assert "matching properties" in first and "200 2" in first
    second = run([sys.executable, "-c", script], env)
    assert "200 3" in second


def test_the_demo_keeps_its_secrets(tmp_path: Path) -> None:
    made = kept_secret(tmp_path / "data_keys", lambda: "first")
    assert made == "first"
    assert kept_secret(tmp_path / "data_keys", lambda: "second") == "first"
    assert stat.S_IMODE((tmp_path / "data_keys").stat().st_mode) == 0o600
