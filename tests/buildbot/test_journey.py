"""The rebuild in a real Chromium: propdesk login, the Buildbot login (asked once), a
build's properties, "Rebuild with properties" with one value changed, and the new build's
properties checked on the master. The dashboard runs under gunicorn as shipped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from app.buildbot.local_master import LocalMaster
from tests.e2e.conftest import goto, gunicorn_dashboard, submit_login, watching
from tests.support.buildbot import MasterAPI
from tests.support.servers import EmulatorProcess


def test_rebuild_with_properties_in_the_browser(
    chromium: Any, emulator: EmulatorProcess, login_master: LocalMaster, tmp_path: Path
) -> None:
    api = MasterAPI(login_master.url, auth=("alice", "secret"))
    number = api.build_with("hello", greeting="journey start", count="7")
    with (
        gunicorn_dashboard(emulator, tmp_path, PROPDESK_BUILDBOT_URL=login_master.url) as dash,
        watching(chromium, dash.url) as watched,
    ):
        page = watched.page
        goto(page, "/login?next=/buildbot/")
        submit_login(page)  # propdesk (CloudBees CD) login
        expect(page.get_by_role("heading", name="Log in to Buildbot")).to_be_visible()
        submit_login(page, "alice", "secret")  # asked once for this propdesk login
        expect(page.get_by_role("heading", name="Builders")).to_be_visible()

        page.get_by_role("link", name="hello", exact=True).click()
        page.get_by_role("link", name=f"#{number}", exact=True).click()
        expect(page.locator('tr[data-name="greeting"]')).to_contain_text("journey start")
        page.get_by_role("link", name="Rebuild with properties").click()
        expect(page.get_by_label("greeting")).to_have_value("journey start")
        expect(page.get_by_label("count")).to_have_value("7")
        page.get_by_label("greeting").fill("journey rebuilt")
        identity = page.get_by_label("Your name:")  # the propdesk user, not editable
        expect(identity).to_have_value("admin")
        expect(identity).not_to_be_editable()
        page.get_by_role("button", name="Start build").click()

        status = page.get_by_role("status").filter(has_text="Build request")
        expect(status).to_be_visible()
        request_id = int(re.findall(r"\d+", status.inner_text())[0])
        build = api.finished_build(request_id)
        props = api.properties(build["buildid"])
        assert props["greeting"] == "journey rebuilt" and props["count"] == 7
        goto(page, f"/buildbot/requests/{request_id}")  # leads to the new build's page
        expect(page.get_by_role("heading", name=f"hello #{build['number']}")).to_be_visible()
        expect(page.locator('tr[data-name="greeting"]')).to_contain_text("journey rebuilt")
