"""Tag suggestions from names and values, confirming and editing tags, and masking of personal values."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from townhall.catalogue import ALL_TAGS, PERSONAL_TAGS, SPECIAL_CATEGORY_TAGS
from townhall.catalogue.tagging import MASKED, mask_common_value, mask_failing_value, tags_from_name
from townhall.errors import TownhallError
from townhall.workspace import Workspace


@pytest.mark.parametrize(("column", "tag"), [
    ("DOB", "date_of_birth"), ("Date of Birth", "date_of_birth"), ("date_birth", "date_of_birth"),
    ("DateOfBirth", "date_of_birth"), ("Birth Date", "date_of_birth"), ("LiableDOB", "date_of_birth"),
    ("Forename", "name"), ("FULL NAME", "name"), ("Surname", "name"), ("first_name", "name"), ("Tenant", "name"),
    ("Parent/Carer", "name"), ("Known As", "name"),
    ("Post Code", "postcode"), ("postcode", "postcode"), ("PostCode", "postcode"),
    ("NHSNo", "nhs_number"), ("NHS Number", "nhs_number"), ("nhs_no", "nhs_number"),
    ("Tel", "phone"), ("Mobile", "phone"), ("Contact Number", "phone"), ("Telephone No.", "phone"),
    ("e-mail", "email"), ("Email Address", "email"),
    ("Address Line 1", "address"), ("Addr2", "address"), ("Street", "address"), ("House Number", "address"),
    ("UPRN", "uprn"), ("PARENT_UPRN", "uprn"),
    ("Ethnic Origin", "ethnicity"), ("Ethnicity", "ethnicity"),
    ("Religion/Belief", "religion"), ("Faith", "religion"),
    ("Disabled?", "disability"), ("Disability", "disability"),
    ("Health condition", "health"), ("Medical Notes", "health"),
    ("Sexual Orientation", "sexual_orientation"), ("Sexuality", "sexual_orientation"),
    ("Case Ref", "identifier"), ("PersonID", "identifier"), ("Account No", "identifier"), ("ID", "identifier"),
])
def test_tags_are_suggested_from_many_spellings_of_column_names(column: str, tag: str) -> None:
    assert tag in tags_from_name(column)


@pytest.mark.parametrize("column", [
    "ward_name", "lsoa_name", "School Name", "Business Name", "Number of bedrooms", "Amount Paid", "Gender",
    "Referral Date", "House Type", "mobile_food_license", "Category", "Status",
])
def test_ordinary_columns_get_no_personal_tags(column: str) -> None:
    assert not set(tags_from_name(column)) & {*PERSONAL_TAGS, *SPECIAL_CATEGORY_TAGS}


def test_the_tag_lists_are_exported_and_consistent() -> None:
    assert set(PERSONAL_TAGS) == {"name", "date_of_birth", "address", "postcode", "nhs_number", "phone", "email",
                                  "uprn"}
    assert set(SPECIAL_CATEGORY_TAGS) == {"ethnicity", "health", "religion", "sexual_orientation", "disability"}
    assert set(ALL_TAGS) == {*PERSONAL_TAGS, *SPECIAL_CATEGORY_TAGS, "identifier"}


def _nhs(stem: int) -> str | None:
    digits = f"{stem:09d}"
    check = (11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11) % 11
    return None if check == 10 else digits + str(check)


def test_tags_are_suggested_from_values_when_names_say_nothing(workspace: Workspace, tmp_path: Path) -> None:
    generator = random.Random(4)
    nhs_numbers = [number for number in (_nhs(stem) for stem in range(401_023_213, 401_023_300)) if number][:60]
    lines = ["col_a,col_b,col_c,col_d,col_e,col_f"]
    for index, nhs in enumerate(nhs_numbers):
        born = date(1935, 1, 1) + timedelta(days=generator.randrange(0, 365 * 80))
        lines.append(",".join([
            nhs, f"M{index % 9 + 1} {index % 10}AB", f"person{index}@example.org", f"07700 900{index:03d}",
            born.strftime("%d/%m/%Y"), f"{index + 1} High Street",
        ]))
    (tmp_path / "anonymous.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = workspace.catalogue.add_source(tmp_path / "anonymous.csv", "anonymous")
    suggested = {field.name: field.suggested_tags for field in source.field_profiles}
    assert suggested == {"col_a": ["nhs_number"], "col_b": ["postcode"], "col_c": ["email"], "col_d": ["phone"],
                         "col_e": ["date_of_birth"], "col_f": ["address"]}
    assert source.personal_fields == 6
    assert not source.tags_confirmed
    assert all(not field.tags_confirmed and field.tags == field.suggested_tags for field in source.field_profiles)


def test_values_overrule_a_vague_name(workspace: Workspace, tmp_path: Path) -> None:
    numbers = [number for number in (_nhs(stem) for stem in range(401_023_213, 401_023_260)) if number][:30]
    lines = ["Client ID,Referral Date,flag"] + [f"{number},0{index % 9 + 1}/03/2024,Y" for index, number in
                                                 enumerate(numbers)]
    (tmp_path / "clients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = workspace.catalogue.add_source(tmp_path / "clients.csv", "clients")
    assert source.field_profile("Client ID").suggested_tags == ["nhs_number"]
    assert source.field_profile("Referral Date").suggested_tags == []   # an event date, not a birth date


def test_masking_of_common_values() -> None:
    assert mask_common_value("John Smith", 3, ["name"]) == "J*** S****"
    assert mask_common_value("ay1 2cd", 3, ["postcode"]) == "AY1 ***"
    assert mask_common_value("9434765919", 1, ["nhs_number"]) == MASKED
    assert mask_common_value("1980-02-03", 5, ["date_of_birth"]) == MASKED
    assert mask_common_value("White British", 40, ["ethnicity"]) == "White British"   # a category, many people
    assert mask_common_value("Sikh", 2, ["religion"]) == MASKED                       # rare: could point at one person
    assert mask_common_value("Open", 2, []) == "Open"


def test_masking_of_failing_values_shows_the_shape_only() -> None:
    assert mask_failing_value("AY1 2C", ["postcode"]) == "AA9 9A (shape only)"
    assert mask_failing_value("943 476 591", ["nhs_number"]) == "999 999 999 (shape only)"
    assert mask_failing_value("Zoë Brown", ["name"]) == "Z** B****"
    assert mask_failing_value("diabetes", ["health"]) == MASKED
    assert mask_failing_value("twelve", []) == "twelve"


def _people(workspace: Workspace, tmp_path: Path) -> None:
    text = ("ref,full_name,postcode,notes\n"
            "R1,Ann Lee,M1 1AE,ok\nR2,Bob Ray,M1 1AE,\nR3,Cy Dee,XX 1,late\nR4,Di Fox,SW1A 1AA,\n")
    (tmp_path / "people.csv").write_text(text, encoding="utf-8")
    workspace.catalogue.add_source(tmp_path / "people.csv", "people")


def test_setting_tags_confirms_them_rechecks_values_and_changes_masking(workspace: Workspace,
                                                                        tmp_path: Path) -> None:
    _people(workspace, tmp_path)
    before = workspace.catalogue.get_source("people").field_profile("notes")
    assert before.checked_rule is None and before.common_values == [("late", 1), ("ok", 1)]
    workspace.catalogue.set_field_tags("people", "notes", ["postcode"], actor="analyst")
    after = workspace.catalogue.get_source("people").field_profile("notes")
    assert after.tags == ["postcode"] and after.tags_confirmed
    assert after.checked_rule == "UK postcode" and after.valid == 0 and after.validity == 0
    assert [value for value, _count in after.common_values] == [MASKED, MASKED]
    failing = workspace.catalogue.failing_rows("people", "notes")
    assert [(row.row_number, row.value) for row in failing] == [(2, "aa (shape only)"), (4, "aaaa (shape only)")]
    workspace.catalogue.set_field_tags("people", "NOTES", [], actor="analyst")   # field names ignore capitals
    cleared = workspace.catalogue.get_source("people").field_profile("notes")
    assert cleared.tags == [] and cleared.checked_rule is None and cleared.tags_confirmed
    assert workspace.catalogue.failing_rows("people", "notes") == []


def test_confirming_accepts_every_suggestion(workspace: Workspace, tmp_path: Path) -> None:
    _people(workspace, tmp_path)
    workspace.catalogue.confirm_tags("people", actor="analyst")
    source = workspace.catalogue.get_source("people")
    assert source.tags_confirmed
    assert source.field_profile("full_name").tags == ["name"]


def test_unknown_tags_fields_and_sources_are_refused_helpfully(workspace: Workspace, tmp_path: Path) -> None:
    _people(workspace, tmp_path)
    with pytest.raises(TownhallError, match=r"'nhs' is not a tag townhall knows. Use any of: name, date_of_birth"):
        workspace.catalogue.set_field_tags("people", "notes", ["nhs"], actor="analyst")
    with pytest.raises(TownhallError, match=r"has no field called 'note'. Its fields are: 'ref', 'full_name'"):
        workspace.catalogue.set_field_tags("people", "note", ["health"], actor="analyst")
    with pytest.raises(TownhallError, match=r"no source called 'peple'. Known sources: people"):
        workspace.catalogue.confirm_tags("peple", actor="analyst")
