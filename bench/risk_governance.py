"""Benchmark: the bias audit, drift check and model card at increasing numbers of evaluation predictions.

    python bench/risk_governance.py                          # 10,000, 100,000 and 1,000,000 predictions
    python bench/risk_governance.py --predictions 50000      # one size

Predictions are synthetic (no workspace needed for the audit and drift): four splits, an ethnic group of six groups,
sex and an area-deprivation quintile, with one group put on the list twice as often, so every run has a flag to find.
Prints wall and CPU time and peak memory of each step (CPU time is the fairer figure on a shared machine).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from townhall.decisions.audit import audit_predictions
from townhall.decisions.drift import categorical_stability_index, numeric_stability_index

GROUPS = ["White", "Asian, Asian British or Asian Welsh", "Black, Black British, Black Welsh, Caribbean or African",
          "Mixed or Multiple ethnic groups", "Other ethnic group", "Not recorded"]
SHARES = [0.74, 0.1, 0.07, 0.04, 0.02, 0.03]


def synthetic_predictions(rows: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluation predictions and long protected rows; the third ethnic group is selected twice as often."""
    generator = np.random.default_rng(seed)
    ethnic = generator.choice(len(GROUPS), size=rows, p=SHARES)
    probability = generator.beta(1, 12, size=rows) * np.where(ethnic == 2, 2.0, 1.0)
    outcome = generator.random(rows) < np.clip(probability, 0, 1)
    split = generator.integers(1, 5, size=rows)
    frame = pd.DataFrame({"unit_id": [f"P-{number}" for number in range(rows)], "as_of": pd.Timestamp("2025-01-01"),
                          "split": split, "outcome": outcome, "probability": probability})
    frame["in_top_k"] = frame.groupby("split")["probability"].rank(ascending=False) <= rows * 0.05 / 4
    protected = pd.concat([
        frame[["unit_id", "as_of"]].assign(characteristic="Ethnic group", group_value=np.array(GROUPS)[ethnic]),
        frame[["unit_id", "as_of"]].assign(characteristic="Sex",
                                           group_value=np.where(generator.random(rows) < 0.5, "Female", "Male")),
        frame[["unit_id", "as_of"]].assign(characteristic="Area deprivation",
                                           group_value=[f"Quintile {q}" for q in generator.integers(1, 6, rows)]),
    ], ignore_index=True)
    return frame, protected


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Time the audit and the drift indices at each size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    arguments = parser.parse_args()
    for rows in arguments.predictions:
        predictions, protected = synthetic_predictions(rows)
        started, cpu_started = time.perf_counter(), time.process_time()
        audit = audit_predictions(predictions, protected, model="benchmark")
        audit_seconds, audit_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        flagged = sorted({(flag.characteristic, flag.group) for flag in audit.flags})
        started = time.perf_counter()
        shifted = predictions["probability"] * 1.3
        score_index = numeric_stability_index(predictions["probability"], shifted)
        group_index = categorical_stability_index(protected["group_value"], protected["group_value"].sample(
            frac=1, random_state=2))
        drift_seconds = time.perf_counter() - started
        flag_names = ", ".join(f"{characteristic}/{group[:20]}" for characteristic, group in flagged) or "none"
        print(f"{rows:>9,} predictions: audit {audit_seconds:.2f} s wall, {audit_cpu:.2f} s CPU (3 characteristics x "
              f"4 splits; flags on {flag_names}); drift indices {drift_seconds:.2f} s (score PSI {score_index:.3f}, "
              f"unshifted categories PSI {group_index:.4f}); peak memory {_peak_megabytes():,.0f} MB")


if __name__ == "__main__":
    main()
