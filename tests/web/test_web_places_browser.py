"""The maps page in a real browser (Debian's Chromium via Playwright): the Leaflet map, its legend, hover details and
the table beside it, checked with axe-core for WCAG 2.x A/AA. Skipped (failed in CI) without Chromium or assets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from townhall.governance.users import Role
from townhall.places import Geography

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, copy_of_linked_demo) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """A copy of the linked demo (its geography loaded by the demo) with a manager, served on a free local port."""
    with serve_for_browser(tmp_path_factory.mktemp("places-browser"), copy_of_linked_demo, (Role.MANAGER,),
                           username_suffix="places") as served:
        yield served


def test_a_manager_explores_the_deprivation_map_and_a_protected_count_map(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    geography = Geography.from_workspace(site.workspace)
    small_areas, wards = len(geography.areas("small_area")), len(geography.areas("ward"))
    page = signed_in_page(browser, site, Role.MANAGER)
    page.get_by_role("link", name="Maps").first.click()
    page.wait_for_url("**/places")
    page.wait_for_selector(".townhall-map[data-map-ready='true']")
    areas = page.locator(".townhall-map path.leaflet-interactive")
    assert areas.count() == small_areas > 10
    assert page.locator(".townhall-map-legend").is_visible()
    areas.nth(0).hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().startswith("Ashbury ")
    # The same figures in a table beside the map, level with it on a wide screen.
    map_box = page.get_by_role("region", name="Interactive map", exact=False).bounding_box()
    table_box = page.get_by_role("region", name="Figures by area").bounding_box()
    assert table_box["x"] > map_box["x"] + map_box["width"] - 1 and table_box["y"] < map_box["y"] + map_box["height"]
    assert page.locator(".th-places-table tbody tr").count() == small_areas
    assert "Fictional geography generated for the Ashbury demo" in page.inner_text("main")
    check_accessibility(page)
    screenshot(page, "places-deprivation")

    page.get_by_label("What to map").select_option("source:vulnerability_register")
    page.get_by_label("Areas").select_option("ward")
    page.get_by_role("button", name="Show map").click()
    page.wait_for_url("**/places?what=source*")
    page.wait_for_selector(".townhall-map[data-map-ready='true']")
    assert page.locator(".townhall-map path.leaflet-interactive").count() == wards
    main = page.inner_text("main")
    assert "Counts under 10 are hidden and other counts are rounded to the nearest 5." in main
    assert "Download the map as a PNG image" in main
    check_accessibility(page)
    screenshot(page, "places-vulnerability-wards")
    assert not site.console_errors, site.console_errors
    page.context.close()
