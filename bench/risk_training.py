"""Benchmark: train and score a risk model (hidden HMOs by default) on a linked demo council; prints the time of each
stage, peak memory, the out-of-time figures and the list's precision against the demo's truth. Then, where
../shared/data holds the City of Chicago's food-inspection table, trains the worked Chicago definition beside a plain
scikit-learn logistic regression on the same features, and prints both against the city's published results.

    python bench/risk_training.py                                    # a 10,000-resident demo, built once and cached
    python bench/risk_training.py --residents 100000                 # a bigger one (built once, a while)
    python bench/risk_training.py --workspace /tmp/ash --model business-rates   # a linked demo of your own (copied)

The demo is built and linked the first time and cached under the system's temporary folder (bench/risk_workspace.py);
every run trains on a throwaway copy. Peak memory is the process's maximum resident set size
(``resource.getrusage``), which includes DuckDB's own memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import pandas as pd
from risk_workspace import cached_linked_demo, workspace_copy

from townhall.decisions import metrics
from townhall.decisions.definition import load_definition
from townhall.decisions.scoring import score_model
from townhall.decisions.training import train_model, training_data
from townhall.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TOWNHALL_SHARED_DATA", ROOT.parent / "shared" / "data"))
CHICAGO_TABLE = SHARED_DATA / "chicago-food-inspections" / "model_table.csv"
CHICAGO_DEFINITION = ROOT / "docs" / "chicago-food-inspections.yaml"


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _truth_check(workspace: Workspace, run_id: str) -> None:
    """Precision in the top 5% of today's list against the demo's hidden HMOs (truth read here only, never by
    the model)."""
    truth_file = workspace.path / "demo-data" / "truth" / "hmo_truth.csv"
    if not truth_file.is_file():
        return
    with workspace.analytics.connect(read_only=True) as connection:
        listed = connection.execute("select unit_id, rank from decisions.predictions where run_id = ?",
                                    [run_id]).df()
    truth = pd.read_csv(truth_file, dtype={"uprn": str}, usecols=["uprn", "hidden_hmo"])
    merged = listed.merge(truth, left_on="unit_id", right_on="uprn", how="left")
    hidden = merged["hidden_hmo"].fillna(False).astype(bool).to_numpy()
    scores = -merged["rank"].to_numpy(dtype=float)  # the list's order, as the team works it
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
        dataset = training_data(workspace, definition)
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


def chicago(table: Path) -> None:
    """The worked Chicago definition through townhall, beside a plain scikit-learn logistic regression on the same
    table and features, on the city's test period (its published method: re-order each day's inspections by score)."""
    import tempfile

    from sklearn.linear_model import LogisticRegression

    with tempfile.TemporaryDirectory(prefix="townhall-chicago-bench-") as scratch:
        os.environ["TOWNHALL_SECRETS_DIR"] = str(Path(scratch) / "secrets")
        with Workspace.create(Path(scratch) / "chicago", "City of Chicago") as workspace:
            started = time.perf_counter()
            workspace.catalogue.add_source(table, "food_inspections", owner="Bench", actor="bench")
            print(f"chicago: registered {table.name} in {time.perf_counter() - started:.1f} s")
            definition = load_definition(CHICAGO_DEFINITION, workspace)
            started, cpu = time.perf_counter(), time.process_time()
            result = train_model(workspace, definition, actor="bench")
            figures = result.evaluation.splits[0].figures[result.evaluation.chosen_kind]
            print(f"chicago, townhall ({result.fitted.kind}, leak check, both candidates, calibration, card charts): "
                  f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s processor; AUC "
                  f"{figures['roc_auc']:.4f}, {figures['days_earlier']:.2f} days earlier, "
                  f"{figures['found_first_half_as_worked']:.0f} -> {figures['found_first_half_in_score_order']:.0f} "
                  "criticals in the first half (city: AUC 0.67, 7.44 days, 141 -> 178)")
    frame = pd.read_csv(table, parse_dates=["Inspection_Date"])
    numeric = [feature.case_field for feature in definition.features if feature.case_field
               and not feature.categorical]
    design = pd.get_dummies(frame[[*numeric, "Inspector_Assigned", "Facility_Type"]], dtype=float)
    design = (design - design[frame["Train"]].mean()) / design[frame["Train"]].std().replace(0, 1)
    started, cpu = time.perf_counter(), time.process_time()
    training = frame["Train"]
    plain = LogisticRegression(C=0.5, max_iter=5_000).fit(design[training], frame["criticalFound"][training])
    test = frame[frame["Test"]]
    scores = plain.predict_proba(design[frame["Test"]])[:, 1]
    gain = metrics.scheduling_gain(test["Inspection_Date"], scores, test["criticalFound"].to_numpy(dtype=bool))
    print(f"chicago, plain scikit-learn logistic regression on the same features (no earlier-rows feature, no "
          f"checks): {time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu:.2f} s processor; AUC "
          f"{metrics.roc_auc(test['criticalFound'].to_numpy(dtype=bool), scores):.4f}, {gain.days_earlier:.2f} days "
          f"earlier, {gain.found_first_half_as_worked} -> {gain.found_first_half_in_score_order} in the first half; "
          f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    """Train and score on a copy of the (cached) demo, then the Chicago comparison where its data is present."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="a linked workspace of your own (copied, never written)")
    parser.add_argument("--residents", type=int, default=10_000, help="the size of the cached demo to build or use")
    parser.add_argument("--model", default="hidden-hmos", help="a built-in model name or a definition file")
    arguments = parser.parse_args()
    source = arguments.workspace or cached_linked_demo(arguments.residents)
    if not (source / "townhall.toml").is_file():
        raise SystemExit(f"{source} is not a townhall workspace.")
    with workspace_copy(source) as copy:
        run(copy, arguments.model)
    if CHICAGO_TABLE.is_file():
        chicago(CHICAGO_TABLE)
    else:
        print(f"chicago: skipped, the shared data is not at {CHICAGO_TABLE}")


if __name__ == "__main__":
    main()
