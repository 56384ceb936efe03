"""Benchmark: forecast monthly demand series (with and without backtests) and run the SEND projection.

    python bench/forecasting.py                          # builds (once) and caches a linked demo, then copies it
    python bench/forecasting.py --workspace ashbury      # another built demo workspace (copied, never written)
    python bench/forecasting.py --series 200 --jobs 2    # fewer series; forecasts in two processes

On a fresh checkout the benchmark builds a 3,000-resident demo council and links it (a few minutes), keeping it under
the system temporary folder (townhall-bench/demo-3000-2026) for later runs.

The series are the demo's service x ward series (and borough totals) repeated with a random scale, fresh
Poisson noise and a random length of 6 to 8 years, so every one is different. Wall-clock and CPU seconds are both
printed: on a shared machine the wall clock includes waiting for the processor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from townhall.forecasting import (
    DemandSeries,
    compare_scenarios,
    demand_series,
    example_scenarios,
    fit_send_model,
    forecast_demand,
    send_inputs,
    simulate_send,
)
from townhall.forecasting.send import ILLUSTRATIVE_COSTS
from townhall.workspace import Workspace


def perturbed_series(base: list[DemandSeries], count: int, seed: int = 0) -> list[DemandSeries]:
    """``count`` series from the demo's: each a random base series, scaled, with new noise and 72 to 96 months."""
    rng = np.random.default_rng(seed)
    made = []
    for number in range(count):
        template = base[number % len(base)]
        months = int(rng.integers(72, 97))
        history = template.history.tail(months).reset_index(drop=True)
        expected = history["value"].to_numpy(dtype=float) * rng.lognormal(0, 0.3) + 1
        made.append(DemandSeries(key=f"series-{number:04d}", groups={"series": f"Series {number}"},
                                 history=pd.DataFrame({"period": history["period"],
                                                       "value": rng.poisson(expected).astype(float)})))
    return made


def _timed(label: str, work, *, per: int | None = None):  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    extra = f" ({wall / per * 1000:.0f} ms a series)" if per else ""
    print(f"{label}: {wall:.1f} s wall, {used:.1f} s CPU in this process{extra}", flush=True)
    return result


CACHE = Path(tempfile.gettempdir()) / "townhall-bench"


def cached_demo(residents: int = 3_000, seed: int = 2026) -> Path:
    """A linked demo council built once and kept under the system temporary folder (rebuilt if half-made)."""
    folder = CACHE / f"demo-{residents}-{seed}"
    done = folder / ".benchmark-ready"
    if done.exists():
        return folder
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_people

    shutil.rmtree(folder, ignore_errors=True)
    os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(CACHE / "secrets"))
    started = time.perf_counter()
    print(f"building a {residents:,}-resident demo council in {folder} (once; kept for later runs)", flush=True)
    build_demo_workspace(folder, residents=residents, seed=seed)
    with Workspace.open(folder) as built:
        link_people(built)
    done.write_text("built\n", encoding="utf-8")
    print(f"built and linked in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def main() -> None:
    """Copy the demo workspace, then time forecasting and the SEND projection."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, default=None, help="a built demo workspace (copied)")
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1, help="statsforecast worker processes")
    parser.add_argument("--runs", type=int, default=500, help="SEND simulation runs")
    arguments = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    source = arguments.workspace or cached_demo()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(CACHE / "secrets"))
        copy = Path(folder) / "workspace"
        shutil.copytree(source, copy)
        with Workspace.open(copy) as workspace:
            base = _timed("read the demo's demand series", lambda: demand_series(workspace))
            print(f"{len(base)} demo series of {base[0].describe_length()}", flush=True)
            series = perturbed_series(base, arguments.series)
            _timed("first use of statsforecast (compiling, or loading the compiled code), 2 series",
                   lambda: forecast_demand(series[:2], backtest=False, jobs=arguments.jobs))
            _timed(f"forecast {len(series):,} series, 12 months, 6 methods, no backtests",
                   lambda: forecast_demand(series, backtest=False, jobs=arguments.jobs), per=len(series))
            run = _timed(f"forecast and backtest {len(series):,} series (3 cut-offs x 6 months)",
                         lambda: forecast_demand(series, jobs=arguments.jobs), per=len(series))
            chosen = pd.Series([result.chosen_model for result in run.results]).value_counts()
            print("methods chosen: " + ", ".join(f"{model} {count}" for model, count in chosen.items()))
            for model in ("SeasonalNaive", "AutoTheta", "AutoETS", "AutoCES", "AutoARIMA", "Ensemble"):
                mase = [entry.mase for result in run.results for entry in result.accuracy if entry.model == model]
                cover = [entry.coverage_95 for result in run.results for entry in result.accuracy
                         if entry.model == model]
                if mase:
                    print(f"  {model}: median MASE {np.median(mase):.2f}, mean 95% coverage {np.mean(cover):.0%}")
            transitions, population = _timed("SEND inputs (transitions, population from the index)",
                                             lambda: send_inputs(workspace))
            model = _timed("SEND model fitted", lambda: fit_send_model(transitions, population))
            _timed(f"SEND projection, {arguments.runs} runs x 6 years",
                   lambda: simulate_send(model, population, runs=arguments.runs, costs=ILLUSTRATIVE_COSTS))
            _timed(f"SEND baseline + 4 scenarios, {arguments.runs} runs each",
                   lambda: compare_scenarios(transitions, population, example_scenarios(model), runs=arguments.runs,
                                             costs=ILLUSTRATIVE_COSTS))


if __name__ == "__main__":
    main()
