"""Benchmark: train and score a risk model (hidden HMOs by default) on a large linked demo council; prints the time of
each stage, peak memory, the out-of-time figures and, on a demo, the list's precision against the demo's truth.

    python bench/risk_training.py                                            # copy of /tmp/linkbench/ashbury-100000
    python bench/risk_training.py --workspace /tmp/ash                       # another linked demo (copied first)
    python bench/risk_training.py --workspace /tmp/ash --model business-rates

The workspace is copied to a temporary folder first, so the one given is never written to. Peak memory is the
process's maximum resident set size (``resource.getrusage``), which includes DuckDB's own memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from townhall.decisions import metrics
from townhall.decisions.definition import load_definition
from townhall.decisions.features import build_dataset
from townhall.decisions.scoring import score_model
from townhall.decisions.training import train_model, training_as_of_dates
from townhall.workspace import Workspace

DEFAULT_WORKSPACE = Path("/tmp/linkbench/ashbury-100000")


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _truth_check(workspace: Workspace, run_id: str) -> None:
    """Precision in the top 5% of today's list against the demo's hidden HMOs (truth read here only, never by
    the model)."""
    truth_file = workspace.path / "demo-data" / "truth" / "hmo_truth.csv"
    if not truth_file.is_file():
        return
    with workspace.analytics.connect(read_only=True) as connection:
        listed = connection.execute("select unit_id, probability from decisions.predictions where run_id = ?",
                                    [run_id]).df()
    truth = pd.read_csv(truth_file, dtype={"uprn": str}, usecols=["uprn", "hidden_hmo"])
    merged = listed.merge(truth, left_on="unit_id", right_on="uprn", how="left")
    hidden = merged["hidden_hmo"].fillna(False).astype(bool).to_numpy()
    scores = merged["probability"].to_numpy()
    k = metrics.k_for_fraction(len(hidden))
    precision = metrics.precision_at_k(hidden, scores, k)
    rate = metrics.base_rate(hidden)
    print(f"against the demo's truth (hidden HMOs today): base rate {rate:.2%}, precision in the top 5% "
          f"({k:,} properties) {precision:.1%}, lift {metrics.lift(precision, rate):.1f}x; precision in the top 50 "
          f"{metrics.precision_at_k(hidden, scores, 50):.1%}; "
          f"{metrics.one_in_n_sentence(precision, rate, units='properties', outcome='were hidden HMOs')}")


def run(folder: Path, model: str) -> None:
    """Time each stage of training and scoring on ``folder`` (a copy) and print the figures."""
    definition = load_definition(model)
    with Workspace.open(folder) as workspace:
        started = time.perf_counter()
        dataset = build_dataset(workspace, definition, training_as_of_dates(definition))
        built = time.perf_counter() - started
        units = dataset.frame["unit_id"].nunique()
        print(f"dataset: {units:,} units, {len(dataset.frame):,} rows at {dataset.frame['as_of'].nunique()} as-of "
              f"dates, {len(dataset.labelled().frame):,} labelled, built in {built:.1f} s "
              f"(peak memory so far {_peak_megabytes():,.0f} MB)")
        stages: dict[str, float] = {}
        current = {"step": "", "since": time.perf_counter()}

        def progress(step: str, done: float) -> None:
            """Add the time since the last report to the step that was running (splits summed over both models)."""
            now = time.perf_counter()
            if current["step"]:
                stages[current["step"]] = stages.get(current["step"], 0.0) + now - current["since"]
            current.update(step=step.split(",")[0], since=now)

        started = time.perf_counter()
        result = train_model(workspace, definition, progress=progress, actor="bench")
        trained = time.perf_counter() - started
        print(f"train (whole pipeline, dataset built again inside): {trained:.1f} s; by stage: " + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in stages.items() if seconds >= 0.05))
        evaluation = result.evaluation
        chosen = evaluation.chosen
        print(f"chosen: {result.fitted.kind} ({result.fitted.calibration} calibration); {evaluation.choice_reason}")
        print(f"base rate {evaluation.base_rate:.3%}; precision at {evaluation.settings.capacity}: "
              f"{chosen['precision_at_k'].describe(percent=True, digits=3)}; precision in the top 5%: "
              f"{chosen['precision_at_top_share'].describe(percent=True, digits=3)}; lift in the top 5%: "
              f"{chosen['lift_at_top_share'].describe()}; AUC {chosen['roc_auc'].describe(digits=3)}; "
              f"Brier {chosen['brier'].describe(digits=4)}")
        print(f"1 in N: {evaluation.headline()}")
        for warning in evaluation.warnings:
            print(f"warning: {warning}")
        started = time.perf_counter()
        scored = score_model(workspace, definition.name, actor="bench")
        print(f"score: {scored.scored:,} units as of {scored.as_of} in {time.perf_counter() - started:.1f} s; "
              f"bands {scored.band_counts}; {scored.reasons:,} reasons")
        _truth_check(workspace, scored.run_id)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"peak memory: {_peak_megabytes():,.0f} MB; processor time {usage.ru_utime + usage.ru_stime:,.0f} s "
          f"(wall times above include waiting for the processor on a shared machine; load average "
          f"{os.getloadavg()[0]:.1f} at the end)")


def main() -> None:
    """Copy the workspace to a temporary folder, then time training and scoring on the copy."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="a linked workspace (copied)")
    parser.add_argument("--model", default="hidden-hmos", help="a built-in model name or a definition file")
    arguments = parser.parse_args()
    if not (arguments.workspace / "townhall.toml").is_file():
        raise SystemExit(f"{arguments.workspace} is not a townhall workspace: build and link a demo first, e.g. "
                         "'townhall demo --residents 100000' then 'townhall link'.")
    with tempfile.TemporaryDirectory(prefix="risk-bench-") as folder:
        copy = Path(folder) / "workspace"
        started = time.perf_counter()
        shutil.copytree(arguments.workspace, copy)
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(Path(folder) / "secrets"))
        print(f"copied {arguments.workspace} in {time.perf_counter() - started:.1f} s")
        run(copy, arguments.model)


if __name__ == "__main__":
    main()
