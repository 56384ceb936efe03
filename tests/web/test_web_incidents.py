"""The incident list pages (emergency-planning team only) and the place analyses pages, through the app."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from townhall.demo.places_setup import set_up_demo_geography
from townhall.governance.users import Role
from townhall.places.geography import Geography
from townhall.places.incidents import vulnerable_people
from townhall.workspace import Workspace

PASSWORD = "a long test password"  # as tests/web/conftest.py
PLANNER = "eve.planner"  # the demo has its own erin.emergency, whose password is random


@pytest.fixture
def workspace(linked_demo: Workspace) -> Workspace:
    """The web fixtures (people, client) serve the linked demo, with an emergency planner."""
    linked_demo.users.add(PLANNER, Role.PRACTITIONER, team="Emergency Planning", password=PASSWORD,
                          display_name="Eve Planner")
    return linked_demo


def _busiest_postcode(workspace: Workspace) -> str:
    """The postcode with the most vulnerable people placed by their exact address."""
    people = vulnerable_people(workspace)
    return str(people.loc[people["placed_by"] == "UPRN", "household_postcode"].value_counts().index[0])


def test_an_emergency_planner_gets_the_list_for_a_postcode_and_radius_and_can_download_it(
        client: TestClient, token_in: Callable[[str], str],
        workspace: Workspace, signed_in: Callable[..., TestClient], main_text: Callable[[Response], str]) -> None:
    signed_in(client, PLANNER)
    form = client.get("/places/incidents")
    assert form.status_code == 200 and "Incident name" in form.text
    fields = {"name": "Mill fire", "purpose": "Welfare checks", "postcode": _busiest_postcode(workspace),
              "radius": "300", "csrf_token": token_in(form.text)}
    page = client.post("/places/incidents", data=fields)
    assert page.status_code == 200, main_text(page)
    entry = workspace.audit.entries(action="places.incident_list", actor=PLANNER)[0]
    count = entry.details["people"]
    assert count >= 1 and f"Vulnerable people in the area {count}" in main_text(page)
    assert page.text.count('<tr class="govuk-table__row">') == count + 1  # the header row, then one per person
    area = json.loads(html.unescape(page.text.split('id="incident-area">', 1)[1].split("</script>", 1)[0]))
    assert area["features"][0]["geometry"]["type"] == "Polygon"
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    download = client.post("/places/incidents/download", data={**hidden, "csrf_token": token_in(page.text)})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert 'filename="mill-fire-list.csv"' in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == count and all(row["person id"].startswith("P-") for row in rows)
    export = workspace.audit.entries(action="places.incident_list.export", actor=PLANNER)[0]
    assert export.details["people"] == count and export.purpose == "Welfare checks"


def test_other_practitioners_and_analysts_are_refused_and_nothing_is_listed(
        client: TestClient, people: dict[Role, str], workspace: Workspace, signed_in: Callable[...,
        TestClient]) -> None:
    for role in (Role.PRACTITIONER, Role.ANALYST, Role.MANAGER):
        page = signed_in(client, people[role]).get("/places/incidents")
        assert page.status_code == 403, role
    assert not workspace.audit.entries(action="places.incident_list")


def test_a_bad_area_is_explained_on_the_form(client: TestClient,
                                            token_in: Callable[[str], str], workspace: Workspace,
        signed_in: Callable[..., TestClient], main_text: Callable[[Response], str]) -> None:
    signed_in(client, PLANNER)
    token = token_in(client.get("/places/incidents").text)
    missing = client.post("/places/incidents", data={"csrf_token": token, "radius": "100"})
    assert missing.status_code == 400
    assert "Enter the incident's name" in main_text(missing) and "Enter a postcode or a latitude" in main_text(missing)
    far = client.post("/places/incidents", data={"csrf_token": token, "name": "Test", "purpose": "Test",
                                                 "latitude": "51.5", "longitude": "-0.12", "radius": "200"})
    assert far.status_code == 400 and "outside the borough" in main_text(far)
    too_big = {"type": "Polygon", "coordinates": [[[-3, 53], [-1, 53], [-1, 54], [-3, 54], [-3, 53]]]}
    upload = client.post("/places/incidents", data={"csrf_token": token, "name": "Test", "purpose": "Test"},
                         files={"polygon_file": ("flood.geojson", json.dumps(too_big), "application/geo+json")})
    assert upload.status_code == 400 and "flood.geojson: it covers" in main_text(upload)
    assert not workspace.audit.entries(action="places.incident_list")


def test_analysts_see_segments_distances_and_can_download_the_borough_report(
        client: TestClient, people: dict[Role, str],
        token_in: Callable[[str], str], workspace: Workspace, signed_in: Callable[..., TestClient],
        main_text: Callable[[Response], str]) -> None:
    if not workspace.analytics.table_exists("places", "areas"):
        set_up_demo_geography(workspace)
    signed_in(client, people[Role.ANALYST])
    segments = client.get("/places/analyses/segments")
    assert segments.status_code == 200 and "segments: of 2 to" in main_text(segments)
    mapped = client.get("/places/analyses/segments.geojson").json()
    small_areas = Geography.from_workspace(workspace).areas("small_area")
    assert len(mapped["features"]) == len(small_areas) and mapped["legend"]
    report_page = client.get("/places/analyses/report")
    assert report_page.status_code == 200 and 'value="median_age"' in report_page.text
    token = token_in(report_page.text)
    what_if = client.post("/places/analyses/access", data={"csrf_token": token, "type": "Library",
                                                           "within_km": "1", "close": "Ashbury Central Library"})
    assert what_if.status_code == 200 and "Residents more than 1.0 km" in main_text(what_if)
    assert "Closing Ashbury Central Library" in main_text(what_if)
    assert 'aria-label="Bar chart of the average distance to the nearest site by small area"' in what_if.text
    report = client.post("/places/analyses/report", data={"csrf_token": token, "indicator": "median_age"})
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert "State of the Borough: " in report.text and "Median age by small area" in report.text
    assert "Deprivation decile" not in report.text
    assert (workspace.path / "outputs" / "state-of-the-borough.html").exists()
    assert signed_in(client, people[Role.PRACTITIONER]).get("/places/analyses").status_code == 403
