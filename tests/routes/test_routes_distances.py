"""Distances for routes: along a road network when one is set, otherwise straight-line times the stated factor."""

from __future__ import annotations

import json

import numpy as np
import pytest

from townhall.errors import TownhallError
from townhall.routes import travel_matrices
from townhall.settings.routes import RoutesSettings


def test_straight_line_distances_are_scaled_by_the_stated_factor() -> None:
    settings = RoutesSettings(straight_line_factor=1.5, average_speed_mph=30)
    # 0.01 degrees of latitude is 1,112 metres.
    matrices = travel_matrices(None, np.array([53.40, 53.41]), np.array([-2.2, -2.2]), settings=settings)
    assert matrices.metres[0, 1] == pytest.approx(1.5 * 1112, abs=2)
    assert matrices.seconds[0, 1] == pytest.approx(matrices.metres[0, 1] / (30 * 1609.344 / 3600), abs=1)
    assert "times 1.5" in matrices.method


def test_a_road_network_makes_a_river_crossing_go_round_by_the_bridge(workspace) -> None:
    # Two points either side of a river; the only bridge is 1 km east, so the road distance is about 2.1 km.
    roads = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [
            [-2.2000, 53.4000], [-2.1850, 53.4000], [-2.1850, 53.4010], [-2.2000, 53.4010]]}}]}
    (workspace.path / "roads.geojson").write_text(json.dumps(roads), encoding="utf-8")
    settings = RoutesSettings(road_network="roads.geojson")
    matrices = travel_matrices(workspace, np.array([53.4000, 53.4010]), np.array([-2.2000, -2.2000]),
                               settings=settings)
    straight = travel_matrices(None, np.array([53.4000, 53.4010]), np.array([-2.2000, -2.2000]),
                               settings=RoutesSettings(straight_line_factor=1.0))
    assert straight.metres[0, 1] == pytest.approx(111, abs=2)
    assert matrices.metres[0, 1] == pytest.approx(2 * 998 + 111, rel=0.01)
    assert "road network in roads.geojson" in matrices.method
    with pytest.raises(TownhallError, match="does not exist"):
        travel_matrices(workspace, np.array([53.4]), np.array([-2.2]),
                        settings=RoutesSettings(road_network="missing.geojson"))
