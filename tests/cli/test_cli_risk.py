"""`townhall risk train` and `townhall risk score`: honest figures with intervals on screen, the list saved, and
plain messages when a model cannot be trained or has not been."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from townhall.cli import app
from townhall.decisions.scoring import latest_score_run
from townhall.workspace import Workspace

runner = CliRunner()


def _flat(output: str) -> str:
    """The output with table borders and line wrapping removed, so sentences can be searched for."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


def test_training_then_scoring_prints_the_figures_the_choice_and_the_list(linked_demo: Workspace) -> None:
    trained = runner.invoke(app, ["risk", "train", "hidden-hmos", "--workspace", str(linked_demo.path)])
    assert trained.exit_code == 0, trained.output
    text = _flat(trained.output)
    assert re.search(r"Base rate: \d+\.\d\d% \(what picking at random would find\)", text)
    for label in ("Precision in the top 50 (the team's capacity)", "Precision in the top 5%",
                  "Lift over random at 50", "ROC AUC", "Brier score"):
        assert label in text
    assert re.search(r"95% interval [^;]+; \d+ test periods, [\d,]+ cases|1 test period of [\d,]+ cases: no interval",
                     text)
    assert "Leak check passed at" in text
    assert re.search(r"1 in N: (about 1 in [\d,]+|none) of the properties on the list had the outcome", text)
    assert re.search(r"Chosen model: (Logistic regression|LightGBM \(gradient-boosted trees\)), calibrated with "
                     r"(sigmoid|isotonic) calibration", text)
    assert "Warning: Only" in text  # a 1,500-resident council has few hidden HMOs to learn from
    assert (linked_demo.path / "models" / "hidden-hmos" / "model.joblib").is_file()

    scored = runner.invoke(app, ["risk", "score", "hidden-hmos", "--as-of", "31/03/2025",
                                 "--workspace", str(linked_demo.path)])
    assert scored.exit_code == 0, scored.output
    text = _flat(scored.output)
    run = latest_score_run(linked_demo, "hidden-hmos")
    assert run is not None and str(run["as_of"]) == "2025-03-31"
    assert f"Scored {run['units']:,} units for hidden-hmos as of 31 March 2025" in text
    assert "On the team's list (top 50): 50" in text
    counts = run["metrics"]["band_counts"]
    assert re.search(rf"High {counts['high']:,} Medium {counts['medium']:,} Low {counts['low']:,}", text)
    assert "nothing leaves the queue without a practitioner's decision" in text


def test_a_model_with_too_few_cases_or_never_trained_gets_a_plain_message(linked_demo: Workspace) -> None:
    untrained = runner.invoke(app, ["risk", "score", "business-rates", "--workspace", str(linked_demo.path)])
    assert untrained.exit_code != 0
    assert "There is no trained model called 'business-rates'" in _flat(untrained.output)
    bad_date = runner.invoke(app, ["risk", "score", "hidden-hmos", "--as-of", "next Tuesday",
                                   "--workspace", str(linked_demo.path)])
    assert bad_date.exit_code != 0 and "is not a date townhall can read" in _flat(bad_date.output)
    missing = runner.invoke(app, ["risk", "train", "no-such-model", "--workspace", str(linked_demo.path)])
    assert missing.exit_code != 0 and "No model definition called 'no-such-model'" in _flat(missing.output)
