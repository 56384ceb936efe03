"""The bias audit: a fairness table whose true rates are known exactly, flags and small groups, findings first, the
score interval at the edges that made statsmodels return complex numbers, reading a trained model's evaluation from
the workspace, and disclosure control for managers. The demo's planted bias: test_decisions_claims.py."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pandas as pd
import pytest

from townhall.decisions.audit import audit_model, audit_predictions, ratio_interval
from townhall.decisions.definition import builtin_definitions
from townhall.decisions.store import ensure_tables, model_folder
from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule
from townhall.workspace import Workspace

# Confusion-table cells per group: (true positives, false positives, false negatives, true negatives). Every rate is
# a fraction whose denominator is a power of two, so floating point holds it exactly and the ratios are exact too.
CELLS = {"Group A": (16, 48, 48, 144), "Group B": (20, 12, 12, 20), "Group C": (2, 2, 2, 10),
         "Group D": (8, 24, 24, 72)}


def known_rates(true_positives: int, false_positives: int, false_negatives: int,
                true_negatives: int) -> dict[str, Fraction]:
    """The rates worked out by hand from a group's four cells."""
    size = true_positives + false_positives + false_negatives + true_negatives
    return {
        "selection_rate": Fraction(true_positives + false_positives, size),
        "false_positive_rate": Fraction(false_positives, false_positives + true_negatives),
        "false_negative_rate": Fraction(false_negatives, true_positives + false_negatives),
        "precision": Fraction(true_positives, true_positives + false_positives),
        "base_rate": Fraction(true_positives + false_negatives, size),
    }


def predictions_from_cells(cells: dict[str, tuple[int, int, int, int]],
                           characteristic: str = "Ethnic group") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluation predictions and protected rows with exactly these cells per group, alternating over two splits."""
    rows = []
    for group, counts in cells.items():
        number = 0
        for (outcome, on_list), count in zip(((True, True), (False, True), (True, False), (False, False)), counts,
                                             strict=True):
            for _ in range(count):
                rows.append({"unit_id": f"{group}-{number}", "as_of": pd.Timestamp("2024-04-01"), "split": number % 2,
                             "outcome": outcome, "in_top_k": on_list, "group": group})
                number += 1
    frame = pd.DataFrame(rows)
    protected = frame[["unit_id", "as_of"]].assign(characteristic=characteristic, group_value=frame["group"])
    return frame.drop(columns="group"), protected


def test_the_audit_reproduces_a_fairness_table_whose_rates_are_known_exactly() -> None:
    predictions, protected = predictions_from_cells(CELLS)
    audit = audit_predictions(predictions, protected, model="known-table")
    ethnic_group = audit.characteristic("Ethnic group")
    assert ethnic_group.reference == "Group A"  # the largest group
    reference_rates = known_rates(*CELLS["Group A"])
    for group, cells in CELLS.items():
        result = ethnic_group.group(group)
        expected = known_rates(*cells)
        assert result.size == sum(cells)
        assert result.selected == cells[0] + cells[1] and result.positives == cells[0] + cells[2]
        for rate, value in expected.items():
            assert result.rates[rate] == float(value), (group, rate)
            if group != "Group A":
                assert result.ratios[rate].value == float(value / reference_rates[rate]), (group, rate)
    group_b = ethnic_group.group("Group B")
    assert {rate: ratio.value for rate, ratio in group_b.ratios.items()} == {
        "selection_rate": 2.0, "false_positive_rate": 1.5, "false_negative_rate": 0.5, "precision": 2.5,
        "base_rate": 2.0}
    assert all(ratio.lower < ratio.value < ratio.upper for ratio in group_b.ratios.values())


def test_ratios_outside_the_band_are_flagged_in_plain_english_and_small_groups_are_named_not_flagged() -> None:
    predictions, protected = predictions_from_cells(CELLS)
    audit = audit_predictions(predictions, protected, model="known-table")
    flagged = {(flag.group, flag.rate) for flag in audit.flags}
    assert flagged == {("Group B", rate) for rate in ("selection_rate", "false_positive_rate", "false_negative_rate",
                                                       "precision", "base_rate")}
    selection = next(flag for flag in audit.flags if flag.rate == "selection_rate")
    assert selection.sentence.startswith("People in the group 'Group B' were put on the list 2 times as often as "
                                         "people in the group 'Group A' (95% interval ")
    assert selection.sentence.endswith("outside the 0.8–1.25 band.")
    false_positive = next(flag for flag in audit.flags if flag.rate == "false_positive_rate")
    assert "may be chance" in false_positive.sentence  # its interval reaches back into the band
    assert audit.characteristic("Ethnic group").too_small == ["Group C"]
    assert not audit.characteristic("Ethnic group").group("Group C").ratios["precision"].judged
    assert any("too few people to judge in 'Group C'" in sentence for sentence in audit.summary_sentences())


def test_the_band_and_the_reference_group_can_be_chosen() -> None:
    predictions, protected = predictions_from_cells(CELLS)
    wide = audit_predictions(predictions, protected, band=(0.4, 2.6))
    assert not wide.flags
    assert wide.summary_sentences()[0] == "No ratio to a reference group falls outside the 0.4–2.6 band."
    against_b = audit_predictions(predictions, protected, reference_groups={"Ethnic group": "Group B"})
    group_a = against_b.characteristic("Ethnic group").group("Group A")
    assert group_a.ratios["selection_rate"].value == 0.5 and group_a.ratios["precision"].value == 0.4
    with pytest.raises(TownhallError, match="reference group 'Group Z'"):
        audit_predictions(predictions, protected, reference_groups={"Ethnic group": "Group Z"})
    with pytest.raises(TownhallError, match="lower limit between 0 and 1"):
        audit_predictions(predictions, protected, band=(1.25, 0.8))


def test_each_split_is_audited_as_well_as_all_splits_together() -> None:
    predictions, protected = predictions_from_cells(CELLS)
    audit = audit_predictions(predictions, protected)
    by_split = audit.characteristic("Ethnic group").by_split
    assert {result.split for result in by_split} == {0, 1}
    for group, cells in CELLS.items():
        assert sum(result.size for result in by_split if result.group == group) == sum(cells)
    table = audit.table(include_splits=True)
    assert set(table["split"]) == {"all", 0, 1}


def test_people_with_no_recorded_value_are_a_group_but_never_the_reference() -> None:
    cells = {"Recorded": (4, 12, 12, 36), "Not recorded": (10, 30, 30, 90)}
    predictions, protected = predictions_from_cells(cells)
    protected = protected[~protected["unit_id"].str.startswith("Not recorded")]  # no protected row at all
    audit = audit_predictions(predictions, protected)
    ethnic_group = audit.characteristic("Ethnic group")
    assert ethnic_group.reference == "Recorded"
    assert ethnic_group.group("Not recorded").size == 160


def test_managers_see_small_counts_hidden_and_the_rates_that_would_reveal_them() -> None:
    predictions, protected = predictions_from_cells(CELLS)
    rows = audit_predictions(predictions, protected).published_rows(DisclosureRule(threshold=10, rounding=5))
    group_c = next(row for row in rows if row["group"] == "Group C")
    assert group_c["selected"] == SUPPRESSED_MARK and group_c["selection_rate"] == SUPPRESSED_MARK
    assert group_c["size"] == "15"  # 16 rounded to the nearest 5
    group_b = next(row for row in rows if row["group"] == "Group B")
    assert group_b["size"] == "65" and group_b["selection_rate"] == "50.0%"
    assert group_b["flagged"] == ["selection_rate", "false_positive_rate", "false_negative_rate", "precision",
                                  "base_rate"]


def test_a_trained_models_latest_evaluation_is_read_from_the_workspace(workspace: Workspace) -> None:
    predictions, protected = predictions_from_cells(CELLS)
    old = predictions.assign(in_top_k=False)  # an earlier run that selected nobody
    with workspace.analytics.transaction() as connection:
        ensure_tables(connection)
        for run_id, frame, finished in (("train-1", old, "2026-01-01"), ("train-2", predictions, "2026-02-01")):
            rows = frame.assign(model="hidden-hmos", run_id=run_id, kind="evaluation", probability=0.5, rank=1,
                                band="low", area_code=None, model_kind="logistic")
            connection.register("incoming", rows)
            connection.execute("insert into decisions.predictions by name select * exclude (split), split from "
                               "incoming")
            connection.unregister("incoming")
            connection.register("incoming", protected.assign(model="hidden-hmos", run_id=run_id))
            connection.execute("insert into decisions.protected by name select * from incoming")
            connection.unregister("incoming")
            connection.execute("insert into decisions.runs (model, run_id, kind, finished_at) values (?, ?, 'train', "
                               "?)", ["hidden-hmos", run_id, finished])
    folder = model_folder(workspace, "hidden-hmos")
    folder.mkdir(parents=True)
    (folder / "definition.yaml").write_text(builtin_definitions()["hidden-hmos"].read_text(encoding="utf-8"),
                                            encoding="utf-8")
    audit = audit_model(workspace, "hidden-hmos")
    assert audit.run_id == "train-2" and audit.unit == "property"
    assert audit.characteristic("Ethnic group").group("Group B").ratios["selection_rate"].value == 2.0
    assert audit.flags[0].sentence.startswith("Properties in the group 'Group B'")
    assert json.dumps(audit.to_dict())  # plain data, ready for the model card
    with pytest.raises(TownhallError, match="no evaluation results for a model called 'no-such-model'"):
        audit_model(workspace, "no-such-model")


@pytest.mark.parametrize(("count", "total", "reference_count", "reference_total"), [
    (16, 64, 20, 32), (5, 40, 30, 100), (3, 20, 7, 50), (30, 100, 20, 100), (1, 10, 5, 50), (9, 10, 40, 50)])
def test_the_ratio_interval_matches_statsmodels_where_statsmodels_is_right(count: int, total: int,
                                                                           reference_count: int,
                                                                           reference_total: int) -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    expected = confint_proportions_2indep(count, total, reference_count, reference_total, method="score",
                                          compare="ratio")
    assert ratio_interval(count, total, reference_count, reference_total) == pytest.approx(
        tuple(float(bound) for bound in expected), rel=1e-6)


@pytest.mark.parametrize(("count", "total", "reference_count", "reference_total"), [
    (0, 5, 10, 10), (1, 5, 10, 10), (5, 10, 10, 10), (10, 10, 50, 50), (5, 5, 3, 10), (0, 10, 3, 10),
    (3, 3, 0, 10)])
def test_the_ratio_interval_is_real_and_holds_the_ratio_where_statsmodels_gave_complex_numbers(
        count: int, total: int, reference_count: int, reference_total: int) -> None:
    # These are the edge cases (a group or its reference at 0% or 100%) where statsmodels' closed form returned
    # complex bounds, and casting them to float gave a ComplexWarning and a wrong interval.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lower, upper = ratio_interval(count, total, reference_count, reference_total)
    assert isinstance(lower, float) and isinstance(upper, float)
    value = (count / total) / (reference_count / reference_total) if reference_count else math.inf
    assert 0 <= lower <= value <= upper
    assert (lower == 0) == (count == 0) and (upper == math.inf) == (reference_count == 0)
    if reference_count == reference_total and 0 < count < total:  # the reference at 100%: a real interval below 1.2
        assert lower > 0 and upper < 1.2


def test_the_findings_lead_with_intervals_wholly_outside_the_band_clearest_first() -> None:
    predictions, protected = predictions_from_cells(CELLS)
    audit = audit_predictions(predictions, protected)
    findings = audit.findings
    assert findings and all(flag.strong for flag in findings)
    assert all(flag.ratio.lower > 1.25 or flag.ratio.upper < 0.8 for flag in findings)
    assert [flag.strength for flag in findings] == sorted((flag.strength for flag in findings), reverse=True)
    assert {flag.rate for flag in audit.may_be_chance} == {"false_positive_rate"}  # its interval reaches the band
    assert audit.summary_sentences()[: len(findings)] == [flag.sentence for flag in findings]
    assert audit.to_dict()["flags"][0]["finding"] is True
