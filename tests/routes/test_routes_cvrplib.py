"""CVRPLIB through townhall's routing layer: the smallest instance solved to its proven optimum with a fixed seed
(the 30-second runs on all six instances are a benchmark: bench/routes_cvrplib.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.routes import read_instance, solve
from townhall.routes.cvrplib import best_known_cost

CVRPLIB = Path(__file__).resolve().parents[3] / "shared" / "data" / "cvrplib"


@pytest.fixture(scope="module")
def instances() -> Path:
    if not (CVRPLIB / "E-n22-k4.vrp").exists():
        pytest.skip(f"The CVRPLIB instances are not here ({CVRPLIB}); they come with the project's shared data.")
    return CVRPLIB


def test_e_n22_k4_is_solved_to_its_optimum_of_375(instances: Path) -> None:
    problem = read_instance(instances / "E-n22-k4.vrp")
    assert len(problem.stops) == 21 and problem.vehicles[0].capacity == (6000,)
    plan = solve(problem, seconds=None, iterations=2_000, seed=1)
    assert plan.feasible and plan.distance == 375
    assert sorted(index for route in plan.routes for index in route.stop_indices) == list(range(21))


def test_the_best_known_cost_is_read_from_the_solution_file(instances: Path) -> None:
    assert best_known_cost(instances / "A-n32-k5.vrp") == 784
    assert best_known_cost(instances / "E-n22-k4.vrp") is None
