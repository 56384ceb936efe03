"""Cohorts: rule files read with clear errors, and the Troubled Families example checked against the source files.

The checks on the linked demo re-derive every criterion independently, with pandas, from the files as the demo wrote
them and the person index's pointers, then compare household by household with what ``run_cohort`` reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from townhall.errors import InputFileError, TownhallError
from townhall.governance import DisclosureRule
from townhall.identity.cohorts import (
    NOT_PLACED,
    SHIPPED_RULES_FOLDER,
    CohortResult,
    CohortRules,
    eighteenth_birthday_cutoff,
    find_rule_file,
    list_rule_files,
    load_cohort_rules,
    parse_cohort_rules,
    resolve_rule_file,
    run_cohort,
    window_start_for,
)
from townhall.identity.index import IndexNotBuiltError
from townhall.workspace import Workspace

TROUBLED_FAMILIES = SHIPPED_RULES_FOLDER / "troubled-families.yaml"

# Where the demo wrote each source the example reads, and the field holding its record id.
SOURCE_FILES = {
    "police_asb": ("police_asb_incidents.csv", "Involvement ID"),
    "school_attendance": ("school_attendance.parquet", "attendance_id"),
    "benefits": ("benefit_claims.csv", "CLAIM REF"),
    "childrens_social_care_referrals": ("childrens_social_care_referrals.csv", "Referral ID"),
    "homelessness_applications": ("homelessness_applications.csv", "application_id"),
    "rent_arrears": ("rent_arrears.xlsx", "Case Ref"),
    "adult_social_care": ("adult_social_care_clients.xlsx", "Client No"),
}


# --- reading rule files -----------------------------------------------------------------------------------------------

MINIMAL = """
name: Test cohort
criteria:
  - key: asb
    label: Anti-social behaviour
    source: police_asb
    date: Reported
"""


def _error_for(text: str) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        parse_cohort_rules(text, file_name="cohorts/broken.yaml")
    return caught.value


def test_the_shipped_troubled_families_file_reads_as_four_criteria_of_which_two_are_needed() -> None:
    rules = load_cohort_rules(TROUBLED_FAMILIES)
    assert rules.name == "Troubled Families"
    assert [criterion.key for criterion in rules.criteria] == ["crime_asb", "education", "out_of_work",
                                                               "high_cost_services"]
    assert rules.minimum_criteria == 2 and rules.window_months == 12
    assert [check.source for check in rules.criterion("high_cost_services").checks()] == [
        "childrens_social_care_referrals", "homelessness_applications", "rent_arrears", "adult_social_care"]
    assert rules.criterion("education").members == "child"
    assert rules.criterion("out_of_work").members == "adult"


@pytest.mark.parametrize(("broken", "field", "words"), [
    (MINIMAL.replace("    date: Reported", "    date: Reported\n    membres: any"), "criteria[1].membres",
     "not a setting townhall knows"),
    (MINIMAL.replace("    date: Reported", "    date: Reported\n    where:\n      - field: Role\n        below: lots"),
     "criteria[1].where[1].below", "should be a number"),
    (MINIMAL.replace("    date: Reported", "    date: Reported\n    members: kids"), "criteria[1].members",
     "'any', 'child' or 'adult'"),
    (MINIMAL.replace("    label: Anti-social behaviour\n", ""), "criteria[1].label", "required but missing"),
    (MINIMAL.replace("criteria:", "minimum_criteria: 2\ncriteria:"), "minimum_criteria", "only 1 criteria"),
    (MINIMAL.replace("    date: Reported", "    date: Reported\n    where:\n      - field: Role"),
     "criteria[1].where[1]", "needs a test"),
    (MINIMAL.replace("    date: Reported", "    date: Reported\n    to: Closed"), "criteria[1].to", "needs 'from'"),
    (MINIMAL.replace("    source: police_asb\n", ""), "criteria[1]", "either 'source'"),
    (MINIMAL.replace("key: asb", "key: Anti Social"), "criteria[1].key", "lower case"),
    (MINIMAL + MINIMAL.split("criteria:\n")[1], "criteria", "repeated: asb"),
])
def test_rule_file_errors_name_the_file_and_the_bad_key(broken: str, field: str, words: str) -> None:
    error = _error_for(broken)
    assert error.file == "cohorts/broken.yaml"
    assert error.field == field
    assert words in str(error)
    assert "cohorts/broken.yaml" in str(error) and field in str(error)


def test_a_rule_file_that_is_not_yaml_names_the_line() -> None:
    error = _error_for("name: Test\ncriteria: [unclosed\n")
    assert error.row is not None and "not valid YAML" in str(error)


def test_a_missing_rule_file_is_named_plainly(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        load_cohort_rules(tmp_path / "nowhere.yaml")


def test_windows_run_to_the_as_of_date_inclusive() -> None:
    assert window_start_for(date(2026, 9, 30), 12) == date(2025, 10, 1)
    assert window_start_for(date(2026, 3, 31), 1) == date(2026, 3, 1)
    assert window_start_for(date(2028, 2, 29), 12) == date(2027, 3, 1)
    assert eighteenth_birthday_cutoff(date(2026, 9, 30)) == date(2008, 9, 30)
    assert eighteenth_birthday_cutoff(date(2028, 2, 29)) == date(2010, 2, 28)


def test_an_empty_workspace_says_link_the_records_first(workspace: Workspace) -> None:
    with pytest.raises(IndexNotBuiltError, match="townhall link"):
        run_cohort(workspace, TROUBLED_FAMILIES)


# --- the worked example on the linked demo ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(linked_demo_folder: Path) -> Iterator[Workspace]:
    """The linked demo, opened for reading only (cohort runs do not write to the analytics store)."""
    opened = Workspace.open(linked_demo_folder)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def troubled_families(demo: Workspace) -> CohortResult:
    return run_cohort(demo, TROUBLED_FAMILIES)


def _index(workspace: Workspace) -> pd.DataFrame:
    """Each linked record with its person's household and date of birth, read straight from the index tables."""
    with duckdb.connect(str(workspace.analytics.database_file), read_only=True) as connection:
        return connection.execute(
            "select r.source, r.record_id, r.person_id, p.household_id, p.date_of_birth as person_born "
            "from identity.records r "
            "join identity.persons p using (person_id)").df()


def _source_file(folder: Path, source: str) -> pd.DataFrame:
    """A source as the demo wrote it, read with pandas (not the catalogue), with its record id as ``record_id``."""
    file_name, id_field = SOURCE_FILES[source]
    path = folder / "demo-data" / "sources" / file_name
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=object)
    else:
        frame = pd.read_csv(path, dtype=str, sep=";" if source == "benefits" else ",")
    frame["record_id"] = frame[id_field].astype(str).str.strip()
    return frame


def _dates(values: pd.Series, pattern: str | None = None) -> pd.Series:
    if pattern is None:
        return pd.to_datetime(values, errors="coerce").dt.normalize()
    return pd.to_datetime(values.astype("string").str.strip(), format=pattern, errors="coerce").dt.normalize()


def _independent_evidence(folder: Path, workspace: Workspace, as_of: date) -> dict[tuple[str, str, str], int]:
    """(household, criterion, source) -> records meeting the criterion, worked out without townhall's cohort code."""
    end = pd.Timestamp(as_of)
    start = end - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    index = _index(workspace)

    def linked(source: str) -> pd.DataFrame:
        rows = _source_file(folder, source).merge(index[index["source"] == source], on="record_id")
        born = pd.to_datetime(rows["person_born"])
        age = as_of.year - born.dt.year - ((born.dt.month > as_of.month)
                                           | ((born.dt.month == as_of.month) & (born.dt.day > as_of.day)))
        return rows.assign(age=age)

    def in_window(dates: pd.Series) -> pd.Series:
        return (dates >= start) & (dates <= end)

    def overlaps(first: pd.Series, last: pd.Series) -> pd.Series:
        return (first <= end) & (last.isna() | (last >= start))

    chosen: list[tuple[str, pd.DataFrame]] = []
    police = linked("police_asb")
    chosen.append(("crime_asb", police[(police["Role"].str.strip().str.lower() == "subject")
                                       & in_window(_dates(police["Reported"], "%Y-%m-%d %H:%M"))]))
    school = linked("school_attendance")
    year = school["academic_year"].str[:4].astype(int)
    terms = school[["autumn_attendance_pct", "spring_attendance_pct", "summer_attendance_pct"]]
    school_year_overlaps = overlaps(pd.to_datetime(year.astype(str) + "-09-01"),
                                    pd.to_datetime((year + 1).astype(str) + "-08-31"))
    low_or_excluded = (terms.mean(axis=1) < 90) | (school["suspensions"] >= 1) | school["permanent_exclusion"]
    chosen.append(("education", school[(school["age"] < 18) & school_year_overlaps & low_or_excluded]))
    benefits = linked("benefits")
    chosen.append(("out_of_work", benefits[(benefits["age"] >= 18) & (benefits["OUT OF WORK"] == "Y") & overlaps(
        _dates(benefits["CLAIM START"], "%Y-%m-%d"), _dates(benefits["CLAIM END"], "%Y-%m-%d"))]))
    referrals = linked("childrens_social_care_referrals")
    chosen.append(("high_cost_services", referrals[in_window(_dates(referrals["Referral Date"], "%d/%m/%Y"))]))
    homeless = linked("homelessness_applications")
    chosen.append(("high_cost_services",
                   homeless[in_window(_dates(homeless["date_of_application"], "%d-%b-%y"))]))
    arrears = linked("rent_arrears")
    chosen.append(("high_cost_services", arrears[overlaps(_dates(arrears["Opened"], "%d/%m/%Y"),
                                                          _dates(arrears["Closed"], "%d/%m/%Y"))]))
    care = linked("adult_social_care")
    chosen.append(("high_cost_services", care[overlaps(_dates(care["Service Start"]), _dates(care["Service End"]))]))

    evidence: dict[tuple[str, str, str], int] = {}
    for criterion, rows in chosen:
        for (household, source), count in rows.groupby(["household_id", "source"]).size().items():
            evidence[(household, criterion, source)] = int(count)
    return evidence


def test_troubled_families_finds_households_and_every_reported_criterion_is_true_of_the_source_files(
        troubled_families: CohortResult, demo: Workspace, linked_demo_folder: Path) -> None:
    result = troubled_families
    expected = _independent_evidence(linked_demo_folder, demo, result.as_of)
    assert result.households, "the worked example should find some households on the demo"
    for household in result.households:
        assert len(household.criteria) >= 2
        for criterion, items in household.criteria.items():
            for item in items:
                assert expected.get((household.household_id, criterion, item.source)) == item.records, (
                    household.household_id, criterion, item.source)
    # Nothing is missed either: the same households, meeting the same criteria, as the independent check finds.
    met: dict[str, set[str]] = {}
    for household, criterion, _source in expected:
        met.setdefault(household, set()).add(criterion)
    assert sorted(household for household, criteria in met.items() if len(criteria) >= 2) == [
        household.household_id for household in result.households]
    for key, count in result.households_meeting.items():
        assert count == sum(1 for criteria in met.values() if key in criteria), key


def test_the_default_as_of_date_is_the_latest_record_date_in_the_index(troubled_families: CohortResult,
                                                                        demo: Workspace) -> None:
    with duckdb.connect(str(demo.analytics.database_file), read_only=True) as connection:
        latest = connection.execute("select max(record_date) from identity.records where record_date <= current_date"
                                    ).fetchone()[0]
    assert troubled_families.as_of == latest
    assert troubled_families.rule_sentence == DisclosureRule.from_workspace(demo).describe()


def test_records_outside_the_window_are_not_counted(demo: Workspace, linked_demo_folder: Path,
                                                    troubled_families: CohortResult) -> None:
    earlier = date(2023, 6, 30)
    result = run_cohort(demo, TROUBLED_FAMILIES, as_of=earlier)
    expected = _independent_evidence(linked_demo_folder, demo, earlier)
    for household in result.households:
        for criterion, items in household.criteria.items():
            for item in items:
                assert expected[(household.household_id, criterion, item.source)] == item.records
    assert result.households_meeting != troubled_families.households_meeting
    before_any_record = run_cohort(demo, TROUBLED_FAMILIES, as_of=date(2000, 1, 1))
    assert before_any_record.households == [] and set(before_any_record.households_meeting.values()) == {0}


def _single_criterion(source: str, field: str, *values: str) -> CohortRules:
    listed = ", ".join(f'"{value}"' for value in values)
    return parse_cohort_rules(f"""
name: Chosen records
criteria:
  - key: record
    label: The records
    source: {source}
    where:
      - field: "{field}"
        in: [{listed}]
""")


def test_opted_out_people_are_never_in_a_cohort(demo: Workspace) -> None:
    with duckdb.connect(str(demo.analytics.database_file), read_only=True) as connection:
        opted_out = [row[0] for row in connection.execute(
            "select record_id from identity.opted_out where source = 'school_attendance'").fetchall()]
        linked = connection.execute("select record_id from identity.records where source = 'school_attendance' "
                                    "order by record_id limit 1").fetchone()[0]
    assert opted_out, "the demo should have opted-out pupils"
    result = run_cohort(demo, _single_criterion("school_attendance", "attendance_id", *opted_out))
    assert result.households_meeting == {"record": 0} and result.households == []
    # The same rule finds the record of someone who did not opt out, among the opted-out ones.
    found = run_cohort(demo, _single_criterion("school_attendance", "attendance_id", *opted_out, linked))
    assert found.households_meeting == {"record": 1}
    assert [item.records for household in found.households for item in household.criteria["record"]] == [1]


def test_values_in_a_rule_file_are_data_never_sql(demo: Workspace) -> None:
    sneaky = _single_criterion("police_asb", "Role", "Subject' or 1=1 --")
    assert run_cohort(demo, sneaky).households_meeting == {"record": 0}


@pytest.mark.parametrize(("change", "field", "words"), [
    (("source: police_asb", "source: police_asbo"), "criteria[1].source", "no source called 'police_asbo'"),
    (("field: \"Role\"", "field: \"Rôle\""), "criteria[1].where[1].field", "no field called 'Rôle'"),
    (("equals: \"Subject\"", "below: 3"), "criteria[1].where[1].below", "compares numbers"),
    (("field: \"Role\"", "field: \"Reported\""), "criteria[1].where[1].equals", "holds dates"),
])
def test_sources_and_fields_are_checked_against_the_catalogue(demo: Workspace, tmp_path: Path,
                                                              change: tuple[str, str], field: str, words: str) -> None:
    text = """
name: Checked
criteria:
  - key: record
    label: The record
    source: police_asb
    where:
      - field: "Role"
        equals: "Subject"
"""
    rule_file = tmp_path / "checked.yaml"
    rule_file.write_text(text.replace(*change), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        run_cohort(demo, rule_file)
    assert caught.value.file == str(rule_file) and caught.value.field == field
    assert words in str(caught.value)


def test_field_names_match_the_catalogue_whatever_their_capitals(demo: Workspace) -> None:
    result = run_cohort(demo, _single_criterion("police_asb", "ROLE", "subject"))
    assert result.households_meeting["record"] > 0


def test_ward_counts_are_protected_by_the_workspace_rule(troubled_families: CohortResult) -> None:
    table = troubled_families.ward_table
    counts = table.frame["households"]
    for label, value in counts.items():
        if pd.isna(value):
            assert table.is_suppressed(label, "households")
        else:
            assert value >= 10 and value % 5 == 0
    assert table.frame.index[-1] == "Total" and NOT_PLACED in table.frame.index
    assert troubled_families.rule_sentence in table.notes
    hidden_below_total = [label for label in counts.index[:-1] if pd.isna(counts[label])]
    assert len(hidden_below_total) != 1  # one hidden ward beside a published total could be worked out


def _gazetteer_wards(folder: Path, workspace: Workspace) -> dict[str, str | None]:
    """Each household's ward from the gazetteer file: by UPRN, else the most common ward of its postcode."""
    gazetteer = pd.read_csv(folder / "demo-data" / "sources" / "address_gazetteer.csv", dtype=str)
    by_uprn = dict(zip(gazetteer["UPRN"].str.lstrip("0"), gazetteer["WARD_CODE"], strict=True))
    by_postcode = (gazetteer.groupby(["POSTCODE_LOCATOR", "WARD_CODE"]).size().reset_index(name="n")
                   .sort_values(["n", "WARD_CODE"], ascending=[False, True]).drop_duplicates("POSTCODE_LOCATOR")
                   .set_index("POSTCODE_LOCATOR")["WARD_CODE"].to_dict())
    with duckdb.connect(str(workspace.analytics.database_file), read_only=True) as connection:
        households = connection.execute("select household_id, uprn, postcode from identity.households").fetchall()
    wards = {}
    for household_id, uprn, postcode in households:
        wards[household_id] = by_uprn.get((uprn or "").lstrip("0")) or by_postcode.get(postcode)
    return wards


def test_with_a_looser_rule_the_ward_counts_match_the_gazetteer(linked_demo: Workspace) -> None:
    linked_demo.config.disclosure.threshold = 0
    linked_demo.config.disclosure.rounding = 1
    result = run_cohort(linked_demo, TROUBLED_FAMILIES)
    wards = _gazetteer_wards(linked_demo.path, linked_demo)
    expected: dict[str, int] = {}
    for household in result.households:
        assert household.ward_code == wards[household.household_id]
        key = wards[household.household_id] or NOT_PLACED
        expected[key] = expected.get(key, 0) + 1
    published = result.ward_table.frame["households"]
    assert {label: int(value) for label, value in published.items() if value and label != "Total"} == expected
    assert published["Total"] == len(result.households)
    assert len(result.unplaced) == expected.get(NOT_PLACED, 0)
    assert result.ward_table.notes == ["Counts are shown exactly: none are hidden or rounded."]


def test_the_gazetteer_source_is_configurable_and_a_missing_one_is_reported(linked_demo: Workspace) -> None:
    linked_demo.config.extra["gazetteer"] = {"source": "land_and_property_gazetteer"}
    result = run_cohort(linked_demo, TROUBLED_FAMILIES)
    assert result.households and all(household.ward_code is None for household in result.households)
    assert len(result.unplaced) == len(result.households)
    assert any("land_and_property_gazetteer" in note and "[gazetteer] source" in note for note in result.notes)


def test_a_gazetteer_without_a_ward_column_names_the_setting_to_change(linked_demo: Workspace) -> None:
    linked_demo.config.extra["gazetteer"] = {"source": "address_gazetteer", "columns": {"ward": "Ward Code"}}
    result = run_cohort(linked_demo, TROUBLED_FAMILIES)
    assert result.households and len(result.unplaced) == len(result.households)
    assert any("[gazetteer] columns.ward" in note for note in result.notes)


def test_the_household_list_names_criteria_and_sources_but_hides_withheld_wards(
        troubled_families: CohortResult) -> None:
    frame = troubled_families.household_frame()
    assert list(frame.columns[:6]) == ["household_id", "ward_code", "members", "criteria_met_count", "criteria_met",
                                       "sources"]
    assert len(frame) == troubled_families.household_count
    first = troubled_families.households[0]
    row = frame.iloc[0]
    assert row["criteria_met"] == "; ".join(first.criteria_met)
    for key, items in first.criteria.items():
        for item in items:
            assert f"{item.source} ({item.records}" in row[key]
    withheld = troubled_families.households[0]
    withheld.address_withheld = True
    try:
        assert troubled_families.household_frame().iloc[0]["ward_code"] == "withheld"
        assert troubled_families.household_frame(show_withheld_wards=True).iloc[0]["ward_code"] == (
            withheld.ward_code or "")
    finally:
        withheld.address_withheld = False


def test_rule_files_are_found_in_the_workspace_and_built_in(linked_demo: Workspace) -> None:
    folder = linked_demo.path / "cohorts"
    folder.mkdir()
    (folder / "asb-only.yaml").write_text(MINIMAL, encoding="utf-8")
    (folder / "broken.yaml").write_text(MINIMAL.replace("name: Test cohort\n", ""), encoding="utf-8")
    (folder / "notes.txt").write_text("not a rule file", encoding="utf-8")
    found = {(rule_file.location, rule_file.name): rule_file for rule_file in list_rule_files(linked_demo)}
    assert set(found) == {("workspace", "asb-only"), ("workspace", "broken"), ("built-in", "troubled-families")}
    assert found[("workspace", "asb-only")].title == "Test cohort" and found[("workspace", "asb-only")].criteria == 1
    assert "name" in (found[("workspace", "broken")].problem or "")
    assert find_rule_file(linked_demo, "built-in", "troubled-families").path == TROUBLED_FAMILIES
    assert resolve_rule_file(linked_demo, "asb-only") == folder / "asb-only.yaml"
    assert resolve_rule_file(linked_demo, "troubled-families.yaml") == TROUBLED_FAMILIES
    with pytest.raises(TownhallError, match="troubled-families"):
        resolve_rule_file(linked_demo, "no-such-cohort")
    assert run_cohort(linked_demo, folder / "asb-only.yaml").rules_file == "asb-only.yaml"
