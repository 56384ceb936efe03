"""Incident lists: the vulnerable people inside an area, for the emergency-planning team only, audit-logged."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from townhall.errors import AccessDeniedError, InputFileError, TownhallError
from townhall.governance.users import Role, User
from townhall.places.incidents import (
    WITHHELD_ADDRESS,
    check_in_borough,
    circle_area,
    export_incident_list,
    incident_list,
    need_rank,
    needs_from_text,
    polygon_area,
    vulnerable_people,
)
from townhall.places.locations import haversine_metres
from townhall.workspace import Workspace

PLANNER = User("erin.emergency", "Erin Walsh", Role.PRACTITIONER, "Emergency Planning")
GOVERNANCE = User("gina.governance", "Gina Okafor", Role.GOVERNANCE, "Information Governance")
EARLY_HELP = User("pat.practitioner", "Pat O'Neill", Role.PRACTITIONER, "Early Help")
ANALYST = User("asha.analyst", "Asha Patel", Role.ANALYST, "Business Intelligence")


@pytest.fixture(scope="module")
def demo(linked_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One writable copy of the linked demo for the module."""
    copy = tmp_path_factory.mktemp("incidents") / "ashbury"
    shutil.copytree(linked_demo_folder, copy)
    with Workspace.open(copy) as opened:
        yield opened


@pytest.fixture(scope="module")
def people(demo: Workspace) -> pd.DataFrame:
    return vulnerable_people(demo)


def _gazetteer_position(workspace: Workspace, person_id: str) -> tuple[float, float]:
    """Where the person's household is, read straight from the index and the gazetteer (not through incidents.py)."""
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute(
            'select avg(g."LATITUDE"), avg(g."LONGITUDE") from identity.persons p '
            "join identity.households h using (household_id) "
            'join sources.address_gazetteer g on cast(g."UPRN" as varchar) = cast(h.uprn as varchar) '
            "where p.person_id = ?", [person_id]).fetchall()
    return float(rows[0][0]), float(rows[0][1])


def _located_person(workspace: Workspace, people: pd.DataFrame) -> str:
    """A vulnerable person whose household's UPRN is in the gazetteer."""
    for person_id in people.loc[people["placed_by"] == "UPRN", "person_id"]:
        latitude, _ = _gazetteer_position(workspace, person_id)
        if latitude == latitude:  # not NaN
            return str(person_id)
    raise AssertionError("the demo has no vulnerable person with a located UPRN")


def test_the_list_holds_everyone_inside_the_circle_and_no_one_outside_sorted_by_need(
        demo: Workspace, people: pd.DataFrame) -> None:
    person_id = _located_person(demo, people)
    latitude, longitude = _gazetteer_position(demo, person_id)
    area = circle_area(latitude, longitude, 600)
    result = incident_list(demo, PLANNER, area=area, incident_name="Chapel Street fire", purpose="Welfare checks",
                           people=people)
    listed = {person.person_id for person in result.people}
    assert person_id in listed
    placed = people.dropna(subset=["latitude", "longitude"])
    distance = haversine_metres(placed["latitude"], placed["longitude"], latitude, longitude)
    assert listed == set(placed.loc[distance <= 600, "person_id"])
    assert set(placed.loc[distance > 600, "person_id"]).isdisjoint(listed)
    ranks = [person.priority for person in result.people]
    assert ranks == sorted(ranks)
    assert all(person.needs or person.support for person in result.people)


def test_every_list_is_audit_logged_with_the_incident_area_and_count_but_no_names(
        demo: Workspace, people: pd.DataFrame) -> None:
    person_id = _located_person(demo, people)
    latitude, longitude = _gazetteer_position(demo, person_id)
    result = incident_list(demo, PLANNER, area=circle_area(latitude, longitude, 400),
                           incident_name="River Ash flooding", purpose="Evacuation", people=people)
    entry = demo.audit.entries(action="places.incident_list", actor=PLANNER.username)[0]
    assert entry.subject == "River Ash flooding" and entry.purpose == "Evacuation"
    assert entry.details["people"] == result.count
    assert entry.details["area"]["radius_metres"] == 400.0
    logged = json.dumps(entry.details) + entry.subject
    assert result.count > 0
    for person in result.people:
        assert person.name not in logged
        assert not person.contact_phone or person.contact_phone not in logged


def test_only_the_emergency_planning_team_and_governance_may_pull_a_list(demo: Workspace,
                                                                         people: pd.DataFrame) -> None:
    area = circle_area(53.40, -2.20, 500)
    before = len(demo.audit.entries(action="places.incident_list"))
    for refused in (EARLY_HELP, ANALYST):
        with pytest.raises(AccessDeniedError, match="Emergency Planning"):
            incident_list(demo, refused, area=area, incident_name="Test", purpose="Test", people=people)
    assert len(demo.audit.entries(action="places.incident_list")) == before
    assert incident_list(demo, GOVERNANCE, area=area, incident_name="Test", purpose="Audit check",
                         people=people).count >= 0


def test_a_withheld_address_is_listed_without_the_address_except_for_governance(demo: Workspace) -> None:
    chosen = _located_person(demo, vulnerable_people(demo))
    with demo.analytics.transaction() as connection:
        connection.execute("update identity.persons set address_withheld = true where person_id = ?", [chosen])
    people = vulnerable_people(demo)
    latitude, longitude = _gazetteer_position(demo, chosen)
    area = circle_area(latitude, longitude, 50)
    planner_view = {person.person_id: person for person in incident_list(
        demo, PLANNER, area=area, incident_name="Gas leak", purpose="Door knocking", people=people).people}
    governance_view = {person.person_id: person for person in incident_list(
        demo, GOVERNANCE, area=area, incident_name="Gas leak", purpose="Door knocking", people=people).people}
    assert planner_view[chosen].address == WITHHELD_ADDRESS
    assert governance_view[chosen].address != WITHHELD_ADDRESS and "," in governance_view[chosen].address
    assert planner_view[chosen].needs == governance_view[chosen].needs


def test_the_csv_export_is_written_whole_and_audit_logged(demo: Workspace, people: pd.DataFrame,
                                                         tmp_path: Path) -> None:
    person_id = _located_person(demo, people)
    latitude, longitude = _gazetteer_position(demo, person_id)
    result = incident_list(demo, PLANNER, area=circle_area(latitude, longitude, 800), incident_name="Storm",
                           purpose="Welfare checks", people=people)
    written = export_incident_list(demo, PLANNER, result, tmp_path / "storm.csv")
    frame = pd.read_csv(written)
    assert len(frame) == result.count and list(frame["person id"]) == [p.person_id for p in result.people]
    assert {"needs", "contact phone", "address"} <= set(frame.columns)
    entry = demo.audit.entries(action="places.incident_list.export")[0]
    assert entry.details == {"incident": "Storm", "area": result.area.describe(), "people": result.count,
                             "file": "storm.csv"}


def test_polygons_are_checked_before_they_are_used(demo: Workspace) -> None:
    square = {"type": "Polygon", "coordinates": [[[-2.21, 53.39], [-2.19, 53.39], [-2.19, 53.41], [-2.21, 53.41],
                                                  [-2.21, 53.39]]]}
    area = polygon_area(json.dumps({"type": "Feature", "properties": {}, "geometry": square}))
    assert area.contains([53.40, 53.42], [-2.20, -2.20]).tolist() == [True, False]
    assert area.contains([53.39], [-2.20]).tolist() == [True]  # a point on the edge counts as inside
    check_in_borough(demo, area)
    with pytest.raises(InputFileError, match="must be a polygon"):
        polygon_area({"type": "Point", "coordinates": [-2.2, 53.4]})
    with pytest.raises(InputFileError, match="square kilometres"):
        polygon_area({"type": "Polygon", "coordinates": [[[-3, 53], [-1, 53], [-1, 54], [-3, 54], [-3, 53]]]})
    with pytest.raises(InputFileError, match="not GeoJSON"):
        polygon_area("{not json", file_name="flood.geojson")
    bow_tie = polygon_area({"type": "Polygon", "coordinates": [[[-2.21, 53.39], [-2.19, 53.41], [-2.19, 53.39],
                                                                [-2.21, 53.41], [-2.21, 53.39]]]})
    assert bow_tie.polygon is not None and bow_tie.polygon.is_valid and bow_tie.polygon.area > 0
    with pytest.raises(TownhallError, match="outside the borough"):
        check_in_borough(demo, circle_area(51.5, -0.12, 500))
    with pytest.raises(TownhallError, match="larger than an incident area"):
        circle_area(53.4, -2.2, 50_000)


def test_needs_are_read_from_register_text_in_the_order_responders_act_on_them() -> None:
    assert needs_from_text("Mobility; Oxygen") == ["Mobility", "Oxygen"]
    assert needs_from_text("Physical Support: Access and Mobility Only") == ["Mobility"]
    assert needs_from_text("Sensory Support: Support for Visual Impairment") == ["Sight"]
    assert needs_from_text(None) == [] and needs_from_text("Other") == ["Other"]
    assert need_rank("Oxygen") < need_rank("Mobility") < need_rank("Hearing") < need_rank("Something new")
