"""Benchmark: CVRPLIB instances through townhall's routing layer, side by side with plain PyVRP on the same files.

    python bench/routes_cvrplib.py                       # ../shared/data/cvrplib, 30 s an instance, seed 1
    python bench/routes_cvrplib.py --data /path/to/cvrplib --seconds 30 --seed 1 --plain

Targets (issue 17): a gap to the best-known solution of at most 0.5% on the five instances of up to 101 customers and
at most 1.5% on ORTEC-n242-k12, in 30 seconds each with a fixed seed. Prints each instance's cost, best known, gap and
iterations; with --plain, plain PyVRP (pyvrp.read + pyvrp.solve, rounded distances) gets the same time for comparison.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from townhall.routes import solve_instance

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cvrplib"
# Best-known costs (the data README; E-n22-k4 has no .sol file beside it).
BEST_KNOWN = {"E-n22-k4": 375, "A-n32-k5": 784, "F-n72-k4": 237, "M-n101-k10": 820, "X-n101-k25": 27591,
              "ORTEC-n242-k12": 123750}
TARGET = {"ORTEC-n242-k12": 0.015}
DEFAULT_TARGET = 0.005


def plain_pyvrp(path: Path, seconds: float, seed: int) -> tuple[int, int]:
    """Plain PyVRP on the same instance: its reader with rounded distances, its default solver."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(str(path), round_func="round")
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    return int(result.best.distance()), int(result.num_iterations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain", action="store_true", help="also run plain PyVRP for the same time")
    arguments = parser.parse_args()
    if not arguments.data.exists():
        print(f"The CVRPLIB instances are not here ({arguments.data}); see ../shared/data/README.md.")
        return 0
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {arguments.seconds:g} s an instance, "
          f"seed {arguments.seed}")
    print(f"{'instance':<16}{'customers':>10}{'townhall':>10}{'best':>9}{'gap':>8}{'iterations':>12}"
          + (f"{'plain PyVRP':>13}{'gap':>8}" if arguments.plain else ""))
    missed = []
    for name, best in BEST_KNOWN.items():
        path = arguments.data / f"{name}.vrp"
        started = time.perf_counter()
        result = solve_instance(path, seconds=arguments.seconds, seed=arguments.seed, best_known=best)
        elapsed = time.perf_counter() - started
        line = (f"{name:<16}{result.customers:>10}{result.cost:>10,}{best:>9,}{result.gap:>8.2%}"
                f"{result.plan.iterations:>12,}")
        if not result.plan.feasible:
            line += "  INFEASIBLE"
        if arguments.plain:
            cost, _ = plain_pyvrp(path, arguments.seconds, arguments.seed)
            line += f"{cost:>13,}{(cost - best) / best:>8.2%}"
        print(line + f"  ({elapsed:.1f} s)", flush=True)
        if result.gap is None or result.gap > TARGET.get(name, DEFAULT_TARGET) or not result.plan.feasible:
            missed.append(name)
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if missed:
        print(f"Targets missed: {', '.join(missed)}")
        return 1
    print("Every target met (at most 0.5% up to 101 customers, 1.5% on ORTEC-n242-k12).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
