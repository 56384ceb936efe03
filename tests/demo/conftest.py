"""Demo councils generated once per test session: a small one for structure, a larger one for statistics."""

from __future__ import annotations

import pytest

from townhall.demo import DemoCouncil, generate_demo_council

SMALL_RESIDENTS = 2_000
STATISTICS_RESIDENTS = 8_000


@pytest.fixture(scope="session")
def small_council(tmp_path_factory: pytest.TempPathFactory) -> DemoCouncil:
    """Ashbury with 2,000 residents (seed 2026), generated once."""
    return generate_demo_council(tmp_path_factory.mktemp("small") / "ashbury", residents=SMALL_RESIDENTS, seed=2026)


@pytest.fixture(scope="session")
def statistics_council(tmp_path_factory: pytest.TempPathFactory) -> DemoCouncil:
    """Ashbury with 8,000 residents, big enough for the planted effects to stand out from noise."""
    return generate_demo_council(tmp_path_factory.mktemp("stats") / "ashbury", residents=STATISTICS_RESIDENTS,
                                 seed=7)

