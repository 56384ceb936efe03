"""Score today's units with a trained model: a ranked list with bands and the top reasons behind each case on it.

The list is for a person to work through, never an automated decision: ``in_top_k`` marks the cases the team has
capacity for, the band says how far above the base rate a case is ("high" at 3 times by default), and reasons are
kept for every case on the list and every "high" case so the practitioner sees why it is there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from townhall.decisions.dataset import AS_OF, UnitDataset
from townhall.decisions.explain import feature_kinds, top_reasons
from townhall.decisions.store import SCHEMA, SCORE, ensure_tables
from townhall.decisions.training import (
    Progress,
    area_codes,
    insert_frame,
    insert_run,
    load_trained,
    new_run_id,
    protected_rows,
    ranked_list,
)
from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace


@dataclass
class ScoringResult:
    """What ``score_model`` did: the run, the date scored, how many units in each band and any drift warnings."""

    run_id: str
    model: str
    as_of: date
    scored: int
    top_k: int
    band_counts: dict[str, int]
    reasons: int
    drift_warnings: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    predictions: pd.DataFrame = field(default_factory=pd.DataFrame)


def _default_as_of(workspace: Workspace, definition: Any) -> date:
    from townhall.decisions.features import latest_data_date

    latest = latest_data_date(workspace, definition)
    if latest is None:
        raise TownhallError(f"There is no data to score '{definition.name}' on: its sources hold no dated records. "
                            "Give a date with --as-of.")
    return latest


def _drift_warnings(workspace: Workspace, name: str, dataset: UnitDataset, probabilities: Any) -> list[str]:
    """Warnings from the drift check: how far today's features and scores have moved from the training data."""
    from townhall.decisions.drift import check_drift

    report = check_drift(workspace, name, dataset, probabilities)
    return [str(warning) for warning in report.warnings]


def score_model(workspace: Workspace, name: str, *, as_of: date | None = None, actor: str = "analyst",
                progress: Progress | None = None) -> ScoringResult:
    """Score every unit at ``as_of`` (the latest data date by default) with the trained model ``name`` and save the
    list, its bands, protected characteristics and reasons as a "score" run."""
    from townhall.decisions.features import build_dataset

    report = progress or (lambda step, fraction: None)
    started = datetime.now(UTC)
    trained = load_trained(workspace, name)
    definition = trained.definition
    scored_on = as_of or _default_as_of(workspace, definition)
    report("building today's data", 0.05)
    dataset = build_dataset(workspace, definition, [scored_on]).at(pd.Timestamp(scored_on))
    missing = [column for column in trained.fitted.feature_columns if column not in dataset.frame.columns]
    if missing:
        raise TownhallError(f"The model '{name}' was trained with feature(s) {', '.join(missing)} that its definition "
                            "no longer makes. Train it again before scoring.")
    if dataset.frame.empty:
        raise TownhallError(f"There are no units to score for '{name}' on {scored_on:%d %B %Y}.")
    frame = dataset.frame
    report("scoring", 0.5)
    probabilities = trained.fitted.probabilities(frame)
    capacity = int(trained.training.get("capacity", definition.capacity))
    listed = ranked_list(frame, probabilities, capacity, trained.band_thresholds)
    listed["area_code"] = area_codes(frame)
    report("explaining the cases on the list", 0.65)
    explained = (listed["in_top_k"] | (listed["band"] == "high")).to_numpy()
    reasons = top_reasons(trained.fitted, frame[explained], dataset.descriptions or trained.training["descriptions"],
                          feature_kinds(definition))
    report("checking for drift", 0.85)
    drift = _drift_warnings(workspace, name, dataset, probabilities)
    run_id = new_run_id("score")
    predictions = listed.assign(model=name, run_id=run_id, kind=SCORE, split=None, outcome=None,
                                model_kind=trained.fitted.kind)
    predictions["split"] = predictions["split"].astype("Int64")
    predictions["outcome"] = predictions["outcome"].astype("boolean")
    reasons.insert(0, "model", name)
    reasons.insert(1, "run_id", run_id)
    band_counts = {band: int((listed["band"] == band).sum()) for band in ("high", "medium", "low")}
    warnings = list(dataset.warnings) + drift
    figures = {"band_counts": band_counts, "top_k": int(listed["in_top_k"].sum()),
               "mean_probability": float(probabilities.mean()), "drift_warnings": drift}
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        insert_run(connection, name, run_id, SCORE, scored_on, started, datetime.now(UTC), len(listed),
                    trained.fitted.kind, figures, warnings, actor)
        insert_frame(connection, "predictions", predictions)
        insert_frame(connection, "protected", protected_rows(dataset, name, run_id))
        insert_frame(connection, "reasons", reasons)
    workspace.audit.record(actor, "risk.score", name, details={
        "model": name, "run_id": run_id, "as_of": scored_on.isoformat(), "units": len(listed),
        "top_k": figures["top_k"], "high": band_counts["high"]})
    report("done", 1.0)
    return ScoringResult(run_id, name, scored_on, len(listed), figures["top_k"], band_counts, len(reasons), drift,
                         warnings, listed)


def latest_score_run(workspace: Workspace, name: str) -> dict[str, Any] | None:
    """The latest "score" run of a model (its decisions.runs row as a dict), or None if it was never scored."""
    if not workspace.analytics.table_exists(SCHEMA, "runs"):
        return None
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            f"select * from {SCHEMA}.runs where model = ? and kind = ? order by finished_at desc limit 1",
            [name, SCORE]).df()
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    row["metrics"] = json.loads(row["metrics"] or "{}")
    row["warnings"] = json.loads(row["warnings"] or "[]")
    row[AS_OF] = pd.Timestamp(row[AS_OF]).date() if row[AS_OF] is not None else None
    return row
