"""The single view in a real browser: a practitioner finds a person through the form, gives a purpose, opens the
person page and follows a household member, with axe-core checking each page for WCAG 2.x A/AA.

Follows tests/web/test_web_browser.py: one uvicorn server for the module (over a copy of the linked demo council) and
the run's one headless Chromium. Skipped (failed in CI) when Chromium or the built assets are missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, read_index
from townhall.workspace import Workspace

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser

PURPOSE = "Early help assessment"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, copy_of_linked_demo) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A copy of the linked demo with a practitioner and a governance officer, served by uvicorn on a free port."""
    with serve_for_browser(tmp_path_factory.mktemp("people-browser"), copy_of_linked_demo,
                           (Role.PRACTITIONER, Role.GOVERNANCE), username_suffix="people-tester") as served:
        yield served


def _person_with_household(workspace: Workspace) -> pd.Series:
    return read_index(workspace, f"""
        select * from {SCHEMA}.persons where date_of_birth is not null and address is not null
          and not address_withheld and first_name is not null and surname is not null and record_count >= 2
          and household_id in (select household_id from {SCHEMA}.persons group by household_id having count(*) >= 2)
        order by record_count desc, person_id limit 1""").iloc[0]


def test_a_practitioner_finds_a_person_states_a_purpose_and_sees_their_single_view(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, browser_sign_in, check_accessibility, screenshot) -> None:
    person = _person_with_household(site.workspace)
    page = new_page(browser, site)
    browser_sign_in(page, site.users[Role.PRACTITIONER])
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
    screenshot(page, "people-search-errors")

    page.get_by_label(PURPOSE).check()
    page.get_by_label("Day").fill(str(person.date_of_birth.day))
    page.get_by_label("Month").fill(str(person.date_of_birth.month))
    page.get_by_label("Year").fill(str(person.date_of_birth.year))
    page.get_by_role("button", name="Search").click()
    assert "found" in page.locator("#results").inner_text()
    check_accessibility(page)
    screenshot(page, "people-results")

    page.locator(f"a[href^='/people/{person.person_id}?']").click()
    page.wait_for_url(f"**/people/{person.person_id}?purpose=*")
    assert page.get_by_role("heading", level=1).inner_text() == f"{person.first_name} {person.surname}"
    assert page.get_by_role("heading", name="Contact with council services").is_visible()
    assert page.get_by_role("region", name="Contact with council services").is_visible()
    check_accessibility(page)
    screenshot(page, "person")

    # A household member's link carries the same purpose, so no second question.
    page.get_by_role("region", name="Household members").get_by_role("link").first.click()
    page.wait_for_url("**/people/P-*?purpose=Early%20help%20assessment")
    assert page.get_by_role("heading", name="Identity").is_visible()
    viewed = site.workspace.audit.entries(action="person.viewed", actor=site.users[Role.PRACTITIONER])
    assert len(viewed) == 2 and {entry.purpose for entry in viewed} == {PURPOSE}
    page.context.close()


def test_a_person_page_without_a_purpose_asks_for_one_accessibly(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, browser_sign_in, check_accessibility, screenshot) -> None:
    person = _person_with_household(site.workspace)
    page = new_page(browser, site)
    browser_sign_in(page, site.users[Role.GOVERNANCE])
    page.goto(f"/people/{person.person_id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Why are you looking this person up?"
    assert person.surname not in page.inner_text("main")
    check_accessibility(page)
    screenshot(page, "person-purpose")
    page.get_by_role("button", name="Continue").click()
    assert "Select one of the purposes listed" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page)
    page.get_by_label("Safeguarding enquiry").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/people/{person.person_id}?asked=yes&purpose=Safeguarding+enquiry")
    assert page.get_by_role("heading", level=1).inner_text() == f"{person.first_name} {person.surname}"
    page.context.close()


def test_no_people_page_logged_a_script_error(site: BrowserSite) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
