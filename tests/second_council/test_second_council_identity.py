"""The catalogue, linkage, cohorts and the single view on the second council (Brinsford): renamed sources, columns and
date formats give the same people, the same cohort and the same flags as the demo, from the settings alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from townhall.catalogue.gazetteer import open_gazetteer
from townhall.errors import InputFileError
from townhall.identity.cohorts import SHIPPED_RULES_FOLDER, find_rule_file, run_cohort
from townhall.identity.index import SCHEMA, read_index
from townhall.identity.single_view import check_purpose, lookup_purposes, person_view, search_people
from townhall.workspace import Workspace

TROUBLED_FAMILIES = SHIPPED_RULES_FOLDER / "troubled-families.yaml"


def test_every_source_is_registered_under_its_own_name_with_dates_read_in_either_order(
        brinsford: Workspace, second_council_names: Any) -> None:
    registered = {summary.name for summary in brinsford.catalogue.list_sources()}
    assert set(second_council_names.SOURCE_NAMES.values()) | {"community_buildings"} == registered
    objections = {field.name: field for field in brinsford.catalogue.get_source("sharing_objections").field_profiles}
    register = {field.name: field for field in brinsford.catalogue.get_source("at_risk_residents").field_profiles}
    assert objections["Date of Birth"].data_type == "date" and "date_of_birth" in objections["Date of Birth"].tags
    assert register["Born"].data_type == "date" and objections["Received"].data_type == "date"


def test_the_gazetteer_service_reads_the_llpg_through_its_column_mapping(brinsford: Workspace) -> None:
    gazetteer = open_gazetteer(brinsford, needed_for="a test", roles=("uprn", "postcode", "ward", "latitude"))
    assert gazetteer.source == "llpg" and gazetteer.column("uprn", needed_for="a test") == "UPRN Ref"
    with brinsford.analytics.connect(read_only=True) as connection:
        addresses = [row[0] for row in connection.execute(
            f"select {gazetteer.address_sql()} from {gazetteer.table} limit 5").fetchall()]
    assert all(re.search(r"[A-Z]{2}\d \d[A-Z]{2}$", address) for address in addresses)


def test_linkage_finds_the_same_people_and_households_as_on_the_demo(brinsford: Workspace,
                                                                     ashbury: Workspace) -> None:
    query = f"select count(*) as people, count(distinct household_id) as households from {SCHEMA}.persons"
    assert read_index(brinsford, query).iloc[0].to_dict() == read_index(ashbury, query).iloc[0].to_dict()
    opted = f"select count(*) as records from {SCHEMA}.opted_out"
    assert read_index(brinsford, opted).iloc[0]["records"] == read_index(ashbury, opted).iloc[0]["records"] > 0


def _brinsford_rules(names: Any, folder: Path) -> Path:
    """The shipped Troubled Families rules with Brinsford's source names, as its analyst would copy them."""
    text = TROUBLED_FAMILIES.read_text(encoding="utf-8")
    for demo_name, name in names.SOURCE_NAMES.items():
        text = re.sub(rf"(source: ){re.escape(demo_name)}\b", rf"\g<1>{name}", text)
    for columns in names.COLUMN_NAMES.values():
        for demo_column, column in columns.items():
            text = re.sub(rf"^(\s*(?:field|date|from|to|academic_year): ){re.escape(demo_column)}$", rf"\g<1>{column}",
                          text, flags=re.MULTILINE)
    target = folder / "cohorts" / "troubled-families.yaml"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def test_a_cohort_naming_demo_sources_is_refused_and_the_councils_own_rules_find_the_same_households(
        second_council: Workspace, ashbury: Workspace, second_council_names: Any) -> None:
    with pytest.raises(InputFileError, match="police_asb"):
        run_cohort(second_council, TROUBLED_FAMILIES)
    built_in = find_rule_file(second_council, "built-in", "troubled-families")
    assert "copy it into the workspace's cohorts folder" in (built_in.problem or "").lower()
    assert not second_council_names.demo_names_in(built_in.problem)
    rules = _brinsford_rules(second_council_names, second_council.path)
    assert find_rule_file(second_council, "workspace", "troubled-families").problem is None
    ours = run_cohort(second_council, rules)
    demo = run_cohort(ashbury, TROUBLED_FAMILIES)
    assert ours.household_count == demo.household_count > 0
    assert ours.gazetteer_source == "llpg" and len(ours.unplaced) == len(demo.unplaced)
    assert ours.ward_table.frame["households"].to_dict() == demo.ward_table.frame["households"].to_dict()


def test_the_single_view_finds_people_and_raises_the_councils_own_flags(brinsford: Workspace) -> None:
    assert lookup_purposes(brinsford) == ["Safeguarding enquiry", "Council tax recovery", "Emergency response"]
    assert check_purpose(brinsford, "council tax recovery") == "Council tax recovery"
    registered = read_index(brinsford, f"""
        select p.person_id, p.first_name, p.surname, p.date_of_birth from {SCHEMA}.persons p
        join {SCHEMA}.records r using (person_id) where r.source = 'at_risk_residents'
          and p.first_name is not null and p.surname is not null and p.date_of_birth is not null
        order by p.person_id limit 3""")
    assert len(registered) == 3
    for person in registered.itertuples():
        found = search_people(brinsford, name=f"{person.first_name} {person.surname}",
                              date_of_birth=person.date_of_birth, limit=3)
        assert person.person_id in [match.person_id for match in found]
        view = person_view(brinsford, person.person_id, viewer_role="practitioner")
        assert "Vulnerable person" in [flag.label for flag in view.flags]
        assert "at_risk_residents" in view.sources and view.timeline
