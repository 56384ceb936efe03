"""The clerical review and change-of-address pages in a real browser (Debian's Chromium via Playwright), checked with
axe-core for WCAG 2.x A/AA, on a copy of the linked demo council.

Skipped (failed in CI) when Chromium or the built assets are missing. Set TOWNHALL_SCREENSHOTS=/some/folder to keep
screenshots of the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from townhall.governance.users import Role
from townhall.identity.index import SCHEMA, read_index
from townhall.identity.review import review_decisions
from townhall.identity.tell_us_once import recorded_moves

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, copy_of_linked_demo) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A copy of the linked demo with one test user per role, served by uvicorn on a free local port."""
    with serve_for_browser(tmp_path_factory.mktemp("review-browser"), copy_of_linked_demo,
                           (Role.ANALYST, Role.PRACTITIONER, Role.GOVERNANCE), username_suffix="browser") as served:
        yield served


def test_a_reviewer_works_through_pairs_with_the_waterfall_and_the_form(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    page = signed_in_page(browser, site, Role.ANALYST)
    page.get_by_role("link", name="Review links").first.click()
    page.wait_for_url("**/identity/review")
    assert page.get_by_role("heading", level=1).inner_text() == "Clerical review of links"
    check_accessibility(page)
    screenshot(page, "review-list")

    page.get_by_role("link", name="Review pair 1", exact=True).click()
    page.wait_for_url("**/identity/review/*")
    first_pair = page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Are these the same person?"
    chart = page.get_by_role("img", name="Waterfall chart of match weight for this pair")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 100
    check_accessibility(page)
    screenshot(page, "review-pair")

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


def test_a_practitioner_records_a_change_of_address_and_sees_the_notices(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    person_id = read_index(site.workspace, f"select person_id from {SCHEMA}.persons where not address_withheld and "
                                           "len(sources) >= 2 order by person_id limit 1")["person_id"][0]
    page = signed_in_page(browser, site, Role.PRACTITIONER)
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
    screenshot(page, "move-form")
    page.get_by_label("Address line 1").fill("Flat 3, 27 Quarry Lane")
    page.get_by_label("Town or city").fill("Ashbury")
    page.get_by_label("Postcode").fill("AY9 8ZX")
    page.get_by_role("button", name="Record the move and write the notices").click()
    page.wait_for_url("**/identity/move/*")
    assert "Change of address recorded" in page.locator(".govuk-panel").inner_text()
    check_accessibility(page)
    screenshot(page, "move-done")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the notice").first.click()
    assert download_info.value.suggested_filename.endswith(".csv")
    assert [move.person_id for move in recorded_moves(site.workspace)] == [person_id]
    page.context.close()


def test_no_page_logged_a_script_error(site: BrowserSite) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
