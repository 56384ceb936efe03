"""Places on the second council (Brinsford): geography from ONS-named files, the gazetteer under other headings,
renamed sources, its own service sites and emergency-planning team, with the same answers as on the demo."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from townhall.errors import AccessDeniedError
from townhall.governance.users import Role, User
from townhall.places import (
    Geography,
    assign_to_areas,
    choropleth,
    circle_area,
    count_source_by_area,
    duplicate_reports,
    gazetteer_coordinates,
    incident_list,
    mappable_sources,
    measure_accessibility,
    service_site_sources,
    service_sites,
)
from townhall.places.accessibility import accessibility_origins
from townhall.places.report import build_report
from townhall.workspace import Workspace

PLANNER = User("cal.contingencies", "Cal", Role.PRACTITIONER, "Civil Contingencies")
DEMO_PLANNER = User("erin.emergency", "Erin Walsh", Role.PRACTITIONER, "Emergency Planning")


def test_the_geography_loads_from_ons_named_files_with_the_same_areas(brinsford: Workspace,
                                                                     ashbury: Workspace) -> None:
    ours, demo = Geography.from_workspace(brinsford), Geography.from_workspace(ashbury)
    assert ours.levels() == demo.levels()
    for level in ours.levels():
        assert ours.area_names(level) == demo.area_names(level)
    assert {"imd_decile", "total_population", "dwellings"} <= set(ours.indicator_names("small_area"))
    assert len(ours.postcode_lookup()) == len(demo.postcode_lookup())


def test_rows_are_placed_by_uprn_through_the_gazetteer_columns_named_in_the_settings(brinsford: Workspace) -> None:
    coordinates = gazetteer_coordinates(brinsford)
    assert len(coordinates) > 100 and coordinates["latitude"].between(50, 56).all()
    table = pd.DataFrame({"Property UPRN": coordinates["uprn"].head(20)})
    placed = assign_to_areas(table, Geography.from_workspace(brinsford), uprn="Property UPRN")
    assert placed.placed == 20 and placed.placed_by_counts() == {"UPRN": 20}


def test_counts_of_a_renamed_source_match_the_demo_and_opt_outs_are_never_offered(
        brinsford: Workspace, ashbury: Workspace, second_council_names: Any) -> None:
    ctax = second_council_names.SOURCE_NAMES["council_tax"]
    offered = mappable_sources(brinsford)
    assert ctax in offered and second_council_names.SOURCE_NAMES["opt_outs"] not in offered
    ours = count_source_by_area(brinsford, ctax, level="ward")
    demo = count_source_by_area(ashbury, "council_tax", level="ward")
    assert ours.counts.to_dict() == demo.counts.to_dict() and ours.counts.sum() > 0
    assert ours.assignment.placed_by_counts() == demo.assignment.placed_by_counts()
    themed = choropleth(Geography.from_workspace(brinsford), ours.counts, level="ward", kind="count",
                        title="Council tax accounts by ward", measure="Accounts")
    assert len(themed.features) == len(ours.counts)


def test_service_sites_come_from_the_registered_source_with_its_own_headings(brinsford: Workspace,
                                                                             ashbury: Workspace) -> None:
    sites = service_sites(brinsford)
    assert sites.source == "community_buildings" and service_site_sources(brinsford) == ["community_buildings"]
    demo_sites = service_sites(ashbury)
    assert sites.sites.equals(demo_sites.sites)
    libraries = sites.sites[sites.sites["type"] == "Library"]
    origins, kind = accessibility_origins(brinsford)
    ours = measure_accessibility(origins, libraries, threshold_km=1.0, origin_kind=kind)
    demo_origins, _ = accessibility_origins(ashbury)
    demo = measure_accessibility(demo_origins, demo_sites.sites[demo_sites.sites["type"] == "Library"],
                                 threshold_km=1.0, origin_kind=kind)
    assert ours.published_beyond == demo.published_beyond


def test_incident_lists_go_to_the_councils_own_team_and_read_its_registers(second_council: Workspace,
                                                                          linked_demo: Workspace) -> None:
    west, south, east, north = -2.25, 53.37, -2.15, 53.43
    area = circle_area((south + north) / 2, (west + east) / 2, 3_000)
    # A list is written to the audit log, so each council here is a fresh copy.
    ours = incident_list(second_council, PLANNER, area=area, incident_name="Test flood", purpose="Welfare checks")
    demo = incident_list(linked_demo, DEMO_PLANNER, area=area, incident_name="Test flood", purpose="Welfare checks")
    assert ours.count == demo.count > 0
    assert sorted(person.needs for person in ours.people) == sorted(person.needs for person in demo.people)
    assert ours.sources == ["asc_clients", "at_risk_residents"]
    with pytest.raises(AccessDeniedError, match="Civil Contingencies"):
        incident_list(second_council, DEMO_PLANNER, area=area, incident_name="Test flood", purpose="Welfare checks")


def test_duplicate_reports_are_grouped_from_other_column_names(brinsford: Workspace, ashbury: Workspace,
                                                               second_council_names: Any) -> None:
    ours = duplicate_reports(brinsford, second_council_names.SOURCE_NAMES["street_reports"])
    demo = duplicate_reports(ashbury, "street_reports")
    assert len(ours.problems) == len(demo.problems) < len(ours.reports)


def test_the_state_of_the_borough_report_weights_and_adds_up_by_the_indicators_the_settings_name(
        brinsford: Workspace, ashbury: Workspace) -> None:
    ours = build_report(brinsford, indicators=["imd_score", "total_population", "dwellings"])
    demo = build_report(ashbury, indicators=["imd_score", "population", "homes"])
    assert ours.counts == ["total_population", "dwellings"]
    assert ours.borough.values["imd_score"] == pytest.approx(demo.borough.values["imd_score"])
    assert ours.borough.values["total_population"] == demo.borough.values["population"]
    assert [ward.values["imd_score"] for ward in ours.wards] == pytest.approx(
        [ward.values["imd_score"] for ward in demo.wards])
    assert not any("simple averages" in note for note in ours.notes)
