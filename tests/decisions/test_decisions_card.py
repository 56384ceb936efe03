"""The model card: its sections from a trained model's folder and evaluation, standalone offline HTML, and an ATRS
record that passes the shipped JSON Schema."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.decisions.atrs import ATRS_VERSION, atrs_json_schema, shipped_schema, validate_atrs
from townhall.decisions.card import ModelCard, model_card
from townhall.decisions.dataset import UnitDataset
from townhall.decisions.store import ensure_tables, model_folder
from townhall.errors import TownhallError
from townhall.workspace import Workspace

MODEL = "synthetic-hmos"
runner = CliRunner()
DEFINITION = textwrap.dedent("""\
    name: synthetic-hmos
    title: Synthetic hidden HMOs
    unit: property
    purpose: Rank homes by how likely an inspection is to find an HMO, so inspectors know where to look first.
    team: Private Sector Housing
    capacity: 40
    owner: Private Sector Housing data lead
    review_date: 2027-06-30
    outcome:
      description: An inspection finds an HMO
      window_months: 12
      found_by:
        - {source: housing_inspections, date: inspection_date}
    features:
      - name: referrals
        description: Referrals in the 12 months before
        count: {source: police_asb, date: Reported, window_months: 12}
      - name: noise_complaint
        description: Noise complaint in the year before
        any: {source: police_asb, date: Reported, window_months: 12}
    protected:
      area_deprivation: true
    training: {first_as_of: 2021-01-01, last_as_of: 2024-01-01, step_months: 6}
    limitations:
      - Inspections are led by complaints, so the outcomes over-represent homes that neighbours complain about.
    """)


def estimate(mean: float, low: float, high: float) -> dict[str, Any]:
    return {"mean": mean, "low": low, "high": high, "values": [low, mean, high]}


def training_json(dataset: UnitDataset) -> dict[str, Any]:
    """training.json as ``townhall.decisions.training.training_record`` writes it, with figures made up here."""
    splits = [{"split": number, "description": f"Split {number}", "training_as_of": ["2021-01-01"],
               "test_as_of": test_as_of, "training_rows": 900, "training_positives": 60,
               "figures": {"logistic": {"precision_at_k": precision, "base_rate": 0.16, "roc_auc": 0.74}}}
              for number, (test_as_of, precision) in enumerate((("2022-07-01", 0.45), ("2023-01-01", 0.55)), 1)]
    return {
        "model": MODEL, "run_id": "train-20260101-000000-abcdef", "trained_at": "2026-01-01T00:00:00+00:00",
        "unit": "property", "unit_noun": "properties", "outcome_phrase": "had the outcome", "capacity": 40,
        "window_months": 12, "tolerance": 0.01, "chosen_model": "logistic", "chosen_model_name": "Logistic regression",
        "choice_reason": "The logistic regression is kept: LightGBM is not better by more than the tolerance.",
        "calibration": "sigmoid", "base_rate": 0.16, "labelled_rows": len(dataset.labelled().frame),
        "positives": int(dataset.labelled().outcomes.sum()), "band_thresholds": {"high": 0.48, "medium": 0.24},
        "as_of_dates": ["2021-01-01", "2023-01-01"], "feature_columns": dataset.feature_columns,
        "categorical_columns": dataset.categorical_columns, "descriptions": dataset.descriptions, "splits": splits,
        "metrics": {"logistic": {"precision_at_k": estimate(0.5, 0.41, 0.59), "recall_at_k": estimate(0.2, 0.1, 0.3),
                                 "lift_over_random": estimate(3.1, 2.5, 3.7), "roc_auc": estimate(0.74, 0.7, 0.78),
                                 "brier": estimate(0.12, 0.11, 0.13)}},
        "headline": "About 1 in 2 of the properties on the list had the outcome, against 1 in 6 at random",
        "learning_curve": [{"fraction": fraction, "training_rows": rows, "positives": rows // 6, "roc_auc": auc,
                            "precision_at_k": auc - 0.25}
                           for fraction, rows, auc in ((0.25, 250, 0.66), (0.5, 500, 0.71), (1.0, 1000, 0.74))],
        "calibration_bins": [{"bin": number, "cases": 100, "mean_predicted": predicted, "observed_rate": observed}
                             for number, (predicted, observed) in enumerate(((0.05, 0.04), (0.2, 0.22), (0.5, 0.47)))],
        "warnings": ["Only 40 properties in the training data had the outcome (fewer than 50)."],
    }


def write_trained_model(workspace: Workspace, dataset: UnitDataset) -> None:
    """A trained model's folder and evaluation rows: group B is put on the list twice as often as group A."""
    folder = model_folder(workspace, MODEL)
    folder.mkdir(parents=True)
    (folder / "definition.yaml").write_text(DEFINITION, encoding="utf-8")
    (folder / "training.json").write_text(json.dumps(training_json(dataset)), encoding="utf-8")
    frame = dataset.labelled().frame.copy()
    frame["property_type"] = frame["property_type"].astype("string")
    frame.to_parquet(folder / "training_data.parquet", index=False)
    rows = [{"model": MODEL, "run_id": "train-1", "kind": "evaluation", "split": 1, "as_of": "2023-01-01",
             "unit_id": f"{group}-{number}", "probability": 0.5, "outcome": number % 3 == 0, "rank": 1,
             "in_top_k": number < on_list, "band": "low", "model_kind": "logistic", "group": group}
            for group, size, on_list in (("Most deprived 20%", 120, 48), ("Least deprived 20%", 240, 48),
                                         ("Middle 60%", 8, 2)) for number in range(size)]
    predictions = pd.DataFrame(rows)
    predictions["as_of"] = pd.to_datetime(predictions["as_of"])
    protected = predictions[["model", "run_id", "unit_id", "as_of"]].assign(characteristic="Area deprivation",
                                                                            group_value=predictions["group"])
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        for table, frame in (("predictions", predictions.drop(columns="group")), ("protected", protected)):
            connection.register("incoming", frame)
            connection.execute(f"insert into decisions.{table} by name select * from incoming")
            connection.unregister("incoming")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, synthetic_units: UnitDataset) -> Iterator[Workspace]:
    """A workspace holding the trained model, made once for the module (its own secrets folder)."""
    folder = tmp_path_factory.mktemp("card")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        created = Workspace.create(folder / "council", "Testshire")
        write_trained_model(created, synthetic_units)
    yield created
    created.close()


@pytest.fixture(scope="module")
def card(trained: Workspace) -> ModelCard:
    """The card, charts and all, made once for the module (tests only read it)."""
    return model_card(trained, MODEL)


def test_the_card_gathers_purpose_data_performance_audit_and_limitations(card: ModelCard) -> None:
    assert card.title == "Synthetic hidden HMOs" and card.team == "Private Sector Housing" and card.capacity == 40
    assert card.sources == ["housing_inspections", "police_asb"]
    assert card.units == 500 and card.period == ("2021-01-01", "2023-01-01")
    assert ("Precision in the top 40: the share of the list that had the outcome",
            "50% (95% interval 41% to 59%; 3 test periods)") in card.performance
    flagged = [flag for flag in card.audit.flags if flag.rate == "selection_rate"]
    assert [flag.group for flag in flagged] == ["Most deprived 20%"]
    assert any("too small to judge" in limitation and "Middle 60%" in limitation for limitation in card.limitations)
    assert "Only 40 properties" in " ".join(card.limitations)
    assert card.limitations[0].startswith("Inspections are led by complaints")
    middle = next(row for row in card.audit_rows if row["group"] == "Middle 60%")
    assert middle["size"] == "[c]"  # 8 homes: hidden in a card meant for publication


def test_the_card_is_one_offline_html_file_with_its_charts_inline(card: ModelCard, tmp_path: Path) -> None:
    html_path, json_path = card.write(tmp_path / "out")
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<h1>Synthetic hidden HMOs</h1>" in html
    assert html.count("<svg") == 3 and 'aria-label="Calibration chart' in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing fetched from elsewhere
    for heading in ("How to use this score", "Data", "Model chosen and why", "Performance out of time", "Bias audit",
                    "Limitations"):
        assert f">{heading}</h2>" in html
    assert "a person decides" in html
    assert "Private Sector Housing data lead" in html and "30 June 2027" in html
    assert "Counts under 10 are hidden" in html
    assert json.loads(json_path.read_text(encoding="utf-8"))["metadata"]["tool_name"] == "Synthetic hidden HMOs"
    assert not list((tmp_path / "out").glob("*.tmp*"))


def test_the_transparency_record_has_both_tiers_and_passes_the_schema(card: ModelCard) -> None:
    record = card.to_atrs()
    assert record["metadata"]["standard_version"] == ATRS_VERSION == "3.0"
    assert record["tier_1"]["name"] == "Synthetic hidden HMOs" and "a person decides" in record["tier_1"]["description"]
    tier_2 = record["tier_2"]
    assert tier_2["owner_and_responsibility"]["senior_responsible_owner"] == "Private Sector Housing data lead"
    assert set(tier_2) == {"owner_and_responsibility", "description_and_rationale", "decision_making_process",
                           "tool_specification", "risks_mitigations_and_impact_assessments"}
    risks = tier_2["risks_mitigations_and_impact_assessments"]["risks"]
    assert any(risk["risk_name"] == "Bias flag: Area deprivation, Most deprived 20%" for risk in risks)
    validate_atrs(json.dumps(record))  # the JSON text, as written to atrs.json


def test_a_record_missing_a_field_or_with_an_unknown_one_is_refused(card: ModelCard) -> None:
    record = card.to_atrs()
    del record["tier_2"]["decision_making_process"]["human_decisions_and_review"]
    with pytest.raises(TownhallError, match="human_decisions_and_review"):
        validate_atrs(record)
    record = card.to_atrs()
    record["tier_1"]["colour"] = "blue"
    with pytest.raises(TownhallError, match="colour"):
        validate_atrs(record)


def test_the_shipped_json_schema_matches_the_record_models() -> None:
    schema = shipped_schema()
    assert schema == atrs_json_schema()
    assert set(schema["required"]) == {"metadata", "tier_1", "tier_2"}


def test_a_model_that_was_never_trained_has_no_card(workspace: Workspace) -> None:
    with pytest.raises(TownhallError, match="no trained model called 'nothing-here'"):
        model_card(workspace, "nothing-here")


def test_the_audit_command_prints_protected_tables_and_flags_and_logs_only_the_model_name(trained: Workspace) -> None:
    result = runner.invoke(app, ["risk", "audit", MODEL, "--workspace", str(trained.path), "--band", "0.8", "1.9"])
    assert result.exit_code == 0, result.output
    text = re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", result.output))
    assert "Area deprivation (reference: Least deprived 20%)" in text
    assert "ratios outside 0.8–1.9 are flagged" in text
    assert "Properties in the group 'Most deprived 20%' were put on the list 2 times as often" in text
    assert "outside the 0.8–1.9 band" in text
    assert "[c] means hidden to protect privacy" in text
    entry = trained.audit.entries(action="risk.audit")[0]
    assert entry.subject == MODEL and entry.details == {"model": MODEL}


def test_the_card_command_writes_both_files_and_a_bad_reference_group_is_explained(trained: Workspace,
                                                                                    tmp_path: Path) -> None:
    result = runner.invoke(app, ["risk", "card", MODEL, "--workspace", str(trained.path), "--out",
                                 str(tmp_path / "card")])
    assert result.exit_code == 0, result.output
    validate_atrs((tmp_path / "card" / "atrs.json").read_text(encoding="utf-8"))
    assert "<h1>Synthetic hidden HMOs</h1>" in (tmp_path / "card" / "card.html").read_text(encoding="utf-8")
    assert trained.audit.entries(action="risk.card")[0].details == {"model": MODEL}
    refused = runner.invoke(app, ["risk", "audit", MODEL, "--workspace", str(trained.path), "--reference", "Sex"])
    assert refused.exit_code != 0 and "Characteristic=Group" in refused.output


def test_a_model_whose_files_cannot_be_read_is_listed_with_the_reason(trained: Workspace) -> None:
    from townhall.decisions.card import trained_models

    broken = trained.path / "models" / "broken-model"
    broken.mkdir()
    (broken / "training.json").write_text("{not json", encoding="utf-8")
    (broken / "definition.yaml").write_text("name: broken-model\n", encoding="utf-8")
    try:
        listed = trained_models(trained)
    finally:
        import shutil

        shutil.rmtree(broken)
    assert listed[-1].name == "broken-model" and "not valid JSON" in listed[-1].problem
    assert all(not summary.problem for summary in listed[:-1])
