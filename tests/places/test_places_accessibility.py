"""Accessibility: distance to the nearest service site (straight-line and along a road network), residents beyond a
distance (protected), and what opening or closing a site would change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.errors import InputFileError, TownhallError
from townhall.governance.disclosure import DisclosureRule
from townhall.places.accessibility import (
    RoadNetwork,
    measure_accessibility,
    nearest_site,
    read_service_locations,
    what_if,
)
from townhall.places.locations import haversine_metres

METRE = 1 / 111_320  # degrees of latitude in one metre


def _line(*points: tuple[float, float]) -> dict:
    return {"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
                                                              "coordinates": [list(point) for point in points]}}


def _north(metres: float) -> float:
    return metres * METRE


# A tiny network on the equator (lon, lat): a 1 km square A-B-C-D with a river between A and C, crossed only by the
# road A-B-C; and a cul-de-sac D-E. From A to C by road is 2 km although C is 1.41 km away in a straight line.
A, B, C, D, E = (0.0, 0.0), (0.009, 0.0), (0.009, 0.009), (0.0, 0.009), (0.0, 0.0135)
NETWORK = {"type": "FeatureCollection", "features": [_line(A, B), _line(B, C), _line(A, D), _line(D, E)]}


def test_network_distances_follow_the_roads_on_a_tiny_hand_made_network() -> None:
    network = RoadNetwork.from_geojson(NETWORK)
    site = pd.DataFrame({"name": ["Hub at C"], "type": ["Family hub"], "latitude": [C[1]], "longitude": [C[0]]})
    side = haversine_metres(0, 0, 0, 0.009)  # one side of the square
    distance, chosen = nearest_site(np.array([A[1], D[1], E[1]]), np.array([A[0], D[0], E[0]]), site, network)
    # A: A-B-C. D: D-A-B-C (no road D-C). E: E-D-A-B-C.
    assert distance == pytest.approx([2 * side, 3 * side, 3.5 * side], rel=1e-6)
    assert chosen.tolist() == [0, 0, 0]
    straight, _ = nearest_site(np.array([A[1]]), np.array([A[0]]), site)
    assert straight[0] == pytest.approx(haversine_metres(A[1], A[0], C[1], C[0]))
    assert straight[0] < distance[0]


def test_a_point_off_the_network_walks_to_the_nearest_junction_first() -> None:
    network = RoadNetwork.from_geojson(NETWORK)
    sites = pd.DataFrame({"name": ["At B", "At E"], "type": ["Library", "Library"], "latitude": [B[1], E[1]],
                          "longitude": [B[0], E[0]]})
    near_d = (0.0005, 0.009)  # about 56 m east of D
    distance, chosen = nearest_site(np.array([near_d[1]]), np.array([near_d[0]]), sites, network)
    walk = haversine_metres(near_d[1], near_d[0], D[1], D[0])
    assert chosen.tolist() == [1]  # E is 500 m from D by road; B is 2 km (D-A-B)
    assert distance[0] == pytest.approx(walk + haversine_metres(D[1], D[0], E[1], E[0]), rel=1e-6)


def _origins() -> pd.DataFrame:
    """Twelve households of two people in a line northwards, 200 m apart, in two small areas."""
    return pd.DataFrame({"origin": [f"H{number}" for number in range(12)],
                         "latitude": [53.4 + _north(200 * number) for number in range(12)],
                         "longitude": [-2.2] * 12, "weight": [2.0] * 12,
                         "area_code": ["E01000001"] * 6 + ["E01000002"] * 6})


SITES = pd.DataFrame({"name": ["South library", "North library"], "type": ["Library", "Library"],
                      "latitude": [53.4, 53.4 + _north(2200)], "longitude": [-2.2, -2.2]})


def test_residents_beyond_the_distance_are_counted_and_published_only_through_disclosure_control() -> None:
    rule = DisclosureRule(threshold=10, rounding=5)
    result = measure_accessibility(_origins(), SITES.iloc[[0]], threshold_km=1.1, rule=rule)
    # Households at 1,200 m to 2,200 m (6 of them, 12 people) are beyond 1.1 km.
    assert result.residents == 24 and result.residents_beyond == 12
    assert result.published_beyond == 10
    table = result.by_area()
    assert table.is_suppressed("E01000001", "residents_beyond")  # 0 is under the threshold: hidden
    assert table.secondary_count >= 1  # else the total would give the hidden 0 away
    assert table.frame.loc["E01000001", "residents"] == 10 and table.frame.loc["Total", "residents"] == 25
    assert "Counts under 10 are hidden" in table.notes[0]
    near = measure_accessibility(_origins(), SITES, threshold_km=1.1, rule=rule)
    assert near.residents_beyond == 0 and near.published_beyond is None


def test_opening_a_site_brings_residents_closer_and_closing_one_moves_them_further() -> None:
    rule = DisclosureRule(threshold=0, rounding=1)
    opened = what_if(_origins(), SITES.iloc[[0]], open_sites=[{"name": "New hub", "latitude": 53.4 + _north(1800),
                                                               "longitude": -2.2}], rule=rule, threshold_km=1.1)
    assert opened.before.residents_beyond == 12 and opened.after.residents_beyond == 0 and opened.change == -12
    assert opened.opened == ["New hub"] and opened.rows()[1] == {"measure": "Sites", "before": 1, "after": 2}
    closed = what_if(_origins(), SITES, close_sites=["North library"], rule=rule, threshold_km=1.1)
    assert closed.before.residents_beyond == 0 and closed.after.residents_beyond == 12
    with pytest.raises(TownhallError, match="no site called 'Town hall'"):
        what_if(_origins(), SITES, close_sites=["Town hall"])


def test_a_sites_file_with_a_bad_position_names_the_row_and_field(tmp_path: Path) -> None:
    good = tmp_path / "sites.csv"
    good.write_text("Name,Type,Latitude,Longitude\nCentral library,Library,53.40,-2.20\n", encoding="utf-8")
    assert read_service_locations(good).iloc[0]["latitude"] == 53.40
    bad = tmp_path / "bad.csv"
    bad.write_text("name,type,latitude,longitude\nA,Library,53.4,-2.2\nB,Library,north,-2.2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"file bad\.csv, row 3, field 'latitude'"):
        read_service_locations(bad)
    missing = tmp_path / "missing.csv"
    missing.write_text("name,latitude,longitude\nA,53.4,-2.2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"no type \(the site's type\)"):
        read_service_locations(missing)


def test_the_demo_ships_service_locations_inside_the_borough(linked_demo_folder: Path) -> None:
    sites = read_service_locations(linked_demo_folder / "demo-data" / "geography" / "service_locations.csv")
    assert set(sites["type"]) == {"Library", "Family hub", "Children's centre"}
    assert sites["name"].is_unique
    postcodes = pd.read_csv(linked_demo_folder / "demo-data" / "geography" / "postcodes.csv")
    assert sites["latitude"].between(postcodes["latitude"].min(), postcodes["latitude"].max()).all()
