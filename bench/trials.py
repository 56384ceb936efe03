"""Benchmark: randomise and analyse a trial of a million units; prints the time each step takes.

    python bench/trials.py                       # 1,000,000 units, two arms
    python bench/trials.py --units 200000 --arms 4

Units are synthetic (a ward, an age band, a household and a yes/no outcome with a planted 1.4-point effect), so the
benchmark needs no workspace. Each step is timed once after a small warm-up.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from townhall.trials import TrialPlan, analyse_frame, balance_table, difference_in_differences, randomise


def main() -> None:
    """Build the units, then time simple, stratified and cluster randomisation, balance and the analysis."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--arms", type=int, default=2)
    arguments = parser.parse_args()
    generator = np.random.default_rng(2026)
    count = arguments.units
    arms = ["control", *[f"letter_{number}" for number in range(1, arguments.arms)]]
    units = pd.DataFrame({
        "ward": generator.integers(0, 21, count).astype(str),
        "age_band": generator.choice(["18-34", "35-49", "50-64", "65+"], count),
        "household": generator.integers(0, count // 2, count),
        "last_year": generator.normal(0, 1, count),
    })
    randomise(units.head(1_000), arms, seed=1)  # warm-up

    for method, options in (("simple", {}), ("stratified", {"strata": ["ward", "age_band"]}),
                            ("cluster", {"cluster_column": "household"})):
        started = time.perf_counter()
        assignment = randomise(units, arms, seed=20240201, method=method, **options)
        print(f"randomise {count:,} units ({method}): {time.perf_counter() - started:.2f} s; per arm "
              + ", ".join(f"{arm} {size:,}" for arm, size in assignment.counts().items()))

    frame = assignment.frame
    started = time.perf_counter()
    balance_table(frame, ["last_year", "age_band"], arms=arms)
    print(f"balance table on 2 covariates: {time.perf_counter() - started:.2f} s")

    chance = 0.10 + 0.014 * (frame["arm"] != "control").to_numpy() + 0.02 * (frame["last_year"].to_numpy() > 0)
    frame["paid"] = generator.random(count) < chance
    plan = TrialPlan(name="bench", title="Benchmark", question="Speed?", arms=arms, primary_outcome="paid",
                     population="synthetic", unit_of_randomisation="unit", analysis_plan="ITT",
                     minimum_effect_of_interest=0.01, covariates=["last_year"])
    for adjust in (False, True):
        started = time.perf_counter()
        analysis = analyse_frame(frame, plan, adjust=adjust)
        print(f"analyse {count:,} units, HC2, {'adjusted for 1 covariate' if adjust else 'unadjusted'}: "
              f"{time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    analyse_frame(frame, TrialPlan.from_dict({**plan.to_dict(), "cluster_column": "household"}), adjust=False)
    print(f"analyse {count:,} units, cluster-robust by household: {time.perf_counter() - started:.2f} s")
    print(analysis.conclusions()[0])

    panel = pd.DataFrame({"area": np.repeat(np.arange(200), 36).astype(str), "month": np.tile(np.arange(36), 200),
                          "requests": generator.poisson(50, 200 * 36).astype(float)})
    started = time.perf_counter()
    difference_in_differences(panel, unit_column="area", time_column="month", outcome_column="requests",
                              pilot_units=[str(number) for number in range(20)], start="18")
    print(f"difference-in-differences with event study, 200 areas x 36 months: {time.perf_counter() - started:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
