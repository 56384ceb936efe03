"""Benchmark the demo council generator: wall time, peak memory, and rows and files written per size.

    python bench/demo_generation.py                      # 20,000 and 1,000,000 residents
    python bench/demo_generation.py --sizes 10000,50000

Each size runs in a fresh Python process so its peak memory (getrusage max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = "20000,1000000"


def measure_one(residents: int, seed: int) -> dict[str, object]:
    """Generate one council in this process and report what it cost and what it wrote."""
    from townhall.demo import generate_demo_council

    with tempfile.TemporaryDirectory(prefix="townhall-demo-bench-") as folder:
        started = time.perf_counter()
        council = generate_demo_council(Path(folder) / "ashbury", residents=residents, seed=seed)
        seconds = time.perf_counter() - started
        files = [path for path in council.folder.rglob("*") if path.is_file()]
        truth_rows = sum(max(sum(1 for _ in path.open("rb")) - 1, 0)
                         for path in (council.folder / "truth").glob("*.csv"))
        return {
            "residents": residents,
            "seconds": round(seconds, 1),
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "sources": len(council.sources),
            "source_rows": sum(source.rows for source in council.sources),
            "truth_rows": truth_rows,
            "files": len(files),
            "megabytes_written": round(sum(path.stat().st_size for path in files) / 1e6, 1),
            "largest_sources": sorted(((source.rows, source.name) for source in council.sources), reverse=True)[:3],
        }


def main() -> None:
    """Run each size in its own process and print one line of figures per size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated resident counts")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    arguments = parser.parse_args()
    if arguments.one is not None:
        print(json.dumps(measure_one(arguments.one, arguments.seed)))
        return
    print(f"{'residents':>10} {'seconds':>8} {'peak MB':>8} {'sources':>7} {'source rows':>12} {'truth rows':>11} "
          f"{'files':>5} {'MB out':>7}  largest sources")
    for size in (int(text) for text in arguments.sizes.split(",") if text.strip()):
        finished = subprocess.run([sys.executable, __file__, "--one", str(size), "--seed", str(arguments.seed)],
                                  check=True, capture_output=True, text=True)
        figures = json.loads(finished.stdout.strip().splitlines()[-1])
        largest = ", ".join(f"{name} {rows:,}" for rows, name in figures["largest_sources"])
        print(f"{figures['residents']:>10,} {figures['seconds']:>8} {figures['peak_memory_mb']:>8,} "
              f"{figures['sources']:>7} {figures['source_rows']:>12,} {figures['truth_rows']:>11,} "
              f"{figures['files']:>5} {figures['megabytes_written']:>7}  {largest}", flush=True)


if __name__ == "__main__":
    main()
