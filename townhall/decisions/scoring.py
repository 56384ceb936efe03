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

from townhall.decisions.dataset import AS_OF
from townhall.decisions.explain import feature_kinds, top_reasons
from townhall.decisions.features import CasePeriod
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
    from townhall.decisions.definition import ModelDefinition
    from townhall.decisions.drift import DriftReport
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


def _default_as_of(workspace: Workspace, definition: ModelDefinition) -> date:
    from townhall.decisions.features import latest_data_date

    latest = latest_data_date(workspace, definition)
    if latest is None:
        raise TownhallError(f"There is no data to score '{definition.name}' on: its sources hold no dated records. "
                            "Give a date with --as-of.")
    return latest


def cases_to_score(workspace: Workspace, definition: ModelDefinition, first: date | None,
                   last: date | None) -> CasePeriod:
    """The cases a model that ranks each case at its own date scores: those dated from ``first`` to ``last``; by
    default its test window, else the last ``step_months`` up to the latest case."""
    training = definition.training
    if first is None and training.test_window is not None:
        first, default_last = training.test_window
    else:
        latest = _default_as_of(workspace, definition)
        default_last = latest if first is None else (
            pd.Timestamp(first) + pd.DateOffset(months=training.step_months) - pd.Timedelta(days=1)).date()
        if first is None:
            first = (pd.Timestamp(latest) - pd.DateOffset(months=training.step_months) + pd.Timedelta(days=1)).date()
    last = last or default_last
    if last < first:
        raise TownhallError(f"The period to score ends ({last:%d %B %Y}) before it starts ({first:%d %B %Y}).")
    return CasePeriod(first, last)


def score_model(workspace: Workspace, name: str, *, as_of: date | None = None, until: date | None = None,
                actor: str = "analyst", progress: Progress | None = None) -> ScoringResult:
    """Score every unit at ``as_of`` (the latest data date by default) with the trained model ``name`` and save the
    list, its bands, protected characteristics, reasons and drift check as a "score" run (``_commit_scoring``).

    A model that ranks each case at its own date scores the cases dated from ``as_of`` to ``until`` instead (see
    ``cases_to_score``)."""
    from townhall.decisions.drift import check_drift
    from townhall.decisions.features import build_dataset

    report = progress or (lambda step, fraction: None)
    started = datetime.now(UTC)
    trained = load_trained(workspace, name)
    definition = trained.definition
    report("building today's data", 0.05)
    if definition.by_case:
        period = cases_to_score(workspace, definition, as_of, until)
        scored_on = period.first
        dataset = build_dataset(workspace, definition, cases=period)
    else:
        scored_on = as_of or _default_as_of(workspace, definition)
        dataset = build_dataset(workspace, definition, [scored_on]).at(pd.Timestamp(scored_on))
    missing = [column for column in trained.fitted.feature_columns if column not in dataset.frame.columns]
    if missing:
        raise TownhallError(f"The model '{name}' was trained with feature(s) {', '.join(missing)} that its definition "
                            "no longer makes. Train it again before scoring.")
    if dataset.frame.empty:
        raise TownhallError(f"There are no {definition.unit_noun} to score for '{name}' on {scored_on:%d %B %Y}.")
    frame = dataset.frame
    report("scoring", 0.5)
    probabilities, ordering = trained.fitted.ranking(frame)
    capacity = int(trained.training.get("capacity", definition.capacity))
    listed = ranked_list(frame, probabilities, capacity, trained.band_thresholds, ordering)
    listed["area_code"] = area_codes(frame)
    report("explaining the cases on the list", 0.65)
    explained = (listed["in_top_k"] | (listed["band"] == "high")).to_numpy()
    reasons = top_reasons(trained.fitted, frame[explained], dataset.descriptions or trained.training["descriptions"],
                          feature_kinds(definition))
    report("checking for drift", 0.85)
    drift = check_drift(workspace, name, dataset, probabilities, fitted=trained.fitted, store=False)
    run_id = new_run_id("score")
    predictions = listed.assign(model=name, run_id=run_id, kind=SCORE, split=None, outcome=None,
                                model_kind=trained.fitted.kind)
    predictions["split"] = predictions["split"].astype("Int64")
    predictions["outcome"] = predictions["outcome"].astype("boolean")
    reasons.insert(0, "model", name)
    reasons.insert(1, "run_id", run_id)
    band_counts = {band: int((listed["band"] == band).sum()) for band in ("high", "medium", "low")}
    drift_warnings = [str(warning) for warning in drift.warnings]
    warnings = list(dataset.warnings) + drift_warnings
    figures = {"band_counts": band_counts, "top_k": int(listed["in_top_k"].sum()),
               "mean_probability": float(probabilities.mean()), "drift_warnings": drift_warnings}
    _commit_scoring(workspace, ScoredList(name, run_id, scored_on, started, trained.fitted.kind, figures, warnings,
                                          predictions, protected_rows(dataset, name, run_id), reasons, drift), actor)
    report("done", 1.0)
    return ScoringResult(run_id, name, scored_on, len(listed), figures["top_k"], band_counts, len(reasons),
                         drift_warnings, warnings, listed)


@dataclass
class ScoredList:
    """Everything one scoring run writes, gathered so that it is committed in one place."""

    model: str
    run_id: str
    as_of: date
    started: datetime
    model_kind: str
    figures: dict[str, Any]
    warnings: list[str]
    predictions: pd.DataFrame
    protected: pd.DataFrame
    reasons: pd.DataFrame
    drift: DriftReport


def _commit_scoring(workspace: Workspace, scored: ScoredList, actor: str) -> None:
    """The one place a scoring run is committed: its run row, list, protected characteristics, reasons and drift
    check in one transaction, so a killed run leaves none of them (and running it again does the right thing)."""
    from townhall.decisions.drift import insert_report

    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        insert_run(connection, scored.model, scored.run_id, SCORE, scored.as_of, scored.started, datetime.now(UTC),
                   len(scored.predictions), scored.model_kind, scored.figures, scored.warnings, actor)
        insert_frame(connection, "predictions", scored.predictions)
        insert_frame(connection, "protected", scored.protected)
        insert_frame(connection, "reasons", scored.reasons)
        insert_report(connection, scored.drift)
    workspace.audit.record(actor, "risk.score", scored.model, details={
        "model": scored.model, "run_id": scored.run_id, "as_of": scored.as_of.isoformat(),
        "units": len(scored.predictions), "top_k": scored.figures["top_k"],
        "high": scored.figures["band_counts"]["high"]})


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
