"""The pages in a real browser: Debian's Chromium, driven by Playwright, checked with axe-core for WCAG 2.x A/AA.

One server for the module and one browser for the run (tests/web/conftest.py), so the checks take seconds. Skipped
(failed in CI) when Chromium or the built assets are missing. Set TOWNHALL_SCREENSHOTS=/some/folder to keep
screenshots of the main pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from townhall.governance.users import Role
from townhall.workspace import Workspace

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser

SOURCE_NAME = "housing_tenancies"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, register_tenancies) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A workspace with one user per role and one source, served by uvicorn on a free local port."""

    def council_with_a_source(folder: Path) -> Workspace:
        workspace = Workspace.create(folder / "council", "Ashbury Borough Council")
        register_tenancies(workspace, folder, SOURCE_NAME)
        return workspace

    with serve_for_browser(tmp_path_factory.mktemp("browser"), council_with_a_source, Role) as served:
        served.extra["source_name"] = SOURCE_NAME
        yield served


@pytest.fixture(scope="module")
def governance_page(browser: Any, site: BrowserSite, new_page, browser_sign_in) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A page signed in as a governance officer, who may see every page that exists so far."""
    page = new_page(browser, site)
    browser_sign_in(page, site.users[Role.GOVERNANCE])
    yield page
    page.context.close()


def test_the_sign_in_page_works_with_scripts_and_is_accessible(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, check_accessibility) -> None:
    page = new_page(browser, site)
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


def test_signing_in_leads_home_to_the_capabilities_for_the_role(  # type: ignore[no-untyped-def]
        governance_page: Any, site: BrowserSite, check_accessibility, screenshot) -> None:
    page = governance_page
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "What you can do in townhall"
    assert page.get_by_role("link", name="Data catalogue").first.is_visible()
    assert page.get_by_role("link", name="Audit log").first.is_visible()
    check_accessibility(page)
    screenshot(page, "home")


def test_the_catalogue_lists_sources_and_shows_one(  # type: ignore[no-untyped-def]
        governance_page: Any, site: BrowserSite, check_accessibility, screenshot) -> None:
    page = governance_page
    page.goto("/sources")
    assert page.get_by_role("heading", level=1).inner_text() == "Data catalogue"
    check_accessibility(page)
    screenshot(page, "sources")
    page.get_by_role("link", name=site.extra["source_name"]).click()
    page.wait_for_url(f"**/sources/{site.extra['source_name']}")
    assert page.get_by_role("heading", level=1).inner_text() == site.extra["source_name"]
    assert page.get_by_role("table").first.is_visible()
    check_accessibility(page)
    screenshot(page, "source")
    failing = page.locator("a[href*='/failing']").first
    if failing.count():
        failing.click()
        assert "fail the check" in page.get_by_role("heading", level=1).inner_text()
        check_accessibility(page)
        screenshot(page, "failing-rows")
    viewed = site.workspace.audit.entries(action="source.viewed", actor=site.users[Role.GOVERNANCE])
    assert viewed and viewed[0].subject == site.extra["source_name"]


def test_the_audit_log_and_the_statement_are_accessible(  # type: ignore[no-untyped-def]
        governance_page: Any, site: BrowserSite, check_accessibility, screenshot) -> None:
    page = governance_page
    page.goto("/audit")
    assert "The log is intact" in page.inner_text("main")
    check_accessibility(page)
    screenshot(page, "audit")
    page.get_by_role("link", name="Accessibility statement").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement for townhall"
    check_accessibility(page)


def test_error_pages_are_plain_and_accessible(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, browser_sign_in, check_accessibility, screenshot) -> None:
    page = new_page(browser, site)
    browser_sign_in(page, site.users[Role.PRACTITIONER])
    response = page.goto("/sources")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have permission to see this page"
    check_accessibility(page)
    screenshot(page, "forbidden")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.context.close()


def test_no_page_logged_a_script_error(site: BrowserSite) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)

