"""Counts of a registered source's records by area ("records of source X by small area"), for maps of counts.

The source's location columns are found by name (latitude/longitude, UPRN, postcode), people who opted out are left
out, and every row is placed with ``assign_to_areas``. The counts are true counts: protect them (``choropleth`` does)
before anyone sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from townhall.catalogue.gazetteer import find_gazetteer
from townhall.errors import TownhallError
from townhall.places.assign import Assignment, assign_to_areas, read_gazetteer_coordinates
from townhall.places.geography import LATITUDE_NAMES, LONGITUDE_NAMES, Geography
from townhall.places.locations import registered_columns
from townhall.store.analytics import quote_identifier

if TYPE_CHECKING:
    from townhall.workspace import Workspace

# A source's own location columns are found by name (any capitals); the gazetteer's are set in [gazetteer] instead.
_UPRN_NAMES = ("uprn", "property uprn", "property_uprn")
_POSTCODE_NAMES = ("postcode", "post code", "postcode_locator", "post_code")


def location_columns(columns: list[str]) -> dict[str, str | None]:
    """Which columns hold the location, found by name: latitude, longitude, uprn and postcode (None if absent)."""
    lowered = {column.lower().strip(): column for column in columns}

    def first(names: tuple[str, ...]) -> str | None:
        return next((lowered[name] for name in names if name in lowered), None)

    found = {"latitude": first(LATITUDE_NAMES), "longitude": first(LONGITUDE_NAMES), "uprn": first(_UPRN_NAMES),
             "postcode": first(_POSTCODE_NAMES)}
    if found["latitude"] is None or found["longitude"] is None:
        found["latitude"] = found["longitude"] = None
    return found


def mappable_sources(workspace: Workspace) -> list[str]:
    """Registered sources with a location (coordinates, UPRN or postcode), so their records can be counted by area.

    The opt-out list itself is never offered: it is not a service's records.
    """
    opt_out_source = workspace.settings.identity.opt_out_source
    return [name for name, columns in registered_columns(workspace).items()
            if name != opt_out_source and any(location_columns(columns).values())]


@dataclass
class SourceCounts:
    """How many of a source's records fall in each area (true counts), and what could not be placed."""

    source: str
    level: str
    counts: pd.Series  # area code -> records, every area of the level (0 where none)
    assignment: Assignment
    opted_out_left_out: int
    notes: list[str] = field(default_factory=list)  # what could not be used, in plain English


def count_source_by_area(workspace: Workspace, source: str, *, level: str = "small_area",
                         geography: Geography | None = None) -> SourceCounts:
    """Count one source's records in each area of ``level``, leaving out people who opted out."""
    geography = geography or Geography.from_workspace(workspace)
    table = workspace.catalogue.table_name(source)
    gazetteer = find_gazetteer(workspace)
    with workspace.analytics.connect(read_only=True) as connection:
        geography.postcode_lookup(connection)  # read now, on this connection, for rows placed by postcode
        columns = [row[0] for row in connection.execute(f"describe {table}").fetchall()]
        found = location_columns(columns)
        if not any(found.values()):
            raise TownhallError(f"The source '{source}' has no coordinates, UPRN or postcode column, so its records "
                                "cannot be placed on a map.")
        wanted = ["_row_number", *[column for column in found.values() if column]]
        selected = ", ".join(quote_identifier(column) for column in dict.fromkeys(wanted))
        frame = connection.execute(f"select {selected} from {table}").df()
        opted_out: set[int] = set()
        if connection.execute("select count(*) from information_schema.tables where table_schema = 'identity' "
                              "and table_name = 'opted_out'").fetchall()[0][0]:
            opted_out = {int(row[0]) for row in connection.execute(
                "select row_number from identity.opted_out where source = ?", [source]).fetchall()}
        uprn_coordinates = None
        notes = []
        if found["uprn"]:
            if gazetteer is not None and gazetteer.has("uprn", "latitude", "longitude"):
                uprn_coordinates = read_gazetteer_coordinates(connection, gazetteer)
            else:
                where = (f"the address gazetteer '{gazetteer.source}' has no UPRN, latitude or longitude column "
                         "set" if gazetteer is not None else
                         f"no address gazetteer is registered as '{workspace.settings.gazetteer.source}'")
                notes.append(f"Records were not placed by their UPRN ({found['uprn']}) because {where}: set "
                             "[gazetteer] in townhall.toml. They were placed by postcode where they have one.")
    before = len(frame)
    frame = frame[~frame["_row_number"].isin(opted_out)]
    assignment = assign_to_areas(frame, geography, level=level, latitude=found["latitude"],
                                 longitude=found["longitude"], postcode=found["postcode"],
                                 uprn=found["uprn"] if uprn_coordinates is not None else None,
                                 uprn_coordinates=uprn_coordinates)
    unplaced = len(assignment.frame) - assignment.placed
    if unplaced:
        reasons = "; ".join(f"{reason} ({rows:,})" for reason, rows in assignment.unplaced.itertuples(index=False))
        notes.append(f"{unplaced:,} of {len(assignment.frame):,} records are not on the map: {reasons}.")
    codes = geography.areas(level)["code"]
    counts = assignment.frame["area_code"].value_counts().reindex(codes, fill_value=0).astype(int)
    counts.index.name = "area_code"
    return SourceCounts(source=source, level=level, counts=counts, assignment=assignment,
                        opted_out_left_out=before - len(frame), notes=notes)
