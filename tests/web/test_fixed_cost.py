"""What every request pays for (issue 21): the limiter only on the login, no session for
probes, static files and the scrape, the activity store asked once per ``touch_every``.

The stores are the real file stores; their ``get``/``set`` are wrapped to count the calls
(the count is what these tests are about; every call still reaches the real store)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from app.extensions import limiter
from app.sessions.interface import KEY_PREFIX
from app.sessions.stores import Store
from tests.support.servers import Clock, DashboardThread, csrf_from, login
from tests.web.conftest import DashboardFactory, services_of


def count_calls(monkeypatch: pytest.MonkeyPatch, store: Store, *names: str) -> Counter[str]:
    """Count the calls of ``names`` on ``store``'s cache (each still reaches the cache)."""
    calls: Counter[str] = Counter()
    for name in names:
        real: Callable[..., Any] = getattr(store.cache, name)

        def counted(
            *args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any
        ) -> Any:
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(store.cache, name, counted)
    return calls


def test_only_the_login_asks_the_limiter(dashboard: DashboardThread) -> None:
    # The login view's decorators check its limits; nothing else may rely on the app-wide
    # check that was taken out (no default limits).
    hooks = dashboard.app.before_request_funcs[None]
    assert limiter._check_request_limit not in hooks
    limits = limiter.limit_manager
    assert not limits.default_limits and not limits.application_limits
    assert not limits._blueprint_limits


def test_probes_static_files_and_the_scrape_never_read_the_session(
    dashboard: DashboardThread, logged_in: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_calls(monkeypatch, services_of(dashboard).store, "get")
    for path in ("/healthz", "/readyz", "/static/app.css", "/metrics", "/static/nope.css"):
        r = logged_in.get(dashboard.url + path, timeout=10)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert "Set-Cookie" not in r.headers, path
    assert reads["get"] == 0
    page = logged_in.get(dashboard.url + "/browse/", allow_redirects=False, timeout=10)
    assert page.status_code == 200 and reads["get"] >= 1  # a page does read it (and works)


def test_a_busy_login_asks_the_activity_store_once_per_touch(
    dashboard: DashboardThread,
    logged_in: requests.Session,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = services_of(dashboard)
    calls = count_calls(monkeypatch, services.activity, "get", "set")
    for _ in range(5):  # just logged in: activity was written and is known here
        assert logged_in.get(dashboard.url + "/browse/", timeout=10).status_code == 200
    assert calls == Counter()
    clock.advance(services.login_state.touch_every)
    for _ in range(5):
        assert logged_in.get(dashboard.url + "/browse/", timeout=10).status_code == 200
    assert calls == Counter({"get": 1, "set": 1})


def test_idle_timeout_still_ends_on_time_and_never_early(
    dashboard: DashboardThread, logged_in: requests.Session, clock: Clock
) -> None:
    state = services_of(dashboard).login_state
    idle, lag = state.idle_timeout, state.touch_every
    assert lag <= 0.05 * idle
    page = dashboard.url + "/browse/"
    clock.advance(lag / 2)  # a request the store does not hear of (known fresh here)
    assert logged_in.get(page, allow_redirects=False, timeout=10).status_code == 200
    clock.advance(idle - 1)  # idle 1 s short of the timeout: still in
    assert logged_in.get(page, allow_redirects=False, timeout=10).status_code == 200
    clock.advance(idle + lag + 1)  # idle longer than the timeout and its lag: out
    r = logged_in.get(page, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and "/login" in r.headers["Location"]


def test_a_logout_elsewhere_ends_the_login_here(
    make_dashboard: DashboardFactory, browser: requests.Session, tmp_path: Path
) -> None:
    # Two workers sharing one session folder: the login is fresh in worker a's memory,
    # worker b logs it out; worker a must not keep it alive.
    a = make_dashboard(PROPDESK_SESSION_DIR=str(tmp_path / "shared"))
    b = make_dashboard(PROPDESK_SESSION_DIR=str(tmp_path / "shared"))
    assert login(browser, a.url).status_code == 303
    assert browser.get(a.url + "/browse/", timeout=10).status_code == 200
    sid = browser.cookies.get(str(a.app.config["SESSION_COOKIE_NAME"]))
    assert services_of(b).store.get(KEY_PREFIX + str(sid)) is not None
    token = csrf_from(browser.get(b.url + "/browse/", timeout=10).text)
    out = browser.post(
        b.url + "/logout", headers={"X-CSRFToken": token}, allow_redirects=False, timeout=10
    )
    assert out.status_code == 303
    browser.cookies.set(str(a.app.config["SESSION_COOKIE_NAME"]), str(sid))
    r = browser.get(a.url + "/browse/", allow_redirects=False, timeout=10)
    assert r.status_code == 303 and "/login" in r.headers["Location"]
