"""Benchmark: townhall's linkage end to end (register, link, export) against a hand-configured plain Splink script.

    python bench/linkage.py                         # 200,000 and 1,000,000 records
    python bench/linkage.py --records 200000        # one size

For each size, two US-format registers of people in households are generated (``bench/public_data.py``; cached
under the system temporary folder), then each side runs in a fresh child process, so the peak memory printed is that
run's own:

- townhall: ``catalogue.add_source`` for both files, ``link_people`` with no settings, ``export_index`` to CSV (what
  ``townhall sources add``, ``townhall link`` and ``townhall identity export`` run);
- plain Splink: ``bench/baseline_us.py`` reads both files with pandas, cleans them, trains, scores, clusters and
  writes the clusters to CSV.

Printed: wall and CPU seconds, peak memory, the ratios (goals: time within 1.5x, memory within 1.3x), and both
sides' precision, recall and F1 against the generated truth. Note the machine's load beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_RECORDS = "200000 1000000"
RECORDS_PER_PERSON = 1.45  # the voters register holds 85% of people, the clinic 60%
TIME_GOAL, MEMORY_GOAL = 1.5, 1.3


def peak_memory_mib() -> float:
    """This process's peak resident memory in MiB (VmHWM: the new program's own, unlike ru_maxrss after a fork)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(started: tuple[float, float]) -> list[float]:
    wall, cpu = _clock()
    return [wall - started[0], cpu - started[1]]


def data_folder(records: int) -> Path:
    """The generated registers for this size, made once and kept under the system temporary folder."""
    from public_data import write_us

    folder = Path(tempfile.gettempdir()) / f"townhall-linkage-bench-{records}"
    if not (folder / "truth.csv").exists():
        folder.mkdir(parents=True, exist_ok=True)
        _paths, truth = write_us(folder, round(records / RECORDS_PER_PERSON))
        truth.to_csv(folder / "truth.csv", index=False)
    return folder


def _scores(clusters: Any, folder: Path) -> dict[str, float]:
    import pandas as pd
    from linkage_public import pairwise_scores

    return pairwise_scores(clusters, pd.read_csv(folder / "truth.csv", dtype=str))


def measure_townhall(folder: Path) -> dict[str, Any]:
    """Register both files, link with no settings and export the index; seconds by stage and peak memory."""
    from townhall.identity import link_people
    from townhall.identity.export import export_index
    from townhall.identity.index import read_index
    from townhall.workspace import Workspace

    stages: dict[str, list[float]] = {}
    workspace_folder = Path(tempfile.mkdtemp(prefix="townhall-bench-workspace-"))
    os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(workspace_folder / "secrets"))
    started = _clock()
    with Workspace.create(workspace_folder / "council", "Benchmark") as workspace:
        step = _clock()
        for name in ("voters", "clinic"):
            workspace.catalogue.add_source(folder / f"{name}.csv", name)
        stages["register"] = _since(step)
        step = _clock()
        summary = link_people(workspace)
        stages["link"] = _since(step)
        step = _clock()
        export_index(workspace, workspace_folder / "index.csv", actor="bench")
        stages["export"] = _since(step)
        seconds = _since(started)
        clusters = read_index(workspace, "select unique_id, person_id as cluster from identity.records")
    return {"seconds": seconds, "peak_mib": peak_memory_mib(), "stages": stages, "records": summary.records,
            "scores": _scores(clusters, folder)}


def measure_plain(folder: Path) -> dict[str, Any]:
    """The hand-configured plain Splink script end to end: read, clean, link, write the clusters."""
    import baseline_us

    started = _clock()
    clusters = baseline_us.link(baseline_us.standardise({"voters": folder / "voters.csv",
                                                         "clinic": folder / "clinic.csv"}))
    clusters.to_csv(Path(tempfile.mkdtemp(prefix="townhall-bench-plain-")) / "clusters.csv", index=False)
    seconds = _since(started)
    return {"seconds": seconds, "peak_mib": peak_memory_mib(), "scores": _scores(clusters, folder)}


def _child(arguments: list[str]) -> dict[str, Any]:
    """Run this script on one side in a fresh Python process and read back its JSON."""
    result = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"bench/linkage.py {' '.join(arguments)} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_size(records: int) -> None:
    """Generate (or reuse) the registers at one size, time both sides and print the figures."""
    folder = data_folder(records)
    townhall = _child(["--one", "townhall", "--folder", str(folder)])
    plain = _child(["--one", "plain", "--folder", str(folder)])
    load = os.getloadavg()[0]
    time_ratio = townhall["seconds"][0] / plain["seconds"][0]
    memory_ratio = townhall["peak_mib"] / plain["peak_mib"]
    print(f"\n{records:,} records ({townhall['records']:,} linked), load average {load:.1f}")
    print(f"  townhall end to end {townhall['seconds'][0]:.1f} s wall, {townhall['seconds'][1]:.1f} s CPU, peak "
          f"{townhall['peak_mib']:,.0f} MiB; " + ", ".join(f"{stage} {figures[0]:.1f} s"
                                                         for stage, figures in townhall["stages"].items()))
    print(f"  plain Splink end to end {plain['seconds'][0]:.1f} s wall, {plain['seconds'][1]:.1f} s CPU, peak "
          f"{plain['peak_mib']:,.0f} MiB")
    print(f"  ratio: time {time_ratio:.2f}x (goal {TIME_GOAL}x: {'met' if time_ratio <= TIME_GOAL else 'NOT met'}), "
          f"memory {memory_ratio:.2f}x (goal {MEMORY_GOAL}x: {'met' if memory_ratio <= MEMORY_GOAL else 'NOT met'})")
    for side, figures in (("townhall", townhall["scores"]), ("plain Splink", plain["scores"])):
        print(f"  {side}: precision {figures['precision']:.4f}, recall {figures['recall']:.4f}, "
              f"F1 {figures['f1']:.4f}")
    sys.stdout.flush()


def main() -> None:
    """Measure each size in child processes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", default=DEFAULT_RECORDS, help="record counts, space or comma separated")
    parser.add_argument("--one", choices=("townhall", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        measure = measure_townhall if arguments.one == "townhall" else measure_plain
        print(json.dumps(measure(arguments.folder), default=str))
        return
    for records in (int(text) for text in arguments.records.replace(",", " ").split()):
        bench_size(records)


if __name__ == "__main__":
    main()
