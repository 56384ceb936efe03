"""Outcome feedback: what an inspection or assessment found for a case, recorded later so that it becomes a label at
the model's next training run (``build_dataset`` reads ``risk_outcomes`` for the model).

One result at a time (``record_outcome``) or many from a CSV file (``import_outcomes``: checked row by row, and
nothing is saved if any row is wrong). Audit-logged with the model, unit ids and counts, never the result text.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import select

from townhall.catalogue.readers import ENCODING_UTF8_BOM, ENCODING_WINDOWS_1252, detect_encoding
from townhall.catalogue.validation import parse_uk_date
from townhall.decisions.queue import RecordedOutcome
from townhall.decisions.store import SCHEMA, SCORE, trained_definition
from townhall.errors import InputFileError, TownhallError
from townhall.store.state import RiskOutcomeRecord

if TYPE_CHECKING:
    from townhall.workspace import Workspace

MAXIMUM_RESULT_CHARACTERS = 2_000
EARLIEST_OUTCOME_DATE = date(2000, 1, 1)
FOUND_WORDS = {"yes": True, "y": True, "true": True, "1": True, "found": True,
               "no": False, "n": False, "false": False, "0": False, "not found": False}
# CSV headings (any capitals, spaces or underscores) and what they hold.
UNIT_COLUMN = "unit_id"
FOUND_COLUMN = "found"
DATE_COLUMN = "date"
RESULT_COLUMN = "result"
COLUMN_NAMES = {
    UNIT_COLUMN: ("unit_id", "unit", "uprn", "person_id", "account_number", "household_id"),
    FOUND_COLUMN: ("found", "outcome"),
    DATE_COLUMN: ("date", "outcome_date", "inspection_date", "assessment_date"),
    RESULT_COLUMN: ("result", "notes", "finding"),
}


@dataclass(frozen=True)
class OutcomeImport:
    """What an import of results saved: how many rows, and how many found what the model looks for."""

    file: Path
    rows: int
    found: int


def parse_found(text: str) -> bool | None:
    """Yes/no, true/false, 1/0 or found/not found as True or False; None when it is none of them."""
    return FOUND_WORDS.get(re.sub(r"[\s_-]+", " ", (text or "").strip().lower()))


def model_unit_ids(workspace: Workspace, model: str) -> set[str]:
    """Every unit the model has scored, on any list: the units an outcome can be recorded for."""
    if not workspace.analytics.table_exists(SCHEMA, "predictions"):
        return set()
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(f"select distinct unit_id from {SCHEMA}.predictions where model = ? and kind = ?",
                                  [model, SCORE]).fetchall()
    return {str(row[0]) for row in rows}


def _check_outcome(unit_id: str, outcome_date: date, result: str, known_units: set[str], model: str,
                   today: date) -> tuple[str, str]:
    """The unit id and result tidied, or a TownhallError saying what is wrong (in words fit for a form or a file)."""
    unit = str(unit_id or "").strip()
    if not unit:
        raise TownhallError("Enter the id of the case (its UPRN, person id or account number).")
    if unit not in known_units:
        raise TownhallError(f"'{unit}' is not a case the model '{model}' has scored. Check the id against the "
                            "review queue.")
    if outcome_date > today:
        raise TownhallError(f"The date of the result ({outcome_date:%d/%m/%Y}) is in the future. Give the date "
                            "the inspection or assessment happened.")
    if outcome_date < EARLIEST_OUTCOME_DATE:
        raise TownhallError(f"The date of the result ({outcome_date:%d/%m/%Y}) is too long ago to be a result for "
                            "this model. Check the year.")
    tidied = (result or "").strip()
    if len(tidied) > MAXIMUM_RESULT_CHARACTERS:
        raise TownhallError(f"The result must be {MAXIMUM_RESULT_CHARACTERS:,} characters or fewer.")
    return unit, tidied


def record_outcome(workspace: Workspace, model: str, unit_id: str, *, found: bool, outcome_date: date,
                   result: str = "", recorded_by: str) -> RecordedOutcome:
    """Record what an inspection or assessment found for one case; it becomes a label at the next training run."""
    trained_definition(workspace, model)  # the model must exist
    unit, tidied = _check_outcome(unit_id, outcome_date, result, model_unit_ids(workspace, model), model,
                                  date.today())
    recorded_at = datetime.now(UTC)
    with workspace.state.session() as session:
        session.add(RiskOutcomeRecord(model=model, unit_id=unit, outcome=bool(found), outcome_date=outcome_date,
                                      result=tidied, recorded_by=recorded_by, recorded_at=recorded_at))
    workspace.audit.record(recorded_by, "risk.outcome_recorded", model, details={
        "model": model, "unit_id": unit, "found": bool(found), "outcome_date": outcome_date.isoformat()})
    return RecordedOutcome(unit_id=unit, found=bool(found), outcome_date=outcome_date, result=tidied,
                           recorded_by=recorded_by, recorded_at=recorded_at)


def _heading_key(heading: str) -> str:
    return re.sub(r"[\s_-]+", "_", heading.strip().lower())


def read_csv_rows(file: Path) -> tuple[list[str], list[dict[str, str]], str]:
    """A CSV file's headings, rows (as text) and delimiter, in whichever of UTF-8 or Windows-1252 it was saved and
    with the delimiter decided from its first lines (comma, semicolon, tab or bar)."""
    if not file.is_file():
        raise InputFileError(str(file), "there is no such file.")
    encoding = detect_encoding(file, str(file))
    codec = {ENCODING_UTF8_BOM: "utf-8-sig", ENCODING_WINDOWS_1252: "cp1252"}.get(encoding, "utf-8")
    with file.open("r", encoding=codec, newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        headings = [heading for heading in (reader.fieldnames or []) if heading is not None]
        rows = list(reader)
    return headings, rows, delimiter


def _read_rows(file: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The file's columns (ours -> its heading) and its rows, or an InputFileError naming what is missing."""
    headings, rows, _ = read_csv_rows(file)
    columns: dict[str, str] = {}
    for ours, accepted in COLUMN_NAMES.items():
        match = next((heading for heading in headings if _heading_key(heading) in accepted), None)
        if match is not None:
            columns[ours] = match
    for required in (UNIT_COLUMN, FOUND_COLUMN, DATE_COLUMN):
        if required not in columns:
            raise InputFileError(str(file), f"there is no '{required}' column. The file needs the columns unit_id, "
                                 "found (yes or no) and date, and may have a result column.", row=1, field=required)
    if not rows:
        raise InputFileError(str(file), "the file has headings but no rows of results.", row=2)
    return columns, rows


def import_outcomes(workspace: Workspace, model: str, file: str | Path, *, recorded_by: str) -> OutcomeImport:
    """Record many results from a CSV file (unit_id, found, date, optional result), checked row by row.

    Any wrong row stops the import with an InputFileError naming the file, row (spreadsheet numbering: the heading
    is row 1) and field, and nothing is saved; otherwise every row is saved in one transaction.
    """
    path = Path(file)
    trained_definition(workspace, model)
    columns, rows = _read_rows(path)
    known_units = model_unit_ids(workspace, model)
    today = date.today()
    recorded_at = datetime.now(UTC)
    records = []
    for row_number, row in enumerate(rows, start=2):
        found = parse_found(row.get(columns[FOUND_COLUMN]) or "")
        if found is None:
            raise InputFileError(str(path), f"'{row.get(columns[FOUND_COLUMN]) or ''}' is not yes or no.",
                                 row=row_number, field=columns[FOUND_COLUMN])
        outcome_date = parse_uk_date(row.get(columns[DATE_COLUMN]) or "")
        if outcome_date is None:
            raise InputFileError(str(path), f"'{row.get(columns[DATE_COLUMN]) or ''}' is not a date townhall can "
                                 "read. Use 31/03/2026 or 2026-03-31.", row=row_number, field=columns[DATE_COLUMN])
        result_text = (row.get(columns[RESULT_COLUMN]) or "") if RESULT_COLUMN in columns else ""
        try:
            unit, tidied = _check_outcome(row.get(columns[UNIT_COLUMN]) or "", outcome_date, result_text,
                                          known_units, model, today)
        except TownhallError as error:
            message = str(error)
            field = columns[RESULT_COLUMN] if "result must" in message else (
                columns[DATE_COLUMN] if "date" in message.lower() else columns[UNIT_COLUMN])
            raise InputFileError(str(path), message, row=row_number, field=field) from None
        records.append(RiskOutcomeRecord(model=model, unit_id=unit, outcome=found, outcome_date=outcome_date,
                                         result=tidied, recorded_by=recorded_by, recorded_at=recorded_at))
    with workspace.state.session() as session:
        session.add_all(records)
    found_count = sum(1 for record in records if record.outcome)
    workspace.audit.record(recorded_by, "risk.outcomes_imported", model, details={
        "model": model, "file": path.name, "rows": len(records), "found": found_count})
    return OutcomeImport(file=path, rows=len(records), found=found_count)


def recorded_outcomes(workspace: Workspace, model: str) -> pd.DataFrame:
    """Every result recorded for the model (unit_id, outcome, outcome_date, result, recorded_by, recorded_at)."""
    with workspace.state.session() as session:
        records = session.execute(select(RiskOutcomeRecord).where(RiskOutcomeRecord.model == model)
                                  .order_by(RiskOutcomeRecord.outcome_date, RiskOutcomeRecord.id)).scalars().all()
        return pd.DataFrame([{"unit_id": record.unit_id, "outcome": record.outcome,
                              "outcome_date": record.outcome_date, "result": record.result,
                              "recorded_by": record.recorded_by, "recorded_at": record.recorded_at}
                             for record in records],
                            columns=["unit_id", "outcome", "outcome_date", "result", "recorded_by", "recorded_at"])
