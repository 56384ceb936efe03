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

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:
    import duckdb

    from townhall.decisions.definition import ModelDefinition
    from townhall.workspace import Workspace

SCHEMA = "decisions"
EVALUATION = "evaluation"
SCORE = "score"
BANDS = ("high", "medium", "low")
DEFAULT_BAND = (0.8, 1.25)  # bias audit: ratios to the reference group outside this band are flagged
DEFINITION_FILE = "definition.yaml"
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")  # model names are slugs, e.g. hidden-hmos

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


def trained_definition(workspace: Workspace, name: str) -> ModelDefinition:
    """The definition a trained model was built from (its saved definition.yaml), read once per version of the file:
    the one reader for training, scoring, the audit, the card, the review queue and the web pages."""
    path = model_folder(workspace, name) / DEFINITION_FILE
    if not MODEL_NAME.match(name) or not path.is_file():
        raise TownhallError(f"There is no trained model called '{name}' in this workspace. An analyst trains one "
                            f"with 'townhall risk train' and scores it with 'townhall risk score'.")
    return _read_definition(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _read_definition(path: str, _modified: int) -> ModelDefinition:
    """Parsed once per version of the file: every page view needs the team and title."""
    from townhall.decisions.definition import load_definition

    return load_definition(path)
