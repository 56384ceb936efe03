"""The cohort pages in a real browser (Debian's Chromium via Playwright), checked with axe-core for WCAG 2.x A/AA.

One server on a copy of the linked demo for the module, and the run's one browser. Skipped (failed in CI) when
Chromium or the built assets are missing. TOWNHALL_SCREENSHOTS=/some/folder keeps screenshots of the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from townhall.governance.users import Role
from townhall.identity.cohorts import SHIPPED_RULES_FOLDER, run_cohort

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, copy_of_linked_demo) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A copy of the linked demo with an analyst and a practitioner, served by uvicorn on a free local port."""
    with serve_for_browser(tmp_path_factory.mktemp("cohort-browser"), copy_of_linked_demo,
                           (Role.ANALYST, Role.PRACTITIONER), username_suffix="cohorts") as served:
        yield served


def test_an_analyst_finds_the_cohort_and_sees_the_chart_beside_its_table(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    page = signed_in_page(browser, site, Role.ANALYST)
    page.get_by_role("link", name="Cohorts").first.click()
    page.wait_for_url("**/cohorts")
    assert page.get_by_role("heading", level=1).inner_text() == "Cohorts"
    check_accessibility(page)
    screenshot(page, "cohorts")
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
    screenshot(page, "cohort-analyst")
    page.context.close()


def test_a_practitioner_also_sees_the_households(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    expected = run_cohort(site.workspace, SHIPPED_RULES_FOLDER / "troubled-families.yaml")
    page = signed_in_page(browser, site, Role.PRACTITIONER)
    page.goto("/cohorts/built-in/troubled-families")
    households = page.get_by_role("region", name="Households in the cohort", exact=True)
    assert households.is_visible()
    assert households.locator("tbody tr").count() == expected.household_count
    check_accessibility(page)
    screenshot(page, "cohort-practitioner")
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: the page reflows without losing the figures
    assert page.get_by_role("img", name="Bar chart of households in the cohort by ward").is_visible()
    check_accessibility(page)
    page.context.close()
    entries = site.workspace.audit.entries(action="cohort.run", actor=site.users[Role.PRACTITIONER])
    assert entries and entries[0].details["households_shown"] == expected.household_count


def test_no_cohort_page_logged_a_script_error(site: BrowserSite) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
