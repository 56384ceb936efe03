"""Where things are: map coordinates for addresses (by UPRN from the address gazetteer, else the postcode's centre),
and straight-line distances in metres, shared by the incident list, accessibility and duplicate reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from townhall.catalogue.gazetteer import Gazetteer, open_gazetteer
from townhall.workspace import Workspace

EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_DEGREE_LATITUDE = 111_320.0


def registered_columns(workspace: Workspace) -> dict[str, list[str]]:
    """Each registered source's column names, in order (read from the analytics store in one query)."""
    names = [summary.name for summary in workspace.catalogue.list_sources()]
    if not names:
        return {}
    with workspace.analytics.connect(read_only=True) as connection:
        rows = connection.execute("select table_name, column_name from information_schema.columns "
                                  "where table_schema = 'sources' order by table_name, ordinal_position").fetchall()
    columns: dict[str, list[str]] = {name: [] for name in names}
    for table, column in rows:
        if table in columns:
            columns[table].append(str(column))
    return columns


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


def located_gazetteer(workspace: Workspace, *, needed_for: str) -> Gazetteer:
    """The address gazetteer ([gazetteer] in townhall.toml) with coordinates and a UPRN or postcode to find them by;
    a plain message naming the setting to change when it lacks them."""
    gazetteer = open_gazetteer(workspace, needed_for=needed_for, roles=("latitude", "longitude"))
    if not gazetteer.has("uprn") and not gazetteer.has("postcode"):
        gazetteer.column("uprn", needed_for=needed_for)  # raises, naming [gazetteer] columns.uprn
    return gazetteer


def points_sql(gazetteer: Gazetteer) -> str:
    """A query of every located address: uprn (text, no leading zeros), postcode (no spaces), latitude, longitude."""
    needed_for = "placing addresses on the map"
    uprn = gazetteer.uprn_sql(needed_for=needed_for) if gazetteer.has("uprn") else "null"
    postcode = gazetteer.postcode_key_sql(needed_for=needed_for) if gazetteer.has("postcode") else "null"
    latitude = f"try_cast({gazetteer.sql('latitude', needed_for=needed_for)} as double)"
    longitude = f"try_cast({gazetteer.sql('longitude', needed_for=needed_for)} as double)"
    return (f"select {uprn} as uprn, {postcode} as postcode, {latitude} as latitude, {longitude} as longitude "
            f"from {gazetteer.table} where {latitude} is not null and {longitude} is not null")


def postcode_centres_sql(workspace: Workspace, gazetteer: Gazetteer) -> str:
    """A query of postcode centres (postcode without spaces, latitude, longitude): the loaded postcode lookup
    (places.postcodes) where there is one, else the average position of the postcode's addresses in the gazetteer."""
    if workspace.analytics.table_exists("places", "postcodes"):
        return ("select replace(upper(postcode), ' ', '') as postcode, avg(latitude) as latitude, "
                "avg(longitude) as longitude from places.postcodes where latitude is not null group by 1")
    return (f"select postcode, avg(latitude) as latitude, avg(longitude) as longitude from ({points_sql(gazetteer)}) "
            "where postcode is not null group by postcode")


def household_locations(workspace: Workspace) -> pd.DataFrame:
    """Every household in the person index with its position: by UPRN from the gazetteer, else its postcode's centre.

    Columns: household_id, members, address_withheld, latitude, longitude, placed_by ("UPRN", "postcode" or None).
    """
    gazetteer = located_gazetteer(workspace, needed_for="measuring distances from households")
    with workspace.analytics.connect(read_only=True) as connection:
        return connection.execute(f"""
            with points as ({points_sql(gazetteer)}),
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
