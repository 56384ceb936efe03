"""Shared test fixtures: every test gets its own secrets folder, and a fresh workspace on request."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from townhall.workspace import Workspace

# Property tests check what generated values do, never how fast: no wall-clock deadline (the default 200 ms failed a
# run on a loaded machine) and no "too slow" health check, whatever else is running beside the suite.
settings.register_profile("townhall", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("townhall")


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


@pytest.fixture(scope="session")
def words_demo_folder(linked_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linked demo with its comments redacted and analysed once per run (themes, classifier, key passages in
    case notes), for the text, assistant and public-site tests. Read it; copy it with ``copy_and_open`` to write."""
    from townhall.text import find_key_passages, prepare_comments, run_themes, train_classifier

    with session_secrets(tmp_path_factory.mktemp("words-demo-secrets")):
        folder = tmp_path_factory.mktemp("words-demo") / "ashbury"
        shutil.copytree(linked_demo_folder, folder)
        with Workspace.open(folder) as built:
            prepare_comments(built, actor="test-setup")
            run_themes(built, actor="test-setup")
            train_classifier(built, actor="test-setup")
            find_key_passages(built, actor="test-setup")
    return folder


# --- The second council ----------------------------------------------------------------------------------------------
# Brinsford: the demo's files under other source names, column names and date formats, with a townhall.toml that
# names them (tests/second_council/council.py says what is renamed). A capability's tests take ``second_council``
# (a fresh copy to change) or ``second_council_folder`` (to read) and check that it works from the settings alone.


def _second_council_module() -> Any:
    """tests/second_council/council.py, loaded by path (the tests are not a package)."""
    import importlib.util
    import sys

    name = "townhall_tests_second_council"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "second_council" / "council.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def second_council_build(linked_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Brinsford, built and linked once per test run from the linked demo's files (a ``SecondCouncil``: its folder,
    ``source("council_tax")`` -> its name for a demo source, ``users`` by role, ``password``)."""
    council = _second_council_module()
    with session_secrets(tmp_path_factory.mktemp("second-council-secrets")):
        return council.build_second_council(tmp_path_factory.mktemp("second-council") / "brinsford",
                                            linked_demo_folder)


@pytest.fixture(scope="session")
def second_council_folder(second_council_build: Any) -> Path:
    """The second council's folder (read it; copy it with ``second_council`` to write)."""
    return second_council_build.folder


@pytest.fixture
def second_council(second_council_folder: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A fresh copy of the second council (Brinsford) that a test may change."""
    with opened_copy(second_council_folder, tmp_path / "brinsford") as opened:
        yield opened


@pytest.fixture(scope="session")
def second_council_names() -> Any:
    """tests/second_council/council.py: SOURCE_NAMES, COLUMN_NAMES, SETTINGS, demo_names_in(text)."""
    return _second_council_module()
