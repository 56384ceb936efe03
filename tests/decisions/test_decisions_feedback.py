"""Outcome feedback and the queue's commands: inspection results recorded one at a time or from a CSV file (checked
row by row, nothing saved if a row is wrong), `townhall risk outcome` and `townhall risk decisions`; and, end to end
on the linked demo, a real trained and scored model whose recorded result becomes a label at the next build."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.decisions.definition import builtin_definitions, load_definition
from townhall.decisions.feedback import (
    import_outcomes,
    model_unit_ids,
    parse_found,
    record_outcome,
    recorded_outcomes,
)
from townhall.decisions.queue import record_decision, review_queue
from townhall.decisions.store import ensure_tables, model_folder
from townhall.errors import InputFileError, TownhallError
from townhall.governance.users import Role, User
from townhall.workspace import Workspace

runner = CliRunner()
MODEL = "hidden-hmos"
UNITS = ["100090000001", "100090000002", "100090000003", "100090000004"]
HOUSING = User("ian.inspector", "Ian Clarke", Role.PRACTITIONER, "Private Sector Housing")


def _flat(output: str) -> str:
    """The output with table borders and line wrapping removed, so sentences can be searched for."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


@pytest.fixture
def scored(workspace: Workspace) -> Workspace:
    """An empty workspace holding the hidden-HMO model's definition and one scored list of four properties (three
    on the list), written as score_model writes it."""
    folder = model_folder(workspace, MODEL)
    folder.mkdir(parents=True)
    shutil.copy(builtin_definitions()[MODEL], folder / "definition.yaml")
    scored_at = datetime.now(UTC) - timedelta(days=1)
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        connection.execute("insert into decisions.runs values (?, 'run-1', 'score', ?, ?, ?, 4, 'logistic', '{}', "
                           "'[]', 'test')", [MODEL, date(2026, 1, 1), scored_at, scored_at])
        for rank, (unit_id, band) in enumerate(zip(UNITS, ("high", "high", "medium", "low"), strict=True), start=1):
            connection.execute("insert into decisions.predictions values (?, 'run-1', 'score', null, ?, ?, ?, null, "
                               "?, ?, ?, null, 'logistic')",
                               [MODEL, date(2026, 1, 1), unit_id, 0.5 - rank / 10, rank, rank <= 3, band])
    return workspace


def test_a_result_is_stored_for_the_next_training_and_audit_logged_without_its_text(scored: Workspace) -> None:
    recorded = record_outcome(scored, MODEL, f" {UNITS[0]} ", found=True, outcome_date=date(2026, 2, 3),
                              result="HMO found: seven occupants, no licence", recorded_by="ian.inspector")
    assert (recorded.unit_id, recorded.found) == (UNITS[0], True)
    stored = recorded_outcomes(scored, MODEL)
    assert stored[["unit_id", "outcome", "outcome_date", "result"]].values.tolist() == [
        [UNITS[0], True, date(2026, 2, 3), "HMO found: seven occupants, no licence"]]
    entry = scored.audit.entries(action="risk.outcome_recorded")[0]
    assert entry.details == {"model": MODEL, "unit_id": UNITS[0], "found": True, "outcome_date": "2026-02-03"}
    assert "occupants" not in str(entry.details)


def test_a_result_for_an_unknown_case_a_future_date_or_an_unknown_model_is_refused(scored: Workspace) -> None:
    with pytest.raises(TownhallError, match="'100099999999' is not a case the model 'hidden-hmos' has scored"):
        record_outcome(scored, MODEL, "100099999999", found=True, outcome_date=date(2026, 2, 3), recorded_by="x")
    with pytest.raises(TownhallError, match="is in the future"):
        record_outcome(scored, MODEL, UNITS[0], found=False, outcome_date=date.today() + timedelta(days=2),
                       recorded_by="x")
    with pytest.raises(TownhallError, match="There is no trained model called 'fire-risk'"):
        record_outcome(scored, "fire-risk", UNITS[0], found=False, outcome_date=date(2026, 2, 3), recorded_by="x")
    assert recorded_outcomes(scored, MODEL).empty


def test_found_is_read_from_the_words_people_type() -> None:
    assert [parse_found(word) for word in ("Yes", "n", "TRUE", "0", "Not found", "found", "maybe")] == [
        True, False, True, False, False, True, None]


def test_a_csv_of_results_is_saved_whole_with_spreadsheet_style_headings(scored: Workspace, tmp_path: Path) -> None:
    results = tmp_path / "inspections.csv"
    results.write_text("Unit ID,Found,Date,Result\n"
                       f"{UNITS[0]},Yes,03/02/2026,HMO found\n"
                       f"{UNITS[1]},no,2026-02-10,Family home\n"
                       f"{UNITS[3]},Y,11 Feb 2026,\n", encoding="utf-8-sig")
    imported = import_outcomes(scored, MODEL, results, recorded_by="ian.inspector")
    assert (imported.rows, imported.found) == (3, 2)
    stored = recorded_outcomes(scored, MODEL)
    assert list(stored["unit_id"]) == [UNITS[0], UNITS[1], UNITS[3]]
    assert list(stored["outcome_date"]) == [date(2026, 2, 3), date(2026, 2, 10), date(2026, 2, 11)]
    entry = scored.audit.entries(action="risk.outcomes_imported")[0]
    assert entry.details == {"model": MODEL, "file": "inspections.csv", "rows": 3, "found": 2}


@pytest.mark.parametrize(("rows", "row", "field", "message"), [
    (f"{UNITS[0]},yes,03/02/2026\n{UNITS[1]},perhaps,03/02/2026\n", 3, "found", "'perhaps' is not yes or no"),
    (f"{UNITS[0]},yes,31/02/2026\n", 2, "date", "'31/02/2026' is not a date"),
    (f"{UNITS[0]},yes,03/02/2026\n100099999999,no,03/02/2026\n", 3, "unit_id", "is not a case the model"),
])
def test_a_wrong_row_names_the_file_row_and_field_and_nothing_is_saved(scored: Workspace, tmp_path: Path, rows: str,
                                                                         row: int, field: str, message: str) -> None:
    results = tmp_path / "results.csv"
    results.write_text("unit_id,found,date\n" + rows, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as raised:
        import_outcomes(scored, MODEL, results, recorded_by="ian.inspector")
    assert (raised.value.file, raised.value.row, raised.value.field) == (str(results), row, field)
    assert recorded_outcomes(scored, MODEL).empty


def test_a_csv_without_the_needed_columns_is_refused(scored: Workspace, tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    results.write_text("uprn,date\n100090000001,03/02/2026\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="there is no 'found' column") as raised:
        import_outcomes(scored, MODEL, results, recorded_by="ian.inspector")
    assert raised.value.row == 1


def test_the_outcome_command_records_one_result_or_a_file_and_explains_mistakes(scored: Workspace,
                                                                                tmp_path: Path) -> None:
    one = runner.invoke(app, ["risk", "outcome", MODEL, UNITS[2], "--not-found", "--date", "04/02/2026",
                              "--result", "Single family", "--workspace", str(scored.path)])
    assert one.exit_code == 0, one.output
    assert f"case {UNITS[2]} not found on 04 February 2026" in _flat(one.output)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"unit_id,found,date\n{UNITS[0]},yes,someday\n", encoding="utf-8")
    failed = runner.invoke(app, ["risk", "outcome", MODEL, "--file", str(bad), "--workspace", str(scored.path)])
    assert failed.exit_code == 2
    assert "row 2, field 'date'" in _flat(failed.output) and "'someday' is not a date" in _flat(failed.output)
    missing = runner.invoke(app, ["risk", "outcome", MODEL, UNITS[0], "--workspace", str(scored.path)])
    assert missing.exit_code == 1 and "--found or --not-found" in _flat(missing.output)
    assert recorded_outcomes(scored, MODEL)["unit_id"].tolist() == [UNITS[2]]


def test_the_decisions_command_reports_overrides_with_reasons_and_protects_counts_for_managers(
        scored: Workspace) -> None:
    record_decision(scored, HOUSING, MODEL, UNITS[0], "inspect", "Many adults and noise complaints")
    record_decision(scored, HOUSING, MODEL, UNITS[1], "no action", "Inspected in March: a family home")
    full = runner.invoke(app, ["risk", "decisions", MODEL, "--workspace", str(scored.path)])
    assert full.exit_code == 0, full.output
    text = _flat(full.output)
    assert "Decisions: 2. Went against the model: 1 (50%)." in text
    assert "Inspected in March: a family home" in text and "Many adults" not in text
    managers = runner.invoke(app, ["risk", "decisions", MODEL, "--for-managers", "--workspace", str(scored.path)])
    shown = _flat(managers.output)
    assert managers.exit_code == 0 and "[c]" in shown and "Counts under 10 are hidden" in shown
    assert "family home" not in shown
    entries = scored.audit.entries(action="risk.decisions_report")
    assert [entry.details["reasons_shown"] for entry in entries] == [0, 1]


@pytest.mark.slow
def test_a_real_scored_list_reaches_the_queue_and_a_recorded_result_becomes_a_label(linked_demo: Workspace) -> None:
    """End to end: train and score the hidden-HMO model, decide on a case from the queue, record what the inspection
    found, and see the result turn into a positive label when the training data is next built."""
    from townhall.decisions.features import build_dataset
    from townhall.decisions.scoring import score_model
    from townhall.decisions.training import train_model

    definition = load_definition(MODEL)
    train_model(linked_demo, definition)
    score_model(linked_demo, MODEL)
    queue = review_queue(linked_demo, HOUSING, MODEL)
    assert len(queue.cases) > 0 and all(case.band in ("high", "medium", "low") for case in queue.cases)
    assert [case.rank for case in queue.cases] == sorted(case.rank for case in queue.cases)
    assert all(case.reasons for case in queue.cases)
    first = queue.cases[0]
    record_decision(linked_demo, HOUSING, MODEL, first.unit_id, "inspect", "High score and many adults listed")
    assert review_queue(linked_demo, HOUSING, MODEL, record_view=False).case(first.unit_id).decided

    as_of = date(2024, 1, 1)  # the 12-month outcome window is over by the demo's latest data
    before = build_dataset(linked_demo, definition, [as_of]).frame.set_index("unit_id")["outcome"]
    scored_units = model_unit_ids(linked_demo, MODEL)
    negative = next(unit for unit, outcome in before.items()
                    if pd.notna(outcome) and not outcome and unit in scored_units)
    record_outcome(linked_demo, MODEL, negative, found=True, outcome_date=date(2024, 6, 1),
                   result="HMO found on inspection", recorded_by=HOUSING.username)
    after = build_dataset(linked_demo, definition, [as_of]).frame.set_index("unit_id")["outcome"]
    assert bool(after[negative]) is True
    assert (after.drop(negative) == before.drop(negative)).all()
