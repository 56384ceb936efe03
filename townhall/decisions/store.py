"""Where decision-support results live: DuckDB tables in schema ``decisions`` and a folder per model.

Tables (created by ``ensure_tables``):
- ``decisions.runs``: one row per training or scoring run (model, run_id, kind "train"/"score", as_of, times,
  units, chosen model kind, metrics and warnings as JSON text).
- ``decisions.predictions``: calibrated probabilities per unit: kind "evaluation" (out-of-time test predictions, one
  set per rolling split, with the known outcome) or "score" (the live list, outcome missing); rank 1 is the highest
  within (model, run_id, kind, split); in_top_k marks the list a team can work; band is "high", "medium" or "low".
- ``decisions.protected``: each predicted unit's protected characteristics (long), for the bias audit.
- ``decisions.reasons``: the top reasons for each scored unit's score, in plain English, with the value behind each.

Files: ``<workspace>/models/<model name>/`` holds definition.yaml, model.joblib (fitted model, calibration and
feature list), training.json (metrics per split, chosen model, learning curve, calibration bins, base rate, band
thresholds) and training_data.parquet (features and outcomes used, for drift checks and the model card).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from townhall.workspace import Workspace

SCHEMA = "decisions"
EVALUATION = "evaluation"
SCORE = "score"
BANDS = ("high", "medium", "low")

TABLE_DEFINITIONS = {
    "runs": """
        model VARCHAR NOT NULL, run_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, as_of DATE,
        started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, units INTEGER, model_kind VARCHAR,
        metrics VARCHAR, warnings VARCHAR, created_by VARCHAR""",
    "predictions": """
        model VARCHAR NOT NULL, run_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, split INTEGER, as_of DATE NOT NULL,
        unit_id VARCHAR NOT NULL, probability DOUBLE NOT NULL, outcome BOOLEAN, rank INTEGER NOT NULL,
        in_top_k BOOLEAN NOT NULL, band VARCHAR NOT NULL, area_code VARCHAR, model_kind VARCHAR NOT NULL""",
    "protected": """
        model VARCHAR NOT NULL, run_id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, as_of DATE NOT NULL,
        characteristic VARCHAR NOT NULL, group_value VARCHAR NOT NULL""",
    "reasons": """
        model VARCHAR NOT NULL, run_id VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, as_of DATE NOT NULL,
        position INTEGER NOT NULL, feature VARCHAR NOT NULL, value VARCHAR, contribution DOUBLE NOT NULL,
        sentence VARCHAR NOT NULL""",
}


def ensure_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the decisions schema and its tables if they are not there yet (inside the caller's transaction)."""
    connection.execute(f"create schema if not exists {SCHEMA}")
    for table, columns in TABLE_DEFINITIONS.items():
        connection.execute(f"create table if not exists {SCHEMA}.{table} ({columns})")


def model_folder(workspace: Workspace, model_name: str) -> Path:
    """The folder holding one trained model's files (not created here)."""
    return workspace.path / "models" / model_name
