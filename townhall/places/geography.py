"""Geography: area boundaries, area indicators and a postcode lookup, loaded from the files councils receive.

Boundaries come as GeoJSON, GeoPackage or Shapefile (ONS Open Geography Portal files, or the demo's own), are turned
to longitude/latitude (EPSG:4326), have broken polygons repaired (never dropped) and are stored in the workspace's
analytics store under the ``places`` schema, keyed by ONS codes. Indicators (such as the Indices of Deprivation) and
the postcode lookup come from CSV. Everything that reads them goes through ``Geography``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from townhall.errors import InputFileError, TownhallError
from townhall.identity import standardise_postcodes

if TYPE_CHECKING:
    from townhall.workspace import Workspace

SCHEMA = "places"
LONGITUDE_LATITUDE = "EPSG:4326"
BRITISH_NATIONAL_GRID = "EPSG:27700"
BOUNDARY_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
POSTCODE_COLUMNS = ("postcode", "latitude", "longitude", "small_area_code", "ward_code")

# The first letters of an ONS code say what kind of area it is (E = England, W = Wales, S = Scotland, N = NI).
LEVEL_BY_CODE_PREFIX = {
    "E00": "output_area", "W00": "output_area",
    "E01": "small_area", "W01": "small_area", "S01": "small_area", "95G": "small_area",
    "E02": "msoa", "W02": "msoa", "S02": "msoa",
    "E05": "ward", "W05": "ward", "S13": "ward", "N08": "ward",
    "E06": "authority", "E07": "authority", "E08": "authority", "E09": "authority", "W06": "authority",
    "S12": "authority", "N09": "authority",
}
# Each level and the level its areas usually sit inside, so a small area's ward can be worked out from the maps.
PARENT_LEVEL = {"output_area": "small_area", "small_area": "ward", "msoa": "authority", "ward": "authority"}
LEVEL_LABELS = {"output_area": "Output area", "small_area": "Small area", "msoa": "Middle-layer area",
                "ward": "Ward", "authority": "Authority"}

# ONS field names: LSOA21CD / LSOA21NM, WD23CD, LAD23CD, MSOA11CD, OA21CD, CTYUA23CD, …
_ONS_CODE_FIELD = re.compile(r"^(lsoa|msoa|oa|wd|lad|ua|cty|ctyua|cmlad|lau|ltla|utla|rgn|ctry|par)\d{2}cd$", re.I)
_ONS_NAME_FIELD = re.compile(r"^(lsoa|msoa|oa|wd|lad|ua|cty|ctyua|cmlad|lau|ltla|utla|rgn|ctry|par)\d{2}nm$", re.I)
_CODE_FIELDS = ("code", "area_code", "geo_code", "gss_code", "lsoa_code", "msoa_code", "ward_code", "lad_code")
_NAME_FIELDS = ("name", "area_name", "geo_name", "lsoa_name", "msoa_name", "ward_name", "lad_name")
_PARENT_FIELDS = ("parent_code", "ward_code", "authority_code", "lad_code")
_ONS_CODE = re.compile(r"^[A-Z]\d{8}$|^95[A-Z]\d{6}$")

ATTRIBUTION_ONS = "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
ATTRIBUTION_NATIONAL_STATISTICS = "Contains National Statistics data © Crown copyright and database right"
ATTRIBUTION_OS = "Contains OS data © Crown copyright and database right"
ATTRIBUTION_ROYAL_MAIL = "Contains Royal Mail data © Royal Mail copyright and database right"
ATTRIBUTION_IMD = ("Ministry of Housing, Communities and Local Government, English Indices of Deprivation 2019, "
                   "OGL v3.0")

Progress = Callable[[str, float], None]

_AREAS_DDL = f"""
create table if not exists {SCHEMA}.areas (
    level varchar, code varchar, name varchar, parent_code varchar, geometry blob, area_hectares double,
    centroid_longitude double, centroid_latitude double, source_file varchar
)"""
_INDICATORS_DDL = f"""
create table if not exists {SCHEMA}.indicators (
    area_code varchar, indicator varchar, period varchar, value double, source_file varchar
)"""
_ATTRIBUTION_DDL = f"create table if not exists {SCHEMA}.attribution (text varchar, source_file varchar)"


def _no_progress(_step: str, _fraction: float) -> None:
    """Progress reporting for callers that do not show any."""


# ---------------------------------------------------------------------------------------------------------------------
# Reading files (no workspace needed)


@dataclass
class BoundaryFile:
    """Boundaries read from one file: one row per area (code, name, parent_code, geometry) and what was repaired."""

    areas: gpd.GeoDataFrame
    level: str
    source_file: str
    repaired: list[str] = field(default_factory=list)  # codes of areas whose polygons had to be repaired
    code_field: str = ""
    name_field: str | None = None


def detect_code_field(columns: Iterable[str], *, given: str | None = None, file: str = "") -> str:
    """The column holding ONS area codes: the one given, an ONS-style name (LSOA21CD, WD23CD…) or 'code'/'area_code'."""
    names = list(columns)
    if given:
        return _match_column(names, given, file, "area code")
    for name in names:
        if _ONS_CODE_FIELD.match(name):
            return name
    for candidate in _CODE_FIELDS:
        for name in names:
            if name.lower() == candidate:
                return name
    raise InputFileError(file, f"no column of area codes was found among {names}; name it with the code field "
                               "option (for example --code-field LSOA21CD)")


def detect_name_field(columns: Iterable[str], *, given: str | None = None, file: str = "") -> str | None:
    """The column holding area names (LSOA21NM, WD23NM, 'name', 'area_name'…), or None when there is none."""
    names = list(columns)
    if given:
        return _match_column(names, given, file, "area name")
    for name in names:
        if _ONS_NAME_FIELD.match(name):
            return name
    for candidate in _NAME_FIELDS:
        for name in names:
            if name.lower() == candidate:
                return name
    return None


def _match_column(names: Sequence[str], wanted: str, file: str, what: str) -> str:
    """The column called ``wanted`` (ignoring case), or an error naming the file and the columns it does have."""
    for name in names:
        if name.lower() == wanted.lower():
            return name
    raise InputFileError(file, f"there is no {what} column called '{wanted}'; the columns are {list(names)}",
                         field=wanted)


def level_from_codes(codes: Iterable[str]) -> str | None:
    """The level the ONS codes belong to (E01… small_area, E05… ward, E08… authority), or None if they are mixed."""
    levels = {LEVEL_BY_CODE_PREFIX.get(str(code)[:3]) for code in codes}
    if len(levels) == 1:
        return levels.pop()
    return None


def read_boundaries(path: str | Path, *, level: str | None = None, code_field: str | None = None,
                    name_field: str | None = None, parent_field: str | None = None) -> BoundaryFile:
    """Read a boundary file as a council receives it: longitude/latitude, repaired polygons, one row per area code."""
    file = Path(path)
    label = str(file)
    if not file.exists():
        raise InputFileError(label, "the file does not exist")
    if file.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise InputFileError(label, "boundaries must be GeoJSON (.geojson), GeoPackage (.gpkg) or Shapefile (.shp)")
    try:
        frame = gpd.read_file(file, engine="pyogrio")
    except Exception as error:  # pyogrio raises several kinds of error for unreadable files
        raise InputFileError(label, f"it is not a boundary file that can be read ({error})") from error
    if frame.empty:
        raise InputFileError(label, "the file holds no areas")
    code_column = detect_code_field(frame.columns, given=code_field, file=label)
    name_column = detect_name_field(frame.columns, given=name_field, file=label)
    if parent_field:
        parent_column: str | None = _match_column(list(frame.columns), parent_field, label, "parent area code")
    else:
        parent_column = None
    codes = frame[code_column].astype("string").str.strip()
    for position, code in enumerate(codes):
        if pd.isna(code) or not code:
            raise InputFileError(label, "the area code is blank", row=position + 1, field=code_column)
    if frame.crs is None:
        frame = frame.set_crs(LONGITUDE_LATITUDE)
    elif not frame.crs.equals(LONGITUDE_LATITUDE):
        frame = frame.to_crs(LONGITUDE_LATITUDE)
    geometries = frame.geometry.to_numpy()
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise InputFileError(label, "the area has no boundary", row=position + 1, field="geometry")
    invalid = ~shapely.is_valid(geometries)
    repaired = [str(code) for code in codes[invalid]]
    if invalid.any():
        geometries = geometries.copy()
        geometries[invalid] = [_repair(geometry) for geometry in geometries[invalid]]
    areas = gpd.GeoDataFrame({
        "code": codes.astype(str).to_numpy(),
        "name": (frame[name_column].astype("string").str.strip() if name_column else codes).astype(str).to_numpy(),
        "parent_code": (frame[parent_column].astype("string").str.strip().to_numpy(dtype=object)
                        if parent_column else np.full(len(frame), None, dtype=object)),
    }, geometry=gpd.GeoSeries(geometries, crs=LONGITUDE_LATITUDE))
    # Some files hold one area in several rows (islands): join them into one shape per code.
    if areas["code"].duplicated().any():
        areas = areas.dissolve(by="code", aggfunc="first", as_index=False)[["code", "name", "parent_code", "geometry"]]
    found_level = level or level_from_codes(areas["code"])
    if not found_level:
        raise InputFileError(label, "the level of these areas could not be told from their codes; give it with "
                                    "the level option (for example --level ward)")
    if parent_column is None and found_level == "small_area":
        areas = _parents_from_file(frame, areas, label)
    return BoundaryFile(areas=areas, level=found_level, source_file=file.name, repaired=repaired,
                        code_field=code_column, name_field=name_column)


def _repair(geometry: Any) -> Any:
    """A valid version of a self-intersecting polygon, keeping only its areal parts (lines left by the repair go)."""
    fixed = shapely.make_valid(geometry)
    if fixed.geom_type == "GeometryCollection":
        polygons = [part for part in fixed.geoms if part.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polygons)
    return fixed


def _parents_from_file(frame: pd.DataFrame, areas: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Take each small area's ward from a ward-code column in the same file (the demo's ward_code, WD23CD)."""
    for column in frame.columns:
        lowered = column.lower()
        if lowered == "ward_code" or re.match(r"^wd\d{2}cd$", lowered):
            wards = pd.Series(frame[column].astype("string").to_numpy(), index=frame.index)
            codes = frame[detect_code_field(frame.columns, file=label)].astype(str).str.strip()
            by_code = dict(zip(codes, wards, strict=True))
            areas["parent_code"] = [by_code.get(code) for code in areas["code"]]
            break
    return areas


def _measure_areas(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each area's size in hectares (British National Grid for UK areas, else a local UTM zone) and centroid."""
    projected_crs = BRITISH_NATIONAL_GRID
    bounds = areas.total_bounds
    if not (bounds[0] >= -9 and bounds[2] <= 3 and bounds[1] >= 49 and bounds[3] <= 61):
        projected_crs = areas.estimate_utm_crs()
    projected = areas.geometry.to_crs(projected_crs)
    centroids = gpd.GeoSeries(projected.centroid, crs=projected_crs).to_crs(LONGITUDE_LATITUDE)
    return pd.DataFrame({"area_hectares": projected.area.to_numpy() / 10_000,
                         "centroid_longitude": centroids.x.to_numpy(), "centroid_latitude": centroids.y.to_numpy()})


def _slug(text: str) -> str:
    """A short lower-case name for an indicator: 'Index of Multiple Deprivation' + 'decile' -> 'imd_decile'."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    for long_name, short_name in (("index_of_multiple_deprivation", "imd"),
                                  ("income_deprivation_affecting_children_index", "idaci"),
                                  ("income_deprivation_affecting_older_people_index", "idaopi")):
        slug = slug.replace(long_name, short_name)
    return slug


def _read_csv(path: str | Path) -> pd.DataFrame:
    """A CSV as text (UTF-8, with or without a byte-order mark), or an error naming the file."""
    file = Path(path)
    if not file.exists():
        raise InputFileError(str(file), "the file does not exist")
    try:
        return pd.read_csv(file, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputFileError(str(file), f"it is not a readable UTF-8 CSV file ({error})") from error


def _numbers(values: pd.Series, file: str, column: str, rows: pd.Index) -> pd.Series:
    """Numbers from text such as '25,719' or '12.7'; an error names the first row that is not a number."""
    cleaned = values.astype("string").str.replace(",", "", regex=False).str.strip()
    numbers = pd.to_numeric(cleaned, errors="coerce")
    bad = numbers.isna() & cleaned.notna() & (cleaned != "")
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(file, f"'{values.iloc[position]}' is not a number", row=int(rows[position]) + 2,
                             field=column)
    return numbers.astype(float)


def read_indicators(path: str | Path, *, code_field: str | None = None, indicator_field: str | None = None,
                    period: str | None = None, period_field: str | None = None,
                    columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Area indicators from a CSV, wide (one column per indicator) or long (an indicator-name column), as long rows.

    The result has area_code, indicator, period and value. In a long file (like the Indices of Deprivation: one row per
    area and domain with decile, rank and score) each number column becomes an indicator named after the row's
    indicator and the column ('Index of Multiple Deprivation' + 'decile' -> 'imd_decile'). Thousands commas are read.
    """
    label = str(path)
    frame = _read_csv(path)
    code_column = detect_code_field(frame.columns, given=code_field, file=label)
    period_column = _match_column(list(frame.columns), period_field, label, "period") if period_field else None
    if period_column is None and not period:
        for name in frame.columns:
            if name.lower() in ("year", "period"):
                period_column = name
                break
    indicator_column = None
    if indicator_field:
        indicator_column = _match_column(list(frame.columns), indicator_field, label, "indicator name")
    else:
        for name in frame.columns:
            if name.lower() in ("indicator", "index_domain", "domain", "measure", "indicator_name"):
                indicator_column = name
                break
    name_column = detect_name_field(frame.columns, file=label)
    label_columns = {code_column, period_column, indicator_column, name_column}
    if columns:
        value_columns = [_match_column(list(frame.columns), name, label, "indicator") for name in columns]
    else:
        value_columns = [name for name in frame.columns if name not in label_columns and _mostly_numbers(frame[name])]
    if not value_columns:
        raise InputFileError(label, "no columns of numbers were found to read as indicators")
    for position, code in enumerate(frame[code_column]):
        if pd.isna(code) or not str(code).strip():
            raise InputFileError(label, "the area code is blank", row=position + 2, field=code_column)
    pieces = []
    for column in value_columns:
        values = _numbers(frame[column], label, column, frame.index)
        if indicator_column:
            names = [_slug(f"{indicator} {column}") for indicator in frame[indicator_column].astype(str)]
        else:
            names = [_slug(column)] * len(frame)
        pieces.append(pd.DataFrame({
            "area_code": frame[code_column].astype(str).str.strip().to_numpy(),
            "indicator": names,
            "period": (frame[period_column].astype(str).str.strip().to_numpy() if period_column
                       else np.full(len(frame), period or "", dtype=object)),
            "value": values.to_numpy(),
        }))
    result = pd.concat(pieces, ignore_index=True).dropna(subset=["value"])
    duplicated = result.duplicated(subset=["area_code", "indicator", "period"])
    if duplicated.any():
        first = result[duplicated].iloc[0]
        raise InputFileError(label, f"area {first['area_code']} has more than one value of {first['indicator']} "
                                    f"for period '{first['period']}'")
    return result.reset_index(drop=True)


def _mostly_numbers(values: pd.Series) -> bool:
    """Whether a text column holds numbers (blanks allowed; '25,719' counts as a number)."""
    present = values.dropna().astype(str).str.replace(",", "", regex=False).str.strip()
    present = present[present != ""]
    if present.empty:
        return False
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


_POSTCODE_FIELDS = ("postcode", "pcds", "pcd", "pcd7", "pcd8", "postcode_locator")
# Column names of latitude and longitude in the files councils receive (any capitals): postcode lookups, sources.
LATITUDE_NAMES = ("latitude", "lat")
LONGITUDE_NAMES = ("longitude", "long", "lon", "lng")
_SMALL_AREA_FIELDS = ("small_area_code", "lsoa21cd", "lsoa_code", "lsoa11cd", "lsoa11", "lsoa21")
_WARD_FIELDS = ("ward_code", "osward", "wd23cd", "wd24cd", "wd22cd")


def _first_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` that is a column (ignoring case)."""
    lowered = {name.lower(): name for name in columns}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def read_postcode_lookup(path: str | Path, *, postcode_field: str | None = None, latitude_field: str | None = None,
                         longitude_field: str | None = None, small_area_field: str | None = None,
                         ward_field: str | None = None) -> pd.DataFrame:
    """A postcode lookup (the ONS Postcode Directory or an extract of it) with postcodes written as 'AB1 2CD'.

    The result has postcode, latitude, longitude, small_area_code, ward_code and any other *_code columns of the file.
    """
    label = str(path)
    frame = _read_csv(path)
    columns = list(frame.columns)

    def pick(given: str | None, candidates: Sequence[str], what: str, required: bool) -> str | None:
        if given:
            return _match_column(columns, given, label, what)
        found = _first_column(columns, candidates)
        if found is None and required:
            raise InputFileError(label, f"no {what} column was found among {columns}")
        return found

    postcode_column = pick(postcode_field, _POSTCODE_FIELDS, "postcode", True)
    latitude_column = pick(latitude_field, LATITUDE_NAMES, "latitude", False)
    longitude_column = pick(longitude_field, LONGITUDE_NAMES, "longitude", False)
    small_area_column = pick(small_area_field, _SMALL_AREA_FIELDS, "small area code", False)
    ward_column = pick(ward_field, _WARD_FIELDS, "ward code", False)
    if small_area_column is None and (latitude_column is None or longitude_column is None):
        raise InputFileError(label, "a postcode lookup needs either a small area code column or latitude and "
                                    "longitude columns")
    postcodes = standardise_postcodes(frame[postcode_column])
    unreadable = postcodes.isna() & frame[postcode_column].notna()
    if unreadable.any():
        position = int(np.flatnonzero(unreadable.to_numpy())[0])
        raise InputFileError(label, f"'{frame[postcode_column].iloc[position]}' is not a UK postcode",
                             row=position + 2, field=postcode_column)
    lookup = pd.DataFrame({"postcode": postcodes.to_numpy()})
    lookup["latitude"] = (_numbers(frame[latitude_column], label, latitude_column, frame.index).to_numpy()
                          if latitude_column else np.nan)
    lookup["longitude"] = (_numbers(frame[longitude_column], label, longitude_column, frame.index).to_numpy()
                           if longitude_column else np.nan)
    lookup["small_area_code"] = frame[small_area_column].to_numpy() if small_area_column else None
    lookup["ward_code"] = frame[ward_column].to_numpy() if ward_column else None
    used = {postcode_column, latitude_column, longitude_column, small_area_column, ward_column}
    for column in columns:
        name = _slug(column)
        is_code = name.endswith("_code") or _ONS_CODE_FIELD.match(name)
        if column not in used and is_code and name not in lookup.columns:
            lookup[name] = frame[column].to_numpy()
    lookup = lookup.dropna(subset=["postcode"]).drop_duplicates(subset=["postcode"], keep="first")
    return lookup.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------------
# Storing in the workspace


@dataclass
class LoadSummary:
    """What a load put into the workspace, in figures a person can check against the file."""

    kind: str  # "boundaries", "indicators" or "postcodes"
    source_file: str
    rows: int
    level: str | None = None
    repaired: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One or two plain-English sentences about the load."""
        if self.kind == "boundaries":
            text = f"Loaded {self.rows:,} {LEVEL_LABELS.get(self.level or '', self.level or '').lower()} boundaries"
            text += f" from {self.source_file}."
            if self.repaired:
                verb = "s were" if len(self.repaired) != 1 else " was"
                text += f" {len(self.repaired)} self-intersecting polygon{verb} repaired and kept"
                text += f" ({', '.join(self.repaired)})."
            return text
        if self.kind == "indicators":
            return (f"Loaded {self.rows:,} indicator values ({len(self.indicators)} indicators) from "
                    f"{self.source_file}.")
        return f"Loaded {self.rows:,} postcodes from {self.source_file}."


def _ensure_tables(connection: Any) -> None:
    """Create the places schema and its tables if this workspace has none yet."""
    connection.execute(f"create schema if not exists {SCHEMA}")
    connection.execute(_AREAS_DDL)
    connection.execute(_INDICATORS_DDL)
    connection.execute(_ATTRIBUTION_DDL)


def _record_attribution(connection: Any, texts: Sequence[str], source_file: str) -> None:
    """Replace the attribution recorded for ``source_file``."""
    connection.execute(f"delete from {SCHEMA}.attribution where source_file = ?", [source_file])
    for text in texts:
        connection.execute(f"insert into {SCHEMA}.attribution values (?, ?)", [text, source_file])


def _default_attribution(kind: str, codes: Iterable[str] = (), indicators: Iterable[str] = ()) -> list[str]:
    """The attribution that comes with ONS-coded files unless the caller gives their own."""
    if kind == "postcodes":
        return [ATTRIBUTION_NATIONAL_STATISTICS, ATTRIBUTION_OS, ATTRIBUTION_ROYAL_MAIL, ATTRIBUTION_ONS]
    if kind == "indicators":
        if any(name.startswith(("imd", "idaci", "idaopi")) for name in indicators):
            return [ATTRIBUTION_IMD]
        return []
    if any(_ONS_CODE.match(str(code)) for code in codes):
        return [ATTRIBUTION_ONS, ATTRIBUTION_OS]
    return []


def _as_texts(attribution: str | Sequence[str] | None) -> list[str] | None:
    if attribution is None:
        return None
    return [attribution] if isinstance(attribution, str) else list(attribution)


def load_boundaries(workspace: Workspace, path: str | Path, *, level: str | None = None,
                    code_field: str | None = None, name_field: str | None = None, parent_field: str | None = None,
                    attribution: str | Sequence[str] | None = None, progress: Progress | None = None) -> LoadSummary:
    """Read a boundary file and store its areas in ``places.areas``, replacing the areas of the same level."""
    report = progress or _no_progress
    report("reading", 0.1)
    boundaries = read_boundaries(path, level=level, code_field=code_field, name_field=name_field,
                                 parent_field=parent_field)
    report("measuring", 0.5)
    areas = boundaries.areas
    measured = _measure_areas(areas)
    rows = pd.DataFrame({
        "level": boundaries.level, "code": areas["code"].to_numpy(), "name": areas["name"].to_numpy(),
        "parent_code": areas["parent_code"].to_numpy(dtype=object),
        "geometry": shapely.to_wkb(areas.geometry.to_numpy()),
        "area_hectares": measured["area_hectares"], "centroid_longitude": measured["centroid_longitude"],
        "centroid_latitude": measured["centroid_latitude"], "source_file": boundaries.source_file,
    })
    texts = _as_texts(attribution)
    texts = _default_attribution("boundaries", codes=rows["code"]) if texts is None else texts
    report("storing", 0.8)
    with workspace.analytics.transaction() as connection:
        _ensure_tables(connection)
        connection.execute(f"delete from {SCHEMA}.areas where level = ?", [boundaries.level])
        connection.register("new_areas", rows)
        connection.execute(f"insert into {SCHEMA}.areas select level, code, name, parent_code, geometry, "
                           "area_hectares, centroid_longitude, centroid_latitude, source_file from new_areas")
        connection.unregister("new_areas")
        _record_attribution(connection, texts, boundaries.source_file)
        _fill_parent_codes(connection)
    report("done", 1.0)
    return LoadSummary(kind="boundaries", source_file=boundaries.source_file, rows=len(rows), level=boundaries.level,
                       repaired=boundaries.repaired, attribution=texts)


def _fill_parent_codes(connection: Any) -> None:
    """Work out missing parent codes (a small area's ward) from the maps: the parent holding the area's inside point."""
    stored = connection.execute(f"select level, code, parent_code, geometry from {SCHEMA}.areas").df()
    for level, parent_level in PARENT_LEVEL.items():
        children = stored[(stored["level"] == level) & stored["parent_code"].isna()]
        parents = stored[stored["level"] == parent_level].sort_values("code")
        if children.empty or parents.empty:
            continue
        parent_shapes = shapely.from_wkb(parents["geometry"].map(bytes).to_numpy())
        inside_points = shapely.point_on_surface(shapely.from_wkb(children["geometry"].map(bytes).to_numpy()))
        child_positions, parent_positions = shapely.STRtree(parent_shapes).query(inside_points, predicate="intersects")
        chosen: dict[int, int] = {}
        for child, parent in zip(child_positions, parent_positions, strict=True):
            chosen[int(child)] = min(chosen.get(int(child), int(parent)), int(parent))
        parent_codes = parents["code"].to_numpy()
        updates = pd.DataFrame({"code": [children["code"].iloc[child] for child in chosen],
                                "parent_code": [parent_codes[parent] for parent in chosen.values()]})
        if updates.empty:
            continue
        connection.register("parent_updates", updates)
        connection.execute(f"update {SCHEMA}.areas set parent_code = parent_updates.parent_code from parent_updates "
                           f"where {SCHEMA}.areas.code = parent_updates.code and {SCHEMA}.areas.level = ?", [level])
        connection.unregister("parent_updates")


def load_indicators(workspace: Workspace, path: str | Path, *, code_field: str | None = None,
                    indicator_field: str | None = None, period: str | None = None, period_field: str | None = None,
                    columns: Sequence[str] | None = None, attribution: str | Sequence[str] | None = None,
                    progress: Progress | None = None) -> LoadSummary:
    """Read an indicator CSV and store it in ``places.indicators``, replacing earlier values of the same indicators."""
    report = progress or _no_progress
    report("reading", 0.1)
    values = read_indicators(path, code_field=code_field, indicator_field=indicator_field, period=period,
                             period_field=period_field, columns=columns)
    source_file = Path(path).name
    values["source_file"] = source_file
    names = sorted(values["indicator"].unique())
    texts = _as_texts(attribution)
    texts = _default_attribution("indicators", indicators=names) if texts is None else texts
    report("storing", 0.6)
    with workspace.analytics.transaction() as connection:
        _ensure_tables(connection)
        connection.register("new_indicators", values)
        connection.execute(f"delete from {SCHEMA}.indicators where (indicator, period) in "
                           "(select distinct indicator, period from new_indicators)")
        connection.execute(f"insert into {SCHEMA}.indicators select area_code, indicator, period, value, source_file "
                           "from new_indicators")
        connection.unregister("new_indicators")
        _record_attribution(connection, texts, source_file)
    report("done", 1.0)
    return LoadSummary(kind="indicators", source_file=source_file, rows=len(values), indicators=names,
                       attribution=texts)


def load_postcodes(workspace: Workspace, path: str | Path, *, postcode_field: str | None = None,
                   latitude_field: str | None = None, longitude_field: str | None = None,
                   small_area_field: str | None = None, ward_field: str | None = None,
                   attribution: str | Sequence[str] | None = None, progress: Progress | None = None) -> LoadSummary:
    """Read a postcode lookup CSV and store it as ``places.postcodes`` (replacing any earlier lookup)."""
    report = progress or _no_progress
    report("reading", 0.1)
    lookup = read_postcode_lookup(path, postcode_field=postcode_field, latitude_field=latitude_field,
                                  longitude_field=longitude_field, small_area_field=small_area_field,
                                  ward_field=ward_field)
    source_file = Path(path).name
    texts = _as_texts(attribution)
    texts = _default_attribution("postcodes") if texts is None else texts
    report("storing", 0.6)
    with workspace.analytics.transaction() as connection:
        _ensure_tables(connection)
        connection.execute(f"drop table if exists {SCHEMA}.postcodes")
        connection.register("new_postcodes", lookup)
        connection.execute(f"create table {SCHEMA}.postcodes as select * from new_postcodes")
        connection.unregister("new_postcodes")
        _record_attribution(connection, texts, source_file)
    report("done", 1.0)
    return LoadSummary(kind="postcodes", source_file=source_file, rows=len(lookup), attribution=texts)


# ---------------------------------------------------------------------------------------------------------------------
# The configured geography ([places] in townhall.toml)


def load_configured_geography(workspace: Workspace, progress: Progress | None = None) -> list[LoadSummary]:
    """Load every file named in [places] (boundaries, indicators, postcodes), paths relative to the workspace."""
    settings = workspace.settings.places
    report = progress or _no_progress
    steps: list[tuple[str, dict[str, Any]]] = [("boundaries", entry) for entry in settings.boundaries]
    steps += [("indicators", entry) for entry in settings.indicators]
    if settings.postcodes:
        steps.append(("postcodes", settings.postcodes))
    if not steps:
        raise TownhallError("The workspace names no geography files: add a [places] table to townhall.toml or load "
                            "files with 'townhall places load'.")
    summaries = []
    for position, (kind, entry) in enumerate(steps):
        if "file" not in entry:
            raise TownhallError(f"An entry of [places] {kind} in townhall.toml names no file: give it as "
                                "{ file = \"...\" } (a path relative to the workspace).")
        options = {key: value for key, value in entry.items() if key != "file"}
        options.setdefault("attribution", settings.attribution)
        path = workspace.path / entry["file"]
        report(f"{kind} from {Path(entry['file']).name}", position / len(steps))
        loader = {"boundaries": load_boundaries, "indicators": load_indicators, "postcodes": load_postcodes}[kind]
        known = [name for name in inspect.signature(loader).parameters if name not in ("workspace", "path",
                                                                                       "progress")]
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise TownhallError(f"The [places] {kind} entry for {entry['file']} in townhall.toml has "
                                f"{', '.join(repr(name) for name in unknown)}, which townhall does not know (is it "
                                f"misspelt?). The options are: {', '.join(known)}.")
        summaries.append(loader(workspace, path, **options))
    report("done", 1.0)
    return summaries


# ---------------------------------------------------------------------------------------------------------------------
# Reading the stored geography


class GeographyNotLoadedError(TownhallError):
    """The workspace has no geography loaded yet."""


class Geography:
    """The areas, indicators, postcode lookup and attribution of one workspace (or given directly, for notebooks)."""

    def __init__(self, areas: pd.DataFrame, *, indicators: pd.DataFrame | None = None,
                 postcodes: pd.DataFrame | None = None, attribution: Sequence[str] = (),
                 workspace: Workspace | None = None,
                 attribution_by_file: Mapping[str, list[str]] | None = None) -> None:
        self._areas = areas
        self._attribution_by_file = dict(attribution_by_file or {})
        self._areas_by_level: dict[str, gpd.GeoDataFrame] = {}
        self._indicators = indicators if indicators is not None else pd.DataFrame(
            columns=["area_code", "indicator", "period", "value", "source_file"])
        self._postcodes = postcodes
        self.attribution = list(dict.fromkeys(attribution))
        self.workspace = workspace

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> Geography:
        """The geography stored in the workspace; an error saying how to load it if there is none."""
        if not workspace.analytics.table_exists(SCHEMA, "areas"):
            raise GeographyNotLoadedError(
                "No geography is loaded in this workspace yet. Load boundaries with 'townhall places load "
                "boundaries FILE' (the demo loads its own).")
        with workspace.analytics.connect(read_only=True) as connection:
            areas = connection.execute(f"select * from {SCHEMA}.areas order by level, code").df()
            indicators = connection.execute(f"select * from {SCHEMA}.indicators").df()
            attributed = connection.execute(f"select source_file, text from {SCHEMA}.attribution").fetchall()
        areas["geometry"] = shapely.from_wkb(areas["geometry"].map(bytes).to_numpy())
        by_file: dict[str, list[str]] = {}
        for source_file, text in attributed:
            by_file.setdefault(source_file, []).append(text)
        attribution = sorted({text for _file, text in attributed})
        return cls(areas, indicators=indicators, attribution=attribution, workspace=workspace,
                   attribution_by_file=by_file)

    @classmethod
    def from_frames(cls, areas: gpd.GeoDataFrame | pd.DataFrame, *, level: str = "small_area",
                    indicators: pd.DataFrame | None = None, postcodes: pd.DataFrame | None = None,
                    attribution: Sequence[str] = ()) -> Geography:
        """A geography from frames in memory (code, name, optional parent_code, geometry in longitude/latitude)."""
        frame = pd.DataFrame({"level": areas.get("level", level), "code": areas["code"],
                              "name": areas.get("name", areas["code"]),
                              "parent_code": areas.get("parent_code", None),
                              "geometry": np.asarray(areas["geometry"])})
        return cls(frame, indicators=indicators, postcodes=postcodes, attribution=attribution)

    def levels(self) -> list[str]:
        """The levels loaded, smallest areas first where known (small_area, msoa, ward, authority, then others)."""
        order = ["output_area", "small_area", "msoa", "ward", "authority"]
        found = list(dict.fromkeys(self._areas["level"]))
        return sorted(found, key=lambda level: (order.index(level) if level in order else len(order), level))

    def areas(self, level: str) -> gpd.GeoDataFrame:
        """The areas of one level as a GeoDataFrame (code, name, parent_code, geometry, …), sorted by code."""
        if level not in self._areas_by_level:
            chosen = self._areas[self._areas["level"] == level]
            if chosen.empty:
                loaded = ", ".join(self.levels()) or "none"
                raise GeographyNotLoadedError(f"No {level} boundaries are loaded (levels loaded: {loaded}).")
            columns = [column for column in chosen.columns if column not in ("level", "geometry")]
            frame = gpd.GeoDataFrame(chosen[columns].reset_index(drop=True),
                                     geometry=gpd.GeoSeries(chosen["geometry"].to_numpy(), crs=LONGITUDE_LATITUDE))
            self._areas_by_level[level] = frame.sort_values("code").reset_index(drop=True)
        return self._areas_by_level[level].copy()

    def area_names(self, level: str) -> dict[str, str]:
        """Area code -> name for one level."""
        chosen = self._areas[self._areas["level"] == level]
        return dict(zip(chosen["code"], chosen["name"], strict=True))

    def indicator_names(self, level: str | None = None) -> list[str]:
        """The indicators loaded (only those with values for areas of ``level``, if given), alphabetically."""
        values = self._indicators
        if level is not None:
            values = values[values["area_code"].isin(set(self._areas.loc[self._areas["level"] == level, "code"]))]
        return sorted(values["indicator"].unique())

    def indicators(self, indicator: str | None = None, *, period: str | None = None,
                   level: str | None = None) -> pd.DataFrame:
        """Indicator values in long form (area_code, indicator, period, value), optionally for one indicator/level."""
        values = self._indicators
        if indicator is not None:
            values = values[values["indicator"] == indicator]
        if period is not None:
            values = values[values["period"] == period]
        if level is not None:
            values = values[values["area_code"].isin(set(self._areas.loc[self._areas["level"] == level, "code"]))]
        return values.reset_index(drop=True)

    def indicator_table(self, indicators: Sequence[str] | None = None, *, period: str | None = None,
                        level: str | None = None) -> pd.DataFrame:
        """Indicators side by side, one row per area code (the latest period of each unless ``period`` is given)."""
        values = self.indicators(period=period, level=level)
        if indicators is not None:
            missing = sorted(set(indicators) - set(values["indicator"]))
            if missing:
                raise TownhallError(f"No values are loaded for {', '.join(missing)}.")
            values = values[values["indicator"].isin(indicators)]
        latest = values.sort_values("period").drop_duplicates(["area_code", "indicator"], keep="last")
        table = latest.pivot(index="area_code", columns="indicator", values="value")
        table.columns.name = None
        return table[list(indicators)] if indicators is not None else table

    def postcode_lookup(self, connection: Any = None) -> pd.DataFrame:
        """The postcode lookup (postcode, latitude, longitude, small_area_code, ward_code, …); empty if none loaded.

        Read from the workspace on first use (on ``connection`` if one is open already), then kept.
        """
        if self._postcodes is None:
            if connection is not None:
                found = connection.execute("select count(*) from information_schema.tables where table_schema = ? "
                                           "and table_name = 'postcodes'", [SCHEMA]).fetchall()[0][0]
                if found:
                    self._postcodes = connection.execute(f"select * from {SCHEMA}.postcodes").df()
            elif self.workspace is not None and self.workspace.analytics.table_exists(SCHEMA, "postcodes"):
                with self.workspace.analytics.connect(read_only=True) as connection:
                    self._postcodes = connection.execute(f"select * from {SCHEMA}.postcodes").df()
        if self._postcodes is None:
            self._postcodes = pd.DataFrame(columns=list(POSTCODE_COLUMNS))
        return self._postcodes

    def attribution_for(self, level: str | None = None, indicators: Sequence[str] = (),
                        postcodes: bool = False) -> list[str]:
        """The attribution for what a map or table uses: one level's boundaries, some indicators, the postcodes."""
        if not self._attribution_by_file:
            return list(self.attribution)
        files: list[str] = []
        if level is not None and "source_file" in self._areas.columns:
            files += list(dict.fromkeys(self._areas.loc[self._areas["level"] == level, "source_file"]))
        if indicators:
            chosen = self._indicators[self._indicators["indicator"].isin(list(indicators))]
            files += list(dict.fromkeys(chosen["source_file"]))
        if postcodes:
            # The postcode lookup's file is the one attributed that no boundaries or indicators came from.
            used = set(self._areas.get("source_file", pd.Series(dtype=str))) | set(self._indicators["source_file"])
            files += [name for name in self._attribution_by_file if name not in used]
        texts = [text for name in files for text in self._attribution_by_file.get(name, [])]
        return list(dict.fromkeys(texts))

    def attribution_text(self) -> str:
        """The attribution strings as one line to print under a map or table."""
        return "; ".join(self.attribution)
