"""Area assignment: which area each row of a table falls in, from its coordinates, UPRN or postcode.

Points are placed in polygons with a spatial index (shapely's STRtree), so a million rows take seconds. A point
exactly on the boundary between two areas goes to the area whose code sorts first, so the same table always gives the
same answer. Rows without usable coordinates fall back to the property's UPRN (via the address gazetteer's
coordinates) and then to the postcode lookup; what still cannot be placed is counted by reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from townhall.catalogue.gazetteer import Gazetteer, open_gazetteer
from townhall.errors import TownhallError
from townhall.identity import standardise_postcodes
from townhall.places.geography import Geography
from townhall.places.locations import points_sql

if TYPE_CHECKING:
    from townhall.workspace import Workspace

PLACED_BY_POINT = "point"
PLACED_BY_UPRN = "UPRN"
PLACED_BY_POSTCODE = "postcode"
NO_LOCATION = "no coordinates or postcode"
POSTCODE_NOT_FOUND = "postcode not in the lookup"
UPRN_NOT_FOUND = "UPRN not in the gazetteer"
OUTSIDE_EVERY_AREA = "point outside every area"
POINTS_PER_QUERY = 250_000
BOUNDARY_RULE = "A point exactly on the boundary between two areas is placed in the area whose code sorts first."


@dataclass
class Assignment:
    """A table with each row's area: ``frame`` gains area_code, area_name, placed_by and not_placed_reason."""

    frame: pd.DataFrame
    level: str

    @property
    def placed(self) -> int:
        """How many rows were placed in an area."""
        return int(self.frame["area_code"].notna().sum())

    @property
    def unplaced(self) -> pd.DataFrame:
        """Rows that could not be placed, counted by reason (reason, rows), most common first."""
        reasons = self.frame["not_placed_reason"].dropna()
        counts = reasons.value_counts().rename_axis("reason").reset_index(name="rows")
        return counts.sort_values(["rows", "reason"], ascending=[False, True]).reset_index(drop=True)

    def placed_by_counts(self) -> dict[str, int]:
        """How many rows were placed by each method (point, UPRN, postcode)."""
        return {str(key): int(value) for key, value in self.frame["placed_by"].dropna().value_counts().items()}

    def describe(self) -> str:
        """A plain-English summary of what was placed and what was not, and why."""
        total = len(self.frame)
        text = f"Placed {self.placed:,} of {total:,} rows in a {self.level.replace('_', ' ')}"
        methods = self.placed_by_counts()
        if methods:
            text += " (" + ", ".join(f"{count:,} by {method}" for method, count in methods.items()) + ")"
        text += "."
        for reason, rows in self.unplaced.itertuples(index=False):
            text += f" {rows:,} not placed: {reason}."
        return text


def area_positions(longitudes: np.ndarray, latitudes: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """For each point, the position of the first shape (in ``shapes`` order) that holds it, or -1 outside them all.

    Points are queried against an STRtree in chunks, so memory stays modest for millions of points; a point on the
    edge between shapes touches both, and the lowest position wins.
    """
    longitude = np.asarray(longitudes, dtype=float)
    latitude = np.asarray(latitudes, dtype=float)
    positions = np.full(len(longitude), -1, dtype=np.int64)
    usable = np.flatnonzero(np.isfinite(longitude) & np.isfinite(latitude))
    if usable.size == 0 or len(shapes) == 0:
        return positions
    tree = shapely.STRtree(shapes)
    for start in range(0, usable.size, POINTS_PER_QUERY):
        chunk = usable[start:start + POINTS_PER_QUERY]
        points = shapely.points(longitude[chunk], latitude[chunk])
        point_positions, shape_positions = tree.query(points, predicate="intersects")
        lowest = np.full(chunk.size, len(shapes), dtype=np.int64)
        np.minimum.at(lowest, point_positions, shape_positions)
        inside = lowest < len(shapes)
        positions[chunk[inside]] = lowest[inside]
    return positions


def points_in_areas(longitudes: np.ndarray, latitudes: np.ndarray, geography: Geography,
                    level: str) -> np.ndarray:
    """The code of the area each point falls in (None outside every area), ties on boundaries to the lowest code."""
    areas = geography.areas(level)  # sorted by code, so a lower position means a lower code
    codes = np.append(areas["code"].to_numpy(dtype=object), None)  # position -1 picks the None
    return codes[area_positions(longitudes, latitudes, areas.geometry.to_numpy())]


def uprn_gazetteer(workspace: Workspace) -> Gazetteer:
    """The address gazetteer ([gazetteer] in townhall.toml) with the UPRN and coordinates that placing rows by UPRN
    needs; a plain message naming the setting when it lacks them."""
    return open_gazetteer(workspace, needed_for="placing rows by UPRN", roles=("uprn", "latitude", "longitude"))


def gazetteer_coordinates(workspace: Workspace) -> pd.DataFrame:
    """UPRN -> latitude, longitude from the address gazetteer ([gazetteer] in townhall.toml)."""
    gazetteer = uprn_gazetteer(workspace)
    with workspace.analytics.connect(read_only=True) as connection:
        return read_gazetteer_coordinates(connection, gazetteer)


def read_gazetteer_coordinates(connection: Any, gazetteer: Gazetteer) -> pd.DataFrame:
    """UPRN -> latitude, longitude from the gazetteer, on an open connection (one row per UPRN)."""
    frame = connection.execute(f"select uprn, latitude, longitude from ({points_sql(gazetteer)}) "
                               "where uprn is not null and uprn <> ''").df()
    return frame.drop_duplicates("uprn")


def _uprn_text(values: pd.Series) -> pd.Series:
    """UPRNs as plain digit strings ('100023336956', not '100023336956.0' or '00100023336956'), as the gazetteer's."""
    text = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True).str.lstrip("0")
    return text.where(text != "", pd.NA)


def assign_to_areas(frame: pd.DataFrame, geography: Geography, *, level: str = "small_area",
                    latitude: str | None = None, longitude: str | None = None, postcode: str | None = None,
                    uprn: str | None = None, uprn_coordinates: pd.DataFrame | None = None) -> Assignment:
    """Place every row of ``frame`` in an area of ``level``: by its coordinates, else its UPRN, else its postcode.

    Name the columns to use. UPRNs are looked up in ``uprn_coordinates`` (uprn, latitude, longitude), or in the
    workspace's address gazetteer when the geography came from a workspace. The original columns are kept.
    """
    for column in (latitude, longitude, postcode, uprn):
        if column is not None and column not in frame.columns:
            raise TownhallError(f"The table has no column called '{column}'. Its columns are: "
                                f"{', '.join(map(str, frame.columns))}.")
    if (latitude is None) != (longitude is None):
        raise TownhallError("Give both the latitude and the longitude column, or neither.")
    if latitude is None and postcode is None and uprn is None:
        raise TownhallError("Name at least one way to place rows: latitude and longitude, a postcode or a UPRN column.")
    codes_at_level = set(geography.areas(level)["code"])
    row_count = len(frame)
    area_code = np.full(row_count, None, dtype=object)
    placed_by = np.full(row_count, None, dtype=object)
    reason = np.full(row_count, NO_LOCATION, dtype=object)

    def place_points(longitudes: np.ndarray, latitudes: np.ndarray, rows: np.ndarray, method: str) -> None:
        has_point = np.isfinite(longitudes) & np.isfinite(latitudes)
        found = points_in_areas(longitudes[has_point], latitudes[has_point], geography, level)
        target = rows[has_point]
        inside = pd.notna(found)
        area_code[target[inside]] = found[inside]
        placed_by[target[inside]] = method
        reason[target[~inside]] = OUTSIDE_EVERY_AREA

    if latitude is not None and longitude is not None:
        latitudes = pd.to_numeric(frame[latitude], errors="coerce").to_numpy(dtype=float)
        longitudes = pd.to_numeric(frame[longitude], errors="coerce").to_numpy(dtype=float)
        place_points(longitudes, latitudes, np.arange(row_count), PLACED_BY_POINT)

    if uprn is not None:
        waiting = np.flatnonzero(pd.isna(area_code) & (reason == NO_LOCATION))
        uprns = _uprn_text(frame[uprn].iloc[waiting])
        if uprn_coordinates is None:
            if geography.workspace is None:
                raise TownhallError("Placing rows by UPRN needs the gazetteer's coordinates: pass uprn_coordinates "
                                    "or use a geography opened from a workspace.")
            uprn_coordinates = gazetteer_coordinates(geography.workspace)
        lookup = uprn_coordinates.assign(uprn=_uprn_text(uprn_coordinates["uprn"])).drop_duplicates("uprn")
        matched = pd.DataFrame({"uprn": uprns.to_numpy()}).merge(lookup, on="uprn", how="left")
        has_uprn = uprns.notna().to_numpy()
        known = matched["latitude"].notna().to_numpy()
        reason[waiting[has_uprn & ~known]] = UPRN_NOT_FOUND
        place_points(matched["longitude"].to_numpy(dtype=float)[known],
                     matched["latitude"].to_numpy(dtype=float)[known], waiting[known], PLACED_BY_UPRN)

    if postcode is not None:
        waiting = np.flatnonzero(pd.isna(area_code) & np.isin(reason, [NO_LOCATION, UPRN_NOT_FOUND]))
        postcodes = standardise_postcodes(frame[postcode].iloc[waiting]).reset_index(drop=True)
        has_postcode = postcodes.notna().to_numpy()
        lookup = geography.postcode_lookup()
        level_column = f"{level}_code" if f"{level}_code" in lookup.columns else None
        keep = ["postcode", "latitude", "longitude", *([level_column] if level_column else [])]
        matched = pd.DataFrame({"postcode": postcodes}).merge(lookup[keep], on="postcode", how="left")
        known = matched["postcode"].isin(set(lookup["postcode"])).to_numpy() & has_postcode
        reason[waiting[has_postcode & ~known]] = POSTCODE_NOT_FOUND
        # The lookup's own area code where it names one of this level's areas; otherwise its point in the polygons.
        direct = np.zeros(len(waiting), dtype=bool)
        if level_column:
            direct = known & matched[level_column].isin(codes_at_level).to_numpy()
            area_code[waiting[direct]] = matched.loc[direct, level_column].to_numpy(dtype=object)
            placed_by[waiting[direct]] = PLACED_BY_POSTCODE
        by_point = known & ~direct
        place_points(matched["longitude"].to_numpy(dtype=float)[by_point],
                     matched["latitude"].to_numpy(dtype=float)[by_point], waiting[by_point], PLACED_BY_POSTCODE)

    placed = pd.notna(area_code)
    reason[placed] = None
    names = geography.area_names(level)
    result = frame.copy()
    result["area_code"] = pd.array(area_code, dtype="string")
    result["area_name"] = pd.array([names.get(code) if code is not None else None for code in area_code],
                                   dtype="string")
    result["placed_by"] = pd.array(placed_by, dtype="string")
    result["not_placed_reason"] = pd.array(reason, dtype="string")
    return Assignment(frame=result, level=level)
