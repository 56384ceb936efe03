"""Audit risk scores the council did not make: a vendor's or another team's scores, read from a CSV file with the
outcomes recorded beside them, audited for bias exactly as townhall's own models are, and written up as a card and an
Algorithmic Transparency Recording Standard record marked "scores supplied, model not inspected".

Councils are often asked to trust scores they cannot inspect. Without the model, townhall cannot say why a case
scored as it did or what the model reads; it can say how the scores treated each group, how often the list was right,
and what that rests on. The file needs a score column, an outcome column (yes or no, once known) and one or more group
columns; the list is the cases at or above a score threshold, or the top N by score.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from townhall.decisions import metrics
from townhall.decisions.atrs import ATRS_VERSION, validate_atrs
from townhall.decisions.audit import DEFAULT_BAND, DEFAULT_MINIMUM_GROUP_SIZE, RATES, BiasAudit, audit_predictions
from townhall.decisions.feedback import parse_found, read_csv_rows
from townhall.errors import InputFileError, TownhallError
from townhall.store.files import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from townhall.governance.disclosure import DisclosureRule

SUPPLIED_MARK = "Scores supplied, model not inspected"
NOT_INSPECTED = (
    "townhall audited the scores in the file against the outcomes recorded beside them. It did not see the model, its "
    "inputs or the data it learnt from, so it cannot say why a case scored as it did, whether the model reads "
    "protected characteristics (or stand-ins for them), or whether it used information from after the date each case "
    "was scored. Ask the supplier for those before relying on the scores.")
AS_OF = pd.Timestamp("2000-01-01")  # supplied scores carry no as-of date of their own; one stands for all


@dataclass
class SuppliedScores:
    """What the audit of supplied scores found: the rows read and used, how good the list was, the bias audit."""

    file: Path
    title: str
    supplier: str
    score_column: str
    outcome_column: str
    group_columns: list[str]
    selection: str  # how the list was made, in words
    rows: int  # rows in the file
    audited: int  # rows with a score and a known outcome
    listed: int  # of those, on the list
    figures: dict[str, float]
    audit: BiasAudit
    notes: list[str] = field(default_factory=list)
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def figure_rows(self) -> list[tuple[str, str]]:
        """How good the list was, each figure with what it means."""
        def share(value: float) -> str:
            return "not defined" if math.isnan(value) else f"{100 * value:.1f}%"

        rows = [
            ("Base rate: the share of all cases with the outcome (what picking at random would find)",
             share(self.figures["base_rate"])),
            ("Precision: the share of the cases on the list that had the outcome", share(self.figures["precision"])),
            ("Recall: the share of all cases with the outcome that the list found", share(self.figures["recall"])),
            ("Lift: how many times the base rate the list found",
             "not defined" if math.isnan(self.figures["lift"]) else f"{self.figures['lift']:.2f}"),
            ("ROC AUC: the chance that a case with the outcome scored above one without it (0.5 is chance, 1 is "
             "perfect)", "not defined" if math.isnan(self.figures["roc_auc"]) else f"{self.figures['roc_auc']:.3f}"),
        ]
        return rows

    def to_html(self, rule: DisclosureRule) -> str:
        """The card as one standalone HTML file (counts protected by ``rule``, so it can be published)."""
        from townhall.decisions.card import render_card_page

        return render_card_page("_supplied_card_body.html", title=f"{self.title} ({SUPPLIED_MARK.lower()})",
                                council=self.supplier or "", card=self, rates=RATES,
                                audit_rows=self.audit.published_rows(rule), disclosure_rule=rule.describe(),
                                not_inspected=NOT_INSPECTED, mark=SUPPLIED_MARK)

    def to_atrs(self, council: str) -> dict[str, Any]:
        """The transparency record, checked against the ATRS schema, marked as scores supplied."""
        record = _atrs_record(self, council)
        validate_atrs(record)
        return record

    def write(self, folder: Path | str, rule: DisclosureRule, council: str) -> tuple[Path, Path]:
        """Write card.html and atrs.json into ``folder`` (each written whole, then renamed into place)."""
        import json

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        html_path, json_path = target / "card.html", target / "atrs.json"
        atomic_write_text(html_path, self.to_html(rule))
        atomic_write_text(json_path, json.dumps(self.to_atrs(council), indent=2, ensure_ascii=False) + "\n")
        return html_path, json_path


def _heading_key(heading: str) -> str:
    return re.sub(r"[\s_-]+", "", heading.strip().lower())


def _column(headings: list[str], wanted: str, file: Path, role: str) -> str:
    """The file's heading for ``wanted`` (exactly, else ignoring capitals, spaces and underscores)."""
    if wanted in headings:
        return wanted
    found = {_heading_key(heading): heading for heading in headings}.get(_heading_key(wanted))
    if found is None:
        raise InputFileError(str(file), f"there is no column '{wanted}' for {role} (its columns: "
                             f"{', '.join(headings)}).", row=1, field=wanted)
    return found


def _number(text: str, delimiter: str) -> float | None:
    value = text.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        if delimiter != "," and value.count(",") == 1:  # a decimal comma, in a file not separated by commas
            return float(value.replace(",", "."))
        raise


def read_supplied_scores(file: str | Path, *, score: str, outcome: str, groups: list[str],
                         period: str | None = None) -> tuple[pd.DataFrame, list[str], int]:
    """The usable rows (row number as unit_id, score, outcome, period and each group column) and notes on the rows
    left out, and how many rows the file has. A score that is not a number or an outcome that is not yes or no
    stops with the file, row and field named; an empty score or outcome leaves the row out, counted in a note."""
    path = Path(file)
    headings, rows, delimiter = read_csv_rows(path)
    if not rows:
        raise InputFileError(str(path), "the file has headings but no rows.", row=2)
    if not groups:
        raise TownhallError("Name at least one group column to audit by (--group), e.g. --group Ethnicity.")
    score_column = _column(headings, score, path, "the score")
    outcome_column = _column(headings, outcome, path, "the outcome")
    group_columns = [_column(headings, name, path, "a group") for name in groups]
    period_column = _column(headings, period, path, "the period") if period else None
    kept, no_score, no_outcome = [], [], []
    for row_number, row in enumerate(rows, start=2):
        try:
            value = _number(row.get(score_column) or "", delimiter)
        except ValueError:
            raise InputFileError(str(path), f"'{row.get(score_column)}' is not a number.", row=row_number,
                                 field=score_column) from None
        text = (row.get(outcome_column) or "").strip()
        found = parse_found(text) if text else None
        if text and found is None:
            raise InputFileError(str(path), f"'{text}' is not yes or no (or 1/0, true/false).", row=row_number,
                                 field=outcome_column)
        if value is None or not math.isfinite(value):
            no_score.append(row_number)
            continue
        if found is None:
            no_outcome.append(row_number)
            continue
        kept.append({"unit_id": str(row_number), "score": value, "outcome": found,
                     "split": (row.get(period_column) or "").strip() if period_column else "",
                     **{f"group:{name}": row.get(name) for name in group_columns}})
    notes = []
    if no_score:
        notes.append(f"{len(no_score):,} rows have no score and were left out (first: row {no_score[0]}).")
    if no_outcome:
        notes.append(f"{len(no_outcome):,} rows have no recorded outcome yet and were left out (first: row "
                     f"{no_outcome[0]}).")
    if not kept:
        raise InputFileError(str(path), "no row has both a score and a recorded outcome, so there is nothing to "
                             "audit.")
    return pd.DataFrame(kept), notes, len(rows)


def _check_selection(threshold: float | None, list_size: int | None) -> None:
    if (threshold is None) == (list_size is None):
        raise TownhallError("Say how the list is made: give either --threshold (cases scoring at or above it are on "
                            "the list) or --list-size (the top N by score), not both.")
    if list_size is not None and list_size < 1:
        raise TownhallError(f"The list size must be at least 1, not {list_size}.")


def select_list(scores: pd.Series, *, threshold: float | None, list_size: int | None) -> tuple[np.ndarray, str,
                                                                                                   list[str]]:
    """Which cases are on the list: at or above ``threshold``, or the top ``list_size`` by score (ties at the
    cut-off taken in file order, and said so). Returns the choice, the rule in words and any notes."""
    _check_selection(threshold, list_size)
    values = scores.to_numpy(dtype=float)
    if threshold is not None:
        return values >= threshold, f"cases scoring {threshold:g} or more", []
    assert list_size is not None
    order = metrics.top_k_order(values)
    listed = np.zeros(len(values), dtype=bool)
    listed[order[:list_size]] = True
    notes = []
    if list_size < len(values):
        cut_off = values[order[list_size - 1]]
        tied_off = int(((values == cut_off) & ~listed).sum())
        if tied_off:
            notes.append(f"{tied_off:,} cases scored the same as the last case on the list ({cut_off:g}) but did not "
                         "fit; the list took the tied cases in file order.")
    return listed, f"the top {min(list_size, len(values)):,} cases by score", notes


def audit_supplied_scores(file: str | Path, *, score: str, outcome: str, groups: list[str],
                          threshold: float | None = None, list_size: int | None = None, period: str | None = None,
                          title: str | None = None, supplier: str = "", band: tuple[float, float] = DEFAULT_BAND,
                          reference_groups: Mapping[str, str] | None = None,
                          minimum_group_size: int = DEFAULT_MINIMUM_GROUP_SIZE) -> SuppliedScores:
    """Audit supplied scores from a CSV file: rates, ratios with intervals and findings by each group column, the
    list's precision, recall and AUC, and notes on the rows left out."""
    path = Path(file)
    _check_selection(threshold, list_size)
    frame, notes, rows = read_supplied_scores(path, score=score, outcome=outcome, groups=groups, period=period)
    listed, selection, selection_notes = select_list(frame["score"], threshold=threshold, list_size=list_size)
    notes += selection_notes
    periods = sorted(frame["split"].unique())
    predictions = pd.DataFrame({"unit_id": frame["unit_id"], "as_of": AS_OF,
                                "split": frame["split"].map({name: number for number, name in
                                                             enumerate(periods, start=1)}),
                                "outcome": frame["outcome"], "in_top_k": listed})
    protected = pd.concat([pd.DataFrame({"unit_id": frame["unit_id"], "as_of": AS_OF, "characteristic": column[6:],
                                         "group_value": frame[column].map(_group)})
                           for column in frame.columns if column.startswith("group:")], ignore_index=True)
    audit = audit_predictions(predictions, protected, model=title or path.stem, unit="case", band=band,
                              reference_groups=reference_groups, minimum_group_size=minimum_group_size)
    if len(periods) > 1:
        audit.notes.append(f"Periods ({', '.join(periods)}) are audited one by one as well as together.")
    outcomes = frame["outcome"].to_numpy(dtype=bool)
    base_rate = metrics.base_rate(outcomes)
    precision = float(outcomes[listed].mean()) if listed.any() else math.nan
    figures = {"base_rate": base_rate, "precision": precision,
               "recall": float(outcomes[listed].sum() / outcomes.sum()) if outcomes.any() else math.nan,
               "lift": metrics.lift(precision, base_rate),
               "roc_auc": metrics.roc_auc(outcomes, frame["score"].to_numpy(dtype=float))}
    return SuppliedScores(file=path, title=title or f"Scores in {path.name}", supplier=supplier,
                          score_column=score, outcome_column=outcome, group_columns=list(groups),
                          selection=selection, rows=rows, audited=len(frame), listed=int(listed.sum()),
                          figures=figures, audit=audit, notes=notes)


def _group(value: Any) -> str:
    from townhall.decisions.features import as_recorded

    return as_recorded(value)


def _atrs_record(scores: SuppliedScores, council: str) -> dict[str, Any]:
    """The ATRS fields for supplied scores: what could be checked, and plainly what could not."""
    today = date.today().isoformat()
    figures = "; ".join(f"{label.split(':')[0]}: {value}" for label, value in scores.figure_rows())
    audit = " ".join(scores.audit.summary_sentences())
    supplier = scores.supplier or "a supplier outside the council's analytics team"
    risks = [{"risk_name": "The model could not be inspected", "risk_description": NOT_INSPECTED,
              "mitigation": "The scores were audited against recorded outcomes for bias and accuracy; the supplier "
                            "is asked for the model's inputs and its own evaluation."}]
    risks += [{"risk_name": f"Bias finding: {flag.characteristic}, {flag.group}", "risk_description": flag.sentence,
               "mitigation": "Raised with the supplier and reviewed before the scores are used."}
              for flag in scores.audit.findings[:10]]
    described = (f"{scores.audited:,} cases with a score and a recorded outcome, of {scores.rows:,} rows in "
                 f"{scores.file.name}; {scores.listed:,} on the list ({scores.selection}).")
    return {
        "metadata": {"standard_version": ATRS_VERSION, "date_completion": today, "date_update": [],
                     "organisation": council, "tool_name": f"{scores.title} ({SUPPLIED_MARK})",
                     "function": "Not recorded (scores supplied)", "phase": "Pre-deployment", "region": council},
        "tier_1": {"name": f"{scores.title} ({SUPPLIED_MARK})",
                   "description": f"Risk scores supplied by {supplier}. {SUPPLIED_MARK}: {NOT_INSPECTED}",
                   "website": "", "contact_email": ""},
        "tier_2": {
            "owner_and_responsibility": {"organisation": council, "team": "Not recorded",
                                         "senior_responsible_owner": "Not recorded",
                                         "third_party_involvement": True,
                                         "third_party_details": f"The scores were made by {supplier}."},
            "description_and_rationale": {
                "detailed_description": f"{SUPPLIED_MARK}. {NOT_INSPECTED}",
                "scope": f"The list audited is {scores.selection}.",
                "benefit": f"Measured on the supplied file: {figures}.",
                "previous_process": "Not recorded (scores supplied).",
                "alternatives_considered": "Not recorded (scores supplied)."},
            "decision_making_process": {
                "process_integration": "Not recorded (scores supplied).",
                "provided_information": f"A score per case, in the column '{scores.score_column}'.",
                "frequency_and_scale_of_usage": described,
                "human_decisions_and_review": "Not recorded (scores supplied): the council should record how people "
                                              "use the scores.",
                "required_training": "Not recorded (scores supplied).",
                "appeals_and_review": "Not recorded (scores supplied)."},
            "tool_specification": {
                "system_architecture": f"Not inspected: {SUPPLIED_MARK.lower()}.", "phase": "Pre-deployment",
                "maintenance": "Not recorded (scores supplied).", "models": ["Not inspected"],
                "model_specification": [{
                    "model_name": "Not inspected", "model_version": "Not recorded",
                    "model_task": f"Scores cases; the outcome audited is '{scores.outcome_column}'.",
                    "model_input": "Not inspected.", "model_output": f"A score in '{scores.score_column}'.",
                    "model_architecture": "Not inspected.",
                    "model_performance": f"Measured by townhall on the supplied file: {figures}.",
                    "datasets": [scores.file.name],
                    "dataset_purposes": "Auditing the supplied scores against recorded outcomes."}],
                "data_specification": [{
                    "source_data_name": [scores.file.name], "data_modality": "Tabular",
                    "data_description": described, "data_quantities": described,
                    "sensitive_attributes": "Audited by: " + ", ".join(scores.group_columns),
                    "data_completeness_and_representativeness": " ".join(scores.notes) or "Every row was used.",
                    "source_data_url": "", "data_collection": "Supplied with the scores.",
                    "data_cleaning": "None beyond reading the numbers and yes/no values.",
                    "data_sharing_agreements": "Not recorded (scores supplied).",
                    "data_access_and_storage": "Not recorded (scores supplied)."}]},
            "risks_mitigations_and_impact_assessments": {
                "impact_assessments": [{"assessment_name": "Bias audit of supplied scores (townhall)",
                                        "description": audit, "date_completed": today, "link": ""}],
                "risks": risks}}}
