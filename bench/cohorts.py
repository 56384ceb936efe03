"""Benchmark: run the Troubled Families cohort over a linked demo council; prints build, link and run times.

    python bench/cohorts.py                        # 20,000 residents
    python bench/cohorts.py --residents 5000       # another size
    python bench/cohorts.py --workspace ashbury    # an already linked workspace (nothing is built)

The run is timed three times and the fastest and slowest are printed: the first includes reading the catalogue
from a cold file cache.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

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
    """Build and link a demo of the given size (unless a workspace is given), then time the cohort run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--workspace", type=Path, default=None, help="an already linked workspace to use")
    arguments = parser.parse_args()
    if arguments.workspace is not None:
        _time_runs(arguments.workspace)
        return
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_people

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(Path(folder) / "secrets"))
        target = Path(folder) / "ashbury"
        started = time.perf_counter()
        build_demo_workspace(target, residents=arguments.residents)
        built = time.perf_counter() - started
        started = time.perf_counter()
        with Workspace.open(target) as workspace:
            summary = link_people(workspace)
        linked = time.perf_counter() - started
        print(f"demo: {arguments.residents:,} residents built in {built:.1f} s; linked {summary.records:,} records "
              f"into {summary.persons:,} people and {summary.households:,} households in {linked:.1f} s")
        _time_runs(target)
    peak_megabytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_megabytes:,.0f} MB")


if __name__ == "__main__":
    main()
