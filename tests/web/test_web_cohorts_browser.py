"""The cohort pages in a real browser (Debian's Chromium via Playwright), checked with axe-core for WCAG 2.x A/AA.

One server on a copy of the linked demo and one browser for the module. Skipped (failed in CI) when Chromium or the
built assets are missing. TOWNHALL_SCREENSHOTS=/some/folder keeps screenshots of the pages.
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
from townhall.identity.cohorts import SHIPPED_RULES_FOLDER, run_cohort
from townhall.web.assets import AXE_SCRIPT, missing_assets
from townhall.workspace import Workspace

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long browser-test password"


@dataclass
class CohortSite:
    """The running app on the linked demo, and what the tests need to reach it."""

    base_url: str
    workspace: Workspace
    users: dict[Role, str]
    console_errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, linked_demo_folder: Path) -> Iterator[CohortSite]:
    """A copy of the linked demo with an analyst and a practitioner, served by uvicorn on a free local port."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package to run these tests.")
    if missing_assets() or not AXE_SCRIPT.exists():
        pytest.skip("The web app's assets are not built: run 'make assets'.")
    import uvicorn

    from townhall.web import create_app

    folder = tmp_path_factory.mktemp("cohort-browser")
    shutil.copytree(linked_demo_folder, folder / "ashbury")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        patch.setenv("TOWNHALL_USER", "browser-test")
        patch.setattr("townhall.governance.users._hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
        workspace = Workspace.open(folder / "ashbury")
        users = {}
        for role in (Role.ANALYST, Role.PRACTITIONER):
            username = f"{role.value}.cohorts"
            workspace.users.add(username, role, password=PASSWORD, display_name=f"Sam {role.value.title()}")
            users[role] = username
        app = create_app(workspace)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="townhall-cohort-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The test web server did not start.")
        time.sleep(0.05)
    try:
        yield CohortSite(f"http://127.0.0.1:{port}", workspace, users)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        workspace.close()


@pytest.fixture(scope="module")
def browser(site: CohortSite) -> Iterator[Any]:
    """One headless Chromium for the module."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _signed_in_page(browser: Any, site: CohortSite, role: Role) -> Any:
    """A fresh browser context signed in with the role, collecting console errors (e.g. CSP violations)."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: site.console_errors.append(f"{page.url}: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
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
    serious = [violation["id"] for violation in results["violations"] if violation["impact"] in {"serious", "critical"}]
    assert not serious, f"serious or critical accessibility problems on {page.url}: {serious}"


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("TOWNHALL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_analyst_finds_the_cohort_and_sees_the_chart_beside_its_table(browser: Any, site: CohortSite) -> None:
    page = _signed_in_page(browser, site, Role.ANALYST)
    page.get_by_role("link", name="Cohorts").first.click()
    page.wait_for_url("**/cohorts")
    assert page.get_by_role("heading", level=1).inner_text() == "Cohorts"
    check_accessibility(page)
    _screenshot(page, "cohorts")
    page.get_by_role("link", name="Troubled Families").click()
    page.wait_for_url("**/cohorts/built-in/troubled-families")
    assert page.get_by_role("heading", level=1).inner_text() == "Troubled Families"
    chart = page.get_by_role("img", name="Bar chart of households in the cohort by ward")
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    ward_table = page.get_by_role("region", name="Households in the cohort by ward")
    assert ward_table.is_visible()
    # Side by side on a wide screen: the table starts to the right of the chart, level with it.
    chart_box, table_box = chart.bounding_box(), ward_table.bounding_box()
    assert table_box["x"] > chart_box["x"] + chart_box["width"] - 1 and abs(table_box["y"] - chart_box["y"]) < 60
    assert "Counts under 10 are hidden" in page.inner_text("main")
    assert page.get_by_role("region", name="Households in the cohort", exact=True).count() == 0
    check_accessibility(page)
    _screenshot(page, "cohort-analyst")
    page.context.close()


def test_a_practitioner_also_sees_the_households(browser: Any, site: CohortSite) -> None:
    expected = run_cohort(site.workspace, SHIPPED_RULES_FOLDER / "troubled-families.yaml")
    page = _signed_in_page(browser, site, Role.PRACTITIONER)
    page.goto("/cohorts/built-in/troubled-families")
    households = page.get_by_role("region", name="Households in the cohort", exact=True)
    assert households.is_visible()
    assert households.locator("tbody tr").count() == expected.household_count
    check_accessibility(page)
    _screenshot(page, "cohort-practitioner")
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: the page reflows without losing the figures
    assert page.get_by_role("img", name="Bar chart of households in the cohort by ward").is_visible()
    check_accessibility(page)
    page.context.close()
    entries = site.workspace.audit.entries(action="cohort.run", actor=site.users[Role.PRACTITIONER])
    assert entries and entries[0].details["households_shown"] == expected.household_count


def test_no_cohort_page_logged_a_script_error(site: CohortSite) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
