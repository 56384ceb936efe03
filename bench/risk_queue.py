"""Benchmark: the review queue on a linked demo council: how long a practitioner waits for their list, a decision and
the decisions report, and how long importing a file of inspection results takes.

    python bench/risk_queue.py                           # a 10,000-resident demo, built once and cached
    python bench/risk_queue.py --source /tmp/other       # a copy of a linked workspace of your own
    python bench/risk_queue.py --list-size 500 --runs 6  # longer lists, more scoring runs behind them

The demo is built and linked the first time and cached under the system's temporary folder (bench/risk_workspace.py);
every run works on a throwaway copy.

Every gazetteer property is "scored" in each of ``--runs`` runs (random probabilities, written as score_model writes
them, so no model needs training), with the top ``--list-size`` on the list; only half of the cases (at most 200) are
decided before the timings, so carried-over cases pile up as they would when a team falls behind.
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from risk_workspace import cached_linked_demo, workspace_copy

from townhall.decisions.definition import builtin_definitions
from townhall.decisions.feedback import import_outcomes
from townhall.decisions.queue import override_report, record_decision, review_queue
from townhall.decisions.store import ensure_tables, model_folder
from townhall.governance.users import Role, User
from townhall.store.analytics import quote_identifier
from townhall.workspace import Workspace

MODEL = "hidden-hmos"
DECIDED_BEFORE_TIMING = 200  # decisions recorded (one by one) before the timings
INSPECTOR = User("ian.inspector", "Ian Clarke", Role.PRACTITIONER, "Private Sector Housing")


def _write_runs(workspace: Workspace, runs: int, list_size: int, seed: int = 5) -> list[str]:
    """Score every gazetteer property ``runs`` times (a month apart); returns the UPRNs."""
    generator = np.random.default_rng(seed)
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        gazetteer = workspace.settings.gazetteer
        uprns = [row[0] for row in connection.execute(
            f"select distinct cast({quote_identifier(gazetteer.columns.uprn)} as varchar) "
            f"from sources.{quote_identifier(gazetteer.source)}").fetchall()]
        for run in range(runs):
            run_id = f"bench-{run + 1}"
            finished = datetime.now(UTC) - timedelta(days=30 * (runs - run))
            as_of = date(2025, 1, 1) + timedelta(days=30 * run)
            probability = generator.beta(0.5, 20, size=len(uprns))
            order = np.argsort(-probability)
            rank = np.empty(len(uprns), dtype=int)
            rank[order] = np.arange(1, len(uprns) + 1)
            base = probability.mean()
            band = np.where(probability >= 3 * base, "high", np.where(probability >= 1.5 * base, "medium", "low"))
            frame = pd.DataFrame({
                "model": MODEL, "run_id": run_id, "kind": "score", "split": None, "as_of": as_of, "unit_id": uprns,
                "probability": probability, "outcome": None, "rank": rank, "in_top_k": rank <= list_size,
                "band": band, "area_code": None, "model_kind": "logistic"})
            connection.register("_bench_predictions", frame)
            connection.execute("insert into decisions.predictions select * from _bench_predictions")
            connection.execute("""insert into decisions.reasons select model, run_id, unit_id, as_of, 1,
                                      'adults_at_address', '5', 0.5, '5 different people linked to the address'
                                  from _bench_predictions where in_top_k""")
            connection.unregister("_bench_predictions")
            connection.execute("insert into decisions.runs values (?, ?, 'score', ?, ?, ?, ?, 'logistic', '{}', "
                               "'[]', 'bench')", [MODEL, run_id, as_of, finished, finished, len(uprns)])
    return uprns


def _timed(label: str, action, repeats: int = 3):  # type: ignore[no-untyped-def]
    seconds = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    print(f"{label}: fastest {min(seconds):.3f} s, slowest {max(seconds):.3f} s over {repeats}")
    return result


def run(folder: Path, runs: int, list_size: int) -> None:
    """Write the scoring runs, decide half of each list, then time the queue, a decision, the report and an import."""
    with Workspace.open(folder) as workspace:
        target = model_folder(workspace, MODEL)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(builtin_definitions()[MODEL], target / "definition.yaml")
        started = time.perf_counter()
        uprns = _write_runs(workspace, runs, list_size)
        print(f"wrote {runs} scoring runs of {len(uprns):,} properties ({list_size} on each list) in "
              f"{time.perf_counter() - started:.1f} s")
        queue = review_queue(workspace, INSPECTOR, MODEL, record_view=False)
        for case in queue.to_decide[: min(len(queue.to_decide) // 2, DECIDED_BEFORE_TIMING)]:
            record_decision(workspace, INSPECTOR, MODEL, case.unit_id, "inspect", "Benchmark decision on the case")
        queue = _timed("review queue (build and audit-log a view)", lambda: review_queue(workspace, INSPECTOR, MODEL))
        print(f"  {len(queue.cases):,} cases: {len(queue.to_decide):,} to decide "
              f"({sum(case.carried_over for case in queue.to_decide):,} carried over), {len(queue.decided):,} decided")
        undecided = iter(queue.to_decide)
        _timed("record a decision", lambda: record_decision(workspace, INSPECTOR, MODEL, next(undecided).unit_id,
                                                            "no action", "Benchmark decision on the case"))
        report = _timed("decisions report", lambda: override_report(workspace, MODEL))
        print(f"  {report.decisions:,} decisions, {report.overrides:,} overrides")
        results = folder / "bench-results.csv"
        sample = np.random.default_rng(3).choice(uprns, size=min(1_000, len(uprns)), replace=False)
        results.write_text("unit_id,found,date,result\n" + "".join(
            f"{uprn},{'yes' if number % 7 == 0 else 'no'},2025-06-{1 + number % 28:02d},Benchmark\n"
            for number, uprn in enumerate(sample)), encoding="utf-8")
        imported = _timed("import results (1,000 rows)", lambda: import_outcomes(
            workspace, MODEL, results, recorded_by="bench"), repeats=1)
        print(f"  {imported.rows:,} rows, {imported.found:,} found")


def main() -> None:
    """Run the benchmark on a throwaway copy of a linked workspace (the cached demo unless one is given)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="a linked workspace of your own to copy")
    parser.add_argument("--residents", type=int, default=10_000, help="the size of the cached demo to build or use")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--list-size", type=int, default=50)
    arguments = parser.parse_args()
    with workspace_copy(arguments.source or cached_linked_demo(arguments.residents)) as copy:
        run(copy, arguments.runs, arguments.list_size)


if __name__ == "__main__":
    main()
