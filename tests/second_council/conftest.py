"""The two councils side by side, opened once per module for tests that only READ them: Brinsford (the second
council) and Ashbury (the linked demo it was made from), so a capability's answers can be compared. A test that
writes (an audit entry, a new file) takes the fresh copies ``second_council`` and ``linked_demo`` instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from townhall.workspace import Workspace


@pytest.fixture(scope="module")
def brinsford(second_council_folder: Path) -> Iterator[Workspace]:
    with Workspace.open(second_council_folder) as opened:
        yield opened


@pytest.fixture(scope="module")
def ashbury(linked_demo_folder: Path) -> Iterator[Workspace]:
    with Workspace.open(linked_demo_folder) as opened:
        yield opened
