"""Fixtures for the web app tests: a workspace with one user per role, the app, and signing in through the form;
and for the browser tests, a served app, one headless Chromium and the page helpers they share."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from httpx import Response

from townhall.governance.users import Role
from townhall.web.assets import AXE_SCRIPT, missing_assets
from townhall.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about httpx is not ours to act on
    from fastapi.testclient import TestClient

PASSWORD = "a long test password"  # what every test account's password is
USERNAMES: dict[Role, str] = {role: f"{role.value}-user" for role in Role}


def require_built_assets() -> None:
    """Skip (fail in CI) when the front-end assets are missing: the app refuses to start without them."""
    missing = missing_assets()
    if missing:
        message = f"The web app's assets are not built ({missing[0].name} missing): run 'make assets'."
        if os.environ.get("TOWNHALL_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with the cheapest settings: the real ones take 0.15 s a hash by design, which adds up over many
    sign-ins. (If the hasher is renamed this quietly does nothing and the tests are only slower.)"""
    monkeypatch.setattr("townhall.governance.users._hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)


class Accounts(dict[Role, str]):
    """User names by role, each account made on first use (password hashing is deliberately slow)."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace

    def __missing__(self, role: Role) -> str:
        username = USERNAMES[role]
        self._workspace.users.add(username, role, password=PASSWORD, display_name=f"Test {role.value}")
        self[role] = username
        return username


@pytest.fixture
def people(workspace: Workspace) -> Accounts:
    """``people[role]``: the user name of an account with that role (password PASSWORD)."""
    return Accounts(workspace)


@pytest.fixture
def make_client() -> Callable[[FastAPI], TestClient]:
    """Wrap an app in an in-process client that does not follow redirects and shows 500 pages (not tracebacks)."""
    require_built_assets()
    return lambda app: TestClient(app, follow_redirects=False, raise_server_exceptions=False)


@pytest.fixture
def client(workspace: Workspace, people: Accounts,
           make_client: Callable[[FastAPI], TestClient]) -> Iterator[TestClient]:
    """An in-process client for the app serving ``workspace``."""
    from townhall.web import create_app

    with make_client(create_app(workspace)) as test_client:
        yield test_client


def form_token(html: str) -> str:
    """The CSRF token from a page's form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "/") -> Response:
    """Sign in through the form, as a browser would; returns the form's response."""
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "next": next_path,
                                       "csrf_token": form_token(page.text)})


@pytest.fixture
def sign_in() -> Callable[..., Response]:
    """``sign_in(client, username, password=PASSWORD, next_path="/")`` through the form."""
    return _sign_in


@pytest.fixture
def token_in() -> Callable[[str], str]:
    """``token_in(html)``: the CSRF token from a page's form."""
    return form_token


TENANCY_ROWS = (
    "tenancy_ref,surname,date_of_birth,postcode,nhs_number,ethnicity,rent_arrears\n"
    "T0001,Smith,03/04/1980,AB1 2CD,943 476 5919,White British,120.50\n"
    "T0002,Jones,1975-11-30,ab12cd,,Asian British,0\n"
    "T0003,Khan,31/02/1990,NOT A POSTCODE,1234567890,,35.00\n"
    "T0004,O'Brien,12/12/1962,ZZ9 9ZZ,943 476 5919,Black British,\n"
)


def _register_tenancies(workspace: Workspace, folder: Path, name: str) -> str:
    """Register a small tenancy file with a bad date, a bad postcode and a bad NHS number; returns its name."""
    csv_file = folder / "tenancies.csv"
    csv_file.write_text(TENANCY_ROWS, encoding="utf-8")
    workspace.catalogue.add_source(csv_file, name, owner="Housing services",
                                   description="Council tenancies with arrears, as exported each month.")
    return name


@pytest.fixture(scope="session")
def register_tenancies() -> Callable[[Workspace, Path, str], str]:
    """Registers the shared tenancy test file in a workspace (session-scoped so module fixtures can use it)."""
    return _register_tenancies


# The browser tests (marked ``browser``): Debian's Chromium driven by Playwright, pages checked with axe-core.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BROWSER_PASSWORD = "a long browser-test password"  # what every browser-test account's password is


@dataclass
class BrowserSite:
    """The running app and what the browser tests need to reach it; ``extra`` holds a module's own values."""

    base_url: str
    workspace: Workspace
    users: dict[Role, str]
    console_errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _skip_without_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package to run these tests.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _serve(folder: Path, make_workspace: Callable[[Path], Workspace], roles: Iterable[Role], *,
           username_suffix: str = "tester") -> Iterator[BrowserSite]:
    """Skips (fails in CI) without Chromium or the built assets. Otherwise makes the workspace in ``folder`` (its own
    secrets folder, cheap password hashes), adds a user "<role>.<username_suffix>" for each role and serves the app
    with uvicorn on a free local port until the block ends, then closes the workspace."""
    _skip_without_chromium()
    if missing_assets() or not AXE_SCRIPT.exists():
        pytest.skip("The web app's assets are not built: run 'make assets'.")
    import uvicorn

    from townhall.web import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        patch.setenv("TOWNHALL_USER", "browser-test")
        # Cheap hashes for the test accounts (verifying uses the settings stored in each hash).
        patch.setattr("townhall.governance.users._hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False)
        workspace = make_workspace(folder)
        users = {}
        for role in roles:
            username = f"{role.value}.{username_suffix}"
            workspace.users.add(username, role, password=BROWSER_PASSWORD, display_name=f"Sam {role.value.title()}")
            users[role] = username
        app = create_app(workspace)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"townhall-{folder.name}-server", daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("The test web server did not start.")
            time.sleep(0.05)
        yield BrowserSite(f"http://127.0.0.1:{port}", workspace, users)
    finally:
        server.should_exit = True
        if thread.is_alive():
            thread.join(timeout=10)
        workspace.close()


@pytest.fixture(scope="session")
def serve_for_browser() -> Callable[..., AbstractContextManager[BrowserSite]]:
    """``with serve_for_browser(folder, make_workspace, roles, username_suffix="tester") as site:`` the app on a
    workspace made by ``make_workspace(folder)``, with one account per role, served for the browser tests."""
    return _serve


@pytest.fixture(scope="session")
def copy_of_linked_demo(linked_demo_folder: Path) -> Callable[[Path], Workspace]:
    """A ``make_workspace`` for ``serve_for_browser``: copies the linked demo council into ``folder / "ashbury"``."""

    def copy_into(folder: Path) -> Workspace:
        shutil.copytree(linked_demo_folder, folder / "ashbury")
        return Workspace.open(folder / "ashbury")

    return copy_into


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run; each test opens its own context (cookies) with ``new_page``."""
    _skip_without_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _new_page(browser: Any, site: BrowserSite) -> Any:
    """A fresh browser context (its own cookies) with console errors collected, e.g. CSP violations."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def on_console(message: Any) -> None:
        # Error pages (400, 403, 404) are answered on purpose; Chromium reports each as "Failed to load resource".
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            site.console_errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: site.console_errors.append(f"{page.url}: {error}"))
    return page


def _browser_sign_in(page: Any, username: str, password: str = BROWSER_PASSWORD) -> None:
    """Sign in through the form and wait for the home page (the path "/" is taken against the context's base URL)."""
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("/")


def _signed_in_page(browser: Any, site: BrowserSite, role: Role) -> Any:
    """A fresh page (``new_page``) signed in with the role's account."""
    page = _new_page(browser, site)
    _browser_sign_in(page, site.users[role])
    return page


def _check_accessibility(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.x A and AA; fail on serious or critical violations, printing them all."""
    page.add_script_tag(url="/static/vendor/axe.min.js")  # from this server, as the CSP allows
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = results["violations"]
    for violation in violations:
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        print(f"axe {violation['impact']}: {violation['id']} on {page.url}: {violation['help']} ({targets})")
    serious = [violation for violation in violations if violation["impact"] in {"serious", "critical"}]
    assert not serious, f"{len(serious)} serious or critical accessibility problems on {page.url}: " + ", ".join(
        violation["id"] for violation in serious)
    return violations


def _screenshot(page: Any, name: str) -> None:
    """Keep a full-page screenshot as <name>.png when TOWNHALL_SCREENSHOTS names a folder."""
    folder = os.environ.get("TOWNHALL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def new_page() -> Callable[[Any, BrowserSite], Any]:
    """``new_page(browser, site)``: a fresh context and page on the site, collecting console errors into the site."""
    return _new_page


@pytest.fixture(scope="session")
def browser_sign_in() -> Callable[..., None]:
    """``browser_sign_in(page, username, password=BROWSER_PASSWORD)`` through the form, waiting for the home page."""
    return _browser_sign_in


@pytest.fixture(scope="session")
def signed_in_page() -> Callable[[Any, BrowserSite, Role], Any]:
    """``signed_in_page(browser, site, role)``: a fresh page signed in with the role's account."""
    return _signed_in_page


@pytest.fixture(scope="session")
def check_accessibility() -> Callable[[Any], list[dict[str, Any]]]:
    """``check_accessibility(page)``: axe-core for WCAG 2.x A/AA; fails on serious or critical violations."""
    return _check_accessibility


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], None]:
    """``screenshot(page, name)``: a full-page screenshot into $TOWNHALL_SCREENSHOTS when that is set."""
    return _screenshot


@pytest.fixture
def signed_in(sign_in: Callable[..., Response]) -> Callable[[TestClient, str], TestClient]:
    """Sign the test client in as ``username`` (after signing out whoever was signed in) and return it."""

    def sign_in_as(client: TestClient, username: str) -> TestClient:
        client.cookies.clear()
        assert sign_in(client, username).status_code == 303
        return client

    return sign_in_as


@pytest.fixture
def main_text() -> Callable[[Response], str]:
    """The visible text of a page's <main>, tags removed and spaces collapsed, for assertions about wording."""

    def text_of(page: Response) -> str:
        main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))

    return text_of
