"""Where things are: map coordinates for addresses (by UPRN from the address gazetteer, else the postcode's centre),
and straight-line distances in metres, shared by the incident list, accessibility and duplicate reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.store.analytics import quote_identifier
from townhall.workspace import Workspace

DEFAULT_GAZETTEER_SOURCE = "address_gazetteer"
EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_DEGREE_LATITUDE = 111_320.0

# Field names looked for in the address gazetteer (any capitals), most specific first.
UPRN_FIELDS = ("UPRN",)
POSTCODE_FIELDS = ("POSTCODE_LOCATOR", "POSTCODE", "POST_CODE")
LATITUDE_FIELDS = ("LATITUDE", "LAT")
LONGITUDE_FIELDS = ("LONGITUDE", "LONG", "LON", "LNG")


def places_settings(workspace: Workspace) -> dict[str, Any]:
    """The ``[places]`` table of townhall.toml (empty when there is none)."""
    settings = workspace.config.extra.get("places", {})
    return settings if isinstance(settings, dict) else {}


def haversine_metres(latitude: np.ndarray | float, longitude: np.ndarray | float,
                     to_latitude: np.ndarray | float, to_longitude: np.ndarray | float) -> np.ndarray:
    """Straight-line (great-circle) distance in metres between points given in degrees, element by element."""
    phi1, phi2 = np.radians(latitude), np.radians(to_latitude)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = np.radians(np.asarray(to_longitude) - np.asarray(longitude)) / 2
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_METRES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def local_metres(latitude: np.ndarray, longitude: np.ndarray, origin_latitude: float) -> np.ndarray:
    """Points as (east, north) metres on a flat plane, accurate to well under 1% across a borough."""
    east = np.asarray(longitude, dtype=float) * METRES_PER_DEGREE_LATITUDE * np.cos(np.radians(origin_latitude))
    north = np.asarray(latitude, dtype=float) * METRES_PER_DEGREE_LATITUDE
    return np.column_stack([east, north])


@dataclass(frozen=True)
class Gazetteer:
    """The address gazetteer source and the SQL expressions for its UPRN, postcode and coordinates."""

    source: str
    table: str
    uprn: str
    postcode: str
    latitude: str
    longitude: str

    def points_sql(self) -> str:
        """A query of every located address: uprn (text, no leading zeros), postcode (no spaces), lat, lon."""
        return (f"select {self.uprn} as uprn, {self.postcode} as postcode, "
                f"try_cast({self.latitude} as double) as latitude, try_cast({self.longitude} as double) as longitude "
                f"from {self.table} where try_cast({self.latitude} as double) is not null "
                f"and try_cast({self.longitude} as double) is not null")


def _find_field(names: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {name.lower(): name for name in names}
    return next((lowered[candidate.lower()] for candidate in candidates if candidate.lower() in lowered), None)


def table_columns(workspace: Workspace, table: str) -> list[str]:
    """The column names of a table in the analytics store (quicker than reading the catalogue's field profiles)."""
    with workspace.analytics.connect(read_only=True) as connection:
        return [row[0] for row in connection.execute(f"describe {table}").fetchall()]


def find_gazetteer(workspace: Workspace) -> Gazetteer:
    """The address gazetteer named by ``[places] gazetteer_source`` (default address_gazetteer), with coordinates."""
    name = str(places_settings(workspace).get("gazetteer_source", DEFAULT_GAZETTEER_SOURCE))
    registered = {summary.name for summary in workspace.catalogue.list_sources()}
    if name not in registered:
        raise TownhallError(
            f"There is no address gazetteer source called '{name}', so addresses cannot be placed on the map. "
            "Register one with UPRN, postcode, latitude and longitude fields, or set [places] gazetteer_source in "
            "townhall.toml to the source that holds them.")
    table = workspace.catalogue.table_name(name)
    fields = table_columns(workspace, table)
    uprn, postcode = _find_field(fields, UPRN_FIELDS), _find_field(fields, POSTCODE_FIELDS)
    latitude, longitude = _find_field(fields, LATITUDE_FIELDS), _find_field(fields, LONGITUDE_FIELDS)
    if latitude is None or longitude is None or (uprn is None and postcode is None):
        raise TownhallError(
            f"The address gazetteer '{name}' needs latitude and longitude fields ({', '.join(LATITUDE_FIELDS)} / "
            f"{', '.join(LONGITUDE_FIELDS)}) and a UPRN or postcode field to place addresses on the map.")
    return Gazetteer(
        source=name, table=table,
        uprn=f"ltrim(trim(cast({quote_identifier(uprn)} as varchar)), '0')" if uprn else "null",
        postcode=(f"replace(upper(cast({quote_identifier(postcode)} as varchar)), ' ', '')" if postcode else "null"),
        latitude=quote_identifier(latitude), longitude=quote_identifier(longitude),
    )


def postcode_centres_sql(workspace: Workspace, gazetteer: Gazetteer) -> str:
    """A query of postcode centres (postcode without spaces, latitude, longitude): the loaded postcode lookup
    (places.postcodes) where there is one, else the average position of the postcode's addresses in the gazetteer."""
    if workspace.analytics.table_exists("places", "postcodes"):
        return ("select replace(upper(postcode), ' ', '') as postcode, avg(latitude) as latitude, "
                "avg(longitude) as longitude from places.postcodes where latitude is not null group by 1")
    return (f"select postcode, avg(latitude) as latitude, avg(longitude) as longitude from ({gazetteer.points_sql()}) "
            "where postcode is not null group by postcode")


def household_locations(workspace: Workspace) -> pd.DataFrame:
    """Every household in the person index with its position: by UPRN from the gazetteer, else its postcode's centre.

    Columns: household_id, members, address_withheld, latitude, longitude, placed_by ("UPRN", "postcode" or None).
    """
    gazetteer = find_gazetteer(workspace)
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(f"""
            with points as ({gazetteer.points_sql()}),
            by_uprn as (select uprn, avg(latitude) as latitude, avg(longitude) as longitude from points
                        where uprn is not null and uprn <> '' group by uprn),
            by_postcode as ({postcode_centres_sql(workspace, gazetteer)})
            select h.household_id, h.members, coalesce(h.address_withheld, false) as address_withheld,
                   coalesce(u.latitude, p.latitude) as latitude, coalesce(u.longitude, p.longitude) as longitude,
                   case when u.latitude is not null then 'UPRN' when p.latitude is not null then 'postcode' end
                       as placed_by
            from identity.households h
            left join by_uprn u on u.uprn = ltrim(trim(cast(h.uprn as varchar)), '0')
            left join by_postcode p on p.postcode = replace(upper(cast(h.postcode as varchar)), ' ', '')
            order by h.household_id
        """).df()
