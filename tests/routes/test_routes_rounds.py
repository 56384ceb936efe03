"""Collection rounds: the bins chosen from the forecasts, routes that keep every rule (capacity by weight and
volume, trips to the tip, shift, time windows), and the crew sheets, CSV and GeoJSON that come out."""

from __future__ import annotations

import datetime as dt

import pytest

from townhall.errors import TownhallError
from townhall.routes import MAY, MUST, plan_collection_round


@pytest.fixture
def plan(town):  # type: ignore[no-untyped-def]
    return plan_collection_round(town, day=dt.date(2026, 3, 20), seconds=None, iterations=400)


def test_every_bin_that_must_be_collected_is_on_a_route_and_the_routes_keep_the_rules(town, plan) -> None:
    settings = town.settings.routes
    visited = {stop.key for route in plan.routes for stop in route.stops if stop.kind == "bin"}
    must = {choice.bin_id for choice in plan.choices if choice.decision == MUST}
    assert plan.feasible and must and must <= visited
    assert visited <= must | {choice.bin_id for choice in plan.choices if choice.decision == MAY}
    vehicle = settings.vehicles[0]
    for route in plan.routes:
        assert max(stop.load_kg for stop in route.stops) <= vehicle.capacity_kg
        assert max(stop.load_litres for stop in route.stops) <= vehicle.capacity_litres
        assert route.hours <= vehicle.shift_hours + 1e-9
        assert route.stops[0].name == "Depot" and route.stops[-1].name == "Depot"
        assert route.stops[-2].name == "Tip"  # every round ends by emptying
    # 25 kg a lorry (a full 240-litre bin holds 17 kg) forces trips back to the tip.
    assert sum(route.trips for route in plan.routes) > len(plan.routes)


def test_a_street_with_a_time_window_is_visited_inside_it(plan) -> None:
    market = [stop for route in plan.routes for stop in route.stops if stop.name == "Market Street"]
    assert market and "06:00" <= market[0].arrive <= "06:30"


def test_the_crew_sheets_csv_and_geojson_hold_every_stop(town, plan) -> None:
    html = plan.crew_sheets_html("Testshire")
    rows = plan.rows()
    geojson = plan.to_geojson()
    bins = [stop.key for route in plan.routes for stop in route.stops if stop.kind == "bin"]
    assert all(key in html for key in bins) and html.count("<section") == len(plan.routes)
    assert [row["sensor"] for row in rows if row["kind"] == "bin"] == bins
    lines = [feature for feature in geojson["features"] if feature["geometry"]["type"] == "LineString"]
    assert len(lines) == len(plan.routes) and geojson["footnotes"][0].startswith("Distances: straight-line")
    table = plan.thematic_map().table()
    assert len(table["rows"]) == len(plan.routes) + len(rows)


def test_planning_without_a_depot_says_what_to_set(town) -> None:
    from .conftest import configure

    settings = town.config.extra["routes"]
    settings.pop("depot")
    reopened = configure(town, routes=settings)
    with pytest.raises(TownhallError, match=r"Set the depot in townhall.toml"):
        plan_collection_round(reopened, day=dt.date(2026, 3, 20), iterations=50)
    reopened.close()
