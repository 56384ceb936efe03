"""The public site served in-process on a copy of the demo, shared by the module's tests."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from townhall.web.assets import missing_assets

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about httpx is not ours to act on
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def public_workspace(words_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory,
                     copy_and_open: Callable[..., Any]) -> Iterator[Any]:
    """A copy of the analysed demo, for one test module."""
    with copy_and_open(words_demo_folder, tmp_path_factory.mktemp("public") / "ashbury") as workspace:
        yield workspace


@pytest.fixture
def resident(public_workspace: Any) -> Iterator[TestClient]:
    """A resident's browser: a fresh client (its own cookies) on the public site, not following redirects."""
    if missing_assets():
        pytest.skip("The web assets are not built: run 'make assets'.")
    from townhall.public import create_public_app

    with TestClient(create_public_app(public_workspace), follow_redirects=False,
                    raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def token_of() -> Callable[[str], str]:
    """The CSRF token in a page's forms."""

    def token(page: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, "the page has no form token"
        return match.group(1)

    return token
