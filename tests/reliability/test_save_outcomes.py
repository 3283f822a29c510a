"""A write that gets no answer in time has an unknown outcome: the dashboard reads the
property back and says what the server holds. Real emulator, its latency changed while a
save runs (it sleeps before it handles a call, so a slow write lands late)."""

from __future__ import annotations

import requests

from tests.conftest import DashboardFactory
from tests.support.client import Client, notice_of, typed_edit
from tests.support.servers import EmulatorProcess, wait_until


class SlowSave:
    """A save of "after" over "before" through a dashboard with a short read timeout and no
    retries, sent in the background while the test steers the emulator's latency call by
    call (see ``run``)."""

    def __init__(
        self, make_dashboard: DashboardFactory, emulator: EmulatorProcess, timeout: int
    ) -> None:
        dash = make_dashboard(
            upstream=emulator, PROPDESK_READ_TIMEOUT=str(timeout), PROPDESK_RETRIES="0"
        )
        self.client = Client(dash)
        self.emulator = emulator
        self.path, self.form = typed_edit(self.client, emulator, "late")

    def calls(self, method: str) -> int:
        """How many ``method`` calls on the property the emulator received so far."""
        return len(self.emulator.requests_to(self.path, method))

    def wait_for(self, method: str, count: int) -> None:
        """Wait until the emulator has received ``count`` ``method`` calls on the property."""
        assert wait_until(lambda: self.calls(method) >= count, timeout=60)

    def run(self, latency_ms: int, *then: tuple[str, int]) -> requests.Response:
        """Send the save, its first call answered after ``latency_ms``; for each ``(method,
        ms)`` of ``then``, wait for the save's next ``method`` call, then set the latency the
        calls after it get. Returns the dashboard's answer, once it came."""
        seen = {m: self.calls(m) for m in ("GET", "PUT")}
        self.emulator.set_latency(latency_ms)
        answer = self.client.save_in_background(self.path, self.form)
        for method, ms in then:
            seen[method] += 1
            self.wait_for(method, seen[method])
            self.emulator.set_latency(ms)
        return answer()


def test_a_write_answered_too_late_that_landed_says_saved(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess
) -> None:
    # Read timeout 4 s. The re-read answers (2 s), the write lands after 6 s (too late for
    # its answer), the read-back arrives at 4 s and is handled after 3 s more: after the
    # write landed, in time for its own answer.
    save = SlowSave(make_dashboard, fresh_emulator, timeout=4)
    r = save.run(2000, ("GET", 6000), ("PUT", 3000))
    fresh_emulator.set_latency(0)
    assert r.status_code == 200, r.text
    assert "holds your change" in notice_of(r) and notice_of(r).startswith("Saved slow")
    assert fresh_emulator.value(save.path) == "after"


def test_a_write_not_landed_yet_says_so_and_saving_again_is_safe(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess
) -> None:
    save = SlowSave(make_dashboard, fresh_emulator, timeout=2)
    # After the re-read, the write is slow; the read-back answers at once, before it lands.
    r = save.run(1000, ("GET", 5000), ("PUT", 0))
    assert r.status_code == 503 and r.headers["HX-Reswap"] == "none"
    text = notice_of(r)
    assert text.startswith("Not saved so far") and "still holds what it held before" in text
    assert "Nothing was saved" not in text
    assert wait_until(lambda: fresh_emulator.value(save.path) == "after", timeout=60)
    # The same form again (the editor stayed on screen): the server holds it, no conflict.
    again = save.client.save(save.path, save.form)
    assert again.status_code == 200, again.text
    assert notice_of(again) == "slow already holds your change; nothing else to save."


def test_a_write_and_its_read_back_both_unanswered_could_not_confirm(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess
) -> None:
    save = SlowSave(make_dashboard, fresh_emulator, timeout=2)
    r = save.run(1000, ("GET", 5000))  # the write and the read-back both time out
    fresh_emulator.set_latency(0)
    assert r.status_code == 503 and r.headers["HX-Reswap"] == "none"
    text = notice_of(r)
    assert text.startswith("Could not confirm the save") and "Nothing was saved" not in text
    assert "Your text is kept" in text
