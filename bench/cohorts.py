"""Benchmark: run the Troubled Families cohort over a linked demo council; prints the run times.

    python bench/cohorts.py                        # a linked demo of 20,000 residents
    python bench/cohorts.py --residents 5000       # another size
    python bench/cohorts.py --workspace ashbury    # an already linked workspace (nothing is built)

The linked demo is built the first time and kept under the system temporary folder (bench/cached_demo.py); the cohort
run only reads it.

The run is timed three times and the fastest and slowest are printed: the first includes reading the catalogue
from a cold file cache.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from cached_demo import DEFAULT_RESIDENTS, linked_demo

from townhall.identity.cohorts import SHIPPED_RULES_FOLDER, run_cohort
from townhall.workspace import Workspace

RULES = SHIPPED_RULES_FOLDER / "troubled-families.yaml"


def _time_runs(folder: Path, repeats: int = 3) -> None:
    """Run the cohort ``repeats`` times on an already linked workspace and print the figures."""
    with Workspace.open(folder) as workspace:
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            result = run_cohort(workspace, RULES)
            seconds.append(time.perf_counter() - started)
        print(f"cohort run: fastest {min(seconds):.2f} s, slowest {max(seconds):.2f} s over {repeats} runs "
              f"(as of {result.as_of}); {result.household_count:,} households in the cohort, "
              f"{len(result.unplaced):,} not placed in a ward")
        print("households meeting each criterion: " + ", ".join(
            f"{key} {count:,}" for key, count in result.households_meeting.items()))


def main() -> None:
    """Time the cohort run on the cached linked demo of the given size, or on the workspace given."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=DEFAULT_RESIDENTS)
    parser.add_argument("--workspace", type=Path, default=None, help="an already linked workspace to use")
    arguments = parser.parse_args()
    folder = arguments.workspace if arguments.workspace is not None else linked_demo(arguments.residents)
    _time_runs(folder)
    peak_megabytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_megabytes:,.0f} MB")


if __name__ == "__main__":
    main()
