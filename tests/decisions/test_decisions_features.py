"""Building a model's data: windows end the day before the as-of date, outcomes come from the window after it (or
are missing while it is open), protected characteristics are kept apart, and a leaking feature is caught."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from townhall.decisions.definition import builtin_definitions, load_definition, parse_definition
from townhall.decisions.features import (
    LeakError,
    age_band,
    build_dataset,
    check_for_leaks,
    ethnic_group,
    latest_data_date,
    sex,
)
from townhall.errors import TownhallError
from townhall.store.state import RiskOutcomeRecord
from townhall.workspace import Workspace

from .conftest import FOOD_INSPECTIONS_DEFINITION, load_small_area_deprivation

TINY_HMOS = """
name: tiny-hmos
title: Tiny hidden HMOs
unit: property
purpose: Check the windows by hand.
team: Private Sector Housing
capacity: 2
owner: Tests
review_date: 2027-01-31
outcome:
  description: An inspection finds an HMO within 12 months
  window_months: 12
  found_by:
    - {source: housing_inspections, date: inspection_date, where: {result: ["HMO found"]}}
population:
  excludes:
    - {source: hmo_licences, date: Licence Start, until: Licence Expiry}
features:
  - name: noise_12m
    description: Noise reports in the 12 months before
    count: {source: police_asb, date: Reported, address: Location, where: {Category: ["Noise"]}, window_months: 12}
  - name: any_police_report
    description: Any police report at the address before
    any: {source: police_asb, date: Reported, address: Location}
  - name: single_person_discount
    description: Latest council tax account has a single-person discount
    latest: {source: council_tax, field: Band, date: AccountStart, map: {"A": 1, "B": 0}}
  - name: years_since_account_opened
    description: Years since the latest council tax account opened
    years_since: {source: council_tax, date: AccountStart}
  - name: earlier_inspections
    description: Inspections before
    count: {source: housing_inspections, date: inspection_date}
protected:
  area_deprivation: true
training: {first_as_of: 2024-01-01, last_as_of: 2024-02-01, step_months: 1}
"""
LEAKY_FEATURE = """
  - name: account_end
    description: When the current council tax account ends (known only later)
    latest: {source: council_tax, field: AccountEnd, date: AccountStart}
"""
UPRN = "10000000000{}".format


def tiny_definition(extra_features: str = ""):  # type: ignore[no-untyped-def]
    text = TINY_HMOS.replace("protected:", extra_features.strip("\n") + "\nprotected:") if extra_features else TINY_HMOS
    return parse_definition(text, file="tiny-hmos.yaml")


def row(dataset, unit: str, as_of: str = "2024-01-01") -> pd.Series:  # type: ignore[no-untyped-def]
    frame = dataset.frame
    return frame[(frame["unit_id"] == unit) & (frame["as_of"] == pd.Timestamp(as_of))].iloc[0]


def test_features_count_events_in_the_window_and_never_on_or_after_the_as_of_date(tiny_housing: Workspace) -> None:
    dataset = build_dataset(tiny_housing, tiny_definition(), [date(2024, 1, 1)])
    # Homes 1, 2 and 4 (home 3 is licensed on the date; 5 is a shop).
    assert sorted(dataset.frame["unit_id"]) == [UPRN(1), UPRN(2), UPRN(4)]
    first = row(dataset, UPRN(1))
    # 31 Dec 2023 and 1 Jan 2023 (exactly 12 months before) count; 1 Jan 2024 (the as-of date) and 31 Dec 2022 do not.
    assert first["noise_12m"] == 2
    assert first["any_police_report"] == 1
    assert first["single_person_discount"] == 0  # the June 2023 account (band B), not the 2015 one
    assert first["years_since_account_opened"] == pytest.approx(214 / 365.25)
    assert row(dataset, UPRN(2))["noise_12m"] == 1
    assert row(dataset, UPRN(2))["single_person_discount"] == 1
    fourth = row(dataset, UPRN(4))
    assert (fourth["noise_12m"], fourth["any_police_report"], fourth["earlier_inspections"]) == (0, 0, 1)
    assert pd.isna(fourth["single_person_discount"]) and pd.isna(fourth["years_since_account_opened"])
    assert dataset.descriptions["noise_12m"] == "Noise reports in the 12 months before"
    assert dataset.frame["as_of"].dtype == "datetime64[ns]"


def test_the_outcome_window_starts_on_the_as_of_date_and_is_missing_until_it_is_over(
        tiny_housing: Workspace) -> None:
    dataset = build_dataset(tiny_housing, tiny_definition(), [date(2024, 1, 1), date(2024, 2, 1)])
    # Found on the as-of date itself and on its last day count; found a day after the window does not.
    assert bool(row(dataset, UPRN(1))["outcome"]) and bool(row(dataset, UPRN(2))["outcome"])
    assert not bool(row(dataset, UPRN(4))["outcome"])
    # The latest inspection is dated 1 January 2025: February 2024's window runs past it, so it is not known yet.
    assert latest_data_date(tiny_housing, tiny_definition()) == date(2025, 1, 1)
    assert dataset.at("2024-02-01").frame["outcome"].isna().all()
    assert len(dataset.labelled().frame) == 3
    # Home 1 was found to be an HMO on 1 January, so by February it has an inspection behind it.
    assert row(dataset, UPRN(1), "2024-02-01")["earlier_inspections"] == 1


def test_outcomes_recorded_after_an_inspection_become_labels(tiny_housing: Workspace) -> None:
    with tiny_housing.state.session() as session:
        session.add(RiskOutcomeRecord(model="tiny-hmos", unit_id=UPRN(4), outcome=True,
                                      outcome_date=date(2024, 6, 1), result="HMO found: 6 occupants",
                                      recorded_by="pat.practitioner", recorded_at=datetime.now(UTC)))
        session.add(RiskOutcomeRecord(model="another-model", unit_id=UPRN(4), outcome=True,
                                      outcome_date=date(2024, 7, 1), recorded_by="pat.practitioner",
                                      recorded_at=datetime.now(UTC)))
        session.commit()
    dataset = build_dataset(tiny_housing, tiny_definition(), [date(2024, 1, 1), date(2024, 8, 1)])
    assert bool(row(dataset, UPRN(4))["outcome"])
    assert pd.isna(row(dataset, UPRN(4), "2024-08-01")["outcome"])


def test_area_deprivation_is_a_quintile_of_the_small_area_or_a_warning_when_not_loaded(
        tiny_housing: Workspace) -> None:
    without = build_dataset(tiny_housing, tiny_definition(), [date(2024, 1, 1)])
    assert without.protected.empty
    assert any("Area deprivation was not audited" in warning for warning in without.warnings)
    load_small_area_deprivation(tiny_housing, {"E01000001": 1, "E01000002": 10})
    dataset = build_dataset(tiny_housing, tiny_definition(), [date(2024, 1, 1)])
    groups = dict(zip(dataset.protected["unit_id"], dataset.protected["group_value"], strict=True))
    assert groups == {UPRN(1): "Most deprived 20%", UPRN(2): "Most deprived 20%", UPRN(4): "Least deprived 20%"}
    assert set(dataset.protected["characteristic"]) == {"Area deprivation"}
    assert "Area deprivation" not in dataset.feature_columns and not dataset.warnings


def test_a_feature_that_reads_past_the_as_of_date_is_caught_by_the_leak_check(tiny_housing: Workspace) -> None:
    passed = check_for_leaks(tiny_housing, tiny_definition(), date(2024, 1, 1))
    assert passed.units == 3
    with pytest.raises(LeakError) as caught:
        check_for_leaks(tiny_housing, tiny_definition(LEAKY_FEATURE), date(2024, 1, 1))
    assert caught.value.features == ["account_end"]
    assert "account_end" in str(caught.value) and "2024-01-01" in str(caught.value)


def test_ethnicity_and_sex_as_systems_record_them_map_to_census_groups() -> None:
    assert ethnic_group("WBRI") == "White"
    assert ethnic_group("BCRB") == ethnic_group("Black, Black British, Black Welsh, Caribbean or African: African")
    assert ethnic_group("BCRB") == "Black, Black British, Black Welsh, Caribbean or African"
    assert ethnic_group("APKN") == ethnic_group("Asian, Asian British or Asian Welsh: Pakistani")
    assert ethnic_group("CHNE") == "Asian, Asian British or Asian Welsh"
    assert ethnic_group("MWBC") == "Mixed or Multiple ethnic groups"
    assert ethnic_group("Other ethnic group: Arab") == ethnic_group("OOTH") == "Other ethnic group"
    assert ethnic_group("REFU") == ethnic_group("Not stated") == ethnic_group(None) == "Not recorded"
    assert (sex("F"), sex("Male"), sex("")) == ("Female", "Male", "Not recorded")
    assert (age_band(4.9), age_band(5), age_band(17.5), age_band(70), age_band(None)) == (
        "0-4", "5-10", "16-17", "65 and over", "Not recorded")


@pytest.mark.slow
def test_the_shipped_definitions_build_on_the_linked_demo_without_leaks(linked_demo: Workspace) -> None:
    load_small_area_deprivation(linked_demo)
    started = time.perf_counter()
    for name in builtin_definitions():
        definition = load_definition(name, linked_demo)
        as_of_dates = definition.training.as_of_dates()
        dataset = build_dataset(linked_demo, definition, as_of_dates)
        labelled = dataset.labelled()
        base_rate = float(labelled.outcomes.mean())
        print(f"{name}: {len(dataset.frame)} rows, {dataset.frame['unit_id'].nunique()} units, "
              f"{len(labelled.frame)} labelled, base rate {base_rate:.4f}")
        assert list(dataset.frame.columns[:4]) == ["unit_id", "as_of", "outcome", "area_code"]
        assert dataset.feature_columns == definition.feature_names
        assert set(dataset.frame["as_of"].dt.date) == set(as_of_dates)
        assert dataset.frame[["unit_id", "as_of"]].duplicated().sum() == 0
        assert 0.0005 < base_rate < 0.25, name
        assert dataset.frame["area_code"].notna().mean() > 0.8, name
        assert "Area deprivation" in set(dataset.protected["characteristic"]) and not dataset.warnings
        check_for_leaks(linked_demo, definition, as_of_dates[-1])
        if name == "childrens-escalation":
            assert dataset.frame["age"].between(0, 19).all()
            characteristics = set(dataset.protected["characteristic"])
            assert characteristics == {"Ethnic group", "Sex", "Age band", "Area deprivation"}
            with linked_demo.analytics.connect(read_only=True) as connection:
                persons = {row[0] for row in connection.execute("select person_id from identity.persons")
                           .fetchall()}
            assert set(dataset.frame["unit_id"]) <= persons  # opted-out people are not in the index
    print(f"built and leak-checked in {time.perf_counter() - started:.1f} s")


def test_records_of_people_who_opted_out_are_left_out_of_features(tiny_housing: Workspace) -> None:
    # The person index lists the 31 December noise report as made by someone who has opted out.
    with tiny_housing.analytics.transaction() as connection:
        connection.execute("create schema if not exists identity")
        connection.execute("create table identity.opted_out (unique_id varchar, source varchar, record_id varchar, "
                           "row_number bigint)")
        connection.execute("insert into identity.opted_out values ('police_asb:N1', 'police_asb', 'N1', 2)")
    dataset = build_dataset(tiny_housing, tiny_definition(), [date(2024, 1, 1)])
    assert row(dataset, UPRN(1))["noise_12m"] == 1
    assert row(dataset, UPRN(2))["noise_12m"] == 1


TINY_BUSINESS = """
name: tiny-business-rates
title: Tiny business rates
unit: business
purpose: Check business accounts by hand.
team: Business Rates
capacity: 1
owner: Tests
review_date: 2027-01-31
outcome:
  description: The 2024/25 bill gives small business rate relief above the threshold
  window_months: 12
  found_by:
    - source: business_rates
      on_date: 2024-04-01
      where: {Relief: {contains: small business}, Rateable Value: {above: 15000}}
features:
  - name: value_per_square_metre
    description: Rateable value per square metre
    max: {source: business_rates, field: Rateable Value, per: Floor Area (m2), date: Liability Start}
  - name: years_liable
    description: Years since the ratepayer became liable
    years_since: {source: business_rates, date: Liability Start}
training: {first_as_of: 2024-01-01, last_as_of: 2024-01-01}
"""


def test_business_accounts_start_when_liability_starts_and_a_dated_bill_gives_the_outcome(
        tiny_housing: Workspace) -> None:
    definition = parse_definition(TINY_BUSINESS, file="tiny-business-rates.yaml")
    dataset = build_dataset(tiny_housing, definition, [date(2024, 1, 1)])
    frame = dataset.frame.set_index("unit_id")
    assert sorted(frame.index) == ["B1", "B2"]  # B3 and B4 were not liable yet
    assert frame.loc["B1", "value_per_square_metre"] == 200 and frame.loc["B2", "value_per_square_metre"] == 100
    assert frame.loc["B2", "years_liable"] == pytest.approx(214 / 365.25)
    assert bool(frame.loc["B1", "outcome"]) and not bool(frame.loc["B2", "outcome"])
    assert set(frame["area_code"]) == {"E01000003"}  # placed through the account's UPRN
    # The bill's own date cannot say how far the extract runs; B4's liability start (June 2025) does.
    assert latest_data_date(tiny_housing, definition) == date(2025, 6, 1)
    check_for_leaks(tiny_housing, definition, date(2024, 1, 1))


# --- any unit, each case at its own date ------------------------------------------------------------------------

# Inspections of three licences: L1's earlier criticals reach its later inspections; an inspection not yet done has
# no result, so its outcome is not known.
FOOD_INSPECTIONS = """Inspection ID,Licence,Inspected,Inspector,Criticals,Facility,Followed Up
I1,L1,2023-01-10,green,2,Restaurant,2023-02-01
I2,L1,2023-06-01,blue,0,Restaurant,2024-03-01
I3,L1,2024-01-15,green,1,Restaurant,2024-02-01
I4,L2,2024-01-15,blue,0,Grocery,
I5,L2,2024-02-01,blue,,Grocery,
I6,L3,2024-01-20,green,3,African-American owned,
"""
TINY_INSPECTIONS = FOOD_INSPECTIONS_DEFINITION.replace("    categorical: true\n", "")  # text: a category anyway


@pytest.fixture
def inspections(workspace: Workspace) -> Workspace:
    from .conftest import register_csv

    register_csv(workspace, "food_inspections", FOOD_INSPECTIONS)
    return workspace


def test_each_case_is_ranked_at_its_own_date_from_earlier_rows_and_fields_of_its_own_row(
        inspections: Workspace) -> None:
    from townhall.decisions.features import CasePeriod

    definition = parse_definition(TINY_INSPECTIONS, file="tiny-inspections.yaml")
    dataset = build_dataset(inspections, definition, cases=CasePeriod(date(2023, 1, 1), date(2024, 12, 31)))
    frame = dataset.frame.set_index("unit_id")
    assert list(frame.index) == ["I1", "I2", "I3", "I4", "I6", "I5"]  # in date order
    assert frame.loc["I3", "as_of"] == pd.Timestamp("2024-01-15")  # the case's own date
    assert frame["earlier_criticals"].to_dict() == {"I1": 0, "I2": 1, "I3": 1, "I4": 0, "I5": 0, "I6": 0}
    assert frame.loc["I2", "inspector"] == "blue"  # the case's own row, declared known when it was scheduled
    assert frame["outcome"].tolist()[:4] == [True, False, True, False]
    assert pd.isna(frame.loc["I5", "outcome"])  # not inspected yet: no result on its row
    groups = dataset.protected.set_index("unit_id")["group_value"].to_dict()
    assert groups["I1"] == "Restaurant or café" and groups["I4"] == "Grocery"  # mapped, else as recorded
    assert groups["I6"] == "African-American owned"


def test_each_case_needs_its_own_id(workspace: Workspace) -> None:
    from townhall.decisions.features import CasePeriod

    from .conftest import register_csv

    register_csv(workspace, "food_inspections", FOOD_INSPECTIONS.replace("I2,L1", "I1,L1"))
    definition = parse_definition(TINY_INSPECTIONS, file="tiny-inspections.yaml")
    with pytest.raises(TownhallError, match=r"share ids in 'Inspection ID' \(for example 'I1' \(2 rows\)\)"):
        build_dataset(workspace, definition, cases=CasePeriod(date(2023, 1, 1), date(2024, 12, 31)))


def test_the_leak_check_of_cases_compares_every_earlier_case_and_names_the_declared_fields(
        inspections: Workspace) -> None:
    definition = parse_definition(TINY_INSPECTIONS, file="tiny-inspections.yaml")
    passed = check_for_leaks(inspections, definition, date(2024, 1, 16))
    assert passed.units == 4 and passed.not_checked == ["inspector"]  # I1 to I4 are dated before the cut
    # When the latest earlier inspection was followed up is known only later (I2's follow-up comes after I3).
    leaky = parse_definition(TINY_INSPECTIONS.replace("  - name: inspector", """  - name: last_follow_up
    description: When the latest earlier inspection was followed up
    latest: {source: food_inspections, date: Inspected, field: Followed Up}
  - name: inspector"""), file="leaky.yaml")
    with pytest.raises(LeakError) as caught:
        check_for_leaks(inspections, leaky, date(2024, 1, 16))
    assert caught.value.features == ["last_follow_up"]


def test_ethnicity_labels_that_are_not_census_groups_are_kept_as_recorded() -> None:
    assert ethnic_group("African-American") == "African-American"
    assert ethnic_group("Hispanic") == "Hispanic"
    assert ethnic_group("Arab") == "Arab"  # not the DfE code 'A…': codes are written in capitals
    assert ethnic_group("WBRI", census_groups=False) == "WBRI"
    assert ethnic_group("Unknown") == ethnic_group(" ") == "Not recorded"
    assert sex("Non-binary") == "Non-binary" and sex("U") == "Not recorded"


LLPG = """Property Ref,LSOA,Class,Flat,Number,Suffix,Building,Road,Town,Post Code
100000000001,E01000001,RD04,,1,,,Mill Street,Testham,TE1 1AA
100000000002,E01000001,RD04,,2,,,Mill Street,Testham,TE1 1AA
100000000004,E01000002,RD06,Flat 1,4,,,Mill Street,Testham,TE1 1AB
"""


def test_addresses_reach_properties_through_a_gazetteer_with_another_name_and_columns(workspace: Workspace) -> None:
    from .conftest import INSPECTIONS, LICENCES, POLICE, register_csv

    for name, text in (("llpg", LLPG), ("police_asb", POLICE), ("housing_inspections", INSPECTIONS),
                       ("hmo_licences", LICENCES), ("council_tax", COUNCIL_TAX_PLAIN)):
        register_csv(workspace, name, text)
    workspace.config.extra["gazetteer"] = {"source": "llpg", "columns": {
        "uprn": "Property Ref", "small_area": "LSOA", "classification": "Class", "sub_building": "Flat",
        "building_number": "Number", "building_suffix": "Suffix", "building_name": "Building", "street": "Road",
        "town": "Town", "postcode": "Post Code"}}
    dataset = build_dataset(workspace, tiny_definition(), [date(2024, 1, 1)])
    frame = dataset.frame.set_index("unit_id")
    assert frame.loc[UPRN(1), "noise_12m"] == 2 and frame.loc[UPRN(2), "noise_12m"] == 1
    assert frame.loc[UPRN(4), "area_code"] == "E01000002"


def test_an_address_feature_without_a_gazetteer_is_an_error_not_a_silent_zero(workspace: Workspace) -> None:
    from dataclasses import replace

    from townhall.catalogue.gazetteer import GazetteerError
    from townhall.decisions.definition import UnitRegister

    from .conftest import INSPECTIONS, LICENCES, POLICE, register_csv

    for name, text in (("llpg", LLPG), ("police_asb", POLICE), ("housing_inspections", INSPECTIONS),
                       ("hmo_licences", LICENCES), ("council_tax", COUNCIL_TAX_PLAIN)):
        register_csv(workspace, name, text)
    definition = tiny_definition()
    own_register = replace(definition, units=UnitRegister(source="llpg", id="Property Ref"))
    with pytest.raises(GazetteerError, match="matches the addresses in 'police_asb' \\(Location\\) to the address "
                                             "gazetteer, but none is registered as 'address_gazetteer'"):
        build_dataset(workspace, own_register, [date(2024, 1, 1)])


COUNCIL_TAX_PLAIN = """AccountRef,UPRN,AccountStart,AccountEnd,SPD,Band
A1,100000000001,2015-04-01,2023-05-31,Y,B
A2,100000000001,2023-06-01,,N,B
"""
