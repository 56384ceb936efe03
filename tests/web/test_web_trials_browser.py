"""The trial pages in a real browser (Debian's Chromium via Playwright), checked with axe-core for WCAG 2.x A/AA.

One server on a copy of the linked demo with its letter trial registered. Skipped (failed in CI) when Chromium or the
built assets are missing. TOWNHALL_SCREENSHOTS=/some/folder keeps screenshots of the pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from townhall.demo.letter_trial import DEMO_TRIAL, register_demo_letter_trial
from townhall.governance.users import Role
from townhall.workspace import Workspace

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser, copy_of_linked_demo) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """The linked demo with its letter trial registered, served with an analyst account."""

    def with_trial(folder: Path) -> Workspace:
        workspace = copy_of_linked_demo(folder)
        register_demo_letter_trial(workspace)
        return workspace

    with serve_for_browser(tmp_path_factory.mktemp("trials-browser"), with_trial, (Role.ANALYST,),
                           username_suffix="trials") as served:
        yield served


def test_an_analyst_reads_a_trial_and_adds_a_quote_beside_the_numbers(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, signed_in_page, check_accessibility, screenshot) -> None:
    page = signed_in_page(browser, site, Role.ANALYST)
    page.get_by_role("link", name="Trials").first.click()
    page.wait_for_url("**/trials")
    check_accessibility(page)
    page.get_by_role("link", name="Direct-debit letter trial, 2024").click()
    page.wait_for_url(f"**/trials/{DEMO_TRIAL}")
    assert page.get_by_role("heading", level=1).inner_text() == "Direct-debit letter trial, 2024"
    chart = page.get_by_role("img", name="Chart of each arm's difference from control", exact=False)
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    assert page.get_by_role("region", name="Results by arm and outcome").is_visible()
    check_accessibility(page)
    screenshot(page, "trial")
    page.get_by_label("A quote").check()
    page.get_by_label("Note or quote").fill("The new letter was much clearer.")
    page.get_by_label("Where it came from (optional)").fill("Resident survey")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(f"**/trials/{DEMO_TRIAL}?saved=note#notes")
    assert "“The new letter was much clearer.”" in page.inner_text("#notes")
    check_accessibility(page)
    page.context.close()
    assert not site.console_errors, "\n".join(site.console_errors)
