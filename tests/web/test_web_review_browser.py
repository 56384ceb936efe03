"""The clerical review and change-of-address pages in a real browser (Debian's Chromium via Playwright), checked with
axe-core for WCAG 2.x A/AA, on a copy of the linked demo council.

Skipped (failed in CI) when Chromium or the built assets are missing. Set TOWNHALL_SCREENSHOTS=/some/folder to keep
screenshots of the pages.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, read_index
from townhall.identity.review import review_decisions
from townhall.identity.tell_us_once import recorded_moves
from townhall.web.assets import AXE_SCRIPT, missing_assets
from townhall.workspace import Workspace

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long browser-test password"


@dataclass
class Site:
    """The running app and what the tests need to reach it."""

    base_url: str
    workspace: Workspace
    users: dict[Role, str]
    console_errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, linked_demo_folder: Path) -> Iterator[Site]:
    """A copy of the linked demo with one test user per role, served by uvicorn on a free local port."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package to run these tests.")
    if missing_assets() or not AXE_SCRIPT.exists():
        pytest.skip("The web app's assets are not built: run 'make assets'.")
    import uvicorn

    from townhall.web import create_app

    folder = tmp_path_factory.mktemp("review-browser")
    shutil.copytree(linked_demo_folder, folder / "council")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        patch.setattr("townhall.governance.users._hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
        workspace = Workspace.open(folder / "council")
        users = {}
        for role in (Role.ANALYST, Role.PRACTITIONER, Role.GOVERNANCE):
            username = f"{role.value}.browser"
            workspace.users.add(username, role, password=PASSWORD, display_name=f"Sam {role.value.title()}")
            users[role] = username
        app = create_app(workspace)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="townhall-review-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The test web server did not start.")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{server.config.port}", workspace, users)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        workspace.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    """One headless Chromium for the module."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _signed_in_page(browser: Any, site: Site, role: Role) -> Any:
    """A fresh browser context signed in with the role's account; console errors (e.g. CSP) are collected."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def on_console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            site.console_errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: site.console_errors.append(f"{page.url}: {error}"))
    page.goto("/login")
    page.get_by_label("User name").fill(site.users[role])
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.base_url}/")
    return page


def check_accessibility(page: Any) -> None:
    """Run axe-core for WCAG 2.x A and AA; fail on serious or critical violations, printing them all."""
    page.add_script_tag(url="/static/vendor/axe.min.js")
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    for violation in results["violations"]:
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        print(f"axe {violation['impact']}: {violation['id']} on {page.url}: {violation['help']} ({targets})")
    serious = [violation["id"] for violation in results["violations"] if violation["impact"] in {"serious",
                                                                                                  "critical"}]
    assert not serious, f"Serious or critical accessibility problems on {page.url}: {', '.join(serious)}"


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("TOWNHALL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_reviewer_works_through_pairs_with_the_waterfall_and_the_form(browser: Any, site: Site) -> None:
    page = _signed_in_page(browser, site, Role.ANALYST)
    page.get_by_role("link", name="Review links").first.click()
    page.wait_for_url("**/identity/review")
    assert page.get_by_role("heading", level=1).inner_text() == "Clerical review of links"
    check_accessibility(page)
    _screenshot(page, "review-list")

    page.get_by_role("link", name="Review pair 1", exact=True).click()
    page.wait_for_url("**/identity/review/*")
    first_pair = page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Are these the same person?"
    chart = page.get_by_role("img", name="Waterfall chart of match weight for this pair")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 100
    check_accessibility(page)
    _screenshot(page, "review-pair")

    page.get_by_role("button", name="Save decision and go to the next pair").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Select whether the records are the same person" in summary.inner_text()
    assert page.title().startswith("Error: ")
    check_accessibility(page)

    page.get_by_label("Different people").check()
    page.get_by_label("Why (optional)").fill("Different first names and NHS numbers")
    page.get_by_role("button", name="Save decision and go to the next pair").click()
    page.wait_for_url("**/identity/review/*?saved=different")
    assert page.url != first_pair
    assert "Decision saved" in page.locator(".govuk-notification-banner").inner_text()
    check_accessibility(page)
    decisions = review_decisions(site.workspace)
    assert list(decisions["decision"]) == ["different"]
    page.context.close()


def test_a_practitioner_records_a_change_of_address_and_sees_the_notices(browser: Any, site: Site) -> None:
    person_id = read_index(site.workspace, f"select person_id from {SCHEMA}.persons where not address_withheld and "
                                           "len(sources) >= 2 order by person_id limit 1")["person_id"][0]
    page = _signed_in_page(browser, site, Role.PRACTITIONER)
    page.get_by_role("link", name="Change of address").first.click()
    page.wait_for_url("**/identity/move")
    check_accessibility(page)
    page.get_by_label("Person id").fill("P-0000000000")
    page.get_by_role("button", name="Continue").click()
    assert "opted out of data sharing" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page)

    page.get_by_label("Person id").fill(person_id)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/identity/move?person={person_id}")
    check_accessibility(page)
    _screenshot(page, "move-form")
    page.get_by_label("Address line 1").fill("Flat 3, 27 Quarry Lane")
    page.get_by_label("Town or city").fill("Ashbury")
    page.get_by_label("Postcode").fill("AY9 8ZX")
    page.get_by_role("button", name="Record the move and write the notices").click()
    page.wait_for_url("**/identity/move/*")
    assert "Change of address recorded" in page.locator(".govuk-panel").inner_text()
    check_accessibility(page)
    _screenshot(page, "move-done")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the notice").first.click()
    assert download_info.value.suggested_filename.endswith(".csv")
    assert [move.person_id for move in recorded_moves(site.workspace)] == [person_id]
    page.context.close()


def test_no_page_logged_a_script_error(site: Site) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
