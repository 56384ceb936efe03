"""Shared fixtures for the places tests: hand-made square areas, written as real boundary files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from townhall.places import Geography

# A 2 x 2 grid of 0.01-degree squares near Manchester, codes chosen so the lowest code is not the first drawn.
SQUARE_CORNER = (-2.30, 53.40)
SQUARE_SIZE = 0.01
SQUARE_CODES = {(0, 0): "E01000004", (1, 0): "E01000002", (0, 1): "E01000003", (1, 1): "E01000001"}


def square(column: int, row: int) -> shapely.Polygon:
    """The square at (column, row) of the grid, in longitude/latitude."""
    west, south = SQUARE_CORNER[0] + column * SQUARE_SIZE, SQUARE_CORNER[1] + row * SQUARE_SIZE
    return shapely.box(west, south, west + SQUARE_SIZE, south + SQUARE_SIZE)


def square_frame() -> gpd.GeoDataFrame:
    """The four squares with ONS-style field names (LSOA21CD, LSOA21NM) and a ward code."""
    cells = sorted(SQUARE_CODES.items(), key=lambda item: item[0])
    return gpd.GeoDataFrame({
        "LSOA21CD": [code for _cell, code in cells],
        "LSOA21NM": [f"Square {column}-{row}" for (column, row), _code in cells],
    }, geometry=[square(column, row) for (column, row), _code in cells], crs="EPSG:4326")


@pytest.fixture
def squares() -> Geography:
    """The four squares as a geography in memory (level small_area)."""
    frame = square_frame().rename(columns={"LSOA21CD": "code", "LSOA21NM": "name"})
    return Geography.from_frames(frame, level="small_area", attribution=["Hand-made squares for tests"])


@pytest.fixture
def squares_file(tmp_path: Path) -> Path:
    """The four squares as a GeoJSON file, as the ONS Open Geography Portal names its fields."""
    path = tmp_path / "squares.geojson"
    path.write_text(square_frame().to_json(), encoding="utf-8")
    return path


@pytest.fixture
def two_wards_file(tmp_path: Path) -> Path:
    """Two wards: the left column of squares and the right column."""
    west, south = SQUARE_CORNER
    features = [
        {"type": "Feature", "properties": {"WD23CD": code, "WD23NM": name},
         "geometry": shapely.geometry.mapping(shapely.box(west + offset, south, west + offset + SQUARE_SIZE,
                                                          south + 2 * SQUARE_SIZE))}
        for code, name, offset in (("E05000002", "West ward", 0.0), ("E05000001", "East ward", SQUARE_SIZE))
    ]
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.fixture
def square_codes() -> dict[tuple[int, int], str]:
    """The squares' codes by (column, row) of the grid."""
    return dict(SQUARE_CODES)


@pytest.fixture
def make_square_frame():  # type: ignore[no-untyped-def]
    """``make_square_frame()``: the four squares with ONS-style field names, to change and write in a test."""
    return square_frame
