"""In Chromium: an htmx click after the SSO session ended leads the whole page to the
sign-in page (nginx answers htmx with 401 + ``HX-Refresh``), never the sign-in page
swapped into a fragment.

Chromium runs in a thread of its own: Playwright's sync API allows one instance per
thread, and the e2e suite's session-wide instance may be alive in the main thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import goto, submit_login, wait_ready
from tests.nginx.conftest import SsoSite
from tests.nginx.oauth2_stand_in import COOKIE, SIGN_IN_MARK
from tests.support.chromium import CHROMIUM_FLAGS


def in_chromium(exe: str, site: SsoSite, sso_token: str, steps: Callable[[Any], None]) -> None:
    """Run ``steps`` on a page of a fresh Chromium whose browser holds the SSO cookie
    ``sso_token`` for the site, in a thread of its own."""

    def run() -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
            try:
                context = browser.new_context(base_url=site.nginx.url, ignore_https_errors=True)
                context.add_cookies([{"name": COOKIE, "value": sso_token, "url": site.nginx.url}])
                steps(context.new_page())
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result(timeout=120)


def test_htmx_click_after_sso_expiry_shows_the_sign_in_page(
    sso_site: SsoSite, browser_exe: str
) -> None:
    project = sso_site.emulator.new_project("expiry", version="1.0")
    token = sso_site.sso.sign_in("alice")
    property_url = f"/propdesk/browse/projects/{project}/version"

    def steps(page: Any) -> None:
        goto(page, "/propdesk/login")
        submit_login(page)
        goto(page, property_url)
        assert "(SSO: alice)" in page.content()
        sso_site.sso.sign_out(token)
        with page.expect_navigation():
            page.get_by_role("button", name="Edit").click()
        page.wait_for_selector(f"text={SIGN_IN_MARK}")
        # The whole page is the sign-in page, at the page's own address (where oauth2-proxy
        # sends the browser back), with no piece of propdesk's page around it.
        assert page.url == sso_site.nginx.url + property_url
        assert page.locator("#detail").count() == 0
        assert property_url in page.content()

    in_chromium(browser_exe, sso_site, token, steps)


def test_htmx_click_with_a_live_sso_session_swaps_as_usual(
    sso_site: SsoSite, browser_exe: str
) -> None:
    project = sso_site.emulator.new_project("live", version="1.0")

    def steps(page: Any) -> None:
        goto(page, "/propdesk/login")
        submit_login(page)
        goto(page, f"/propdesk/browse/projects/{project}/version")
        page.get_by_role("button", name="Edit").click()
        page.wait_for_selector("#detail textarea[name=value]")
        wait_ready(page)
        assert SIGN_IN_MARK not in page.content()

    in_chromium(browser_exe, sso_site, sso_site.sso.sign_in("bob"), steps)
