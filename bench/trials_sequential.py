"""Benchmark: thousands of simulated A/A trials looked at every week. How often does each way of reading them raise a
false alarm, and how long does the sequential analysis take?

    python bench/trials_sequential.py                       # 5,000 trials, 8 and 12 weekly looks
    python bench/trials_sequential.py --trials 2000 --weeks 6

Each trial randomises accounts into two arms that get the same letter (an A/A trial: no real effect), with a yes/no
outcome at a 20% base rate; a week's accounts join each week. At every weekly look three readings are compared:
townhall's sequential analysis (always-valid p-value under 5% at any look), the naive reading a service might make
(a fixed-horizon p-value under 5% at any look: "peeking"), and the one fixed-horizon test at the end that the 5% is
meant for. The sequential analysis's rate should be at or under 5% within simulation error (about +/- 0.6 points
for 5,000 trials); peeking's is well over.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import pandas as pd

from townhall.trials import sequential_analysis


def run(trials: int, weeks: int, per_week: int, mixing_sd: float, seed: int) -> dict[str, float]:
    """False-alarm rates (sequential, peeking, one final test) over ``trials`` A/A trials."""
    generator = np.random.default_rng(seed)
    days = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(np.repeat(np.arange(weeks) * 7, per_week), "D"))
    count = weeks * per_week
    sequential = peeking = final = 0
    started = time.perf_counter()
    for _ in range(trials):
        arms = pd.Series(np.where(generator.random(count) < 0.5, "control", "letter"))
        outcome = pd.Series((generator.random(count) < 0.2).astype(float))
        result = sequential_analysis(outcome, arms, days, arm="letter", control_arm="control", outcome="paid",
                                     kind="proportion", mixing_sd=mixing_sd)
        sequential += result.stopped_at is not None
        peeking += any(look.fixed_p_value < 0.05 for look in result.looks)
        final += result.latest.fixed_p_value < 0.05
    seconds = time.perf_counter() - started
    return {"sequential": sequential / trials, "peeking": peeking / trials, "final": final / trials,
            "ms_per_trial": 1000 * seconds / trials}


def main() -> None:
    """Simulate, then print each reading's false-alarm rate with its 95% simulation interval."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5_000)
    parser.add_argument("--weeks", type=int, nargs="+", default=[8, 12])
    parser.add_argument("--per-week", type=int, default=200, help="accounts joining each week (both arms)")
    parser.add_argument("--tau", type=float, default=0.02, help="mixing sd: the effect the test is tuned to")
    arguments = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {arguments.trials:,} A/A trials, "
          f"{arguments.per_week} accounts a week, base rate 20%, tuned to {arguments.tau:.0%} points")
    for weeks in arguments.weeks:
        rates = run(arguments.trials, weeks, arguments.per_week, arguments.tau, seed=weeks)
        margin = 1.96 * math.sqrt(0.05 * 0.95 / arguments.trials)
        print(f"{weeks} weekly looks: false alarms - sequential {rates['sequential']:.2%}, peeking at one-look "
              f"p-values {rates['peeking']:.2%}, one test at the end {rates['final']:.2%} (a true 5% rate would "
              f"land within 5% +/- {margin:.2%}); {rates['ms_per_trial']:.1f} ms a trial", flush=True)


if __name__ == "__main__":
    main()
