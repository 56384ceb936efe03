"""The single view in a real browser: a practitioner finds a person through the form, gives a purpose, opens the
person page and follows a household member, with axe-core checking each page for WCAG 2.x A/AA.

Follows tests/web/test_web_browser.py: one uvicorn server (over a copy of the linked demo council) and one headless
Chromium for the module. Skipped (failed in CI) when Chromium or the built assets are missing.
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

import pandas as pd
import pytest
from argon2 import PasswordHasher

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, read_index
from townhall.web.assets import AXE_SCRIPT, missing_assets
from townhall.workspace import Workspace

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long browser-test password"
PURPOSE = "Early help assessment"


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
    """A copy of the linked demo with a practitioner and a governance officer, served by uvicorn on a free port."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package to run these tests.")
    if missing_assets() or not AXE_SCRIPT.exists():
        pytest.skip("The web app's assets are not built: run 'make assets'.")
    import uvicorn

    from townhall.web import create_app

    folder = tmp_path_factory.mktemp("people-browser")
    shutil.copytree(linked_demo_folder, folder / "ashbury")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        patch.setenv("TOWNHALL_USER", "browser-test")
        patch.setattr("townhall.governance.users._hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
        workspace = Workspace.open(folder / "ashbury")
        users = {}
        for role in (Role.PRACTITIONER, Role.GOVERNANCE):
            username = f"{role.value}.people-tester"
            workspace.users.add(username, role, password=PASSWORD, display_name=f"Sam {role.value.title()}")
            users[role] = username
        app = create_app(workspace)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="townhall-people-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The test web server did not start.")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", workspace, users)
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
        # Error answers (400, 404) are on purpose; Chromium reports each as "Failed to load resource".
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            site.console_errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: site.console_errors.append(f"{page.url}: {error}"))
    return page


def _sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def check_accessibility(page: Any) -> None:
    """Run axe-core on the page for WCAG 2.x A and AA; fail on serious or critical violations, printing them all."""
    page.add_script_tag(url="/static/vendor/axe.min.js")
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    for violation in results["violations"]:
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        print(f"axe {violation['impact']}: {violation['id']} on {page.url}: {violation['help']} ({targets})")
    serious = [violation for violation in results["violations"] if violation["impact"] in {"serious", "critical"}]
    assert not serious, f"{len(serious)} serious or critical accessibility problems on {page.url}: " + ", ".join(
        violation["id"] for violation in serious)


def _screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("TOWNHALL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _person_with_household(workspace: Workspace) -> pd.Series:
    return read_index(workspace, f"""
        select * from {SCHEMA}.persons where date_of_birth is not null and address is not null
          and not address_withheld and first_name is not null and surname is not null and record_count >= 2
          and household_id in (select household_id from {SCHEMA}.persons group by household_id having count(*) >= 2)
        order by record_count desc, person_id limit 1""").iloc[0]


def test_a_practitioner_finds_a_person_states_a_purpose_and_sees_their_single_view(browser: Any, site: Site) -> None:
    person = _person_with_household(site.workspace)
    page = _new_page(browser, site)
    _sign_in(page, site.users[Role.PRACTITIONER])
    page.get_by_role("link", name="Find a person").first.click()
    page.wait_for_url("**/people")
    assert page.get_by_role("heading", level=1).inner_text() == "Find a person"
    check_accessibility(page)

    # Sent without a purpose or a date of birth: the error summary says what to fix.
    page.get_by_label("Full name").fill(f"{person.first_name} {person.surname}")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Select why you are looking this person up" in summary.inner_text()
    assert page.title().startswith("Error: ")
    check_accessibility(page)
    _screenshot(page, "people-search-errors")

    page.get_by_label(PURPOSE).check()
    page.get_by_label("Day").fill(str(person.date_of_birth.day))
    page.get_by_label("Month").fill(str(person.date_of_birth.month))
    page.get_by_label("Year").fill(str(person.date_of_birth.year))
    page.get_by_role("button", name="Search").click()
    assert "found" in page.locator("#results").inner_text()
    check_accessibility(page)
    _screenshot(page, "people-results")

    page.locator(f"a[href^='/people/{person.person_id}?']").click()
    page.wait_for_url(f"**/people/{person.person_id}?purpose=*")
    assert page.get_by_role("heading", level=1).inner_text() == f"{person.first_name} {person.surname}"
    assert page.get_by_role("heading", name="Contact with council services").is_visible()
    assert page.get_by_role("region", name="Contact with council services").is_visible()
    check_accessibility(page)
    _screenshot(page, "person")

    # A household member's link carries the same purpose, so no second question.
    page.get_by_role("region", name="Household members").get_by_role("link").first.click()
    page.wait_for_url("**/people/P-*?purpose=Early%20help%20assessment")
    assert page.get_by_role("heading", name="Identity").is_visible()
    viewed = site.workspace.audit.entries(action="person.viewed", actor=site.users[Role.PRACTITIONER])
    assert len(viewed) == 2 and {entry.purpose for entry in viewed} == {PURPOSE}
    page.context.close()


def test_a_person_page_without_a_purpose_asks_for_one_accessibly(browser: Any, site: Site) -> None:
    person = _person_with_household(site.workspace)
    page = _new_page(browser, site)
    _sign_in(page, site.users[Role.GOVERNANCE])
    page.goto(f"/people/{person.person_id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Why are you looking this person up?"
    assert person.surname not in page.inner_text("main")
    check_accessibility(page)
    _screenshot(page, "person-purpose")
    page.get_by_role("button", name="Continue").click()
    assert "Select one of the purposes listed" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page)
    page.get_by_label("Safeguarding enquiry").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/people/{person.person_id}?asked=yes&purpose=Safeguarding+enquiry")
    assert page.get_by_role("heading", level=1).inner_text() == f"{person.first_name} {person.surname}"
    page.context.close()


def test_no_people_page_logged_a_script_error(site: Site) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
