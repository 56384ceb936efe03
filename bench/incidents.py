"""Benchmark: incident list query time on a linked demo council (target: well under a second at 1M residents).

    python bench/incidents.py                                      # a linked demo of 20,000 residents
    python bench/incidents.py --residents 1000000                  # built once, kept under the temporary folder
    python bench/incidents.py --workspace ashbury --in-place        # a workspace of your own (written: audit log)

The linked demo is built the first time and kept under the system temporary folder (bench/cached_demo.py); the
workspace is copied to a scratch folder first (the list writes to the audit log), without its source files.
Prints the time to read every vulnerable person with their position (one DuckDB query), the time to list the people
in circles of several sizes and in a polygon, and the whole call (read + list), each the fastest of three.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from cached_demo import DEFAULT_RESIDENTS, copy_of, linked_demo

from townhall.governance.users import Role, User
from townhall.places.incidents import circle_area, incident_list, polygon_area, vulnerable_people
from townhall.workspace import Workspace

PLANNER = User("bench.emergency", "Bench Planner", Role.PRACTITIONER, "Emergency Planning")


def _fastest(function, repeats: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def run(folder: Path) -> None:
    """Time the incident list on an already linked workspace."""
    with Workspace.open(folder) as workspace:
        with workspace.analytics.connect(read_only=True) as connection:
            persons = connection.execute("select count(*) from identity.persons").fetchall()[0][0]
        started = time.perf_counter()
        people = vulnerable_people(workspace)
        cold = time.perf_counter() - started
        warm, people = _fastest(lambda: vulnerable_people(workspace))
        placed = people.dropna(subset=["latitude", "longitude"])
        print(f"{persons:,} people in the index; {len(people):,} vulnerable, {len(placed):,} placed on the map")
        print(f"reading the vulnerable people with positions: {cold:.3f} s first, {warm:.3f} s after")
        centre_latitude = float(placed["latitude"].median())
        centre_longitude = float(placed["longitude"].median())
        for radius in (250, 1_000, 3_000):
            area = circle_area(centre_latitude, centre_longitude, radius)
            seconds, result = _fastest(lambda area=area: incident_list(
                workspace, PLANNER, area=area, incident_name="Benchmark", purpose="Benchmark", people=people))
            print(f"list within {radius:>5,} m (people already read): {seconds * 1000:7.1f} ms, "
                  f"{result.count:,} people")  # type: ignore[attr-defined]
        half = 0.01
        square = {"type": "Polygon", "coordinates": [[
            [centre_longitude - half, centre_latitude - half], [centre_longitude + half, centre_latitude - half],
            [centre_longitude + half, centre_latitude + half], [centre_longitude - half, centre_latitude + half],
            [centre_longitude - half, centre_latitude - half]]]}
        polygon = polygon_area(square)
        seconds, result = _fastest(lambda: incident_list(workspace, PLANNER, area=polygon, incident_name="Benchmark",
                                                         purpose="Benchmark", people=people))
        print(f"list inside a 1.4 km square polygon (people already read): {seconds * 1000:.1f} ms, "
              f"{result.count:,} people")  # type: ignore[attr-defined]
        area = circle_area(centre_latitude, centre_longitude, 1_000)
        seconds, result = _fastest(lambda: incident_list(workspace, PLANNER, area=area, incident_name="Benchmark",
                                                         purpose="Benchmark"))
        print(f"whole call, 1 km circle (read + list + audit): {seconds:.3f} s, {result.count:,} people")  # type: ignore[attr-defined]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")


def main() -> None:
    """Time the incident list on a copy of the cached linked demo (or of the workspace given)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=DEFAULT_RESIDENTS, help="size of the linked demo to use")
    parser.add_argument("--workspace", type=Path, help="an already linked workspace instead of the cached demo")
    parser.add_argument("--in-place", action="store_true", help="use the workspace itself instead of a copy")
    arguments = parser.parse_args()
    if arguments.workspace is None:
        folder = linked_demo(arguments.residents)
    elif (arguments.workspace / "townhall.toml").exists():
        folder = arguments.workspace
    else:
        raise SystemExit(f"{arguments.workspace} is not a workspace.")
    if arguments.in_place:
        run(folder)
        return
    with tempfile.TemporaryDirectory(prefix="incident-bench-") as scratch:
        run(copy_of(folder, Path(scratch) / "ashbury"))


if __name__ == "__main__":
    main()
