"""The Buildbot pages in a real Chromium against a real master (the session's master
without a login): from the builders to a builder's builds, filtered by result and
completion (the choices kept in the URL and the form), then two builds' properties
compared, all rows and only the differences, and back to the other build. The builds are
forced by the test with a word of its own, so they are the newest, whatever else the run
built. The builder's description holds markup: any script that ran fails the test."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from app.buildbot.local_master import LocalMaster
from tests.buildbot.conftest import XSS_DESCRIPTION
from tests.e2e.conftest import follow, goto, gunicorn_dashboard, submit_login, watching
from tests.support.buildbot import MasterAPI
from tests.support.servers import EmulatorProcess


def filter_builds(page: Any, result: str, completion: str) -> None:
    """Choose ``result`` and ``completion`` in the builder's filters and press Filter."""
    page.get_by_label("Result").select_option(result)
    page.get_by_label("Completion").select_option(completion)
    follow(page, page.get_by_role("button", name="Filter"))


def state_of(page: Any, name: str) -> Any:
    """The compare table's row of the property ``name``."""
    return page.locator("#compare tbody tr", has=page.get_by_role("cell", name=name, exact=True))


def test_filter_a_builders_builds_and_compare_two_builds(
    chromium: Any, emulator: EmulatorProcess, master: LocalMaster, api: MasterAPI, tmp_path: Path
) -> None:
    word = "bb" + uuid.uuid4().hex[:8]
    first = api.build_with("hello", greeting=f"hi {word}", loud=True, count="3", flavour="spicy")
    second = api.build_with("hello", greeting=f"bye {word}", loud=False, count="3")
    with (
        gunicorn_dashboard(emulator, tmp_path, PROPDESK_BUILDBOT_URL=master.url) as dash,
        watching(chromium, dash.url) as watched,
    ):
        page = watched.page
        goto(page, "/login?next=/buildbot/")
        submit_login(page)
        expect(page.get_by_role("heading", name="Builders")).to_be_visible()
        hello = page.locator("#builders tbody tr", has_text=XSS_DESCRIPTION)  # as text
        expect(hello.get_by_role("link", name=f"#{second}", exact=True)).to_be_visible()
        follow(page, hello.get_by_role("link", name="hello", exact=True))
        expect(page).to_have_url(re.compile(r"/buildbot/builders/hello/$"))

        builds = page.locator("#builds tbody")
        filter_builds(page, "failure", "finished")
        expect(page).to_have_url(
            re.compile(r"/builders/hello/\?result=failure&completion=finished$")
        )
        expect(builds).to_have_text("No build matches.")
        expect(page.get_by_label("Result")).to_have_value("failure")
        filter_builds(page, "success", "finished")
        expect(page).to_have_url(re.compile(r"\?result=success&completion=finished$"))
        expect(page.get_by_label("Result")).to_have_value("success")
        expect(page.get_by_label("Completion")).to_have_value("finished")
        numbers = [int(n.lstrip("#")) for n in builds.locator("td:first-child a").all_inner_texts()]
        assert numbers[:2] == [second, first], numbers  # newest first
        expect(builds.locator("tr", has_text=f"#{second}")).to_contain_text("success")
        follow(page, page.get_by_role("link", name="Clear"))
        expect(page).to_have_url(re.compile(r"/buildbot/builders/hello/$"))
        expect(page.get_by_label("Result")).to_have_value("")

        follow(page, builds.get_by_role("link", name=f"#{second}", exact=True))
        expect(page.get_by_role("heading", name=f"hello #{second}")).to_be_visible()
        expect(page.locator('tr[data-name="greeting"]')).to_contain_text(f"bye {word}")
        page.get_by_label("Compare with build").fill(str(first))
        follow(page, page.get_by_role("button", name="Show"))
        expect(page).to_have_url(re.compile(rf"/builds/{second}\?compare={first}"))
        expect(page.get_by_role("heading", name=f"Compared with #{first}")).to_be_visible()
        for name, state in (("greeting", "differs"), ("loud", "differs"), ("count", "same")):
            expect(state_of(page, name)).to_have_attribute("data-state", state)
        expect(state_of(page, "greeting")).to_contain_text(f"bye {word}")
        expect(state_of(page, "greeting")).to_contain_text(f"hi {word}")
        expect(state_of(page, "flavour")).to_contain_text("plain")
        expect(state_of(page, "flavour")).to_contain_text("spicy")
        summary = page.locator("#compare-summary")
        expect(summary).to_contain_text(f"only in #{first}")
        counted = re.match(r"(\d+) differ · (\d+) same", summary.inner_text())
        assert counted, summary.inner_text()
        assert int(counted[1]) >= 3 and int(counted[2]) >= 2  # at least the rows above

        page.get_by_label("only differences").check()
        follow(page, page.get_by_role("button", name="Show"))
        expect(page).to_have_url(re.compile(r"diff=1"))
        expect(page.get_by_label("only differences")).to_be_checked()
        expect(page.locator("#compare tbody tr[data-state=same]")).to_have_count(0)
        expect(state_of(page, "count")).to_have_count(0)
        expect(state_of(page, "greeting")).to_have_attribute("data-state", "differs")

        follow(
            page, page.get_by_role("heading", name=f"Compared with #{first}").get_by_role("link")
        )
        expect(page.get_by_role("heading", name=f"hello #{first}")).to_be_visible()
        expect(page.locator('tr[data-name="greeting"]')).to_contain_text(f"hi {word}")
        expect(page.locator('tr[data-name="flavour"]')).to_contain_text("spicy")
