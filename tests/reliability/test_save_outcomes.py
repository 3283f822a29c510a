"""A write that gets no answer in time has an unknown outcome: the dashboard reads the
property back and says what the server holds. Real emulator, its latency changed while a
save runs (it sleeps before it handles a call, so a slow write lands late)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import DashboardFactory
from tests.support.servers import EmulatorProcess, wait_until
from tests.web.test_browse import Client, action, fields


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator of the test's own: its latency is changed while a save runs."""
    emu = EmulatorProcess(tmp_path / "emu")
    yield emu
    emu.stop()


class SlowSave:
    """A save sent in the background while the test steers the emulator's latency call by
    call: ``when(method, ms)`` waits until the save's next ``method`` call on the property
    has arrived, then sets the latency the calls after it get."""

    def __init__(self, client: Client, emulator: EmulatorProcess, url: str) -> None:
        self.emulator = emulator
        self.path = url.removeprefix("/browse")
        self.seen = {m: self.calls(m) for m in ("GET", "PUT")}
        self.answer: requests.Response | None = None
        self.thread = threading.Thread(target=self.send, args=(client, url), daemon=True)
        self.form: dict[str, str] = {}

    def calls(self, method: str) -> int:
        """How many ``method`` calls on the property the emulator received so far."""
        return sum(
            1
            for r in self.emulator.requests_seen()
            if r["method"] == method and r["path"].endswith(self.path)
        )

    def send(self, client: Client, url: str) -> None:
        """Post the save (in the background thread) and keep the answer."""
        self.answer = client.hx("POST", action("edit", url), self.form)

    def start(self, form: dict[str, str], latency_ms: int) -> None:
        """Set the latency of the save's first call, then send the save."""
        self.form = form
        self.emulator.set_latency(latency_ms)
        self.thread.start()

    def when(self, method: str, latency_ms: int) -> None:
        """Wait for the save's next ``method`` call, then set the latency of the next ones."""
        self.seen[method] += 1
        assert wait_until(lambda: self.calls(method) >= self.seen[method], timeout=60)
        self.emulator.set_latency(latency_ms)

    def result(self) -> requests.Response:
        """The dashboard's answer to the save, once it came."""
        self.thread.join()
        assert self.answer is not None
        return self.answer


def notice_of(response: requests.Response) -> str:
    """The text of the toast an htmx answer triggers."""
    return str(json.loads(response.headers["HX-Trigger"])["notice"]["text"])


def start_edit(
    make_dashboard: DashboardFactory, emulator: EmulatorProcess, timeout: int
) -> tuple[Client, str, dict[str, str]]:
    """A dashboard with a short read timeout, and an editor open on a fresh property."""
    dash = make_dashboard(
        upstream=emulator, PROPDESK_READ_TIMEOUT=str(timeout), PROPDESK_RETRIES="0"
    )
    client = Client(dash)
    project = emulator.new_project("late")
    emulator.put_value(f"/projects/{project}/slow", "before")
    url = f"/browse/projects/{project}/slow"
    form = fields(client.hx("GET", action("edit", url) + "?ctx=detail").text)
    form["value"] = "after"
    return client, url, form


def test_a_write_answered_too_late_that_landed_says_saved(
    make_dashboard: DashboardFactory, own_emulator: EmulatorProcess
) -> None:
    # Read timeout 4 s. The re-read answers (2 s), the write lands after 6 s (too late for
    # its answer), the read-back arrives at 4 s and is handled after 3 s more: after the
    # write landed, in time for its own answer.
    client, url, form = start_edit(make_dashboard, own_emulator, timeout=4)
    save = SlowSave(client, own_emulator, url)
    save.start(form, latency_ms=2000)
    save.when("GET", 6000)
    save.when("PUT", 3000)
    r = save.result()
    own_emulator.set_latency(0)
    assert r.status_code == 200, r.text
    assert "holds your change" in notice_of(r) and notice_of(r).startswith("Saved slow")
    assert own_emulator.value(url.removeprefix("/browse")) == "after"


def test_a_write_not_landed_yet_says_so_and_saving_again_is_safe(
    make_dashboard: DashboardFactory, own_emulator: EmulatorProcess
) -> None:
    client, url, form = start_edit(make_dashboard, own_emulator, timeout=2)
    save = SlowSave(client, own_emulator, url)
    save.start(form, latency_ms=1000)
    save.when("GET", 5000)
    save.when("PUT", 0)  # the read-back answers at once, before the write lands
    r = save.result()
    assert r.status_code == 503 and r.headers["HX-Reswap"] == "none"
    text = notice_of(r)
    assert text.startswith("Not saved so far") and "still holds what it held before" in text
    assert "Nothing was saved" not in text
    path = url.removeprefix("/browse")
    assert wait_until(lambda: own_emulator.value(path) == "after", timeout=60)
    # The same form again (the editor stayed on screen): the server holds it, no conflict.
    again = client.hx("POST", action("edit", url), form)
    assert again.status_code == 200, again.text
    assert notice_of(again) == "slow already holds your change; nothing else to save."


def test_a_write_and_its_read_back_both_unanswered_could_not_confirm(
    make_dashboard: DashboardFactory, own_emulator: EmulatorProcess
) -> None:
    client, url, form = start_edit(make_dashboard, own_emulator, timeout=2)
    save = SlowSave(client, own_emulator, url)
    save.start(form, latency_ms=1000)
    save.when("GET", 5000)  # the write and the read-back both time out
    r = save.result()
    own_emulator.set_latency(0)
    assert r.status_code == 503 and r.headers["HX-Reswap"] == "none"
    text = notice_of(r)
    assert text.startswith("Could not confirm the save") and "Nothing was saved" not in text
    assert "Your text is kept" in text
