"""Fixtures for the web app tests: a workspace with one user per role, the app, and signing in through the form."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from httpx import Response

from townhall.governance.users import Role
from townhall.web.assets import missing_assets
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
