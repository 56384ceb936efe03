"""Benchmark: fill forecasts tested out of time on Edinburgh's 2016 litter-bin export, against the naive forecast
"the same as last time", and what a sensor-driven plan would have skipped.

    python bench/sensors_edinburgh.py                      # ../shared/data/edinburgh-bins
    python bench/sensors_edinburgh.py --data /path/to/edinburgh_raw_bin_data.xlsx

Prints the mean absolute error (MAE) of both forecasts, the 80% interval's coverage, the share of collections a
sensor-driven plan would have skipped and how many of those bins would have passed 100% before the next round, the
collection counts and fill levels as logged and as replayed, and the time each step took (with the load average).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from townhall.sensors import backtest_collection_log, read_collection_log

DEFAULT_DATA = (Path(__file__).resolve().parents[2] / "shared" / "data" / "edinburgh-bins"
                / "edinburgh_raw_bin_data.xlsx")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"(load {one:.2f} {five:.2f} {fifteen:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    arguments = parser.parse_args()
    if not arguments.data.exists():
        print(f"The Edinburgh export is not here ({arguments.data}); see ../shared/data/README.md.")
        return 0
    started = time.perf_counter()
    log = read_collection_log(arguments.data)
    print(f"read {len(log.frame):,} collections of {log.bins} bins in {time.perf_counter() - started:.1f} s {load()}")
    print(log.flag_summary())
    started = time.perf_counter()
    result = backtest_collection_log(log)
    print(f"out-of-time test and replay in {time.perf_counter() - started:.1f} s {load()}")
    print(f"MAE: townhall {result.model_mae:.2f} points, same as last time {result.naive_mae:.2f} "
          f"({result.improvement:.1%} smaller) over {result.collections:,} collections; 80% interval held "
          f"{result.interval_coverage:.1%}; weekly pattern in {result.pattern_weeks} of {result.weeks} weeks")
    for line in result.skip.describe(log.full_means_pct):
        print(line)
    print(result.per_week.to_string(index=False, float_format=lambda value: f"{value:.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
