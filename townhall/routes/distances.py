"""Distances and travel times between the places a route visits: along the council's road network when one is
given ([routes] road_network, GeoJSON lines, as for 'townhall places access'), otherwise straight-line distances times
a stated factor ([routes] straight_line_factor), which every output then states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from townhall.errors import TownhallError
from townhall.settings.routes import RoutesSettings
from townhall.workspace import Workspace

METRES_PER_MILE = 1609.344


@dataclass
class Matrices:
    """Metres and seconds between every pair of points, and how they were measured."""

    metres: np.ndarray
    seconds: np.ndarray
    method: str


def straight_line_metres(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Great-circle metres between every pair of points."""
    from townhall.places import haversine_metres

    lat = np.asarray(latitude, dtype=float)
    lon = np.asarray(longitude, dtype=float)
    return haversine_metres(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


def road_metres(network, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Metres along a road network between every pair of points (walk to the nearest junction, roads, walk off)."""
    from scipy.sparse.csgraph import dijkstra

    nodes, walk = network.nearest_nodes(np.asarray(latitude, dtype=float), np.asarray(longitude, dtype=float))
    unique, position = np.unique(nodes, return_inverse=True)
    along = dijkstra(network.graph, directed=False, indices=unique)[:, unique]
    metres = along[position][:, position] + walk[:, None] + walk[None, :]
    np.fill_diagonal(metres, 0.0)
    if not np.isfinite(metres).all():
        raise TownhallError("Some stops cannot be reached from others along the road network (it has separate "
                            "pieces). Check the network file, or leave [routes] road_network unset to use "
                            "straight-line distances.")
    return metres


def travel_matrices(workspace: Workspace | None, latitude: np.ndarray, longitude: np.ndarray, *,
                    settings: RoutesSettings, speed_mph: float | None = None) -> Matrices:
    """Whole metres and seconds between every pair of points, by road network or by straight line times the factor."""
    speed = (speed_mph or settings.average_speed_mph) * METRES_PER_MILE / 3600
    if settings.road_network and workspace is not None:
        from townhall.places import RoadNetwork

        path = workspace.path / settings.road_network
        if not path.exists():
            raise TownhallError(f"The road network file {path} ([routes] road_network) does not exist.")
        metres = road_metres(RoadNetwork.from_geojson(path), latitude, longitude)
        method = f"distances along the road network in {path.name}"
    else:
        metres = straight_line_metres(latitude, longitude) * settings.straight_line_factor
        method = (f"straight-line distances times {settings.straight_line_factor:g} for the roads' detours "
                  "(no road network is set)")
    seconds = metres / speed
    return Matrices(metres=np.rint(metres).astype(np.int64), seconds=np.rint(seconds).astype(np.int64),
                    method=method + f"; driving at {speed_mph or settings.average_speed_mph:g} mph on average")


def miles(metres: float) -> float:
    """Metres in miles."""
    return metres / METRES_PER_MILE
