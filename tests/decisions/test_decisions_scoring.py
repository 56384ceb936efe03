"""Training and scoring the hidden-HMO model on the linked demo council: the saved model, the out-of-time
predictions, today's list with bands and reasons, and the honesty warnings a council this small earns."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from townhall.decisions import metrics
from townhall.decisions.definition import load_definition
from townhall.decisions.features import latest_data_date
from townhall.decisions.scoring import ScoringResult, latest_score_run, score_model
from townhall.decisions.training import CHART_FILES, TrainingResult, load_trained, train_model
from townhall.errors import TownhallError
from townhall.workspace import Workspace


@dataclass
class TrainedDemo:
    workspace: Workspace
    training: TrainingResult
    scoring: ScoringResult

    def query(self, sql: str, parameters: list[object] | None = None) -> pd.DataFrame:
        with self.workspace.analytics.connect(read_only=True) as connection:
            return connection.execute(sql, parameters or []).df()


@pytest.fixture(scope="module")
def trained_demo(linked_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedDemo]:
    """A copy of the linked demo (which has the areas' deprivation deciles), hidden-hmos trained on it and scored."""
    copy = tmp_path_factory.mktemp("risk-demo") / "ashbury"
    shutil.copytree(linked_demo_folder, copy)
    workspace = Workspace.open(copy)
    definition = load_definition("hidden-hmos")
    steps: list[tuple[str, float]] = []
    training = train_model(workspace, definition, progress=lambda step, done: steps.append((step, done)),
                           actor="asha.analyst")
    assert steps[0][1] == 0.0 and steps[-1] == ("done", 1.0)
    assert [done for _, done in steps] == sorted(done for _, done in steps)
    scoring = score_model(workspace, "hidden-hmos", actor="asha.analyst")
    yield TrainedDemo(workspace, training, scoring)
    workspace.close()


def test_the_model_folder_holds_everything_needed_to_score_audit_and_explain(trained_demo: TrainedDemo) -> None:
    folder = trained_demo.training.folder
    expected = {"definition.yaml", "model.joblib", "training.json", "training_data.parquet", *CHART_FILES.values()}
    assert {path.name for path in folder.iterdir()} == expected
    assert not [path for path in folder.parent.iterdir() if path.name.startswith(".")]  # no half-built folders
    assert (folder / "calibration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    trained = load_trained(trained_demo.workspace, "hidden-hmos")
    assert trained.definition.name == "hidden-hmos" and trained.fitted.kind == trained_demo.training.fitted.kind
    record = json.loads((folder / "training.json").read_text(encoding="utf-8"))
    assert record["chosen_model"] == trained.fitted.kind and record["capacity"] == 50
    assert record["band_thresholds"]["high"] == pytest.approx(3 * record["base_rate"])
    assert len(record["splits"]) == len(trained_demo.training.evaluation.splits) >= 1
    data = pd.read_parquet(folder / "training_data.parquet")
    assert len(data) == trained_demo.training.evaluation.labelled_rows and data["outcome"].notna().all()


def test_out_of_time_predictions_are_saved_per_split_with_ranks_bands_and_protected_rows(
        trained_demo: TrainedDemo) -> None:
    run_id = trained_demo.training.run_id
    predictions = trained_demo.query("select * from decisions.predictions where run_id = ?", [run_id])
    assert set(predictions["kind"]) == {"evaluation"} and predictions["outcome"].notna().all()
    evaluation = trained_demo.training.evaluation
    assert sorted(predictions["split"].unique()) == [result.split.number for result in evaluation.splits]
    for split, rows in predictions.groupby("split"):
        assert sorted(rows["rank"]) == list(range(1, len(rows) + 1))
        assert rows["in_top_k"].sum() == min(50, len(rows))
        assert rows.loc[rows["in_top_k"], "probability"].min() >= rows.loc[~rows["in_top_k"], "probability"].max()
        assert set(rows["band"]) <= {"high", "medium", "low"}
        result = next(result for result in evaluation.splits if result.split.number == split)
        figures = result.figures[evaluation.chosen_kind]
        assert metrics.precision_at_k(rows["outcome"], rows["probability"], 50) == pytest.approx(
            figures["precision_at_k"])
    protected = trained_demo.query("select * from decisions.protected where run_id = ?", [run_id])
    assert set(protected["characteristic"]) == {"Area deprivation"}
    assert len(protected.merge(predictions[["unit_id", "as_of"]], on=["unit_id", "as_of"])) == len(predictions)
    run = trained_demo.query("select * from decisions.runs where run_id = ?", [run_id]).iloc[0]
    assert run["kind"] == "train" and run["units"] == evaluation.labelled_rows
    assert json.loads(run["warnings"]) == evaluation.warnings


def test_a_council_this_small_is_warned_that_its_figures_are_rough(trained_demo: TrainedDemo) -> None:
    evaluation = trained_demo.training.evaluation
    assert evaluation.positives < 50
    assert any(warning.startswith(f"Only {evaluation.positives} properties in the training data")
               for warning in evaluation.warnings)


def test_scoring_ranks_todays_properties_with_bands_and_reasons(trained_demo: TrainedDemo) -> None:
    scoring = trained_demo.scoring
    assert scoring.as_of == latest_data_date(trained_demo.workspace, load_definition("hidden-hmos"))
    predictions = trained_demo.query("select * from decisions.predictions where run_id = ?", [scoring.run_id])
    assert len(predictions) == scoring.scored > 50 and set(predictions["kind"]) == {"score"}
    assert predictions["outcome"].isna().all() and predictions["split"].isna().all()
    assert predictions["in_top_k"].sum() == 50 == scoring.top_k
    assert predictions["band"].value_counts().to_dict() == {band: count for band, count in
                                                           scoring.band_counts.items() if count}
    thresholds = trained_demo.training.training["band_thresholds"]
    high = predictions["band"] == "high"
    assert (predictions.loc[high, "probability"] >= thresholds["high"]).all()
    assert (predictions.loc[~high, "probability"] < thresholds["high"]).all()
    reasons = trained_demo.query("select * from decisions.reasons where run_id = ?", [scoring.run_id])
    explained = set(predictions.loc[predictions["in_top_k"] | high, "unit_id"])
    assert set(reasons["unit_id"]) == explained
    assert reasons.groupby("unit_id")["position"].max().between(1, 3).all()
    assert reasons["sentence"].str.endswith(("(raises the score)", "(lowers the score)")).all()
    descriptions = load_definition("hidden-hmos").descriptions
    assert reasons["feature"].isin(list(descriptions)).all()
    latest = latest_score_run(trained_demo.workspace, "hidden-hmos")
    assert latest is not None and latest["run_id"] == scoring.run_id and latest["as_of"] == scoring.as_of
    protected = trained_demo.query("select count(*) as rows from decisions.protected where run_id = ?",
                                   [scoring.run_id])
    assert protected["rows"].iloc[0] == scoring.scored


def test_training_and_scoring_are_audit_logged_without_personal_data(trained_demo: TrainedDemo) -> None:
    trained = trained_demo.workspace.audit.entries(action="risk.train")[0]
    scored = trained_demo.workspace.audit.entries(action="risk.score")[0]
    assert trained.actor == "asha.analyst" and trained.subject == "hidden-hmos"
    assert set(trained.details) == {"model", "run_id", "labelled_rows", "splits", "chosen_model"}
    assert set(scored.details) == {"model", "run_id", "as_of", "units", "top_k", "high"}


def test_scoring_a_model_never_trained_says_how_to_train_it(trained_demo: TrainedDemo) -> None:
    with pytest.raises(TownhallError, match="townhall risk train business-rates"):
        score_model(trained_demo.workspace, "business-rates")


def test_a_scoring_run_that_fails_part_way_leaves_no_list_and_no_drift_check(trained_demo: TrainedDemo,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from townhall.decisions import training

    def count(table: str) -> int:
        return int(trained_demo.query(f"select count(*) as n from decisions.{table}")["n"].iloc[0])

    before = {table: count(table) for table in ("runs", "predictions", "reasons", "drift")}
    original = training.insert_frame

    def failing(connection, table, frame):  # type: ignore[no-untyped-def]
        if table == "reasons":
            raise RuntimeError("the machine was switched off")
        original(connection, table, frame)

    monkeypatch.setattr("townhall.decisions.scoring.insert_frame", failing)
    with pytest.raises(RuntimeError):
        score_model(trained_demo.workspace, "hidden-hmos")
    assert {table: count(table) for table in before} == before
