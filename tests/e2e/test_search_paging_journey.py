"""Search results over several pages in a real Chromium (issue 18): the options (match in
names only, under one sheet) set once and kept by every page link, the next page and back
(by the pager and by the browser's Back), the same page after a reload, and a result
opened. The matches are made under a word of the test's own, in a project of its own, so
no other suite's data can land in the results."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from app.cloudbees import CloudBeesClient, PropertyPath
from tests.e2e.conftest import Watched, follow, goto, wait_ready
from tests.e2e.test_journeys import log_in
from tests.support.servers import EmulatorProcess

INSIDE = 120  # names matching under the scope: pages of 50, 50 and 20 (PAGE_SIZE 50)
NEXT, PREVIOUS = "Next \u203a", "\u2039 Previous"  # the pager's links
ELSEWHERE = 4  # matching names outside the scope, and values only, left out by the options


def seed(emulator: EmulatorProcess, word: str) -> str:
    """A project whose sheet ``inside`` holds ``INSIDE`` names ``<word>-000``... plus a few
    properties matching only by value, and whose sheet ``outside`` holds more matching
    names; the project's name."""
    project = emulator.new_project("e2e-paging")
    client = CloudBeesClient.login(emulator.base_url, "admin", "changeme")
    try:
        for sheet in ("inside", "outside"):
            client.properties.create_sheet(PropertyPath.project(project, sheet))
        for i in range(INSIDE):
            client.properties.create(
                PropertyPath.project(project, "inside", f"{word}-{i:03d}"), f"v{i}"
            )
        for i in range(ELSEWHERE):
            client.properties.create(PropertyPath.project(project, "outside", f"{word}-{i}"), "out")
            client.properties.create(
                PropertyPath.project(project, "inside", f"note-{i}"), f"see {word}"
            )
    finally:
        client.logout()
    return project


def names_shown(page: Any) -> list[str]:
    """The names in the results table, in order."""
    return [
        str(n) for n in page.locator("table.results td.result-path a.result-name").all_inner_texts()
    ]


def expect_page(page: Any, number: int, first: int, count: int) -> None:
    """Results page ``number`` shows ``count`` names from ``<word>-<first>`` on, in the URL
    and in the count line."""
    if number > 1:
        expect(page).to_have_url(re.compile(rf"[?&]page={number}(&|$)"))
        expect(page.locator("#result-count")).to_contain_text(f", page {number}.")
    else:
        expect(page).not_to_have_url(re.compile(r"[?&]page="))
    expect(page.locator("table.results tbody tr")).to_have_count(count)
    shown = names_shown(page)
    assert shown[0].endswith(f"-{first:03d}") and shown[-1].endswith(f"-{first + count - 1:03d}")
    expect(page.locator(".pager [aria-current=page]")).to_have_text(str(number))


def expect_options_kept(page: Any, word: str, scope: str) -> None:
    """Every results URL carries the options; the form shows them."""
    expect(page).to_have_url(re.compile(r"[?&]in=names(&|$)"))
    args = parse_qs(urlsplit(page.url).query)
    assert args["q"] == [word] and args["scope"] == [scope], page.url
    expect(page.get_by_role("radio", name="Names", exact=True)).to_be_checked()
    expect(page.get_by_label("Under")).to_have_value(scope)
    expect(page.locator("#result-count")).to_contain_text(
        f"{INSIDE} results for “{word}” under {scope}"
    )


@pytest.fixture
def seeded(watched: Watched, e2e_emulator: EmulatorProcess) -> tuple[Any, str, str, str]:
    """Matches under a word of the test's own (``seed``), and a logged-in page: the page,
    the word, the project and the scope the options search under."""
    word = "pg" + uuid.uuid4().hex[:8]
    project = seed(e2e_emulator, word)
    log_in(watched.page)
    return watched.page, word, project, f"/projects/{project}/inside"


def test_18_page_through_results_with_the_options_kept_and_open_one(
    seeded: tuple[Any, str, str, str],
) -> None:
    page, word, project, scope = seeded
    goto(page, f"/search?q={word}")
    expect(page.locator("#result-count")).to_contain_text(
        f"{INSIDE + 2 * ELSEWHERE} results for “{word}”"
    )
    page.get_by_role("radio", name="Names", exact=True).check()
    page.get_by_label("Under").fill(scope)
    page.get_by_role("button", name="Search").click()
    expect_options_kept(page, word, scope)
    expect_page(page, 1, 0, 50)
    expect(page.get_by_role("link", name=PREVIOUS)).to_have_count(0)

    pager = page.get_by_role("navigation", name="Pages")
    pager.get_by_role("link", name=NEXT).click()
    expect_page(page, 2, 50, 50)
    expect_options_kept(page, word, scope)
    pager.get_by_role("link", name=NEXT).click()
    expect_page(page, 3, 100, INSIDE - 100)
    expect(pager.get_by_role("link", name=NEXT)).to_have_count(0)
    page.reload()  # the URL alone renders the same page, options in the form
    wait_ready(page)
    expect_page(page, 3, 100, INSIDE - 100)
    expect_options_kept(page, word, scope)

    pager.get_by_role("link", name=PREVIOUS).click()
    expect_page(page, 2, 50, 50)
    page.go_back()
    wait_ready(page)
    expect_page(page, 3, 100, INSIDE - 100)
    page.go_back()
    wait_ready(page)
    expect_page(page, 2, 50, 50)
    expect_options_kept(page, word, scope)
    assert not [n for n in names_shown(page) if not n.startswith(word + "-")]  # names only

    target = f"{word}-057"
    follow(page, page.locator("table.results").get_by_role("link", name=target, exact=True))
    expect(page).to_have_url(re.compile(rf"/browse/projects/{project}/inside/{target}$"))
    expect(page.locator("h1")).to_have_text(target)
    expect(page.locator("#detail pre.value").first).to_have_text("v57")


def test_18_changing_an_option_on_a_later_page_starts_again_at_page_one(
    seeded: tuple[Any, str, str, str],
) -> None:
    page, word, _, scope = seeded
    goto(page, f"/search?q={word}&in=names&scope={scope}&page=2")
    expect_page(page, 2, 50, 50)
    page.get_by_role("radio", name="Values", exact=True).check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"in=values"))
    expect(page).not_to_have_url(re.compile(r"[?&]page="))
    expect(page.locator("#result-count")).to_contain_text(f"{ELSEWHERE} results for “{word}”")
    assert sorted(names_shown(page)) == [f"note-{i}" for i in range(ELSEWHERE)]
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)
    expect(page.get_by_label("Under")).to_have_value(scope)
