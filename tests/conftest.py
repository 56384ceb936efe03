"""Shared test fixtures: every test gets its own secrets folder, and a fresh workspace on request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from townhall.workspace import Workspace


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
