"""Loading boundaries, indicators and postcode lookups into a workspace, as a council receives them."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from townhall.errors import InputFileError, TownhallError
from townhall.places import (
    Geography,
    GeographyNotLoadedError,
    load_boundaries,
    load_indicators,
    load_postcodes,
    read_boundaries,
    read_indicators,
    read_postcode_lookup,
)
from townhall.workspace import Workspace


def test_a_geojson_with_ons_field_names_is_stored_with_codes_names_and_sizes(workspace: Workspace,
                                                                            squares_file: Path,
                                                                            square_codes: dict) -> None:
    summary = load_boundaries(workspace, squares_file, attribution="Hand-made squares")
    assert summary.level == "small_area" and summary.rows == 4 and summary.repaired == []
    areas = Geography.from_workspace(workspace).areas("small_area")
    assert list(areas["code"]) == sorted(square_codes.values())
    assert areas.loc[areas["code"] == "E01000004", "name"].item() == "Square 0-0"
    # A 0.01-degree square at latitude 53.4 is about 1.11 km by 0.66 km: some 74 hectares.
    assert areas["area_hectares"].between(70, 78).all()
    assert areas.crs.to_epsg() == 4326
    assert Geography.from_workspace(workspace).attribution == ["Hand-made squares"]


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_geopackages_and_shapefiles_in_british_national_grid_are_turned_to_longitude_and_latitude(
        tmp_path: Path, suffix: str, make_square_frame) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"squares{suffix}"
    make_square_frame().to_crs("EPSG:27700").to_file(path, engine="pyogrio")
    boundaries = read_boundaries(path)
    assert boundaries.areas.crs.to_epsg() == 4326
    original = make_square_frame().set_index("LSOA21CD").geometry
    for code, shape in zip(boundaries.areas["code"], boundaries.areas.geometry, strict=True):
        assert shapely.normalize(shape).equals_exact(shapely.normalize(original[code]), tolerance=1e-6)


def test_a_self_intersecting_polygon_is_repaired_and_kept_not_dropped(tmp_path: Path, make_square_frame) -> None:  # type: ignore[no-untyped-def]
    frame = make_square_frame()
    west, south = -2.30, 53.40
    bow_tie = shapely.Polygon([(west, south), (west + 0.01, south + 0.01), (west + 0.01, south), (west, south + 0.01)])
    frame.loc[0, "geometry"] = bow_tie
    path = tmp_path / "broken.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")
    boundaries = read_boundaries(path)
    assert boundaries.repaired == [frame.loc[0, "LSOA21CD"]]
    assert len(boundaries.areas) == 4 and boundaries.areas.geometry.is_valid.all()
    repaired = boundaries.areas.set_index("code").geometry[frame.loc[0, "LSOA21CD"]]
    assert repaired.geom_type == "MultiPolygon" and repaired.area == pytest.approx(0.01 * 0.01 / 2)


def test_code_and_name_fields_can_be_named_and_the_level_given(tmp_path: Path, make_square_frame) -> None:  # type: ignore[no-untyped-def]
    frame = make_square_frame().rename(columns={"LSOA21CD": "ref", "LSOA21NM": "label"})
    frame["ref"] = ["A", "B", "C", "D"]
    path = tmp_path / "own.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")
    with pytest.raises(InputFileError, match="no column of area codes"):
        read_boundaries(path)
    with pytest.raises(InputFileError, match="level of these areas"):
        read_boundaries(path, code_field="ref")
    boundaries = read_boundaries(path, code_field="ref", name_field="label", level="neighbourhood")
    assert boundaries.level == "neighbourhood" and boundaries.areas["name"].iloc[0].startswith("Square")


def test_a_blank_area_code_is_reported_with_its_row_and_field(tmp_path: Path, make_square_frame) -> None:  # type: ignore[no-untyped-def]
    frame = make_square_frame()
    frame.loc[2, "LSOA21CD"] = ""
    path = tmp_path / "blank.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        read_boundaries(path)
    assert raised.value.row == 3 and raised.value.field == "LSOA21CD" and "blank.geojson" in str(raised.value)


def test_a_failed_reload_leaves_the_areas_loaded_before(workspace: Workspace, squares_file: Path,
                                                        tmp_path: Path) -> None:
    load_boundaries(workspace, squares_file)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError):
        load_boundaries(workspace, broken, level="small_area")
    assert len(Geography.from_workspace(workspace).areas("small_area")) == 4


def test_small_areas_get_their_ward_from_the_ward_boundaries(workspace: Workspace, squares_file: Path,
                                                            two_wards_file: Path) -> None:
    load_boundaries(workspace, squares_file)
    load_boundaries(workspace, two_wards_file)
    geography = Geography.from_workspace(workspace)
    assert geography.levels() == ["small_area", "ward"]
    parents = dict(zip(geography.areas("small_area")["code"], geography.areas("small_area")["parent_code"],
                       strict=True))
    assert parents == {"E01000004": "E05000002", "E01000003": "E05000002",
                       "E01000002": "E05000001", "E01000001": "E05000001"}


def test_no_geography_gives_a_message_saying_how_to_load_one(workspace: Workspace) -> None:
    with pytest.raises(GeographyNotLoadedError, match="townhall places load"):
        Geography.from_workspace(workspace)


def test_wide_indicators_with_a_byte_order_mark_become_one_row_per_area_and_indicator(workspace: Workspace,
                                                                                     tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes("\ufeffcode,name,imd_decile,population\nE01000001,One,3,\"1,204\"\nE01000002,Two,7,980\n"
                     .encode("utf-8"))
    summary = load_indicators(workspace, path, period="2019", attribution="Test indicators")
    assert summary.rows == 4 and summary.indicators == ["imd_decile", "population"]
    table = Geography.from_workspace(workspace).indicator_table(["population", "imd_decile"])
    assert table.loc["E01000001", "population"] == 1204 and table.loc["E01000002", "imd_decile"] == 7


def test_long_indicators_name_each_measure_and_read_thousands_commas(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("lsoa11cd,index_domain,decile,rank,score,year\n"
                    "E01000001,Index of Multiple Deprivation,2,\"3,123\",40.1,2019\n"
                    "E01000001,Crime,5,\"15,000\",0.1,2019\n"
                    "E01000001,Index of Multiple Deprivation,3,\"4,000\",35.0,2015\n", encoding="utf-8")
    values = read_indicators(path).set_index(["indicator", "period"])["value"]
    assert values[("imd_rank", "2019")] == 3123 and values[("crime_decile", "2019")] == 5
    assert values[("imd_decile", "2015")] == 3 and len(values) == 9


def test_an_indicator_that_is_not_a_number_is_reported_with_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("code,imd_decile,population\nE01000001,3,100\nE01000002,7,lots\n", encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        read_indicators(path, columns=["imd_decile", "population"])
    assert (raised.value.file, raised.value.row, raised.value.field) == (str(path), 3, "population")


def test_postcodes_in_a_lookup_are_written_the_standard_way(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_text("pcds,lat,long,lsoa21cd,osward,msoa21cd\nm15 4ab,53.46,-2.26,E01000001,E05000001,E02000001\n"
                    "M154AD,53.47,-2.27,E01000002,E05000001,E02000001\n", encoding="utf-8")
    lookup = read_postcode_lookup(path)
    assert list(lookup["postcode"]) == ["M15 4AB", "M15 4AD"]
    assert list(lookup.columns[:5]) == ["postcode", "latitude", "longitude", "small_area_code", "ward_code"]
    assert "msoa21cd" in lookup.columns
    summary = load_postcodes(workspace, path)
    assert summary.rows == 2 and any("Royal Mail" in text for text in summary.attribution)
    path.write_text("pcds,lat,long\nNOT A CODE,53.4,-2.2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="not a UK postcode"):
        read_postcode_lookup(path)


def test_areas_of_a_level_not_loaded_are_refused_in_plain_english(squares: Geography) -> None:
    with pytest.raises(TownhallError, match="No ward boundaries are loaded"):
        squares.areas("ward")
    assert isinstance(squares.areas("small_area"), gpd.GeoDataFrame)
