"""The City of Chicago's food-inspection model table (real data, ../shared/data/chicago-food-inspections) through the
command line only, as a council analyst would: `townhall sources add`, the worked definition in docs/, and
`townhall risk train/score/audit/card`. On the city's own test period the model must match the city's published
results: AUC at least 0.67, critical violations found at least 7.44 days earlier, and at least 178 of them in the
first half of the period (re-ordering the test inspections by score while keeping each day's number, the city's
method). Skipped, with a message, where the shared data folder is absent."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.decisions.atrs import validate_atrs

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("TOWNHALL_SHARED_DATA", ROOT.parent / "shared" / "data"))
TABLE = SHARED_DATA / "chicago-food-inspections" / "model_table.csv"
DEFINITION = ROOT / "docs" / "chicago-food-inspections.yaml"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not TABLE.is_file(), reason=f"The Chicago food-inspection table is not at {TABLE} (../shared/data is not here).")]
runner = CliRunner()


def _run(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return re.sub(r"\s+", " ", result.output)


def test_chicago_inspections_ranked_by_the_worked_definition_match_the_citys_published_results(
        tmp_path: Path) -> None:
    folder = tmp_path / "chicago"
    _run("init", str(folder), "--council", "City of Chicago")
    _run("sources", "add", str(TABLE), "--name", "food_inspections", "--workspace", str(folder))
    trained = _run("risk", "train", str(DEFINITION), "--workspace", str(folder))
    assert "Leak check passed at 2014-09-01" in trained
    training = json.loads((folder / "models" / "chicago-food-inspections" / "training.json").read_text())
    figures = training["splits"][0]["figures"][training["chosen_model"]]
    assert len(training["splits"]) == 1 and figures["test_rows"] == 1_637 and figures["test_positives"] == 258
    assert figures["roc_auc"] >= 0.67
    assert figures["days_earlier"] >= 7.44
    assert figures["found_first_half_as_worked"] == 141  # the city's own order, as published
    assert figures["found_first_half_in_score_order"] >= 178
    assert f"{figures['found_first_half_in_score_order']:.0f} of the 258 outcomes would have been found in the first " \
           "half of the test period, against 141" in trained

    scored = _run("risk", "score", "chicago-food-inspections", "--workspace", str(folder))
    assert "Scored 1,637 units for chicago-food-inspections as of 01 September 2014" in scored
    audited = _run("risk", "audit", "chicago-food-inspections", "--workspace", str(folder))
    assert "Facility type (reference: Restaurant)" in audited
    _run("risk", "card", "chicago-food-inspections", "--out", str(tmp_path / "card"), "--workspace", str(folder))
    card = (tmp_path / "card" / "card.html").read_text(encoding="utf-8")
    assert "Not leak-checked" in card and "days earlier" in card
    validate_atrs((tmp_path / "card" / "atrs.json").read_text(encoding="utf-8"))
