"""Drift: has the data a model is scored on moved away from the data it learnt from?

Each feature, and the scores themselves, are compared with the training data by the population stability index
(PSI): numbers are cut into ten bins at the training data's deciles (missing values in a bin of their own), categories
and yes/no features by their shares. By the usual rule of thumb, a PSI under 0.1 is no real change, 0.1 to 0.25 is
some change, and 0.25 or more is a large change. Each check is stored in ``decisions.drift`` so the model's page can
show it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from townhall.decisions.dataset import AS_OF, UnitDataset
from townhall.decisions.store import EVALUATION, SCHEMA, model_folder
from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.workspace import Workspace

SOME_CHANGE = 0.1
LARGE_CHANGE = 0.25
BINS = 10
SMALLEST_SHARE = 1e-4  # an empty bin counts as this share, so the index stays finite
SCORE = "score"  # the ``feature`` name of the score distribution's row
MISSING = "Missing"
DRIFT_TABLE = f"{SCHEMA}.drift"
DRIFT_COLUMNS = """
    model VARCHAR NOT NULL, checked_at TIMESTAMPTZ NOT NULL, as_of DATE, feature VARCHAR NOT NULL,
    description VARCHAR, kind VARCHAR NOT NULL, stability_index DOUBLE NOT NULL, level VARCHAR NOT NULL,
    training_rows INTEGER, current_rows INTEGER, sentence VARCHAR"""


@dataclass(frozen=True)
class FeatureDrift:
    """How far one feature (or the score) has moved since training."""

    feature: str
    description: str
    kind: str  # "numeric", "categorical" or "score"
    stability_index: float
    training_rows: int
    current_rows: int

    basis: str = ""  # for the score: what the current scores were compared with, when not the training scores
    recorded: str = ""  # the sentence as stored by the check (read back from decisions.drift)

    @property
    def level(self) -> str:
        """ "none", "some" or "large"."""
        return drift_level(self.stability_index)

    def sentence(self) -> str:
        """The plain-English warning (or all-clear) for this feature."""
        if self.recorded:
            return self.recorded
        what = "The scores" if self.kind == SCORE else f"'{self.description}'"
        index = f"population stability index {self.stability_index:.2f}"
        if self.basis:
            index += f"; {self.basis}"
        if self.level == "large":
            return (f"{what} {'have' if self.kind == SCORE else 'has'} changed a lot since the model was trained "
                    f"({index}, above {LARGE_CHANGE:g}). Check the data before using the list, and retrain if the "
                    "change is real.")
        if self.level == "some":
            return (f"{what} {'have' if self.kind == SCORE else 'has'} changed somewhat since the model was trained "
                    f"({index}, above {SOME_CHANGE:g}). Keep an eye on it.")
        return f"{what} {'are' if self.kind == SCORE else 'is'} much as in training ({index})."


@dataclass
class DriftReport:
    """The drift check of one scoring: every feature and the score, and the warnings above the thresholds."""

    model: str
    as_of: pd.Timestamp | None
    checked_at: datetime
    features: list[FeatureDrift]
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Plain-English warnings, largest change first (features and score at 0.1 or more)."""
        drifted = [item for item in self.features if item.level != "none"]
        return [item.sentence() for item in sorted(drifted, key=lambda item: -item.stability_index)] + self.notes

    @property
    def score(self) -> FeatureDrift | None:
        """The score distribution's drift, when it could be measured."""
        return next((item for item in self.features if item.kind == SCORE), None)

    def feature(self, name: str) -> FeatureDrift:
        """One feature's drift by column name."""
        for item in self.features:
            if item.feature == name:
                return item
        raise KeyError(name)


def drift_level(stability_index: float) -> str:
    """ "large" at 0.25 or more, "some" from 0.1, else "none"."""
    if stability_index >= LARGE_CHANGE:
        return "large"
    if stability_index >= SOME_CHANGE:
        return "some"
    return "none"


def population_stability_index(expected_shares: np.ndarray, actual_shares: np.ndarray) -> float:
    """PSI = Σ (actual − expected) × ln(actual / expected), with empty bins counted as a tiny share."""
    expected = np.maximum(np.asarray(expected_shares, dtype=float), SMALLEST_SHARE)
    actual = np.maximum(np.asarray(actual_shares, dtype=float), SMALLEST_SHARE)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def numeric_stability_index(training: pd.Series, current: pd.Series, bins: int = BINS) -> float:
    """PSI of a numeric column, cut at the training data's quantiles (missing values are a bin of their own)."""
    train_values = pd.to_numeric(training.astype("Float64"), errors="coerce").astype(float)
    current_values = pd.to_numeric(current.astype("Float64"), errors="coerce").astype(float)
    known = train_values.dropna().to_numpy()
    inner = np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1])) if len(known) else np.array([])
    edges = np.concatenate([[-np.inf], inner, [np.inf]])

    def shares(values: pd.Series) -> np.ndarray:
        present = values.dropna().to_numpy()
        counts = np.histogram(present, bins=edges)[0] if len(present) else np.zeros(len(edges) - 1)
        # np.histogram closes the last bin only; values equal to an inner edge fall in the bin above, consistently.
        return np.append(counts, values.isna().sum()) / max(len(values), 1)

    return population_stability_index(shares(train_values), shares(current_values))


def categorical_stability_index(training: pd.Series, current: pd.Series) -> float:
    """PSI of a categorical or yes/no column by the shares of each category (missing as its own category)."""
    def shares(values: pd.Series) -> pd.Series:
        text = values.astype("string").fillna(MISSING)
        return text.value_counts(normalize=True)

    expected, actual = shares(training), shares(current)
    categories = sorted(set(expected.index) | set(actual.index))
    return population_stability_index(expected.reindex(categories, fill_value=0).to_numpy(),
                                      actual.reindex(categories, fill_value=0).to_numpy())


def compare_features(training: pd.DataFrame, current: pd.DataFrame, feature_columns: list[str],
                     categorical_columns: list[str], descriptions: dict[str, str]) -> list[FeatureDrift]:
    """The drift of each feature column between two frames (columns missing from either are left out)."""
    results = []
    for column in feature_columns:
        if column not in training.columns or column not in current.columns:
            continue
        categorical = (column in categorical_columns or training[column].dtype == bool
                       or str(training[column].dtype) in ("boolean", "category", "string", "object"))
        index = (categorical_stability_index(training[column], current[column]) if categorical
                 else numeric_stability_index(training[column], current[column]))
        results.append(FeatureDrift(column, descriptions.get(column, column), "categorical" if categorical else
                                    "numeric", index, len(training), len(current)))
    return results


def check_drift(workspace: Workspace, name: str, dataset: UnitDataset, probabilities: Any, *,
                fitted: Any = None, store: bool = True) -> DriftReport:
    """Compare the dataset being scored, and its scores, with model ``name``'s training data; store the result
    (``store=False`` leaves storing to the caller, as scoring does inside its own transaction).

    The scores are compared with the scores ``fitted`` (the model, loaded from its folder when not given) gives its
    own training rows; when the model cannot be loaded, with its out-of-time evaluation scores instead, and the
    report says so and why."""
    folder = model_folder(workspace, name)
    data_file = folder / "training_data.parquet"
    if not data_file.is_file():
        raise TownhallError(f"There is no trained model called '{name}' to check for drift: its training data "
                            f"({data_file}) is missing. Train it first with 'townhall risk train'.")
    training = pd.read_parquet(data_file)
    settings = _training_settings(folder)
    feature_columns = settings.get("feature_columns") or list(dataset.feature_columns)
    categorical = settings.get("categorical_columns") or list(dataset.categorical_columns)
    descriptions = {**dataset.descriptions, **settings.get("descriptions", {})}
    features = compare_features(training, dataset.frame, feature_columns, categorical, descriptions)
    notes = []
    missing = [column for column in feature_columns if column not in dataset.frame.columns]
    if missing:
        notes.append(f"These features are missing from the data being scored: {', '.join(missing)}.")
    current_scores = pd.Series(np.asarray(probabilities, dtype=float))
    training_scores, basis = _training_scores(workspace, name, folder, training, fitted)
    if training_scores is None:
        notes.append(f"The scores could not be compared with training: {basis}")
    else:
        if basis:
            notes.append(f"{basis[:1].upper()}{basis[1:]}.")
        features.append(FeatureDrift(SCORE, "Score", SCORE, numeric_stability_index(training_scores, current_scores),
                                     len(training_scores), len(current_scores), basis=basis))
    as_of = pd.Timestamp(dataset.frame[AS_OF].max()) if len(dataset.frame) else None
    report = DriftReport(name, as_of, datetime.now(UTC), features, notes)
    if store:
        store_report(workspace, report)
    return report


def store_report(workspace: Workspace, report: DriftReport) -> None:
    """Append the report to decisions.drift, one row per feature and one for the score, in its own transaction."""
    with workspace.analytics.transaction() as connection:
        insert_report(connection, report)


def insert_report(connection: Any, report: DriftReport) -> None:
    """Append the report's rows inside the caller's transaction (scoring commits them with its list)."""
    rows = [(report.model, report.checked_at, None if report.as_of is None else report.as_of.date(), item.feature,
             item.description, item.kind,
             item.stability_index, item.level, item.training_rows, item.current_rows, item.sentence())
            for item in report.features]
    connection.execute(f"create schema if not exists {SCHEMA}")
    connection.execute(f"create table if not exists {DRIFT_TABLE} ({DRIFT_COLUMNS})")
    if rows:
        connection.executemany(f"insert into {DRIFT_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def latest_drift(workspace: Workspace, name: str) -> DriftReport | None:
    """The most recent drift check stored for model ``name``, or None if it has never been scored."""
    if not workspace.analytics.table_exists(SCHEMA, "drift"):
        return None
    with workspace.analytics.connect(read_only=True) as connection:
        result = connection.execute(
            f"select * from {DRIFT_TABLE} where model = ? and checked_at = (select max(checked_at) from {DRIFT_TABLE} "
            "where model = ?) order by stability_index desc", [name, name])
        frame = pd.DataFrame(result.fetchall(), columns=[column[0] for column in result.description])
    if frame.empty:
        return None
    features = [FeatureDrift(row.feature, row.description or row.feature, row.kind, float(row.stability_index),
                             int(row.training_rows or 0), int(row.current_rows or 0), recorded=row.sentence or "")
                for row in frame.itertuples()]
    as_of = frame["as_of"].iloc[0]
    return DriftReport(name, None if pd.isna(as_of) else pd.Timestamp(as_of),
                       pd.Timestamp(frame["checked_at"].iloc[0]).to_pydatetime(), features)


def _training_settings(folder: Any) -> dict[str, Any]:
    try:
        return json.loads((folder / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _training_scores(workspace: Workspace, name: str, folder: Any, training: pd.DataFrame,
                     fitted: Any = None) -> tuple[pd.Series | None, str]:
    """The scores the model gives its own training rows, and "" as the basis; when the model cannot be loaded, its
    out-of-time evaluation scores and a note saying so and why (or None and the reason when there are none)."""
    problem = ""
    if fitted is None:
        model_file = folder / "model.joblib"
        try:
            import joblib

            fitted = joblib.load(model_file)
        except Exception as error:  # any unreadable file: say why below and compare with the evaluation instead
            problem = (f"the model file {model_file.name} could not be loaded ({type(error).__name__}: {error})"
                       if model_file.is_file() else f"the model file {model_file.name} is missing")
    if fitted is not None:
        try:
            return pd.Series(np.asarray(fitted.probabilities(training), dtype=float)), ""
        except Exception as error:  # e.g. a model saved by another version: say so rather than stop the scoring
            problem = f"the model could not score its own training rows ({type(error).__name__}: {error})"
    if not workspace.analytics.table_exists(SCHEMA, "predictions"):
        return None, f"{problem}, and it has no evaluation scores either."
    with workspace.analytics.connect(read_only=True) as connection:
        scores = connection.execute(
            f"select probability from {SCHEMA}.predictions where model = ? and kind = ? and run_id = "
            f"(select max(run_id) from {SCHEMA}.predictions where model = ? and kind = ?)",
            [name, EVALUATION, name, EVALUATION]).fetchall()
    if not scores:
        return None, f"{problem}, and it has no evaluation scores either."
    return (pd.Series([float(score) for (score,) in scores]),
            f"the scores were compared with the model's out-of-time evaluation scores, not its training scores, "
            f"because {problem}")
