"""Accessibility: how far residents live from services (libraries, family hubs, children's centres), and what would
change if a site opened or closed; for deciding where to locate services.

Distances are straight-line (great-circle) by default, or along a road network when one is given as GeoJSON lines.
Distances are measured from every household in the person index (weighted by its members) or, without an index,
from each small area's centre weighted by its population. Counts of residents beyond a distance are published
through disclosure control.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from townhall.errors import InputFileError, TownhallError
from townhall.governance.disclosure import DisclosureRule, ProtectedTable, protect_count, protect_table
from townhall.places.defaults import DEFAULT_THRESHOLD_KM
from townhall.places.locations import haversine_metres, household_locations, local_metres, registered_columns
from townhall.workspace import Workspace

SITE_PARTS = ("name", "type", "latitude", "longitude")
CHUNK = 200_000  # origins measured at once (memory: CHUNK x sites distances)
SITES_NOT_SET = ("No service sites are set for this workspace. Name a registered source (or a CSV file, relative to "
                 "the workspace) with each site's name, type, latitude and longitude in townhall.toml: [places] "
                 "service_sites = \"...\" (other column names go in [places.service_site_columns]).")


# --- service sites -------------------------------------------------------------------------------------------------

class ServiceSitesNotSetError(TownhallError):
    """No service sites are named in townhall.toml and none were chosen."""


@dataclass
class ServiceSites:
    """Service sites (name, type, latitude, longitude) and where they came from, in words."""

    sites: pd.DataFrame
    origin: str  # "the registered source 'libraries'" or "the file sites.csv"
    source: str | None = None  # the registered source's name, when they came from one

    @property
    def types(self) -> list[str]:
        """The kinds of site, alphabetically ("Children's centre", "Family hub", "Library")."""
        return sorted(self.sites["type"].unique())


def _site_columns(columns: Sequence[str], wanted: Mapping[str, str], label: str) -> dict[str, str]:
    """Each part's column (exact name, else ignoring capitals), or an error naming the columns that are missing."""
    lowered = {column.strip().lower(): column for column in columns}
    found: dict[str, str] = {}
    for part in SITE_PARTS:
        name = wanted[part]
        match = name if name in columns else lowered.get(name.strip().lower())
        if match is not None:
            found[part] = match
    missing = [f"{wanted[part]} (the site's {part})" for part in SITE_PARTS if part not in found]
    if missing:
        raise InputFileError(label, f"service sites need a name, type, latitude and longitude column and it has no "
                                    f"{', '.join(missing)}. Its columns are {', '.join(columns)}; set the names in "
                                    "townhall.toml [places.service_site_columns].")
    return found


def _checked_sites(frame: pd.DataFrame, label: str, wanted: Mapping[str, str], rows: Sequence[int]) -> pd.DataFrame:
    """The sites with positions checked: a missing or impossible position, or a nameless site, names its row."""
    columns = _site_columns([str(column) for column in frame.columns], wanted, label)
    sites = pd.DataFrame({part: frame[columns[part]].astype("string").fillna("").str.strip().to_numpy(dtype=object)
                          for part in SITE_PARTS})
    for part in ("latitude", "longitude"):
        values = pd.to_numeric(sites[part], errors="coerce")
        limit = 90 if part == "latitude" else 180
        bad = values.isna() | (values.abs() > limit)
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputFileError(label, f"'{sites[part].iloc[position]}' is not a {part} in degrees.",
                                 row=rows[position], field=columns[part])
        sites[part] = values.to_numpy(dtype=float)
    for part in ("name", "type"):
        blank = (sites[part] == "").to_numpy()
        if blank.any():
            position = int(np.flatnonzero(blank)[0])
            raise InputFileError(label, f"every site needs a {part}.", row=rows[position], field=columns[part])
    return sites


def read_service_locations(path: str | Path, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Service sites from a CSV with name, type, latitude and longitude columns (other names given in ``columns``,
    e.g. ``{"name": "Site Name"}``; any capitals); rows are checked."""
    file = Path(path)
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise InputFileError(file.name, f"it could not be read as a CSV file ({error})") from None
    wanted = {part: part for part in SITE_PARTS} | dict(columns or {})
    return _checked_sites(frame, file.name, wanted, range(2, len(frame) + 2))


def _configured_columns(workspace: Workspace) -> dict[str, str]:
    return workspace.settings.places.service_site_columns.model_dump()


def service_site_sources(workspace: Workspace) -> list[str]:
    """Registered sources with a name, type, latitude and longitude column ([places.service_site_columns] names)."""
    wanted = {name.strip().lower() for name in _configured_columns(workspace).values()}
    return sorted(name for name, columns in registered_columns(workspace).items()
                  if wanted <= {column.strip().lower() for column in columns})


def _sites_from_source(workspace: Workspace, source: str) -> ServiceSites:
    table = workspace.catalogue.table_name(source)
    with workspace.analytics.connect(read_only=True) as connection:
        frame = connection.execute(f"select * from {table} order by _row_number").df()
    rows = frame.pop("_row_number").astype(int).tolist() if "_row_number" in frame.columns else \
        list(range(2, len(frame) + 2))
    sites = _checked_sites(frame, f"the source '{source}'", _configured_columns(workspace), rows)
    return ServiceSites(sites=sites, origin=f"the registered source '{source}'", source=source)


def service_sites(workspace: Workspace, choice: str | Path | None = None) -> ServiceSites:
    """The service sites to measure from: ``choice`` (a registered source's name or a CSV file), else the ones named
    by ``[places] service_sites``; ServiceSitesNotSetError (saying what to set) when there are none."""
    configured = workspace.settings.places.service_sites
    wanted = choice if choice is not None else configured
    if wanted is None or not str(wanted).strip():
        offered = service_site_sources(workspace)
        hint = f" Registered sources with site columns: {', '.join(offered)}." if offered else ""
        raise ServiceSitesNotSetError(SITES_NOT_SET + hint)
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    if isinstance(wanted, str) and wanted in registered:
        return _sites_from_source(workspace, wanted)
    file = Path(wanted)
    if not file.is_absolute() and (choice is None or not file.exists()):
        file = workspace.path / file  # the setting names a file relative to the workspace
    if not file.exists():
        where = "named in townhall.toml [places] service_sites" if choice is None else "given"
        raise TownhallError(f"The service sites {where} ('{wanted}') are neither a registered source nor a file that "
                            f"exists. Registered sources with site columns: "
                            f"{', '.join(service_site_sources(workspace)) or 'none'}.")
    return ServiceSites(sites=read_service_locations(file, _configured_columns(workspace)),
                        origin=f"the file {file.name}")


# --- road networks ----------------------------------------------------------------------------------------------

@dataclass
class RoadNetwork:
    """A road network as a graph: junctions (nodes, lon/lat) and road segments (edges, metres)."""

    longitude: np.ndarray
    latitude: np.ndarray
    graph: Any  # scipy sparse matrix of segment lengths in metres

    @classmethod
    def from_geojson(cls, source: str | Path | dict[str, Any], *, snap_decimals: int = 6) -> RoadNetwork:
        """A network from GeoJSON LineStrings (or MultiLineStrings); line ends within ~10 cm are one junction."""
        name = "the road network"
        if isinstance(source, dict):
            data = source
        else:
            name = Path(source).name
            try:
                data = json.loads(Path(source).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise InputFileError(name, f"it could not be read as GeoJSON ({error}).") from None
        lines: list[list[list[float]]] = []
        for feature in data.get("features", [data] if data.get("type") != "FeatureCollection" else []):
            geometry = feature.get("geometry", feature)
            kind = (geometry or {}).get("type")
            if kind == "LineString":
                lines.append(geometry["coordinates"])
            elif kind == "MultiLineString":
                lines.extend(geometry["coordinates"])
        if not lines:
            raise InputFileError(name, "it holds no LineString roads.")
        index: dict[tuple[float, float], int] = {}
        starts: list[int] = []
        ends: list[int] = []
        for line in lines:
            previous = None
            for point in line:
                key = (round(float(point[0]), snap_decimals), round(float(point[1]), snap_decimals))
                node = index.setdefault(key, len(index))
                if previous is not None and previous != node:
                    starts.append(previous)
                    ends.append(node)
                previous = node
        coordinates = np.array(list(index), dtype=float)
        longitude, latitude = coordinates[:, 0], coordinates[:, 1]
        first, second = np.array(starts), np.array(ends)
        lengths = haversine_metres(latitude[first], longitude[first], latitude[second], longitude[second])
        size = len(index)
        graph = coo_matrix((lengths, (first, second)), shape=(size, size)).tocsr()
        return cls(longitude=longitude, latitude=latitude, graph=graph)

    def nearest_nodes(self, latitude: np.ndarray, longitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest junction to each point, and the straight-line metres to it (the walk onto the network)."""
        origin = float(np.mean(self.latitude))
        tree = cKDTree(local_metres(self.latitude, self.longitude, origin))
        _, nodes = tree.query(local_metres(latitude, longitude, origin))
        return nodes, haversine_metres(latitude, longitude, self.latitude[nodes], self.longitude[nodes])

    def distances_to_nearest(self, latitude: np.ndarray, longitude: np.ndarray, site_latitude: np.ndarray,
                             site_longitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Network metres from each point to its nearest site (walk on + roads + walk off), and which site."""
        site_nodes, site_walk = self.nearest_nodes(np.asarray(site_latitude), np.asarray(site_longitude))
        # Search outwards from every site at once; each junction learns its nearest site and the distance to it.
        distance, _, nearest_source = dijkstra(self.graph, directed=False, indices=site_nodes, min_only=True,
                                               return_predecessors=True)
        node_site = {int(node): position for position, node in sorted(
            enumerate(site_nodes), key=lambda item: site_walk[item[0]], reverse=True)}
        origin_nodes, origin_walk = self.nearest_nodes(np.asarray(latitude), np.asarray(longitude))
        site_of_node = np.array([node_site.get(int(source), -1) for source in nearest_source])
        chosen = site_of_node[origin_nodes]
        total = origin_walk + distance[origin_nodes] + np.where(chosen >= 0, site_walk[np.maximum(chosen, 0)], 0)
        return total, chosen


# --- distances ----------------------------------------------------------------------------------------------------

def nearest_site(latitude: np.ndarray, longitude: np.ndarray, sites: pd.DataFrame,
                 network: RoadNetwork | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Metres from each point to the nearest site (straight-line, or along ``network``) and the site's position."""
    if sites.empty:
        raise TownhallError("There are no service sites to measure distances to.")
    latitude = np.asarray(latitude, dtype=float)
    longitude = np.asarray(longitude, dtype=float)
    site_latitude = sites["latitude"].to_numpy(dtype=float)
    site_longitude = sites["longitude"].to_numpy(dtype=float)
    if network is not None:
        return network.distances_to_nearest(latitude, longitude, site_latitude, site_longitude)
    distance = np.empty(len(latitude))
    chosen = np.empty(len(latitude), dtype=np.int64)
    for start in range(0, len(latitude), CHUNK):
        block = slice(start, start + CHUNK)
        grid = haversine_metres(latitude[block, None], longitude[block, None], site_latitude[None, :],
                                site_longitude[None, :])
        chosen[block] = np.argmin(grid, axis=1)
        distance[block] = grid[np.arange(grid.shape[0]), chosen[block]]
    return distance, chosen


@dataclass
class Accessibility:
    """Distance from every origin (household or small area) to its nearest site, and who lives beyond the threshold."""

    origins: pd.DataFrame  # origin columns plus distance_metres, nearest_site
    sites: pd.DataFrame
    threshold_km: float
    measure: str  # "straight-line" or "road network"
    origin_kind: str  # "households" or "small areas"
    rule: DisclosureRule = field(default_factory=DisclosureRule)

    @property
    def residents(self) -> int:
        """Residents counted (the weights added up)."""
        return round(float(self.origins["weight"].sum()))

    @property
    def residents_beyond(self) -> int:
        """Residents whose nearest site is further than the threshold (a true count: protect before publishing)."""
        beyond = self.origins["distance_metres"] > self.threshold_km * 1000
        return round(float(self.origins.loc[beyond, "weight"].sum()))

    @property
    def published_beyond(self) -> int | None:
        """Residents beyond the threshold as may be published (None when hidden)."""
        return protect_count(self.residents_beyond, self.rule)

    def by_area(self) -> ProtectedTable:
        """Residents and residents beyond the threshold by area, with the average distance, protected for publishing."""
        frame = self.origins.assign(
            beyond=(self.origins["distance_metres"] > self.threshold_km * 1000) * self.origins["weight"],
            weighted=self.origins["distance_metres"] * self.origins["weight"])
        grouped = frame.groupby(frame["area_code"].fillna("Not placed")).agg(
            residents=("weight", "sum"), beyond=("beyond", "sum"), weighted=("weighted", "sum"))
        grouped["average_km"] = (grouped["weighted"] / grouped["residents"].where(grouped["residents"] > 0)
                                 / 1000).round(2)
        table = pd.DataFrame({"area_code": grouped.index, "average_km": grouped["average_km"].to_numpy(),
                              "residents": grouped["residents"].round().astype(int).to_numpy(),
                              "residents_beyond": grouped["beyond"].round().astype(int).to_numpy()},
                             index=grouped.index)
        return protect_table(table, ["residents", "residents_beyond"], self.rule, total_row="Total")

    def by_site(self) -> pd.DataFrame:
        """Each site with the residents for whom it is the nearest (true counts: protect before publishing)."""
        served = self.origins.groupby("nearest_site")["weight"].sum()
        frame = self.sites.reset_index(drop=True).copy()
        frame["nearest_for_residents"] = [round(float(served.get(position, 0))) for position in range(len(frame))]
        return frame

    def describe(self) -> str:
        """One plain-English sentence, with the published (protected) count."""
        shown = self.published_beyond
        count = "a small number (hidden to protect privacy)" if shown is None else f"about {shown:,}"
        return (f"{count} of {protect_count(self.residents, self.rule) or 0:,} residents live more than "
                f"{self.threshold_km:g} km ({self.measure}) from the nearest of {len(self.sites)} sites.")


def measure_accessibility(origins: pd.DataFrame, sites: pd.DataFrame, *, threshold_km: float = DEFAULT_THRESHOLD_KM,
                          network: RoadNetwork | None = None, rule: DisclosureRule | None = None,
                          origin_kind: str = "households") -> Accessibility:
    """Distances from ``origins`` (latitude, longitude, weight, area_code) to the nearest of ``sites``."""
    if threshold_km <= 0:
        raise TownhallError("The distance threshold must be more than 0 km.")
    placed = origins.dropna(subset=["latitude", "longitude"]).reset_index(drop=True).copy()
    if "weight" not in placed:
        placed["weight"] = 1.0
    if "area_code" not in placed:
        placed["area_code"] = None
    distance, chosen = nearest_site(placed["latitude"].to_numpy(), placed["longitude"].to_numpy(), sites, network)
    placed["distance_metres"] = distance
    placed["nearest_site"] = chosen
    return Accessibility(origins=placed, sites=sites.reset_index(drop=True), threshold_km=threshold_km,
                         measure="road network" if network is not None else "straight-line",
                         origin_kind=origin_kind, rule=rule or DisclosureRule())


def household_origins(workspace: Workspace, geography: Any | None = None) -> pd.DataFrame:
    """Every household in the person index with its members as weight and, where boundaries are loaded, its small
    area (so results can be mapped)."""
    households = household_locations(workspace).dropna(subset=["latitude", "longitude"])
    origins = pd.DataFrame({"origin": households["household_id"], "latitude": households["latitude"],
                            "longitude": households["longitude"],
                            "weight": households["members"].fillna(1).astype(float)})
    origins["area_code"] = None
    if geography is not None:
        from townhall.places.assign import points_in_areas

        origins["area_code"] = points_in_areas(origins["longitude"].to_numpy(), origins["latitude"].to_numpy(),
                                               geography, "small_area")
    return origins.reset_index(drop=True)


def small_area_origins(geography: Any, population_indicator: str | None = None) -> pd.DataFrame:
    """Each small area's centre (a point inside it) weighted by its population, for when there is no person index;
    the population is the indicator named by ``[places] population_indicator`` unless given."""
    from townhall.places.segmentation import indicator_settings

    population_indicator = population_indicator or indicator_settings(geography).population_indicator
    if population_indicator not in geography.indicator_names():
        raise TownhallError(f"Distances from small areas are counted by each area's population, and no indicator "
                            f"called '{population_indicator}' is loaded. Load the small areas' populations with "
                            "'townhall places load indicators', or name yours in townhall.toml [places] "
                            "population_indicator.")
    areas = geography.areas("small_area")
    points = areas.geometry.representative_point()
    population = geography.indicator_table([population_indicator])[population_indicator]
    return pd.DataFrame({"origin": areas["code"], "latitude": points.y.to_numpy(), "longitude": points.x.to_numpy(),
                         "weight": areas["code"].map(population).fillna(0).astype(float).to_numpy(),
                         "area_code": areas["code"]})


# --- what if a site opened or closed ------------------------------------------------------------------------------

@dataclass
class WhatIf:
    """Residents beyond the threshold before and after opening and closing sites, with protected counts."""

    before: Accessibility
    after: Accessibility
    opened: list[str]
    closed: list[str]

    def rows(self) -> list[dict[str, Any]]:
        """Before/after figures as published (hidden counts are None)."""
        def publish(value: int) -> int | None:
            return protect_count(value, self.before.rule)
        return [
            {"measure": f"Residents more than {self.before.threshold_km:g} km from a site",
             "before": publish(self.before.residents_beyond), "after": publish(self.after.residents_beyond)},
            {"measure": "Sites", "before": len(self.before.sites), "after": len(self.after.sites)},
            {"measure": "Average distance (km)",
             "before": round(float(np.average(self.before.origins["distance_metres"],
                                              weights=self.before.origins["weight"])) / 1000, 2)
             if self.before.origins["weight"].sum() > 0 else None,
             "after": round(float(np.average(self.after.origins["distance_metres"],
                                             weights=self.after.origins["weight"])) / 1000, 2)
             if self.after.origins["weight"].sum() > 0 else None},
        ]

    @property
    def change(self) -> int:
        """The true change in residents beyond the threshold (negative is fewer): protect before publishing."""
        return self.after.residents_beyond - self.before.residents_beyond


def what_if(origins: pd.DataFrame, sites: pd.DataFrame, *, open_sites: Sequence[dict[str, Any]] = (),
            close_sites: Sequence[str] = (), threshold_km: float = DEFAULT_THRESHOLD_KM,
            network: RoadNetwork | None = None, rule: DisclosureRule | None = None,
            origin_kind: str = "households") -> WhatIf:
    """Compare access now with access after opening sites (dicts with name, latitude, longitude, optional type) and
    closing sites (by name)."""
    names = set(sites["name"])
    unknown = [name for name in close_sites if name not in names]
    if unknown:
        raise TownhallError(f"There is no site called {', '.join(repr(name) for name in unknown)}. The sites are: "
                            f"{', '.join(sorted(names))}.")
    added = pd.DataFrame([{"name": site.get("name") or f"New site {number}", "type": site.get("type", "New site"),
                           "latitude": float(site["latitude"]), "longitude": float(site["longitude"])}
                          for number, site in enumerate(open_sites, start=1)], columns=list(SITE_PARTS))
    changed = pd.concat([sites.loc[~sites["name"].isin(close_sites), list(SITE_PARTS)], added], ignore_index=True)
    before = measure_accessibility(origins, sites, threshold_km=threshold_km, network=network, rule=rule,
                                   origin_kind=origin_kind)
    after = measure_accessibility(origins, changed, threshold_km=threshold_km, network=network, rule=rule,
                                  origin_kind=origin_kind)
    return WhatIf(before=before, after=after, opened=list(added["name"]), closed=list(close_sites))


def accessibility_origins(workspace: Workspace) -> tuple[pd.DataFrame, str]:
    """The origins to measure from in a workspace: households when the person index exists, else small areas.
    Returns (origins, kind); use with ``measure_accessibility`` or ``what_if``."""
    from townhall.identity.index import index_exists
    from townhall.places.geography import Geography, GeographyNotLoadedError

    try:
        geography = Geography.from_workspace(workspace)
    except GeographyNotLoadedError:
        geography = None
    if index_exists(workspace):
        return household_origins(workspace, geography), "households"
    if geography is None:
        raise TownhallError("Distances need either the person index (run 'townhall link') or small-area boundaries "
                            "with populations (load them with 'townhall places load').")
    return small_area_origins(geography), "small areas"
