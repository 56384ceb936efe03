"""Shared test fixtures: every test gets its own secrets folder, and a fresh workspace on request."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from townhall.workspace import Workspace


def pytest_configure(config: pytest.Config) -> None:
    """Rich sizes its tables to the terminal, and tests read whole rows: give every process (and every parallel
    worker) the same wide console before any command module creates its console."""
    os.environ["COLUMNS"] = "200"


@pytest.fixture(autouse=True)
def isolated_secrets(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep keys made by tests out of the developer's real secrets folder."""
    folder = tmp_path_factory.mktemp("secrets")
    monkeypatch.setenv("TOWNHALL_SECRETS_DIR", str(folder))
    monkeypatch.delenv("TOWNHALL_DATABASE_URL", raising=False)
    monkeypatch.setenv("TOWNHALL_USER", "test-runner")
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A new, empty workspace for a fictional council."""
    created = Workspace.create(tmp_path / "council", "Testshire")
    yield created
    created.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI (TOWNHALL_REQUIRE_BROWSER=1) a skipped browser test is a failure: the browser must be there."""
    report = yield
    if report.skipped and os.environ.get("TOWNHALL_REQUIRE_BROWSER") == "1" and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = f"Browser test skipped in CI, where Chromium must be available: {report.longrepr}"
    return report


LINKED_DEMO_RESIDENTS = 1_500


@contextmanager
def session_secrets(folder: Path) -> Iterator[None]:
    """Keys for a workspace built once per run (outside any one test's own secrets folder), restored afterwards."""
    previous = os.environ.get("TOWNHALL_SECRETS_DIR")
    os.environ["TOWNHALL_SECRETS_DIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TOWNHALL_SECRETS_DIR", None)
        else:
            os.environ["TOWNHALL_SECRETS_DIR"] = previous


@contextmanager
def opened_copy(folder: Path, copy: Path) -> Iterator[Workspace]:
    """A workspace opened on a fresh copy of ``folder``, closed afterwards, so a test may change it freely."""
    shutil.copytree(folder, copy)
    opened = Workspace.open(copy)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def building_secrets() -> Callable[[Path], AbstractContextManager[None]]:
    """``session_secrets`` for other folders' conftest files, which cannot import this one."""
    return session_secrets


@pytest.fixture(scope="session")
def copy_and_open() -> Callable[[Path, Path], AbstractContextManager[Workspace]]:
    """``opened_copy`` for other folders' conftest files, which cannot import this one."""
    return opened_copy


# The headline claims (the children's bias audit finds the planted bias; the hidden-HMO list beats the base rate five
# times in its top 5%) need a council big enough for the planted effects to show through chance: at 10,000 residents
# the bias group holds about 170 children and the audit finds the bias for some seeds only.
CLAIMS_DEMO_RESIDENTS = 20_000


def _build_linked_demo(tmp_path_factory: pytest.TempPathFactory, name: str, residents: int) -> Path:
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_people

    with session_secrets(tmp_path_factory.mktemp(f"{name}-secrets")):
        folder = tmp_path_factory.mktemp(name) / "ashbury"
        build_demo_workspace(folder, residents=residents, seed=7)
        with Workspace.open(folder) as built:
            link_people(built)
    return folder


@pytest.fixture(scope="session")
def linked_demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo council, built and linked once per test run (read it; copy it with `linked_demo` to write)."""
    return _build_linked_demo(tmp_path_factory, "linked-demo", LINKED_DEMO_RESIDENTS)


@pytest.fixture(scope="session")
def claims_demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo council at the size its headline claims need (CLAIMS_DEMO_RESIDENTS), built and linked once per run;
    read it, or copy it to write."""
    return _build_linked_demo(tmp_path_factory, "claims-demo", CLAIMS_DEMO_RESIDENTS)


@pytest.fixture
def linked_demo(linked_demo_folder: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A fresh copy of the linked demo council that a test may change."""
    with opened_copy(linked_demo_folder, tmp_path / "ashbury") as opened:
        yield opened
