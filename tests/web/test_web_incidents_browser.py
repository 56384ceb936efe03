"""The incident list in a real browser (Debian's Chromium via Playwright), checked with axe-core for WCAG 2.x A/AA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from townhall.governance.users import Role
from townhall.places.incidents import vulnerable_people
from townhall.workspace import Workspace

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, copy_of_linked_demo) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A copy of the linked demo with a practitioner in the Emergency Planning team, served on a free port."""

    def make_workspace(folder: Path) -> Workspace:
        workspace = copy_of_linked_demo(folder)
        workspace.users.add("eve.planner", Role.PRACTITIONER, team="Emergency Planning",
                            password="a long browser-test password", display_name="Eve Planner")
        return workspace

    with serve_for_browser(tmp_path_factory.mktemp("incident-browser"), make_workspace, (),
                           username_suffix="incidents") as served:
        yield served


def test_an_emergency_planner_lists_the_people_in_a_circle_and_sees_the_area_on_the_map(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, browser_sign_in, check_accessibility, screenshot) -> None:
    people = vulnerable_people(site.workspace)
    postcode = str(people.loc[people["placed_by"] == "UPRN", "household_postcode"].value_counts().index[0])
    page = new_page(browser, site)
    browser_sign_in(page, "eve.planner")
    page.get_by_role("link", name="Incident lists").first.click()
    page.wait_for_url("**/places/incidents")
    check_accessibility(page)
    page.get_by_label("Incident name").fill("Mill Lane fire")
    page.get_by_label("Why is the list needed?").fill("Welfare checks")
    page.get_by_label("Postcode at the centre").fill(postcode)
    page.get_by_label("Radius").fill("300")
    page.get_by_role("button", name="Show the list").click()
    page.wait_for_selector("[data-map-ready=true]", timeout=10_000)
    assert page.get_by_role("heading", level=1).inner_text() == "Mill Lane fire"
    people_table = page.get_by_role("region", name="Vulnerable people in the area")
    assert people_table.locator("tbody tr").count() >= 1
    assert page.locator(".leaflet-interactive").count() == 1  # the incident area drawn on the map
    check_accessibility(page)
    screenshot(page, "incident-list")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the list (CSV)").click()
    assert download.value.suggested_filename == "mill-lane-fire-list.csv"
    page.context.close()
    assert not site.console_errors, "\n".join(site.console_errors)
