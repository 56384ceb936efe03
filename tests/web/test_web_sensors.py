"""Sensors and routes in the web app: the device endpoint (a token, JSON, no staff session), the sensors pages with
alerts for the right team, collection routes with their map, crew sheets and exports, and the school-transport
report kept from practitioners and audit-logged."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from townhall.governance.users import Role
from townhall.sensors import add_device, drain, inbox_folder, ingest_file
from townhall.workspace import Workspace

PASSWORD = "a long test password"  # as in conftest.py
ROOMS = {"device": "sensor", "time": "taken", "measures": {"temperature_c": "temp"}, "asset_type": "sheltered_room",
         "asset_name": ["place"], "team": "Sheltered Housing"}
BINS = {"device": "bin", "time": "at", "measures": {"fill_pct": "fill"}, "asset_type": "bin",
        "asset_name": ["street"], "latitude": "lat", "longitude": "lon", "team": "Street Scene"}


def _body(value: float = 42.0) -> dict[str, object]:
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return {"readings": [{"time": moment, "measure": "fill_pct", "value": value}]}


@pytest.fixture
def device_token(workspace: Workspace) -> str:
    return add_device(workspace, "LB-1", asset_type="bin", asset_name="Mill Road bin", team="Street Scene",
                      actor="test")


def test_a_device_posts_with_its_token_and_the_readings_are_stored_by_the_listener(client, workspace,
                                                                                   device_token) -> None:
    response = client.post("/api/sensors/readings", json=_body(),
                           headers={"Authorization": f"Bearer {device_token}"})
    assert response.status_code == 202 and response.json() == {"accepted": 1, "device": "LB-1"}
    assert len(list(inbox_folder(workspace).glob("*.json"))) == 1
    report = drain(workspace)
    assert report.stored == 1 and report.channel == "live"
    assert not list(inbox_folder(workspace).glob("*.json"))


@pytest.mark.parametrize(("token", "content_type", "body", "status", "words"), [
    (None, "application/json", "reading", 401, "Authorization: Bearer"),
    ("thd_not-a-real-token", "application/json", "reading", 401, "not known"),
    ("good", "text/plain", "reading", 415, "application/json"),
    ("good", "application/json", "{not json", 400, "not JSON"),
    ("good", "application/json", json.dumps({"readings": [{"time": "2026-01-05T08:00:00Z"}]}), 400,
     "needs a measure"),
], ids=["no-token", "unknown-token", "not-json-type", "bad-json", "no-measure"])
def test_posts_without_a_valid_token_or_json_are_refused_with_a_json_message(client, device_token, token,
                                                                            content_type, body, status,
                                                                            words) -> None:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {device_token if token == 'good' else token}"
    content = json.dumps(_body()) if body == "reading" else body
    response = client.post("/api/sensors/readings", content=content, headers=headers)
    assert response.status_code == status and words in response.json()["error"]


def test_a_staff_session_is_no_way_in_for_devices_and_devices_need_no_csrf_token(client, sign_in, people,
                                                                                device_token) -> None:
    sign_in(client, people[Role.ADMIN])
    assert client.post("/api/sensors/readings", json=_body()).status_code == 401
    assert client.post("/api/sensors/readings", json=_body(),
                       headers={"Authorization": f"Bearer {device_token}"}).status_code == 202
    page = client.get("/sensors")
    assert "accepted 1 posts holding 1 readings" in " ".join(page.text.split())


def _rooms_and_bins(workspace: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A cold flat (Sheltered Housing) and a full bin (Street Scene), each raising one alert."""
    workspace.config.extra["sensors"] = {"feeds": {"rooms": ROOMS, "bins": BINS}}
    workspace.config.extra["routes"] = {"depot": {"name": "Depot", "latitude": 53.40, "longitude": -2.20},
                                        "solve_seconds": 0.3}
    workspace.save_config()
    times = pd.date_range("2026-03-02", periods=8, freq="h")
    rooms = pd.DataFrame({"sensor": "R1", "taken": times.strftime("%Y-%m-%d %H:%M"),
                          "temp": [21, 16, 16, 16, 16, 16, 16, 16], "place": "Flat 1"})
    rooms.to_csv(tmp_path / "rooms.csv", index=False)
    ingest_file(workspace, tmp_path / "rooms.csv", "rooms")
    bin_times = pd.date_range("2026-03-02", periods=60, freq="2h")
    bins = pd.DataFrame([{"bin": f"B{number}", "at": moment.isoformat(),
                          "fill": min(100.0, (position * (2 + number)) % 110), "street": f"Street {number}",
                          "lat": 53.40 + 0.003 * number, "lon": -2.20}
                         for number in range(4) for position, moment in enumerate(bin_times)])
    bins.to_csv(tmp_path / "bins.csv", index=False)
    ingest_file(workspace, tmp_path / "bins.csv", "bins")


def test_practitioners_see_their_own_teams_alerts_and_others_choose(client, workspace, signed_in, people,
                                                                    main_text, tmp_path) -> None:
    _rooms_and_bins(workspace, tmp_path)
    workspace.users.add("street.lead", Role.PRACTITIONER, team="Street Scene", password=PASSWORD)
    signed_in(client, "street.lead")
    text = main_text(client.get("/sensors/alerts"))
    assert "(sensor B" in text and "(sensor R1)" not in text
    signed_in(client, people[Role.MANAGER])
    every = main_text(client.get("/sensors/alerts"))
    assert "(sensor R1)" in every and "(sensor B" in every
    only = main_text(client.get("/sensors/alerts?team=Sheltered%20Housing"))
    assert "(sensor R1)" in only and "(sensor B" not in only


def test_the_sensors_pages_show_statuses_devices_and_forecasts(client, workspace, sign_in, people, main_text,
                                                               tmp_path) -> None:
    _rooms_and_bins(workspace, tmp_path)
    sign_in(client, people[Role.ANALYST])
    overview = main_text(client.get("/sensors"))
    assert "Readings stored: 248" in overview and "Conflicting duplicate" in overview
    health = client.get("/sensors/health?show=all")
    assert health.status_code == 200 and "B0" in health.text
    forecasts = client.get("/sensors/forecasts?bin=B2")
    assert forecasts.status_code == 200 and "<svg" in forecasts.text and "Bin B2" in forecasts.text


def test_the_routes_page_has_a_map_with_its_figures_crew_sheets_and_downloads(client, workspace, sign_in, people,
                                                                              main_text, tmp_path) -> None:
    _rooms_and_bins(workspace, tmp_path)
    sign_in(client, people[Role.PRACTITIONER])
    page = client.get("/routes?day=2026-03-07")
    assert page.status_code == 200 and 'data-geojson-url="/routes/plan.geojson?day=2026-03-07"' in page.text
    text = main_text(page)
    assert "Every bin and why" in text and "Saturday 7 March 2026" in text
    geojson = client.get("/routes/plan.geojson?day=2026-03-07").json()
    assert any(feature["geometry"]["type"] == "LineString" for feature in geojson["features"])
    sheets = main_text(client.get("/routes/crew-sheets?day=2026-03-07"))
    assert "Crew sheets for Saturday 7 March 2026" in sheets and "Tick when done" in sheets
    csv = client.get("/routes/plan.csv?day=2026-03-07")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("route,order,kind")
    assert client.get("/routes/map.html?day=2026-03-07").text.startswith("<!DOCTYPE html>")
    assert client.get("/routes?day=not-a-day").status_code == 404


def test_the_school_transport_report_is_kept_from_practitioners_and_audit_logged(client, workspace, signed_in,
                                                                                 people, main_text,
                                                                                 tmp_path) -> None:
    pupils = tmp_path / "pupils.csv"
    pupils.write_text("pupil_ref,pickup_address,home_latitude,home_longitude,school,school_latitude,"
                      "school_longitude,bell_time,max_ride_minutes,wheelchair,needs_escort\n"
                      "P1,1 Mill Road,53.41,-2.20,Brook School,53.40,-2.18,08:50,45,N,N\n"
                      "P2,2 Mill Road,53.42,-2.20,Brook School,53.40,-2.18,08:50,45,Y,Y\n", encoding="utf-8")
    workspace.catalogue.add_source(pupils, "school_transport_pupils", owner="Passenger Transport",
                                   description="Pupils.")
    workspace.config.extra["routes"] = {"depot": {"name": "Depot", "latitude": 53.40, "longitude": -2.20}}
    workspace.save_config()
    signed_in(client, people[Role.PRACTITIONER])
    assert client.get("/routes/school").status_code == 403
    signed_in(client, people[Role.ANALYST])
    text = main_text(client.get("/routes/school"))
    assert "Brook School" in text and "Mill Road" not in text  # totals only, never an address
    entries = workspace.audit.entries(action="routes.school_transport")
    assert [(entry.actor, entry.purpose) for entry in entries] == [
        (people[Role.ANALYST], "Home-to-school transport planning")]
