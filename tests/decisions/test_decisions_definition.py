"""Model definitions: the shipped ones load, and mistakes are refused with the file and the field named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from townhall.decisions.definition import (
    DefinitionError,
    builtin_definitions,
    load_definition,
    parse_definition,
)
from townhall.errors import TownhallError
from townhall.workspace import Workspace

from .conftest import FOOD_INSPECTIONS_DEFINITION

MINIMAL = """
name: noisy-homes
title: Noisy homes
unit: property
purpose: Find homes likely to be inspected.
team: Private Sector Housing
capacity: 10
owner: Housing data lead
review_date: 2027-01-31
outcome:
  description: An inspection finds an HMO within 12 months
  window_months: 12
  found_by:
    - {source: housing_inspections, date: inspection_date, where: {result: ["HMO found"]}}
features:
  - name: noise_12m
    description: Noise reports in the 12 months before
    count: {source: police_asb, date: Reported, address: Location, window_months: 12}
training: {first_as_of: 2023-01-01, last_as_of: 2024-01-01, step_months: 6}
"""


def write_definition(folder: Path, text: str) -> Path:
    path = folder / "model.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_three_shipped_definitions_load_with_their_teams_and_plain_english_features() -> None:
    assert set(builtin_definitions()) == {"hidden-hmos", "business-rates", "childrens-escalation"}
    teams = {name: load_definition(name).team for name in builtin_definitions()}
    assert teams == {"hidden-hmos": "Private Sector Housing", "business-rates": "Business Rates",
                     "childrens-escalation": "Early Help"}
    escalation = load_definition("childrens-escalation")
    assert escalation.unit == "person"
    assert escalation.protected_labels() == ["Ethnic group", "Sex", "Age band", "Area deprivation"]
    assert escalation.descriptions["referrals_12m"] == "Referrals to children's social care in the 12 months before"
    assert escalation.limitations and escalation.outcome.window_months == 12
    assert "name: childrens-escalation" in escalation.text


def test_a_minimal_definition_gets_default_bands_tolerance_and_as_of_dates(tmp_path: Path) -> None:
    definition = load_definition(write_definition(tmp_path, MINIMAL))
    assert (definition.bands.high, definition.bands.medium, definition.training.tolerance) == (3.0, 1.5, 0.01)
    assert definition.training.as_of_dates() == [date(2023, 1, 1), date(2023, 7, 1), date(2024, 1, 1)]
    assert definition.units is None and definition.framing == "as_of_dates"  # the gazetteer's homes, by default
    assert definition.feature_names == ["noise_12m"]


@pytest.mark.parametrize(("change", "path", "words"), [
    (("team: Private Sector Housing", "team: Private Sector Housing\ncolour: blue"), "colour", "not a key"),
    (("unit: property", "unit: Flat 2"), "unit", "lower-case words"),
    (("unit: property", "unit: inspection"), "units", "say where the inspections come from"),
    (("window_months: 12\n  found_by", "window_months: twelve\n  found_by"), "outcome.window_months",
     "whole number"),
    (("count: {source: police_asb, date: Reported, address: Location, window_months: 12}",
      "count: {source: police_asb, date: Reported, window_months: 12, colour: red}"),
     "features.noise_12m.count.colour", "not a key"),
    (("where: {result: [\"HMO found\"]}", "where: {result: {like: HMO}}"), "outcome.found_by[0].where.result",
     "condition"),
    (("review_date: 2027-01-31", "review_date: next year"), "review_date", "YYYY-MM-DD"),
])
def test_mistakes_are_refused_naming_the_file_and_the_field(tmp_path: Path, change: tuple[str, str], path: str,
                                                           words: str) -> None:
    file = write_definition(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(DefinitionError) as caught:
        load_definition(file)
    assert caught.value.path == path
    assert str(file) in str(caught.value) and words in str(caught.value)


def test_a_definition_without_an_outcome_is_refused(tmp_path: Path) -> None:
    start = MINIMAL.index("outcome:")
    end = MINIMAL.index("features:")
    with pytest.raises(DefinitionError, match="'outcome' is missing"):
        load_definition(write_definition(tmp_path, MINIMAL[:start] + MINIMAL[end:]))


def test_a_feature_over_rows_with_no_date_is_refused_because_it_could_see_the_future() -> None:
    undated = MINIMAL.replace("count: {source: police_asb, date: Reported, address: Location, window_months: 12}",
                              "latest: {source: address_gazetteer, field: CLASSIFICATION_DESCRIPTION}")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(undated, file="undated.yaml")
    assert caught.value.path == "features.noise_12m.latest.date"
    assert "no date, so it could use information from after the as-of date" in str(caught.value)


def test_sources_and_fields_are_checked_against_the_workspace(tiny_housing: Workspace, tmp_path: Path) -> None:
    assert load_definition(write_definition(tmp_path, MINIMAL), tiny_housing).name == "noisy-homes"
    wrong_field = MINIMAL.replace("date: Reported", "date: ReportedOn")
    with pytest.raises(DefinitionError, match="source 'police_asb' has no field 'ReportedOn'") as caught:
        load_definition(write_definition(tmp_path, wrong_field), tiny_housing)
    assert caught.value.path == "features.noise_12m.count"
    wrong_source = MINIMAL.replace("source: police_asb", "source: police_incidents")
    with pytest.raises(DefinitionError, match="no source called 'police_incidents'"):
        load_definition(write_definition(tmp_path, wrong_source), tiny_housing)
    not_a_date = MINIMAL.replace("date: Reported", "date: Category")
    with pytest.raises(DefinitionError, match="not dates"):
        load_definition(write_definition(tmp_path, not_a_date), tiny_housing)


def test_an_unknown_name_lists_the_shipped_definitions() -> None:
    with pytest.raises(TownhallError, match="hidden-hmos"):
        load_definition("fire-risk")


INSPECTION = FOOD_INSPECTIONS_DEFINITION


def test_any_register_can_be_the_unit_and_each_case_ranked_at_its_own_date() -> None:
    definition = parse_definition(INSPECTION, file="due.yaml")
    assert definition.unit_noun == "inspections" and definition.by_case
    assert definition.units is not None and definition.units.link_field == "Licence"
    assert definition.training.test_window == (date(2023, 7, 1), date(2023, 12, 31))
    assert [feature.name for feature in definition.not_leak_checked] == ["inspector"]


def test_a_business_model_with_its_own_register_needs_no_uprn_it_does_not_have() -> None:
    own = MINIMAL.replace("unit: property", "unit: business\nunits: {source: ndr_accounts, id: Account Ref}")
    definition = parse_definition(own, file="ndr.yaml")
    assert definition.units is not None and definition.units.uprn is None and definition.units.start is None


@pytest.mark.parametrize(("change", "path", "words"), [
    # A field of the case's own row is a feature only when declared known at the time.
    (("    known_at_the_time: true\n", ""), "features.inspector.known_at_the_time",
     "can be a feature only if it was known before the case's date"),
    # An outcome on the case's own row needs cases ranked at their own dates.
    (("framing: case_date\n", ""), "units.date", "add 'framing: case_date'"),
    # A test window that does not come after the train window.
    (("test: {from: 2023-07-01", "test: {from: 2023-06-01"), "training.test.from",
     "a model must be tested on a later period than it learnt from"),
    # A unit that is not the person index needs a register.
    (("units: {source: food_inspections, id: Inspection ID, date: Inspected, link: Licence}\n", ""), "units",
     "say where the inspections come from"),
])
def test_bad_case_definitions_are_refused_with_what_is_wrong(change: tuple[str, str], path: str, words: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(INSPECTION.replace(*change), file="due.yaml")
    assert caught.value.path == path and words in str(caught.value)


def test_an_undated_source_must_be_declared_static_and_then_is_not_leak_checked() -> None:
    undated = MINIMAL.replace("count: {source: police_asb, date: Reported, address: Location, window_months: 12}",
                              "latest: {source: address_gazetteer, field: CLASSIFICATION_CODE}")
    with pytest.raises(DefinitionError, match="make it a 'static' feature"):
        parse_definition(undated, file="undated.yaml")
    static = parse_definition(undated.replace("latest:", "static:"), file="static.yaml")
    assert [feature.name for feature in static.not_leak_checked] == ["noise_12m"]
    assert static.features[0].events[0].static and static.features[0].categorical
