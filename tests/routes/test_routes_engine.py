"""townhall's routing layer on problems small enough to solve by hand: the optimum, trips to empty, time windows,
prizes for optional stops, and loads in two dimensions."""

from __future__ import annotations

import numpy as np
import pytest

from townhall.errors import TownhallError
from townhall.routes import Place, RoutingProblem, Stop, VehicleKind, solve


def _line(positions: list[float], loads: list[tuple[int, ...]], vehicles: list[VehicleKind], *,
          windows: dict[int, tuple[int, int]] | None = None, prizes: dict[int, int] | None = None,
          dimensions: tuple[str, ...] = ("units",)) -> RoutingProblem:
    """A depot at 0 and stops along a straight road: 10 metres (and seconds) per unit of position."""
    where = np.array([0.0, *positions])
    metres = (np.abs(where[:, None] - where[None, :]) * 10).astype(np.int64)
    windows = windows or {}
    prizes = prizes or {}
    stops = [Stop(key=f"S{index}", name=f"stop {index}", load=load, window=windows.get(index),
                  required=index not in prizes, prize=prizes.get(index, 0))
             for index, load in enumerate(loads, start=1)]
    return RoutingProblem(places=[Place("depot")], stops=stops, vehicles=vehicles, distance=metres,
                          duration=metres.copy(), dimensions=dimensions)


def test_two_vehicles_of_two_take_the_neighbouring_pairs_the_optimum_by_hand() -> None:
    # Pairing 1+2 and 3+4 drives (10+10+20) + (30+10+40) = 120 metres; 1+4 and 2+3 would drive 140.
    problem = _line([1, 2, 3, 4], [(1,)] * 4, [VehicleKind("van", count=4, capacity=(2,))])
    plan = solve(problem, seconds=None, iterations=200, seed=1)
    assert plan.feasible and plan.distance == 120
    assert sorted(sorted(route.stop_indices) for route in plan.routes) == [[0, 1], [2, 3]]


def test_one_vehicle_goes_back_to_empty_and_is_never_over_capacity() -> None:
    problem = _line([1, 2, 3, 4], [(1,)] * 4, [VehicleKind("van", count=1, capacity=(2,), reload_at=(0,))])
    plan = solve(problem, seconds=None, iterations=200, seed=1)
    assert plan.feasible and plan.vehicles_used == 1 and plan.routes[0].trips == 2 and plan.distance == 120
    assert max(visit.load_after[0] for visit in plan.routes[0].visits) == 2
    assert [visit.kind for visit in plan.routes[0].visits].count("empty") == 1


def test_a_time_window_decides_the_order_of_visits() -> None:
    # Stop 1 may only be visited from 70 seconds: it must come last.
    problem = _line([1, 2, 3, 4], [(1,)] * 4, [VehicleKind("van", count=1, capacity=(4,))],
                    windows={1: (70, 1000)})
    plan = solve(problem, seconds=None, iterations=200, seed=1)
    route = plan.routes[0]
    assert plan.feasible and route.stop_indices[-1] == 0 and plan.distance == 80
    assert [visit.arrival for visit in route.visits if visit.kind == "stop"][-1] >= 70


@pytest.mark.parametrize(("prize", "visited"), [(50, False), (5_000, True)])
def test_an_optional_stop_is_visited_only_when_it_is_worth_the_detour(prize: int, visited: bool) -> None:
    # Stop 5 at 10 is a 120-metre detour from stop 4.
    problem = _line([1, 2, 3, 4, 10], [(1,)] * 5, [VehicleKind("van", count=1, capacity=(5,))], prizes={5: prize})
    plan = solve(problem, seconds=None, iterations=200, seed=1)
    assert (4 not in plan.unvisited) is visited
    assert plan.distance == (200 if visited else 80)


def test_volume_can_be_the_limit_when_weight_is_not() -> None:
    problem = _line([1, 2, 3, 4], [(1, 3)] * 4, [VehicleKind("lorry", count=4, capacity=(10, 4))],
                    dimensions=("kg", "litres"))
    plan = solve(problem, seconds=None, iterations=200, seed=1)
    assert plan.feasible and plan.vehicles_used == 4 and plan.distance == 2 * (10 + 20 + 30 + 40)


def test_a_problem_that_does_not_add_up_is_refused_plainly() -> None:
    problem = _line([1, 2], [(1,), (1,)], [VehicleKind("van", count=1, capacity=(1, 1))])
    with pytest.raises(TownhallError, match="capacity figures"):
        solve(problem, iterations=10)
