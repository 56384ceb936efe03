"""The review queue in a real browser (Debian's Chromium via Playwright), checked with axe-core for WCAG 2.x A/AA: a
housing inspector opens their team's queue, is stopped from deciding without a reason, decides with one, and the
audit log shows both the view and the decision; a practitioner in another team gets no list.

One server for the module on a small workspace (a four-home gazetteer and a scored list written straight into the
decisions tables). Skipped (failed in CI) when Chromium or the built assets are missing. TOWNHALL_SCREENSHOTS=/folder
keeps screenshots of the pages.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from townhall.decisions.definition import builtin_definitions
from townhall.decisions.store import ensure_tables, model_folder
from townhall.governance.users import Role
from townhall.workspace import Workspace

if TYPE_CHECKING:
    from conftest import BrowserSite  # tests/web/conftest.py

pytestmark = pytest.mark.browser

BROWSER_PASSWORD = "a long browser-test password"  # as tests/web/conftest.py
INSPECTOR = "ian.inspector"
EARLY_HELP = "pat.practitioner"
MODEL = "hidden-hmos"
HOMES = [("100090000001", "12 Mill Street", "AY1 1AA", "high"), ("100090000002", "14 Mill Street", "AY1 1AA", "high"),
         ("100090000003", "3 Church Lane", "AY1 2BB", "medium")]


def scored_workspace(folder: Path) -> Workspace:
    """A new workspace with a gazetteer of three homes, the hidden-HMO model's definition, a scored list of the three
    and two practitioners: a housing inspector and an early help worker."""
    workspace = Workspace.create(folder / "council", "Ashbury")
    gazetteer = folder / "gazetteer.csv"
    gazetteer.write_text("UPRN,ADDRESS,POSTCODE\n" + "".join(f"{uprn},\"{street}, Ashbury\",{postcode}\n"
                                                             for uprn, street, postcode, _ in HOMES), encoding="utf-8")
    workspace.catalogue.add_source(gazetteer, "address_gazetteer", owner="Address management",
                                   description="Every address in the borough with its UPRN.")
    workspace.config.extra["gazetteer"] = {"columns": {"full_address": "ADDRESS", "postcode": "POSTCODE"}}
    workspace.save_config()  # a one-line address, not AddressBase's parts: said once in townhall.toml
    target = model_folder(workspace, MODEL)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_definitions()[MODEL], target / "definition.yaml")
    scored_at = datetime.now(UTC) - timedelta(days=1)
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        connection.execute("insert into decisions.runs values (?, 'run-1', 'score', ?, ?, ?, 3, 'logistic', '{}', "
                           "'[]', 'test')", [MODEL, date(2026, 1, 1), scored_at, scored_at])
        for rank, (uprn, _, _, band) in enumerate(HOMES, start=1):
            connection.execute("insert into decisions.predictions values (?, 'run-1', 'score', null, ?, ?, ?, null, "
                               "?, true, ?, null, 'logistic')", [MODEL, date(2026, 1, 1), uprn, 0.5 - rank / 10,
                                                                 rank, band])
            connection.execute("insert into decisions.reasons values (?, 'run-1', ?, ?, 1, 'noise_complaints_12m', "
                               "'4', 0.7, '4 noise reports to the police in the 12 months before (raises the "
                               "score)')", [MODEL, uprn, date(2026, 1, 1)])
    workspace.users.add(INSPECTOR, Role.PRACTITIONER, team="Private Sector Housing", password=BROWSER_PASSWORD,
                        display_name="Ian Clarke")
    workspace.users.add(EARLY_HELP, Role.PRACTITIONER, team="Early Help", password=BROWSER_PASSWORD,
                        display_name="Pat O'Neill")
    return workspace


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, serve_for_browser) -> Iterator[BrowserSite]:  # type: ignore[no-untyped-def]
    """The small scored workspace served by uvicorn on a free local port."""
    with serve_for_browser(tmp_path_factory.mktemp("risk-queue-browser"), scored_workspace, (),
                           username_suffix="queue") as served:
        yield served


def test_an_inspector_decides_only_with_a_reason_and_the_view_and_decision_are_audit_logged(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, browser_sign_in, check_accessibility, screenshot) -> None:
    page = new_page(browser, site)
    browser_sign_in(page, INSPECTOR)
    page.get_by_role("link", name="Review queue").first.click()
    page.wait_for_url("**/risk/queue")
    assert page.get_by_role("heading", level=1).inner_text() == "Review queues"
    check_accessibility(page)
    page.get_by_role("link", name="Hidden houses in multiple occupation").click()
    page.wait_for_url("**/risk/queue/hidden-hmos")
    first = page.locator("#case-1")
    assert "12 Mill Street, Ashbury AY1 1AA" in first.inner_text() and "High likelihood" in first.inner_text()
    first.get_by_text("Why case 1 is on the list").click()
    assert first.get_by_text("4 noise reports to the police in the 12 months before").is_visible()
    screenshot(page, "risk-queue")  # checked with axe below, with the error summary showing as well

    first.get_by_label("Inspect or assess").check()
    first.get_by_role("button", name="Record decision on case 1").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Enter the reason for your decision" in summary.inner_text()
    assert page.locator("#case-1").get_by_label("Inspect or assess").is_checked()  # the choice is kept
    check_accessibility(page)
    screenshot(page, "risk-queue-error")
    summary.get_by_role("link", name="Enter the reason for your decision").click()
    page.locator("#reason-1").fill("Four noise reports and six adults on council tax")
    page.locator("#case-1").get_by_role("button", name="Record decision on case 1").click()
    page.wait_for_url("**/risk/queue/hidden-hmos#decided")
    banner = page.locator(".govuk-notification-banner")
    assert "Decision recorded for case 1: inspect or assess." in banner.inner_text()
    assert page.get_by_role("heading", name="Cases decided (1)").is_visible()
    assert "Four noise reports and six adults on council tax" in page.locator("#case-1").inner_text()
    check_accessibility(page)
    screenshot(page, "risk-queue-decided")
    page.context.close()

    viewed = site.workspace.audit.entries(action="risk.queue_viewed", actor=INSPECTOR)
    assert len(viewed) >= 3 and viewed[-1].details["cases_shown"] == 3 and viewed[0].details["decided"] == 1
    decided = site.workspace.audit.entries(action="risk.decision_recorded", actor=INSPECTOR)
    assert [entry.details for entry in decided] == [{"model": MODEL, "unit_id": HOMES[0][0], "run_id": "run-1",
                                                     "band": "high", "decision": "inspect", "override": False}]
    assert "noise" not in str(decided[0].details)


def test_a_practitioner_in_another_team_gets_no_list(  # type: ignore[no-untyped-def]
        browser: Any, site: BrowserSite, new_page, browser_sign_in, check_accessibility) -> None:
    page = new_page(browser, site)
    browser_sign_in(page, EARLY_HELP)
    page.goto("/risk/queue")
    assert "There are no review queues for your team (Early Help)" in page.inner_text("main")
    check_accessibility(page)
    answer = page.goto("/risk/queue/hidden-hmos")
    assert answer.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have permission to see this page"
    page.context.close()
    assert site.workspace.audit.entries(action="risk.queue_viewed", actor=EARLY_HELP) == []


def test_no_review_queue_page_logged_a_script_error(site: BrowserSite) -> None:
    """Runs last: a CSP violation or a failing script shows up as a console error."""
    assert not site.console_errors, "\n".join(site.console_errors)
