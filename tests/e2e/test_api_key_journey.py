"""Issue 19's journey in a real Chromium: make an API key on the settings page (only a
name and the CloudBees CD access token typed), copy it from the page, and let a script
drive an import with it; the history shows the import under the key's name."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import gunicorn_dashboard, wait_ready, watching
from tests.e2e.test_journeys import log_in
from tests.support.servers import DashboardProcess, EmulatorProcess

SCRIPT = """
import sys
import requests

base, key, project = sys.argv[1:]
export = "propdesk-export: 1\\nproperties:\\n  region: eu-west-1\\n  replicas: '3'\\n"
answer = requests.post(
    f"{base}/api/v1/import/projects/{project}",
    params={"mode": "merge"},
    data=export.encode(),
    headers={"API-Key": key},
    timeout=30,
)
answer.raise_for_status()
print(answer.json()["report"]["counts"]["applied"])
"""


@pytest.fixture(scope="module")
def keyed_site(
    e2e_emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardProcess]:
    folder = tmp_path_factory.mktemp("e2e-api-keys")
    data_key = Fernet.generate_key().decode()
    with gunicorn_dashboard(e2e_emulator, folder, PROPDESK_DATA_KEYS=data_key) as dash:
        yield dash


def test_19_a_key_made_in_the_browser_drives_an_import(
    chromium: Browser, keyed_site: DashboardProcess, e2e_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    project = e2e_emulator.new_project("e2e")
    with watching(chromium, keyed_site.url) as watched:
        page = watched.page
        log_in(page)
        page.get_by_role("link", name="API keys").click()
        expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
        expect(page.get_by_label("Read-only")).to_be_checked()
        expect(page.get_by_label("Expires after (days)")).to_have_value("90")
        page.get_by_label("Name").fill("release pipeline")
        page.get_by_label("Read-write").check()
        page.get_by_label("CloudBees CD user access token").fill("admin-access-token")
        page.get_by_role("button", name="Make key").click()
        shown = page.get_by_label("The new API key")
        expect(shown).to_be_visible()
        key = shown.input_value()
        assert key.startswith("propdesk_")
        expect(page.get_by_role("cell", name="release pipeline", exact=True)).to_be_visible()
        page.reload()  # repeats the redirected GET: shows the key no more, makes no other
        wait_ready(page)
        expect(page.get_by_label("The new API key")).to_have_count(0)  # shown once
        expect(page.get_by_text("That key was shown once")).to_be_visible()
        expect(page.get_by_role("cell", name="release pipeline", exact=True)).to_have_count(1)
        page.get_by_role("link", name="API keys").click()
        wait_ready(page)
        expect(page.get_by_label("The new API key")).to_have_count(0)
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, keyed_site.url, key, project],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "2"
        assert e2e_emulator.value(f"/projects/{project}/region") == "eu-west-1"
        page.goto(f"/activity?prefix=/projects/{project}/")
        expect(page.locator("body")).to_contain_text("key:release pipeline")
