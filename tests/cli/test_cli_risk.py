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


def _vendor_scores(path, rows: int = 600) -> None:  # type: ignore[no-untyped-def]
    """A vendor's file: scores that favour group B onto the list, an outcome column, some rows not known yet."""
    import numpy as np

    generator = np.random.default_rng(8)
    group = np.where(generator.random(rows) < 0.3, "B", "A")
    outcome = generator.random(rows) < np.where(group == "B", 0.3, 0.15)
    score = np.round(generator.random(rows) * 0.6 + 0.3 * outcome + 0.25 * (group == "B"), 4)
    lines = ["Case Ref;Risk Score;Escalated;Ethnicity"]
    for number in range(rows):
        known = "" if number % 50 == 0 else ("Yes" if outcome[number] else "No")
        lines.append(f"C{number};{str(score[number]).replace('.', ',')};{known};{group[number]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_scores_the_council_did_not_make_are_audited_and_written_up_as_supplied(workspace: Workspace,
                                                                                 tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    scores = tmp_path / "vendor.csv"
    _vendor_scores(scores)
    result = runner.invoke(app, ["risk", "audit-scores", str(scores), "--score", "risk score", "--outcome",
                                 "Escalated", "--group", "Ethnicity", "--list-size", "100", "--supplier", "Acme",
                                 "--out", str(tmp_path / "card"), "--workspace", str(workspace.path)])
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "scores supplied, model not inspected" in text
    assert "588 of 600 rows have a score and a recorded outcome" in text  # semicolons and decimal commas read
    assert "12 rows have no recorded outcome yet and were left out (first: row 2)" in text
    assert "Findings: " in text and "in the group 'B' were put on the list" in text
    assert "ROC AUC" in text
    record = json.loads((tmp_path / "card" / "atrs.json").read_text(encoding="utf-8"))
    assert "Scores supplied, model not inspected" in record["tier_1"]["name"]
    assert record["tier_2"]["owner_and_responsibility"]["third_party_involvement"] is True
    card = (tmp_path / "card" / "card.html").read_text(encoding="utf-8")
    assert "Scores supplied, model not inspected." in card and "It did not see the model" in card
    assert workspace.audit.entries(action="risk.audit_scores")[0].details["audited"] == 588


def test_a_supplied_score_that_is_not_a_number_names_the_row_and_column(workspace: Workspace,
                                                                         tmp_path) -> None:  # type: ignore[no-untyped-def]
    scores = tmp_path / "vendor.csv"
    scores.write_text("score,outcome,group\n0.5,yes,A\nhigh,no,B\n", encoding="utf-8")
    result = runner.invoke(app, ["risk", "audit-scores", str(scores), "--score", "score", "--outcome", "outcome",
                                 "--group", "group", "--threshold", "0.4", "--workspace", str(workspace.path)])
    assert result.exit_code != 0
    assert "row 3" in _flat(result.output) and "'high' is not a number" in _flat(result.output)
    both = runner.invoke(app, ["risk", "audit-scores", str(scores), "--score", "score", "--outcome", "outcome",
                               "--group", "group", "--workspace", str(workspace.path)])
    assert both.exit_code != 0 and "give either --threshold" in _flat(both.output)
