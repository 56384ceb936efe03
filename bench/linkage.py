"""Benchmark: townhall's linkage of the demo council against a plain Splink script with the same settings.

    python bench/linkage.py                                           # 20,000, 100,000 and 1,000,000 residents
    python bench/linkage.py --residents "20000 100000" --folder ~/linkage-bench   # keep the demo workspaces
    python bench/linkage.py --residents 20000 --repeats 3    # fastest of three runs of each linkage

For each size: build the demo workspace (timed, but not part of the comparison; with --folder a second run reuses
it), then time, each in a fresh child process so the peak memory printed is that run's own:

- townhall: ``link_and_evaluate(workspace)`` end to end: standardise from the catalogue, choose blocking rules,
  train, score, cluster, measure accuracy at several thresholds, build people and households, write the index;
- plain Splink: the same standardised records (exported to Parquet beforehand, untimed), the same settings, blocking
  rules, training steps, lowest probability kept and clustering threshold, written as an analyst would write it.

"Splink stages" are what both do: load the records into Splink, train, score and cluster. For townhall that is the
time from "Estimating the linkage model" to "Building people and households" less the evaluation (the clusterings
at the extra thresholds and the accuracy counts), so it includes townhall's own additions there: reviewers'
decisions, splitting clusters whose records contradict each other, the pairs for clerical review with their
evidence, and the trained model. The target is a ratio of at most 1.1. "The same Splink calls alone" leaves those
additions out as well, so it differs from 1.0 only by noise. Wall and CPU seconds are both printed: on a machine
busy with other work, CPU seconds are the steadier comparison, and ``--repeats 3`` keeps the fastest of three runs.

Then, from the person index and the demo's truth, the wrong pairs of records are counted by kind: which people were
merged (twins, parent and child, brothers and sisters, others in the household, strangers) and which were split
(no date of birth on one side, changed surname, moved house, and so on), and between which sources.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_RESIDENTS = "20000 100000 1000000"
SEED = 2026
TARGET_RATIO = 1.1
# townhall's stages in the order they run; "of which" is inside the stage above it.
TOWNHALL_STAGES = ("standardise", "choose blocking rules", "load into Splink", "train", "predict",
                   "edges with reviewers' decisions", "cluster", "of which splitting contradicting clusters",
                   "evaluation (more clusterings, accuracy)", "pairs for review, with evidence",
                   "people and households", "write index")
# Stages where townhall and the plain script make the same Splink calls.
SAME_SPLINK_CALLS = ("load into Splink", "train", "predict", "cluster")


def peak_memory_mib() -> float:
    """This process's peak resident memory in MiB (VmHWM: the new program's own, unlike ru_maxrss after a fork)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _physical_memory_mib() -> float:
    """This machine's memory in MiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def _now() -> tuple[float, float]:
    """Wall-clock seconds and this process's CPU seconds (all threads), to time a stage both ways."""
    return time.perf_counter(), time.process_time()


def _since(started: tuple[float, float]) -> list[float]:
    """Wall and CPU seconds since ``started``."""
    wall, cpu = _now()
    return [wall - started[0], cpu - started[1]]


class StageClock:
    """Seconds spent inside chosen functions, per stage, found by wrapping those functions for this one process."""

    def __init__(self) -> None:
        self.calls: dict[str, list[list[float]]] = defaultdict(list)
        self.progress: list[tuple[str, list[float]]] = []
        self.started = _now()

    def wrap(self, owner: Any, attribute: str, stage: str) -> None:
        """Replace ``owner.attribute`` by the same function that also records how long each call took."""
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*arguments: Any, **keywords: Any) -> Any:
            started = _now()
            try:
                return original(*arguments, **keywords)
            finally:
                self.calls[stage].append(_since(started))

        setattr(owner, attribute, timed)

    def report(self, step: str, _fraction: float) -> None:
        """The progress callback: remember when each step began."""
        self.progress.append((step, _since(self.started)))
        _say_step(step)

    def first(self, prefix: str) -> list[float]:
        """Wall and CPU seconds from the start to the first progress step beginning with ``prefix``."""
        return next(moment for step, moment in self.progress if step.startswith(prefix))

    def total(self, stage: str, skip: int = 0) -> list[float]:
        """Wall and CPU seconds of every call of one stage, after the first ``skip`` calls."""
        calls = self.calls.get(stage, [])[skip:]
        return [sum(call[0] for call in calls), sum(call[1] for call in calls)]


def measure_build(folder: Path, residents: int) -> dict[str, Any]:
    """Build the demo workspace in this process: seconds, peak memory and rows registered."""
    from townhall.demo.workspace_builder import build_demo_workspace

    started = time.perf_counter()
    build = build_demo_workspace(folder, residents=residents, seed=SEED)
    return {"seconds": time.perf_counter() - started, "peak_mib": peak_memory_mib(), "rows": build.total_rows,
            "sources": len(build.sources)}


def measure_townhall(folder: Path) -> dict[str, Any]:
    """Run ``link_and_evaluate`` once, end to end, timing each stage and the Splink stages as a whole."""
    from townhall.identity import link_and_evaluate
    from townhall.identity.linkage import evaluate, run
    from townhall.workspace import Workspace

    clock = StageClock()
    clock.wrap(run, "prepare_linkage_input", "standardise")
    clock.wrap(run, "choose_blocking_rules", "choose blocking rules")
    clock.wrap(run.LinkageJob, "__init__", "load into Splink")
    clock.wrap(run.LinkageJob, "train", "train")
    clock.wrap(run.LinkageJob, "predict", "predict")
    clock.wrap(run.LinkageJob, "edges", "edges with reviewers' decisions")
    clock.wrap(run.LinkageJob, "cluster", "cluster")  # the first call is townhall's own; the rest are evaluation
    clock.wrap(run, "split_contradicting_clusters", "of which splitting contradicting clusters")
    clock.wrap(evaluate, "accuracy", "accuracy counts")
    clock.wrap(run.LinkageJob, "review_pairs", "pairs for review, with evidence")
    clock.wrap(run, "build_persons", "people and households")
    clock.wrap(run, "build_households", "people and households")
    clock.wrap(run, "write_index", "write index")
    workspace = Workspace.open(folder)
    try:
        clock.started = _now()
        summary, measured = link_and_evaluate(workspace, progress=clock.report)
        seconds = _since(clock.started)
    finally:
        workspace.close()
    stages = {stage: clock.total(stage) for stage in clock.calls}
    stages["cluster"] = clock.calls["cluster"][0]
    splitting = clock.calls["of which splitting contradicting clusters"]
    stages["of which splitting contradicting clusters"] = splitting[0]
    evaluation = [clusterings + counts for clusterings, counts in zip(
        clock.total("cluster", skip=1), clock.total("accuracy counts"), strict=True)]
    stages["evaluation (more clusterings, accuracy)"] = evaluation
    ended, began = clock.first("Building people and households"), clock.first("Estimating")
    return {
        "seconds": seconds, "peak_mib": peak_memory_mib(), "stages": stages,
        "splink_seconds": [end - start - spent for end, start, spent in zip(ended, began, evaluation, strict=True)],
        "records": summary.records + summary.opted_out_records,
        "persons": summary.persons, "households": summary.households, "rules": summary.blocking_rules,
        "threshold": summary.threshold,
        "accuracy": [{"threshold": item.threshold, "precision": item.precision, "recall": item.recall, "f1": item.f1,
                      "people_exactly_right": item.people_exactly_right, "predicted_pairs": item.predicted_pairs,
                      "true_pairs": item.true_pairs} for item in measured],
    }


def export_input(folder: Path, parquet_file: Path) -> dict[str, Any]:
    """Write the standardised linkage input, exactly as townhall hands it to Splink, to Parquet (untimed)."""
    from townhall.identity import plan_sources
    from townhall.identity.linkage.prepare import prepare_linkage_input
    from townhall.workspace import Workspace

    workspace = Workspace.open(folder)
    try:
        records, _prepared = prepare_linkage_input(workspace, plan_sources(workspace))
    finally:
        workspace.close()
    records.to_parquet(parquet_file, index=False)
    return {"records": len(records)}


def plain_splink(parquet_file: Path, blocking_rules: list[str], threshold: float,
                 lowest_probability: float) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
    """The plain Splink script: read the records, train as townhall does, score, cluster; seconds per stage and the
    trained model."""
    import duckdb
    import pandas as pd
    from splink import DuckDBAPI, Linker

    from townhall.identity.linkage import model
    from townhall.identity.linkage.run import EM_MAXIMUM_PAIRS, RANDOM_SEED, U_SAMPLE_PAIRS, scoring_chunks

    stages: dict[str, list[float]] = {}
    _say_step("read Parquet")
    started = _now()
    records = pd.read_parquet(parquet_file)
    stages["read Parquet"] = _since(started)

    _say_step("load into Splink")
    started = _now()
    settings = model.base_settings(model.comparisons_for(model.usable_columns(records)), blocking_rules)
    connection = duckdb.connect()
    database = DuckDBAPI(connection)
    linker = Linker(database.register(records), settings, log_level=logging.ERROR)
    stages["load into Splink"] = _since(started)

    _say_step("train")
    started = _now()
    filled = set(records.columns[records.notna().any()])
    deterministic = [sql for sql, needs in model.DETERMINISTIC_RULES if set(needs) <= filled]
    if deterministic:
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=RANDOM_SEED)
    for sql, needs in model.TRAINING_BLOCKS:
        if set(needs) <= filled:
            linker.training.estimate_parameters_using_expectation_maximisation(sql, max_pairs=EM_MAXIMUM_PAIRS)
    stages["train"] = _since(started)

    _say_step("predict")
    started = _now()
    chunks = scoring_chunks(len(records))
    predictions = linker.inference.predict(
        threshold_match_probability=lowest_probability,
        **({"num_chunks_left": chunks, "num_chunks_right": chunks} if chunks > 1 else {}))
    stages["predict"] = _since(started)

    _say_step("cluster")
    started = _now()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    frame = connection.execute(
        f"select unique_id, cluster_id as cluster from {clusters.physical_name}").df()
    stages["cluster"] = _since(started)
    return frame, stages, linker.misc.save_model_to_json()


def largest_model_difference(mine: dict[str, Any], theirs: dict[str, Any]) -> float:
    """The largest difference between two trained models' prior, m and u probabilities (0.0: the same model)."""
    def probabilities(model: dict[str, Any]) -> list[float]:
        """The prior, then every level's m and u probability, in order."""
        values = [model.get("probability_two_random_records_match") or 0.0]
        for comparison in model["comparisons"]:
            for level in comparison["comparison_levels"]:
                values += [level.get("m_probability") or 0.0, level.get("u_probability") or 0.0]
        return values

    first, second = probabilities(mine), probabilities(theirs)
    if len(first) != len(second):
        return float("inf")
    return max(abs(one - other) for one, other in zip(first, second, strict=True))


def measure_plain_splink(folder: Path, parquet_file: Path) -> dict[str, Any]:
    """Run the plain Splink script with the blocking rules and threshold of townhall's latest run, and score it."""
    from townhall.identity import accuracy, latest_run, read_truth
    from townhall.identity.linkage.run import LOWEST_PROBABILITY_KEPT, LinkageOptions
    from townhall.workspace import Workspace

    workspace = Workspace.open(folder)
    try:
        last = latest_run(workspace)
        options = LinkageOptions.from_workspace(workspace)
        truth = read_truth(workspace.path / workspace.config.extra["demo"]["truth_folder"])
    finally:
        workspace.close()
    rules = [rule["blocking_rule"] if isinstance(rule, dict) else rule
             for rule in last.settings["blocking_rules_to_generate_predictions"]]
    lowest = min(LOWEST_PROBABILITY_KEPT, options.review_band[0], last.threshold)
    started = _now()
    clusters, stages, trained = plain_splink(parquet_file, rules, last.threshold, lowest)
    seconds = _since(started)
    peak = peak_memory_mib()
    scored = accuracy(clusters, truth, last.threshold)
    return {"seconds": seconds, "peak_mib": peak, "stages": stages,
            "model_difference": largest_model_difference(trained, last.settings),
            "splink_seconds": [total - read for total, read in zip(seconds, stages["read Parquet"], strict=True)],
            "accuracy": {"threshold": scored.threshold, "precision": scored.precision, "recall": scored.recall,
                         "f1": scored.f1, "people_exactly_right": scored.people_exactly_right,
                         "predicted_pairs": scored.predicted_pairs}}


# Wrong pairs of records, by kind. Merged: records of two true people in one index person; split: records of one
# true person in two index people. Each kind also counts the pairs where one record has no date of birth.
_PAIR_COLUMNS = """l.person as person_l, r.person as person_r, l.source as source_l, r.source as source_r,
    l.first_name as first_l, r.first_name as first_r, l.surname as surname_l, r.surname as surname_r,
    l.date_of_birth as birth_l, r.date_of_birth as birth_r, l.postcode as postcode_l, r.postcode as postcode_r,
    l.nhs_number as nhs_l, r.nhs_number as nhs_r"""
MISTAKE_TABLES = (  # (truth file read, statement)
    ("record_links.csv", """
        create temporary table linked as
        select r.unique_id, r.source, r.person_id as predicted, t.person_id as person, r.first_name, r.surname,
               r.date_of_birth, r.postcode, r.nhs_number
        from identity.records r
        join read_csv(?, all_varchar = true) t on r.unique_id = t.source || ':' || t.record_id
        where t.person_id <> '-1'"""),
    ("people.csv", "create temporary table people as select * from read_csv(?, all_varchar = true)"),
    ("households.csv", "create temporary table households as select * from read_csv(?, all_varchar = true)"),
    (None, f"""
        create temporary table wrong_pairs as
        select 'merged' as mistake, {_PAIR_COLUMNS}
        from linked l join linked r on l.predicted = r.predicted and l.person < r.person
        union all
        select 'split', {_PAIR_COLUMNS}
        from linked l join linked r on l.person = r.person and l.predicted < r.predicted"""),
)
MISTAKE_KINDS_SQL = """
select w.mistake, case when w.mistake = 'merged' then case
        when pa.twin_of = w.person_r or pb.twin_of = w.person_l then 'twins'
        when w.person_r in (pa.mother_id, pa.father_id) or w.person_l in (pb.mother_id, pb.father_id)
            then case when pa.first_name = pb.first_name then 'parent and child, same forename'
                      else 'parent and child' end
        when pa.mother_id = pb.mother_id or pa.father_id = pb.father_id then 'brothers and sisters'
        when pa.household_id = pb.household_id then 'others in one household'
        when pa.first_name = pb.first_name and pa.surname = pb.surname then 'strangers with the same name'
        else 'strangers' end
    else case
        when w.nhs_l = w.nhs_r then 'same NHS number, not linked'
        when w.birth_l is null or w.birth_r is null then 'no date of birth on one side, ' || case
            when w.postcode_l = w.postcode_r then 'same postcode'
            when h.moved = 'True' then 'moved house'
            else 'postcode differs or missing' end
        when w.surname_l is distinct from w.surname_r and pa.surname_change_date is not null then 'changed surname'
        when w.surname_l is distinct from w.surname_r then 'surname written differently'
        when w.birth_l <> w.birth_r then 'date of birth differs'
        when w.first_l is distinct from w.first_r then 'forename differs (nickname, initial, typo)'
        when w.postcode_l is distinct from w.postcode_r and h.moved = 'True' then 'moved house'
        when w.postcode_l is distinct from w.postcode_r then 'postcode differs or missing'
        else 'name and date of birth agree' end end as kind,
    count(*) as pairs, count(*) filter (where w.birth_l is null or w.birth_r is null) as without_birth_date
from wrong_pairs w
join people pa on pa.person_id = w.person_l
join people pb on pb.person_id = w.person_r
join households h on h.household_id = pa.household_id
group by all order by 1, 3 desc
"""
MISTAKE_SOURCES_SQL = """
select mistake, least(source_l, source_r) || ' / ' || greatest(source_l, source_r) as sources, count(*) as pairs
from wrong_pairs group by mistake, sources
qualify row_number() over (partition by mistake order by count(*) desc) <= 5
order by 1, 3 desc
"""


def count_mistakes(folder: Path) -> dict[str, Any]:
    """Wrong pairs in the person index against the demo's truth, by kind and by source (opted-out people are not in
    the index, so not counted)."""
    from townhall.workspace import Workspace

    workspace = Workspace.open(folder)
    try:
        truth = workspace.path / workspace.config.extra["demo"]["truth_folder"]
        with workspace.analytics.connect(read_only=True) as connection:
            for truth_file, statement in MISTAKE_TABLES:
                connection.execute(statement, [str(truth / truth_file)] if truth_file else [])
            kinds = connection.execute(MISTAKE_KINDS_SQL).fetchall()
            sources = connection.execute(MISTAKE_SOURCES_SQL).fetchall()
    finally:
        workspace.close()
    return {"kinds": [{"mistake": mistake, "kind": kind, "pairs": int(pairs), "without_birth_date": int(without)}
                      for mistake, kind, pairs, without in kinds],
            "sources": [{"mistake": mistake, "sources": sources, "pairs": int(pairs)}
                        for mistake, sources, pairs in sources]}


class OutOfMemoryError(Exception):
    """A measured child process went over the memory limit and was stopped."""


def _resident_mib(pid: int) -> float:
    """A running process's resident memory in MiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(arguments: list[str], memory_limit_mib: float) -> dict[str, Any]:
    """Run this script on one measured thing in a fresh Python process and read back its JSON; stop it if it goes
    over the memory limit, so that a size too big for this machine fails alone instead of exhausting memory."""
    with tempfile.TemporaryFile("w+") as output, tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen([sys.executable, __file__, *arguments], stdout=output, stderr=errors, text=True)
        while child.poll() is None:
            if _resident_mib(child.pid) > memory_limit_mib:
                child.kill()
                child.wait()
                errors.seek(0)
                steps = [line[len("step: "):].strip() for line in errors if line.startswith("step: ")]
                raise OutOfMemoryError(f"{arguments[1]} went over {memory_limit_mib / 1024:,.1f} GiB of memory"
                                  + (f" while {steps[-1]!r}" if steps else "") + ", so it was stopped")
            time.sleep(0.2)
        output.seek(0)
        errors.seek(0)
        if child.returncode != 0:
            sys.stderr.write(errors.read())
            raise SystemExit(f"bench/linkage.py {' '.join(arguments)} failed")
        return json.loads(output.read().strip().splitlines()[-1])


def _say_step(step: str) -> None:
    """Tell the parent process (on standard error) which step a measured run is at, for the out-of-memory message."""
    print(f"step: {step}", file=sys.stderr, flush=True)


def _is_demo_of(folder: Path, residents: int) -> bool:
    """Whether ``folder`` already holds the demo built at this size and seed."""
    config = folder / "townhall.toml"
    if not config.exists():
        return False
    demo = tomllib.loads(config.read_text(encoding="utf-8")).get("demo", {})
    return demo.get("residents") == residents and demo.get("seed") == SEED


def _ratio(townhall: float, plain: float) -> str:
    """townhall's figure as a multiple of plain Splink's: '1.04x'."""
    return f"{townhall / plain:.2f}x" if plain else "-"


def _fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Of repeated runs, the one whose Splink stages took least wall time (the least disturbed by other work)."""
    return min(runs, key=lambda run: run["splink_seconds"][0])


def _line(label: str, figures: list[float], peak: float | None = None, indent: int = 4) -> None:
    """One row of the timing table: wall seconds, CPU seconds and, for a whole run, its peak memory."""
    peak_text = f" {peak:>9,.0f}" if peak is not None else ""
    print(f"{' ' * indent}{label:<{46 - indent}} {figures[0]:>8.1f} {figures[1]:>8.1f}{peak_text}")


def bench_size(residents: int, folder: Path, repeats: int, explain: bool,
               memory_limit_mib: float) -> dict[str, Any] | None:
    """Build (or reuse) the demo at one size, time both linkages, and print the figures (None: stopped)."""
    try:
        return _bench_size(residents, folder, repeats, explain, memory_limit_mib)
    except OutOfMemoryError as stopped:
        print(f"  stopped: {stopped}; no figures for this size", flush=True)
        return None


def _bench_size(residents: int, folder: Path, repeats: int, explain: bool, memory_limit_mib: float) -> dict[str, Any]:
    workspace = folder / f"ashbury-{residents}"
    print(f"\n{residents:,} residents ({workspace})", flush=True)
    if _is_demo_of(workspace, residents):
        print("  demo workspace: reused (not rebuilt)")
    else:
        built = _child(["--one", "build", "--workspace", str(workspace), "--residents", str(residents)],
                       memory_limit_mib)
        print(f"  demo workspace: built in {built['seconds']:.1f} s, peak {built['peak_mib']:,.0f} MiB, "
              f"{built['rows']:,} rows in {built['sources']} sources (not part of the comparison)", flush=True)

    parquet_file = workspace / "linkage-input.parquet"
    townhall_runs, plain_runs = [], []
    try:
        for run in range(repeats):  # alternate, so that other work on the machine falls on both alike
            townhall_runs.append(_child(["--one", "townhall", "--workspace", str(workspace)], memory_limit_mib))
            if run == 0:
                _child(["--one", "export", "--workspace", str(workspace), "--input", str(parquet_file)],
                       memory_limit_mib)
            plain_runs.append(_child(["--one", "splink", "--workspace", str(workspace), "--input",
                                      str(parquet_file)], memory_limit_mib))
    finally:
        parquet_file.unlink(missing_ok=True)
    townhall, plain = _fastest(townhall_runs), _fastest(plain_runs)

    print(f"  records linked {townhall['records']:,}; people {townhall['persons']:,}; "
          f"households {townhall['households']:,}")
    print(f"  blocking rules: {'; '.join(townhall['rules'])}")
    if repeats > 1:
        every = {name: ", ".join(f"{run['splink_seconds'][0]:.1f}" for run in runs)
                 for name, runs in (("townhall", townhall_runs), ("plain", plain_runs))}
        print(f"  fastest of {repeats} runs each; Splink stages of every run (wall s): townhall {every['townhall']}; "
              f"plain {every['plain']}")
    print(f"  {'':<44} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}")
    _line("townhall link_and_evaluate, end to end", townhall["seconds"], townhall["peak_mib"], indent=2)
    for stage in TOWNHALL_STAGES:
        _line(stage, townhall["stages"][stage], indent=6 if stage.startswith("of which") else 4)
    _line("Splink stages (less evaluation)", townhall["splink_seconds"])
    _line("plain Splink script", plain["seconds"], plain["peak_mib"], indent=2)
    for stage, figures in plain["stages"].items():
        _line(stage, figures)
    _line("Splink stages", plain["splink_seconds"])
    wall_ratio = townhall["splink_seconds"][0] / plain["splink_seconds"][0]
    print(f"  townhall / plain Splink, Splink stages: wall "
          f"{_ratio(townhall['splink_seconds'][0], plain['splink_seconds'][0])}, CPU "
          f"{_ratio(townhall['splink_seconds'][1], plain['splink_seconds'][1])} "
          f"(target {TARGET_RATIO}x: {'met' if wall_ratio <= TARGET_RATIO else 'NOT met'})")
    same_calls = [sum(townhall["stages"][stage][kind] for stage in SAME_SPLINK_CALLS)
                  - townhall["stages"]["of which splitting contradicting clusters"][kind] for kind in (0, 1)]
    plain_calls = [sum(plain["stages"][stage][kind] for stage in SAME_SPLINK_CALLS) for kind in (0, 1)]
    print(f"  the same Splink calls alone (load, train, predict, connected components): wall "
          f"{_ratio(same_calls[0], plain_calls[0])}, CPU {_ratio(same_calls[1], plain_calls[1])}; by stage (CPU): "
          + ", ".join(f"{stage} {_ratio(townhall['stages'][stage][1], plain['stages'][stage][1])}"
                      for stage in SAME_SPLINK_CALLS[:3]))
    print(f"  end to end {_ratio(townhall['seconds'][0], plain['seconds'][0])} (townhall also standardises, "
          f"evaluates and writes the index); peak memory {_ratio(townhall['peak_mib'], plain['peak_mib'])}")

    print(f"  {'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6} {'people exactly right':>21} "
          f"{'pairs linked':>13} {'true pairs':>11}")
    for row in townhall["accuracy"]:
        print(f"  {row['threshold']:>9} {row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>6.4f} "
              f"{row['people_exactly_right']:>21.4f} {row['predicted_pairs']:>13,} {row['true_pairs']:>11,}")
    same = plain["accuracy"]
    print(f"  trained model: {'the same as' if plain['model_difference'] < 1e-9 else 'DIFFERENT from'} townhall's "
          f"(largest difference in the prior, m or u probabilities {plain['model_difference']:.1e})")
    print(f"  plain Splink at {same['threshold']} (connected components only, no splitting of contradicting "
          f"clusters): precision {same['precision']:.4f}, recall {same['recall']:.4f}, people exactly right "
          f"{same['people_exactly_right']:.4f}, pairs linked {same['predicted_pairs']:,}")
    if explain:
        mistakes = _child(["--one", "mistakes", "--workspace", str(workspace)], memory_limit_mib)
        print(f"  wrong pairs of records in the person index at {townhall['threshold']}, by kind "
              f"{'pairs':>24} {'one side has no date of birth':>30}")
        for row in mistakes["kinds"]:
            print(f"    {row['mistake']:<7} {row['kind']:<60} {row['pairs']:>9,} {row['without_birth_date']:>30,}")
        print("  sources of the wrong pairs (five commonest per kind of mistake):")
        for row in mistakes["sources"]:
            print(f"    {row['mistake']:<7} {row['sources']:<60} {row['pairs']:>9,}")
    sys.stdout.flush()
    return {"residents": residents, "townhall": townhall, "plain": plain}


def main() -> None:
    """Measure each size in child processes and print the figures, then one summary line per size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", default=DEFAULT_RESIDENTS, help="resident counts, space or comma separated")
    parser.add_argument("--folder", type=Path, help="keep the demo workspaces here and reuse them on the next run")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each linkage per size; the fastest is shown")
    parser.add_argument("--no-mistakes", action="store_true", help="skip counting the wrong pairs by kind")
    parser.add_argument("--memory-limit", type=float, default=round(0.8 * _physical_memory_mib() / 1024, 1),
                        help="GiB a measured run may use before it is stopped (default: 80%% of this machine's)")
    parser.add_argument("--one", choices=("build", "townhall", "export", "splink", "mistakes"), help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    measurers: dict[str, Callable[[], dict[str, Any]]] = {
        "build": lambda: measure_build(arguments.workspace, int(arguments.residents)),
        "townhall": lambda: measure_townhall(arguments.workspace),
        "export": lambda: export_input(arguments.workspace, arguments.input),
        "splink": lambda: measure_plain_splink(arguments.workspace, arguments.input),
        "mistakes": lambda: count_mistakes(arguments.workspace),
    }
    if arguments.one:
        print(json.dumps(measurers[arguments.one](), default=str))
        return
    sizes = [int(text) for text in arguments.residents.replace(",", " ").split()]
    with tempfile.TemporaryDirectory(prefix="townhall-linkage-bench-") as scratch:
        folder = (arguments.folder or Path(scratch)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        results = [bench_size(size, folder, arguments.repeats, not arguments.no_mistakes, arguments.memory_limit * 1024)
                   for size in sizes]
    print(f"\n{'residents':>10} {'records':>10} {'townhall s':>10} {'its Splink s':>12} {'plain s':>8} {'ratio':>6} "
          f"{'CPU ratio':>9} {'townhall MiB':>12} {'plain MiB':>9} {'precision':>9} {'recall':>7}")
    for size, result in zip(sizes, results, strict=True):
        if result is None:
            print(f"{size:>10,}  stopped: over the memory limit")
            continue
        townhall, plain = result["townhall"], result["plain"]
        chosen = next(row for row in townhall["accuracy"] if row["threshold"] == townhall["threshold"])
        print(f"{result['residents']:>10,} {townhall['records']:>10,} {townhall['seconds'][0]:>10.1f} "
              f"{townhall['splink_seconds'][0]:>12.1f} {plain['splink_seconds'][0]:>8.1f} "
              f"{_ratio(townhall['splink_seconds'][0], plain['splink_seconds'][0]):>6} "
              f"{_ratio(townhall['splink_seconds'][1], plain['splink_seconds'][1]):>9} {townhall['peak_mib']:>12,.0f} "
              f"{plain['peak_mib']:>9,.0f} {chosen['precision']:>9.4f} {chosen['recall']:>7.4f}")


if __name__ == "__main__":
    main()
