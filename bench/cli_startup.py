"""Benchmark: how long the command line takes to start, as whole processes, beside the library it is built on.

    python bench/cli_startup.py              # 7 runs of each after a warm-up
    python bench/cli_startup.py --runs 15

Times ``townhall --help`` and ``townhall sources list`` (on a small workspace made here, with three registered
sources) from process start to exit, side by side with ``python -c "import typer"`` (the least any Typer command line
costs) and ``python -c "import pandas"`` (for scale). Each run is a fresh process; its processor time and peak memory
are the operating system's own figures for that process (``os.wait4``). Compiled bytecode is kept (in a scratch
folder, whatever PYTHONDONTWRITEBYTECODE says), as an installed copy keeps it; the warm-up run writes it. Prints the
median and the range of each, and whether the median wall time is under the 0.5 s target. Wall time depends on what
else the machine is doing: processor time much less so.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5
TOWNHALL = [sys.executable, "-c", "from townhall.cli import main; main()"]  # what the console script runs


def one_run(command: list[str], environment: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, processor seconds and peak memory (MB) of one run of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if status != 0:
        raise SystemExit(f"{' '.join(command[-3:])} failed: {error.strip()[:500]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(command: list[str], environment: dict[str, str], runs: int) -> dict[str, list[float]]:
    """Each figure over ``runs`` runs, after one warm-up run (files cached, as for a person's second command)."""
    one_run(command, environment)
    figures: dict[str, list[float]] = {"wall": [], "cpu": [], "memory": []}
    for _ in range(runs):
        wall, cpu, memory = one_run(command, environment)
        figures["wall"].append(wall)
        figures["cpu"].append(cpu)
        figures["memory"].append(memory)
    return figures


def small_workspace(folder: Path, environment: dict[str, str]) -> Path:
    """A workspace with three small registered sources, made through the command line."""
    workspace = folder / "council"
    subprocess.run([*TOWNHALL, "init", str(workspace), "--council", "Benchmark"], env=environment, check=True,
                   stdout=subprocess.DEVNULL)
    for name, text in (("tenancies", "tenancy_ref,surname,postcode\nT1,Smith,AB1 2CD\nT2,Jones,AB1 2CE\n"),
                       ("repairs", "job,category,reported\nJ1,Damp,01/02/2025\nJ2,Roof,03/02/2025\n"),
                       ("complaints", "ref,service,received\nC1,Waste,2025-02-01\nC2,Parking,2025-02-03\n")):
        file = folder / f"{name}.csv"
        file.write_text(text, encoding="utf-8")
        subprocess.run([*TOWNHALL, "sources", "add", str(file), "--name", name, "--workspace", str(workspace)],
                       env=environment, check=True, stdout=subprocess.DEVNULL)
    return workspace


def main() -> None:
    """Make a small workspace, time each command, and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="townhall-cli-bench-") as scratch:
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                                 os.environ.get("PYTHONPATH")])),
                       "TOWNHALL_SECRETS_DIR": str(Path(scratch) / "secrets"), "COLUMNS": "120",
                       "PYTHONPYCACHEPREFIX": str(Path(scratch) / "bytecode")}
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        workspace = small_workspace(Path(scratch), environment)
        commands = {
            'python -c "import typer"': [sys.executable, "-c", "import typer"],
            'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
            "townhall --help": [*TOWNHALL, "--help"],
            "townhall sources list": [*TOWNHALL, "sources", "list", "--workspace", str(workspace)],
        }
        results = {label: measure(command, environment, arguments.runs) for label, command in commands.items()}
    load = os.getloadavg()[0]
    print(f"{arguments.runs} runs each after a warm-up; load average {load:.2f} on {os.cpu_count()} processors")
    print(f"{'command':<28} {'wall s (min-max)':>22} {'processor s':>12} {'peak MB':>8}")
    for label, figures in results.items():
        wall = figures["wall"]
        print(f"{label:<28} {statistics.median(wall):>8.3f} ({min(wall):.3f}-{max(wall):.3f}) "
              f"{statistics.median(figures['cpu']):>12.3f} {statistics.median(figures['memory']):>8.0f}")
    baseline = statistics.median(results['python -c "import typer"']["wall"])
    for label in ("townhall --help", "townhall sources list"):
        median = statistics.median(results[label]["wall"])
        verdict = "under" if median < TARGET_SECONDS else "NOT under"
        print(f"{label}: median {median:.3f} s, {median / baseline:.1f} times importing Typer alone; "
              f"{verdict} the {TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
