"""Routes: vehicle routing with PyVRP for collection rounds (which bins today, routes with trips to the tip, crew
sheets, maps and exports), the fixed-against-sensor-driven replay, school transport, and CVRPLIB benchmarks.

``townhall routes`` and the web pages are thin layers over the functions here.
"""

from townhall.routes.cvrplib import Benchmark, best_known_cost, read_instance, solve_instance
from townhall.routes.distances import METRES_PER_MILE, Matrices, miles, travel_matrices
from townhall.routes.engine import (
    Place,
    PlannedRoute,
    RoutePlan,
    RoutingProblem,
    Stop,
    VehicleKind,
    Visit,
    solve,
)
from townhall.routes.rounds import (
    LEAVE,
    MAY,
    MUST,
    BinChoice,
    CollectionPlan,
    CrewRoute,
    CrewStop,
    choose_bins,
    plan_collection_round,
    route_choices,
)
from townhall.routes.school import (
    Pupils,
    SchoolResult,
    SchoolTransportReport,
    check_pupils,
    compare_school_transport,
    read_pupils,
)
from townhall.routes.simulate import PolicyResult, Simulation, simulate_collections

__all__ = [
    "LEAVE",
    "MAY",
    "METRES_PER_MILE",
    "MUST",
    "Benchmark",
    "BinChoice",
    "CollectionPlan",
    "CrewRoute",
    "CrewStop",
    "Matrices",
    "Place",
    "PlannedRoute",
    "PolicyResult",
    "Pupils",
    "RoutePlan",
    "RoutingProblem",
    "SchoolResult",
    "SchoolTransportReport",
    "Simulation",
    "Stop",
    "VehicleKind",
    "Visit",
    "best_known_cost",
    "check_pupils",
    "choose_bins",
    "compare_school_transport",
    "miles",
    "plan_collection_round",
    "read_instance",
    "read_pupils",
    "route_choices",
    "simulate_collections",
    "solve",
    "solve_instance",
    "travel_matrices",
]
