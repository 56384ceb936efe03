"""The public site in a real browser, with scripts and without: every page of a conversation passes axe (WCAG 2.2
A/AA) in Chromium, and a report can be made with JavaScript switched off. Kept in tests/web to share its browser
fixtures (tests/web/conftest.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from townhall.workspace import Workspace

pytestmark = pytest.mark.browser


class PublicSite:
    """What ``new_page`` needs of a site: where it is, and where console errors go."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.console_errors: list[str] = []


@pytest.fixture(scope="module")
def public_site(browser: Any, words_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory,
                copy_and_open) -> Iterator[PublicSite]:  # type: ignore[no-untyped-def]
    """The public site on a copy of the analysed demo, served by uvicorn on a free local port."""
    import socket

    import uvicorn

    from townhall.public import create_public_app

    with copy_and_open(words_demo_folder, tmp_path_factory.mktemp("public-browser") / "ashbury") as workspace:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_public_app(workspace), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, name="public-site", daemon=True)
        thread.start()
        for _ in range(300):
            if server.started:
                break
            time.sleep(0.05)
        site = PublicSite(f"http://127.0.0.1:{port}")
        site.workspace = workspace  # type: ignore[attr-defined]
        try:
            yield site
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _postcode(workspace: Workspace) -> str:
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(
            'select g."POSTCODE_LOCATOR" from sources.address_gazetteer g join sources.bin_sensors b '
            'on b.site = g."STREET_DESCRIPTOR" order by 1 limit 1').fetchone()[0]


def test_every_page_of_a_missed_bin_report_passes_axe(browser: Any, public_site: PublicSite, new_page,  # type: ignore[no-untyped-def]
                                                      check_accessibility, screenshot) -> None:
    page = new_page(browser, public_site)
    page.goto("/assistant")
    assert "I am an automated assistant, not a person." in page.inner_text("main")
    check_accessibility(page)
    screenshot(page, "public-assistant-welcome")
    page.get_by_label("What do you need help with?").fill("my bin was not collected")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # no postcode: an error
    assert page.title().startswith("Error: ")
    check_accessibility(page)
    page.get_by_label("What is the postcode of the address?").fill(_postcode(public_site.workspace))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continue").click()
    page.locator("input[type=radio]").first.check()
    check_accessibility(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Garden waste").check()
    page.get_by_role("button", name="Continue").click()
    assert "Your bins are collected on" in page.inner_text("main")
    check_accessibility(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # contact details are optional
    check_accessibility(page)
    screenshot(page, "public-assistant-check-answers")
    page.get_by_role("button", name="Send").click()
    assert "Your request has been sent" in page.inner_text("main")
    check_accessibility(page)
    page.get_by_role("link", name="Cymraeg").click()
    assert "Mae eich cais wedi'i anfon" in page.inner_text("main")
    check_accessibility(page)
    assert public_site.console_errors == []
    page.context.close()


def test_a_report_can_be_made_with_javascript_switched_off(browser: Any, public_site: PublicSite) -> None:
    context = browser.new_context(base_url=public_site.base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/assistant")
    page.get_by_role("button", name="Check if a loft conversion needs planning permission").click()
    page.get_by_label("No, a flat or maisonette").check()
    page.get_by_role("button", name="Continue").click()
    assert "You will probably need planning permission" in page.inner_text("main")
    context.close()
