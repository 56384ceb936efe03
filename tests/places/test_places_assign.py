"""Placing rows in areas: points in hand-made squares (edges and corners included), UPRNs, postcodes, and reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.places import Geography, assign_to_areas, points_in_areas, read_boundaries
from townhall.places.assign import NO_LOCATION, OUTSIDE_EVERY_AREA, POSTCODE_NOT_FOUND, UPRN_NOT_FOUND

WEST, SOUTH, SIZE = -2.30, 53.40, 0.01


def test_points_inside_squares_are_placed_in_their_square(squares: Geography,
                                                          square_codes: dict) -> None:
    longitudes = [WEST + 0.25 * SIZE, WEST + 1.5 * SIZE, WEST + 0.5 * SIZE, WEST + 1.9 * SIZE]
    latitudes = [SOUTH + 0.5 * SIZE, SOUTH + 0.1 * SIZE, SOUTH + 1.5 * SIZE, SOUTH + 1.9 * SIZE]
    found = points_in_areas(np.array(longitudes), np.array(latitudes), squares, "small_area")
    assert list(found) == [square_codes[(0, 0)], square_codes[(1, 0)], square_codes[(0, 1)], square_codes[(1, 1)]]


def test_a_point_on_a_shared_edge_goes_to_the_lowest_code_of_the_two_squares(squares: Geography,
                                                                            square_codes: dict) -> None:
    # The edge between the two bottom squares (E01000004 left, E01000002 right): the lower code is the right one.
    bottom_edge = points_in_areas(np.array([WEST + SIZE]), np.array([SOUTH + 0.5 * SIZE]), squares, "small_area")
    assert bottom_edge[0] == min(square_codes[(0, 0)], square_codes[(1, 0)]) == "E01000002"
    # The edge between the two left squares (E01000004 below, E01000003 above).
    left_edge = points_in_areas(np.array([WEST + 0.5 * SIZE]), np.array([SOUTH + SIZE]), squares, "small_area")
    assert left_edge[0] == "E01000003"


def test_the_corner_shared_by_all_four_squares_goes_to_the_lowest_code(squares: Geography) -> None:
    corner = points_in_areas(np.array([WEST + SIZE]), np.array([SOUTH + SIZE]), squares, "small_area")
    assert corner[0] == "E01000001"


def test_the_outer_boundary_counts_as_inside_and_points_beyond_it_are_outside(squares: Geography) -> None:
    found = points_in_areas(np.array([WEST, WEST - 0.001, np.nan]), np.array([SOUTH, SOUTH, SOUTH]), squares,
                            "small_area")
    assert found[0] == "E01000004" and found[1] is None and found[2] is None


def test_the_same_rows_always_give_the_same_areas_whatever_their_order(squares: Geography) -> None:
    rng = np.random.default_rng(3)
    # Points on the grid lines as well as inside, shuffled.
    longitudes = WEST + rng.integers(0, 5, 400) * SIZE / 2
    latitudes = SOUTH + rng.integers(0, 5, 400) * SIZE / 2
    first = points_in_areas(longitudes, latitudes, squares, "small_area")
    order = rng.permutation(400)
    second = points_in_areas(longitudes[order], latitudes[order], squares, "small_area")
    assert list(second) == list(first[order])


def test_rows_fall_back_from_coordinates_to_uprn_to_postcode_and_unplaced_rows_are_counted_by_reason(
        squares: Geography) -> None:
    lookup = pd.DataFrame({"postcode": ["M15 4AB"], "latitude": [SOUTH + 1.5 * SIZE],
                           "longitude": [WEST + 1.5 * SIZE], "small_area_code": [None], "ward_code": [None]})
    geography = Geography.from_frames(squares.areas("small_area"), postcodes=lookup)
    gazetteer = pd.DataFrame({"uprn": ["100012345678"], "latitude": [SOUTH + 0.5 * SIZE],
                              "longitude": [WEST + 1.5 * SIZE]})
    frame = pd.DataFrame({
        "lat": [SOUTH + 0.5 * SIZE, None, None, None, None, None, SOUTH + 5 * SIZE],
        "lon": [WEST + 0.5 * SIZE, None, None, None, None, None, WEST],
        "uprn": [None, "100012345678.0", None, "999", None, None, None],
        "postcode": [None, None, "m154ab", None, "ZZ9 9ZZ", None, None],
    })
    result = assign_to_areas(frame, geography, latitude="lat", longitude="lon", postcode="postcode", uprn="uprn",
                             uprn_coordinates=gazetteer)
    assert list(result.frame["area_code"].fillna("-")) == ["E01000004", "E01000002", "E01000001", "-", "-", "-", "-"]
    assert list(result.frame["placed_by"].fillna("-")) == ["point", "UPRN", "postcode", "-", "-", "-", "-"]
    assert list(result.frame["not_placed_reason"].fillna("-")) == [
        "-", "-", "-", UPRN_NOT_FOUND, POSTCODE_NOT_FOUND, NO_LOCATION, OUTSIDE_EVERY_AREA]
    assert result.placed == 3 and result.unplaced["rows"].sum() == 4
    assert list(result.frame.columns[:4]) == ["lat", "lon", "uprn", "postcode"]
    assert "Placed 3 of 7 rows" in result.describe() and "point outside every area" in result.describe()


def test_a_postcode_lookup_naming_the_area_is_used_directly(squares: Geography) -> None:
    lookup = pd.DataFrame({"postcode": ["AY1 1AA"], "latitude": [np.nan], "longitude": [np.nan],
                           "small_area_code": ["E01000003"], "ward_code": [None]})
    geography = Geography.from_frames(squares.areas("small_area"), postcodes=lookup)
    result = assign_to_areas(pd.DataFrame({"pc": ["ay1 1aa"]}), geography, postcode="pc")
    assert result.frame.loc[0, "area_code"] == "E01000003" and result.frame.loc[0, "area_name"] == "Square 0-1"


def test_asking_for_a_column_that_is_not_there_is_refused(squares: Geography) -> None:
    with pytest.raises(TownhallError, match="no column called 'latitude'"):
        assign_to_areas(pd.DataFrame({"x": [1]}), squares, latitude="latitude", longitude="x")
    with pytest.raises(TownhallError, match="at least one way"):
        assign_to_areas(pd.DataFrame({"x": [1]}), squares)


def test_the_demo_postcode_points_fall_in_the_small_area_the_demo_lookup_names(linked_demo_folder: Path) -> None:
    folder = linked_demo_folder / "demo-data" / "geography"
    areas = read_boundaries(folder / "small_areas.geojson").areas
    geography = Geography.from_frames(areas, level="small_area")
    postcodes = pd.read_csv(folder / "postcodes.csv")
    result = assign_to_areas(postcodes, geography, latitude="latitude", longitude="longitude")
    assert result.placed == len(postcodes)
    assert (result.frame["area_code"] == postcodes["small_area_code"]).all()
