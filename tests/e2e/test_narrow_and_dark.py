"""Narrow and dark screens (issue 15), in Chromium: contrast in the dark scheme measured on
the rendered page, the artifacts pages at 400 px, names that wrap at sensible points, times
that do not wrap, and toasts that leave the toolbar's buttons free."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Watched, goto, shot, watching
from tests.e2e.test_journeys import log_in, row
from tests.support.servers import DashboardProcess, EmulatorProcess

AA = 4.5


def rgb(css: str) -> tuple[float, float, float]:
    """An opaque computed colour; a see-through one would be judged against the wrong
    background, so it fails the test instead."""
    found = re.findall(r"[\d.]+", css)
    assert len(found) == 3 or float(found[3]) == 1, f"not an opaque colour: {css}"
    red, green, blue = (float(x) for x in found[:3])
    return red, green, blue


def contrast(one: str, other: str) -> float:
    def luminance(colour: str) -> float:
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
            for c in (x / 255 for x in rgb(colour))
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colours(locator: Any, background_of: Any = None) -> tuple[str, str]:
    """The text colour of ``locator`` and the background it is drawn on."""
    text = locator.evaluate("el => getComputedStyle(el).color")
    back = (background_of or locator).evaluate("el => getComputedStyle(el).backgroundColor")
    return text, back


@pytest.fixture
def dark(chromium: Any, site: DashboardProcess) -> Iterator[Watched]:
    with watching(chromium, site.url, color_scheme="dark") as watched:
        yield watched


@pytest.fixture
def narrow(chromium: Any, site: DashboardProcess) -> Iterator[Watched]:
    with watching(chromium, site.url, viewport={"width": 400, "height": 800}) as watched:
        yield watched


def test_dark_mode_pairs_meet_aa_on_screen(dark: Watched, e2e_emulator: EmulatorProcess) -> None:
    project = e2e_emulator.new_project("e2e", first="1")
    page = dark.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    page.get_by_role("button", name="New property").click()
    create = page.get_by_role("button", name="Create")
    measured = {"primary button": colours(create)}
    page.get_by_label("Name", exact=True).fill("fresh")
    create.click()
    fresh = row(page, "fresh")
    expect(fresh).to_have_class(re.compile("highlight"))
    cell = fresh.locator("td.desc")
    measured["highlighted row"] = colours(cell)
    measured["link in the highlighted row"] = colours(fresh.locator("td.name a"), cell)
    shot(page, "issue15_dark_mode_sheet")
    goto(page, "/artifacts/publish")
    measured["select box"] = colours(page.get_by_label("Repository"))
    measured["publish button"] = colours(page.get_by_role("button", name="Publish"))
    shot(page, "issue15_dark_mode_publish")
    for where, (text, back) in measured.items():
        assert contrast(text, back) >= AA, f"{where}: {text} on {back}"
    assert rgb(measured["select box"][1]) != (255.0, 255.0, 255.0)  # no white select


def test_artifacts_pages_fit_400px(narrow: Watched) -> None:
    page = narrow.page
    log_in(page, path="/login?next=/artifacts/com.example:checkout-service")
    expect(page.get_by_role("link", name="2.0.0-rc1-17")).to_be_visible()
    shot(page, "issue15_artifacts_400px")
    for url in ("/artifacts/com.example:checkout-service", "/artifacts", "/artifacts/publish"):
        goto(page, url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url}: {overflow}px wider than the window"


def test_names_and_times_wrap_sensibly(watched: Watched) -> None:
    page = watched.page
    log_in(page, path="/login?next=/browse/projects/checkout-service/deploy/prod/")
    lines = page.evaluate(  # the lines an element spans: the distinct tops of its boxes
        "sel => Array.from(document.querySelectorAll(sel), el => new Set("
        "Array.from(el.getClientRects(), r => Math.round(r.top))).size)",
        "table.props td.name a, table.props td.time time, table.props td.who",
    )
    assert lines and max(lines) == 1, lines  # "database/" is never "databas e/"
    page.set_viewport_size({"width": 400, "height": 800})
    heading = page.locator("h1.path")
    words = heading.evaluate(
        """h => { const r = document.createRange(); const t = h.textContent; const out = [];
        const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT); let n;
        while ((n = walker.nextNode())) { for (const m of n.textContent.matchAll(/[^/]+/g)) {
          r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
          out.push(r.getClientRects().length); } } return out; }"""
    )
    assert words and max(words) == 1, words  # the path wraps between its names only


def test_toasts_leave_the_toolbar_buttons_free(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    page.get_by_role("button", name="New property").click()
    page.get_by_label("Name", exact=True).fill("a-name-long-enough-to-make-the-toast-wide")
    page.get_by_role("button", name="Create").click()
    note = page.locator("#notices .toast").first
    expect(note).to_be_visible()
    box = note.bounding_box()
    assert box is not None
    controls = page.locator(".toolbar a, .toolbar input, .topbar a, .topbar button").all()
    assert controls
    for control in controls:
        other = control.bounding_box()
        assert other is not None
        apart = (
            box["x"] + box["width"] <= other["x"]
            or other["x"] + other["width"] <= box["x"]
            or box["y"] + box["height"] <= other["y"]
            or other["y"] + other["height"] <= box["y"]
        )
        assert apart, f"the toast covers {control.text_content()!r}"
