"""The journeys of a person using propdesk, in a real Chromium (see issue 7)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS, Watched, goto, submit_login, wait_ready
from tests.support.servers import DashboardProcess, EmulatorProcess

AUTH = ("admin", "changeme")


def log_in(
    page: Any, user: str = "admin", password: str = "changeme", path: str = "/login"
) -> None:
    goto(page, path)
    submit_login(page, user, password)


def expire_mid_edit(page: Any, emulator: EmulatorProcess, typed: str) -> str:
    """Log in on a new property ``draft`` holding "before", type ``typed`` in its editor,
    end the CloudBees CD session and press Save; returns the property's path."""
    path = f"/projects/{emulator.new_project('e2e', draft='before')}/draft"
    log_in(page, path=f"/login?next=/browse{path}")
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Value of draft").fill(typed)
    emulator.expire_sessions("admin")
    page.get_by_role("button", name="Save").click()
    return path


def row(page: Any, name: str) -> Any:
    return page.locator(
        "tr", has=page.locator("td.name a", has_text=re.compile("^" + re.escape(name) + "/?$"))
    )


def test_1_login_logout_and_back_shows_nothing(watched: Watched) -> None:
    page = watched.page
    log_in(page)
    expect(page).to_have_url(re.compile(r"/browse/$"))
    expect(page.get_by_role("link", name="checkout-service")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("User name")).to_be_visible()
    expect(page.get_by_role("link", name="checkout-service")).to_have_count(0)


def test_2_browse_nested_breadcrumbs_reload_back_forward(watched: Watched) -> None:
    page = watched.page
    log_in(page)
    page.get_by_role("link", name="checkout-service").click()
    page.get_by_role("link", name="deploy/").click()
    page.get_by_role("link", name="prod/").click()
    page.get_by_role("link", name="database/").click()
    expect(page).to_have_url(
        re.compile(r"/browse/projects/checkout-service/deploy/prod/database/$")
    )
    expect(page.get_by_role("link", name="jdbcUrl")).to_be_visible()
    page.get_by_label("Breadcrumbs").get_by_role("link", name="deploy").click()
    expect(page).to_have_url(re.compile(r"/deploy/$"))
    page.reload()
    expect(page.get_by_role("link", name="staging/")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/database/$"))
    expect(page.get_by_role("link", name="poolSize")).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/deploy/$"))
    expect(page.get_by_role("link", name="prod/")).to_be_visible()


def test_3_filter_page_and_sort_the_big_sheet(watched: Watched) -> None:
    page = watched.page
    log_in(page, path="/login?next=/browse/projects/platform-config/bulk/")
    expect(page.locator("td.name").first).to_have_text("key-0000")
    page.get_by_label("Filter by name or value").press_sequentially("key-1", delay=30)
    expect(page).to_have_url(re.compile(r"q=key-1"))
    expect(page.get_by_text("1000 of 2000 match")).to_be_visible()
    page.get_by_label("Pages").get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("td.name").first).to_have_text("key-1100")
    page.get_by_role("link", name=re.compile("^Modified")).click()
    expect(page).to_have_url(re.compile(r"sort=modified"))
    expect(page.locator("td.name").first).to_have_text("key-1999")
    page.reload()  # the URL alone reproduces the view
    expect(page.locator("td.name").first).to_have_text("key-1999")
    expect(page.get_by_label("Filter by name or value")).to_have_value("key-1")


def test_4_click_to_edit_multiline_and_escape(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", notes="old value")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    notes = row(page, "notes")
    notes.get_by_role("button", name="Edit").click()
    box = page.get_by_label("Value of notes")
    exact = "first line\n    indented four\n\ttabbed\n\ntrailing spaces   "
    box.fill(exact)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved notes")).to_be_visible()
    assert e2e_emulator.value(f"/projects/{project}/notes") == exact
    page.goto(f"/browse/projects/{project}/notes")
    assert page.locator("pre.value").first.text_content() == exact
    goto(page, f"/browse/projects/{project}/")
    row(page, "notes").get_by_role("button", name="Edit").click()
    page.get_by_label("Value of notes").fill("not to be saved")
    page.get_by_label("Value of notes").press("Escape")
    expect(row(page, "notes").get_by_role("button", name="Edit")).to_be_visible()
    expect(row(page, "notes").locator("td.value")).to_contain_text("first line")
    assert e2e_emulator.value(f"/projects/{project}/notes") == exact


def test_5_create_and_delete(watched: Watched, e2e_emulator: EmulatorProcess) -> None:
    project = e2e_emulator.new_project("e2e")
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    page.get_by_role("button", name="New property").click()
    page.get_by_label("Name", exact=True).fill("created")
    page.get_by_label("Value", exact=True).fill("hello")
    page.get_by_role("button", name="Create").click()
    expect(row(page, "created")).to_be_visible()
    page.get_by_role("button", name="New sheet").click()
    page.get_by_label("Name", exact=True).fill("folder")
    page.get_by_role("button", name="Create").click()
    expect(row(page, "folder")).to_be_visible()
    row(page, "folder").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Delete sheet folder and the 0 properties in it?")).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).first.click()
    expect(row(page, "folder")).to_have_count(0)
    row(page, "created").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Delete created?")).to_be_visible()
    row(page, "created").get_by_role("button", name="Delete").click()
    expect(row(page, "created")).to_have_count(0)
    page.reload()
    wait_ready(page)
    expect(page.get_by_text("This sheet is empty.")).to_be_visible()


def test_6_conflict_keep_mine(
    chromium: Any, site: DashboardProcess, watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", shared="base")
    url = f"/browse/projects/{project}/shared"
    first = watched.page
    log_in(first, path=f"/login?next={url}")
    other_context = chromium.new_context(base_url=site.url)
    try:
        second = other_context.new_page()
        log_in(second, path=f"/login?next={url}")
        first.get_by_role("button", name="Edit").click()
        second.get_by_role("button", name="Edit").click()
        first.get_by_label("Value of shared").fill("first wins")
        first.get_by_role("button", name="Save").click()
        expect(first.locator("pre.value").first).to_have_text("first wins")
        second.get_by_label("Value of shared").fill("second text")
        second.get_by_role("button", name="Save").click()
        expect(second.get_by_text("changed while you were editing")).to_be_visible()
        expect(second.locator("pre.mine")).to_have_text("second text")
        expect(second.locator("pre.theirs")).to_have_text("first wins")
        expect(second.locator("pre.base")).to_have_text("base")
        SHOTS.mkdir(parents=True, exist_ok=True)
        second.screenshot(path=str(SHOTS / "test_6_conflict_view.png"), full_page=True)
        assert e2e_emulator.value(f"/projects/{project}/shared") == "first wins"
        second.get_by_role("button", name="Keep mine").click()
        expect(second.get_by_text("changed while you were editing")).to_have_count(0)
        expect(second.locator("#detail pre.value").first).to_have_text("second text")
        assert e2e_emulator.value(f"/projects/{project}/shared") == "second text"
    finally:
        other_context.close()


def test_7_session_expiry_mid_edit_keeps_the_draft(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    page = watched.page
    typed = "typed before expiry\n  second line"
    path = expire_mid_edit(page, e2e_emulator, typed)
    expect(page.get_by_text("Your CloudBees CD session ended")).to_be_visible()
    submit_login(page)
    expect(page).to_have_url(re.compile(re.escape("/browse" + path) + "$"))
    expect(page.get_by_label("Value of draft")).to_have_value(typed)
    assert e2e_emulator.value(path) == "before"
    page.get_by_role("button", name="Save").click()
    expect(page.locator("pre.value").first).to_have_text(typed)


def test_9_hostile_values_stay_text(watched: Watched, e2e_emulator: EmulatorProcess) -> None:
    payload = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
    project = e2e_emulator.new_project("e2e", evil=payload)
    page = watched.page
    log_in(page, path=f"/login?next=/browse/projects/{project}/")
    expect(row(page, "evil").locator("td.value")).to_contain_text("<img src=x onerror=alert(1)>")
    row(page, "evil").get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Value of evil")).to_have_value(payload)
    page.goto(f"/browse/projects/{project}/evil")
    expect(page.locator("pre.value").first).to_have_text(payload)
    assert page.locator("img[src=x]").count() == 0
    # the dialog listener of the fixture fails the test if an alert ever opened


def test_10_read_only_user_is_refused_plainly(
    watched: Watched, e2e_emulator: EmulatorProcess
) -> None:
    project = e2e_emulator.new_project("e2e", locked="as is")
    url = f"/browse/projects/{project}/locked"
    page = watched.page
    log_in(page, "viewer", "viewer", path=f"/login?next={url}")
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Value of locked").fill("viewer change")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("alert").filter(has_text="viewer may not change properties")
    ).to_be_visible()
    expect(page.get_by_label("Value of locked")).to_have_value("viewer change")
    assert e2e_emulator.value(f"/projects/{project}/locked") == "as is"


def test_8_publish_with_two_files(
    watched: Watched, e2e_emulator: EmulatorProcess, tmp_path: Any
) -> None:
    key = f"e2e-{uuid.uuid4().hex[:8]}"
    big = tmp_path / "app.bin"
    big.write_bytes(b"\x00\x01propdesk" * 600_000)  # about 6 MB: the upload takes a while
    notes = tmp_path / "notes.txt"
    notes.write_text("release notes\n")
    page = watched.page
    log_in(page, path="/login?next=/artifacts/publish")
    page.get_by_label("Group id").fill("com.e2e")
    page.get_by_label("Artifact key").fill(key)
    page.get_by_label("Version", exact=True).fill("1.0.0")
    page.get_by_role("button", name="Add dependency").click()
    page.get_by_label("Dependent version").fill("com.example:payments-api:0.9")
    page.get_by_label("Files (optional; drop them here or choose)").set_input_files(
        [str(big), str(notes)]
    )
    expect(page.locator("[data-chosen] li")).to_have_count(2)
    page.evaluate(
        "window.__progress = []; document.addEventListener('htmx:xhr:progress', "
        "e => window.__progress.push(e.detail.loaded))"
    )
    e2e_emulator.set_latency(400)  # a slower server keeps the bar on screen long enough
    try:
        page.get_by_role("button", name="Publish").click()
        expect(page.locator("progress[data-progress]")).to_be_visible()
        expect(page).to_have_url(
            re.compile(re.escape(f"/artifacts/com.e2e:{key}?published=1.0.0")), timeout=30_000
        )
    finally:
        e2e_emulator.set_latency(0)
    expect(page.get_by_role("status").filter(has_text="Published version 1.0.0")).to_be_visible()
    expect(page.get_by_role("link", name="1.0.0", exact=True)).to_be_visible()
    page.get_by_role("link", name="1.0.0", exact=True).click()
    expect(page.get_by_role("cell", name="app.bin")).to_be_visible()
    expect(page.get_by_role("cell", name="notes.txt")).to_be_visible()
    expect(page.get_by_text("com.example:payments-api:0.9")).to_be_visible()


def test_11_narrow_window_and_dark_mode(chromium: Any, site: DashboardProcess) -> None:
    context = chromium.new_context(
        base_url=site.url, viewport={"width": 400, "height": 800}, color_scheme="dark"
    )
    try:
        page = context.new_page()
        log_in(page, path="/login?next=/browse/projects/checkout-service/deploy/prod/")
        expect(page.get_by_role("link", name="database/")).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "test_11_narrow_dark.png"), full_page=True)
        # Nothing wider than the window: no sideways scrolling on a phone-sized screen.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px wider than the window"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(23, 26, 33)"  # the dark palette is in use
    finally:
        context.close()
