"""CVRPLIB instances (the standard capacitated vehicle-routing benchmarks) read into townhall's routing layer, so the
planner that draws council rounds can be measured against best-known solutions.

Distances follow the library's convention: Euclidean distances rounded to the nearest whole number (EUC_2D), or the
instance's own matrix (EXPLICIT). Vehicles are unlimited in number, as in the best-known solutions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from townhall.errors import InputFileError
from townhall.routes.engine import Place, RoutePlan, RoutingProblem, Stop, VehicleKind, solve


@dataclass
class Benchmark:
    """An instance, the routes found and how far they are from the best known."""

    name: str
    customers: int
    plan: RoutePlan
    best_known: float | None

    @property
    def cost(self) -> int:
        """The total distance of the routes found."""
        return self.plan.distance

    @property
    def gap(self) -> float | None:
        """How much longer than the best-known solution (a share: 0.005 is 0.5%)."""
        return (self.cost - self.best_known) / self.best_known if self.best_known else None


def read_instance(path: str | Path) -> RoutingProblem:
    """A CVRPLIB .vrp file as a routing problem: one depot, one load dimension, unlimited vehicles."""
    import vrplib

    file = Path(path)
    try:
        instance = vrplib.read_instance(str(file))
    except (OSError, ValueError, KeyError, IndexError) as error:
        raise InputFileError(file.name, f"it could not be read as a CVRPLIB instance ({error}).") from None
    weights = np.asarray(instance["edge_weight"], dtype=float)
    if str(instance.get("edge_weight_type", "")).strip().upper() == "EUC_2D":
        weights = np.floor(weights + 0.5)  # TSPLIB's nint
    depot = int(np.asarray(instance["depot"]).ravel()[0])
    demand = np.asarray(instance["demand"], dtype=np.int64)
    order = [depot, *[node for node in range(len(demand)) if node != depot]]
    weights = weights[np.ix_(order, order)].astype(np.int64)
    coordinates = np.asarray(instance.get("node_coord", np.zeros((len(demand), 2))), dtype=float)
    stops = [Stop(key=str(node), name=f"customer {node}", latitude=float(coordinates[node][1]),
                  longitude=float(coordinates[node][0]), load=(int(demand[node]),)) for node in order[1:]]
    vehicles = [VehicleKind(name="vehicle", count=len(stops), capacity=(int(instance["capacity"]),))]
    depot_place = Place(name="depot", latitude=float(coordinates[depot][1]), longitude=float(coordinates[depot][0]))
    return RoutingProblem(places=[depot_place], stops=stops, vehicles=vehicles, distance=weights,
                          duration=np.zeros_like(weights), dimensions=("demand",))


def best_known_cost(path: str | Path) -> float | None:
    """The cost in the instance's .sol file beside it, if there is one."""
    solution = Path(path).with_suffix(".sol")
    if not solution.exists():
        return None
    for line in solution.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith("cost"):
            return float(line.split()[1])
    return None


def solve_instance(path: str | Path, *, seconds: float = 30.0, seed: int = 1,
                   best_known: float | None = None) -> Benchmark:
    """Solve a CVRPLIB instance with townhall's route planner and compare with the best-known solution."""
    problem = read_instance(path)
    plan = solve(problem, seconds=seconds, seed=seed)
    return Benchmark(name=Path(path).stem, customers=len(problem.stops), plan=plan,
                     best_known=best_known if best_known is not None else best_known_cost(path))
