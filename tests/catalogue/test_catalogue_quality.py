"""Quality figures on a small hand-made file, checked against numbers counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.catalogue import SourceDetail
from townhall.catalogue.tagging import MASKED
from townhall.workspace import Workspace

# Data rows are spreadsheet rows 2-6 (the header is row 1).
HAND_MADE = """ref,full_name,dob,postcode,nhs_number,amount,visit_date,notes
R1,Ann Lee,03/02/1980,M1 1AE,9434765919,10.50,2024-01-05,ok
R2,Bob Ray,1975-12-31,m11ae,9434765918,,2024-01-06,
R3,Cy Dee,31/02/1990,XX,4010232137,3,2024-01-07,
R4,Di Fox,01/01/2090,M2 2BB,,7.25,2024-01-08,late
R5,Ed Gum,,SW1A 1AA,4505577104,1,2024-01-09,
"""


@pytest.fixture
def hand_made(workspace: Workspace, tmp_path: Path) -> SourceDetail:
    (tmp_path / "hand_made.csv").write_text(HAND_MADE, encoding="utf-8")
    return workspace.catalogue.add_source(tmp_path / "hand_made.csv", "hand_made", owner="Data team")


def test_completeness_and_validity_match_hand_counts(hand_made: SourceDetail) -> None:
    figures = {field.name: (field.filled, field.completeness, field.checked_rule, field.valid, field.validity)
               for field in hand_made.field_profiles}
    # dob: 4 filled; 03/02/1980 and 1975-12-31 are fine, 31/02/1990 is impossible, 01/01/2090 is in the future.
    assert figures["dob"] == (4, 0.8, "date of birth", 2, 0.5)
    # postcode: 5 filled; XX fails, m11ae normalises to M1 1AE.
    assert figures["postcode"] == (5, 1.0, "UK postcode", 4, 0.8)
    # nhs_number: 4 filled; 9434765918 has the wrong check digit.
    assert figures["nhs_number"] == (4, 0.8, "NHS number check digit", 3, 0.75)
    assert figures["amount"] == (4, 0.8, "number", 4, 1.0)
    assert figures["visit_date"] == (5, 1.0, "date", 5, 1.0)
    assert figures["notes"] == (2, 0.4, None, None, None)
    assert figures["ref"] == (5, 1.0, None, None, None)


def test_types_distinct_counts_and_descriptions(hand_made: SourceDetail) -> None:
    types = {field.name: field.data_type for field in hand_made.field_profiles}
    assert types == {"ref": "text", "full_name": "text", "dob": "text", "postcode": "text", "nhs_number": "text",
                     "amount": "decimal", "visit_date": "date", "notes": "text"}
    assert hand_made.field_profile("postcode").distinct == 5
    assert hand_made.field_profile("visit_date").description == \
        "Dates from 5 Jan 2024 to 9 Jan 2024, written yyyy-mm-dd"
    assert hand_made.field_profile("amount").description == "Numbers from 1 to 10.50"
    assert hand_made.field_profile("postcode").description == "Text; looks like UK postcodes"
    assert hand_made.field_profile("ref").description == "Text; looks like record ids (every value different)"


def test_quality_score_is_the_mean_of_completeness_times_validity(hand_made: SourceDetail) -> None:
    # ref 1, full_name 1, dob 0.8*0.5, postcode 0.8, nhs 0.8*0.75, amount 0.8, visit_date 1, notes 0.4 → 6.0 / 8
    assert hand_made.quality_score == pytest.approx(0.75)


def test_summary_counts_personal_fields_and_records_the_file(hand_made: SourceDetail) -> None:
    assert (hand_made.rows, hand_made.fields) == (5, 8)
    assert hand_made.personal_fields == 4          # full_name, dob, postcode, nhs_number
    assert hand_made.special_category_fields == 0
    assert hand_made.owner == "Data team" and hand_made.version == 1
    assert hand_made.file_format == "csv" and hand_made.encoding == "UTF-8" and hand_made.delimiter == ","


def test_problems_are_plain_english_with_wrong_values_before_empty_ones(hand_made: SourceDetail) -> None:
    # Wrong values first (by share), then empty personal fields, then other empty fields such as free notes.
    wrong_values = hand_made.problems[:3]
    assert wrong_values[0] == (
        "dob: 2 rows (40.0%) are not believable dates of birth (unreadable, in the future or before 1900)")
    assert set(wrong_values[1:]) == {
        "postcode: 1 row (20.0%) is not a valid UK postcode",
        "nhs_number: 1 row (20.0%) is not a valid NHS number (wrong length or check digit)",
    }
    assert hand_made.problems.index("notes: 3 rows (60.0%) are empty") > hand_made.problems.index(
        "dob: 1 row (20.0%) is empty")


def test_failing_rows_give_spreadsheet_rows_and_reasons_with_masked_values(workspace: Workspace,
                                                                           hand_made: SourceDetail) -> None:
    dob = workspace.catalogue.failing_rows("hand_made", "dob")
    assert [(row.row_number, row.value, row.reason) for row in dob] == [
        (4, "99/99/9999 (shape only)", "not a date townhall can read"),
        (5, "99/99/9999 (shape only)", "in the future"),
    ]
    nhs = workspace.catalogue.failing_rows("hand_made", "nhs_number")
    assert [(row.row_number, row.reason) for row in nhs] == [(3, "the check digit does not match")]
    assert workspace.catalogue.failing_rows("hand_made", "postcode", limit=1)[0].value == "AA (shape only)"
    assert hand_made.field_profile("dob").failing_examples_count == 2


def test_common_values_of_personal_fields_are_masked(hand_made: SourceDetail) -> None:
    assert hand_made.field_profile("full_name").common_values[0] == ("A** L**", 1)
    postcodes = [value for value, _count in hand_made.field_profile("postcode").common_values]
    assert postcodes == ["M1 ***", "M2 ***", "SW1A ***", MASKED, "M1 ***"]
    assert {value for value, _count in hand_made.field_profile("nhs_number").common_values} == {MASKED}
    assert hand_made.field_profile("notes").common_values == [("late", 1), ("ok", 1)]


def test_type_failures_are_stored_empty_and_listed(workspace: Workspace, tmp_path: Path) -> None:
    rows = [f"R{n},{n % 50}" for n in range(1, 60)] + ["R60,twelve"]
    (tmp_path / "counts.csv").write_text("ref,visits\n" + "\n".join(rows) + "\n", encoding="utf-8")
    source = workspace.catalogue.add_source(tmp_path / "counts.csv", "counts")
    visits = source.field_profile("visits")
    assert visits.data_type == "integer"
    assert (visits.filled, visits.valid, visits.checked_rule) == (60, 59, "whole number")
    assert source.problems[0] == "visits: 1 row (1.7%) could not be read as a whole number; it is stored empty"
    failing = workspace.catalogue.failing_rows("counts", "visits")
    assert [(row.row_number, row.value, row.reason) for row in failing] == [(61, "twelve", "not a whole number")]


def test_identifier_like_numbers_stay_text(workspace: Workspace, tmp_path: Path) -> None:
    text = "account,phone,uprn,count\n00123,07700900123,100012345678,1\n00456,07700900456,100012345679,2\n"
    (tmp_path / "ids.csv").write_text(text, encoding="utf-8")
    source = workspace.catalogue.add_source(tmp_path / "ids.csv", "ids")
    assert [field.data_type for field in source.field_profiles] == ["text", "text", "text", "integer"]
