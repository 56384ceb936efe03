"""The pages in a real browser: Debian's Chromium, driven by Playwright, checked with axe-core for WCAG 2.x A/AA.

One server and one browser for the whole module, so the checks take seconds. Skipped (failed in CI) when Chromium
or the built assets are missing. Set TOWNHALL_SCREENSHOTS=/some/folder to keep screenshots of the main pages.
"""

from __future__ import annotations

import os
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
from townhall.web.assets import AXE_SCRIPT, missing_assets
from townhall.workspace import Workspace

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long browser-test password"
SOURCE_NAME = "housing_tenancies"


@dataclass
class Site:
    """The running app and what the tests need to reach it."""

    base_url: str
    workspace: Workspace
    users: dict[Role, str]
    source_name: str
    console_errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, register_tenancies) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    """A workspace with one user per role and one source, served by uvicorn on a free local port."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package to run these tests.")
    missing = missing_assets()
    if missing or not AXE_SCRIPT.exists():
        pytest.skip("The web app's assets are not built: run 'make assets'.")
    import uvicorn

    from townhall.web import create_app

    folder = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        patch.setenv("TOWNHALL_USER", "browser-test")
        # Cheap hashes for the test accounts (verifying uses the settings stored in each hash).
        patch.setattr("townhall.governance.users._hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
        workspace = Workspace.create(folder / "council", "Ashbury Borough Council")
        users = {}
        for role in Role:
            username = f"{role.value}.tester"
            workspace.users.add(username, role, password=PASSWORD, display_name=f"Sam {role.value.title()}")
            users[role] = username
        source_name = register_tenancies(workspace, folder, SOURCE_NAME)
        app = create_app(workspace)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="townhall-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The test web server did not start.")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", workspace, users, source_name)
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


def _new_page(browser: Any, site: Site) -> Any:
    """A fresh browser context (its own cookies) with console errors collected, e.g. CSP violations."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def on_console(message: Any) -> None:
        # Error pages (400, 403, 404) are answered on purpose; Chromium reports each as "Failed to load resource".
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            site.console_errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: site.console_errors.append(f"{page.url}: {error}"))
    return page


def _sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def check_accessibility(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.x A and AA; fail on serious or critical violations, printing them all."""
    page.add_script_tag(url="/static/vendor/axe.min.js")  # from this server, as the CSP allows
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = results["violations"]
    for violation in violations:
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        print(f"axe {violation['impact']}: {violation['id']} on {page.url}: {violation['help']} ({targets})")
    serious = [violation for violation in violations if violation["impact"] in {"serious", "critical"}]
    assert not serious, f"{len(serious)} serious or critical accessibility problems on {page.url}: " + ", ".join(
        violation["id"] for violation in serious)
    return violations


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("TOWNHALL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def governance_page(browser: Any, site: Site) -> Iterator[Any]:
    """A page signed in as a governance officer, who may see every page that exists so far."""
    page = _new_page(browser, site)
    _sign_in(page, site.users[Role.GOVERNANCE])
    yield page
    page.context.close()


def test_the_sign_in_page_works_with_scripts_and_is_accessible(browser: Any, site: Site) -> None:
    page = _new_page(browser, site)
    page.goto("/login")
    assert page.title() == "Sign in – townhall – Ashbury Borough Council"
    # GOV.UK Frontend's module script ran under the CSP: the password reveal button is set up.
    page.wait_for_selector("body.govuk-frontend-supported")
    assert page.get_by_role("button", name="Show password").is_visible()
    check_accessibility(page)
    page.get_by_label("User name").fill(site.users[Role.ANALYST])
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error: ")
    check_accessibility(page)
    page.context.close()


def test_signing_in_leads_home_to_the_capabilities_for_the_role(governance_page: Any, site: Site) -> None:
    page = governance_page
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "What you can do in townhall"
    assert page.get_by_role("link", name="Data catalogue").first.is_visible()
    assert page.get_by_role("link", name="Audit log").first.is_visible()
    check_accessibility(page)
    _screenshot(page, "home")


def test_the_catalogue_lists_sources_and_shows_one(governance_page: Any, site: Site) -> None:
    page = governance_page
    page.goto("/sources")
    assert page.get_by_role("heading", level=1).inner_text() == "Data catalogue"
    check_accessibility(page)
    _screenshot(page, "sources")
    page.get_by_role("link", name=site.source_name).click()
    page.wait_for_url(f"**/sources/{site.source_name}")
    assert page.get_by_role("heading", level=1).inner_text() == site.source_name
    assert page.get_by_role("table").first.is_visible()
    check_accessibility(page)
    _screenshot(page, "source")
    failing = page.locator("a[href*='/failing']").first
    if failing.count():
        failing.click()
        assert "fail the check" in page.get_by_role("heading", level=1).inner_text()
        check_accessibility(page)
        _screenshot(page, "failing-rows")
    viewed = site.workspace.audit.entries(action="source.viewed", actor=site.users[Role.GOVERNANCE])
    assert viewed and viewed[0].subject == site.source_name


def test_the_audit_log_and_the_statement_are_accessible(governance_page: Any, site: Site) -> None:
    page = governance_page
    page.goto("/audit")
    assert "The log is intact" in page.inner_text("main")
    check_accessibility(page)
    _screenshot(page, "audit")
    page.get_by_role("link", name="Accessibility statement").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement for townhall"
    check_accessibility(page)


def test_error_pages_are_plain_and_accessible(browser: Any, site: Site) -> None:
    page = _new_page(browser, site)
    _sign_in(page, site.users[Role.PRACTITIONER])
    response = page.goto("/sources")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have permission to see this page"
    check_accessibility(page)
    _screenshot(page, "forbidden")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.context.close()


def test_no_page_logged_a_script_error(site: Site) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)

