"""The maps page: an indicator or protected counts by area, the GeoJSON behind the map, and downloads."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from httpx import Response

from townhall.governance.users import Role
from townhall.places import load_boundaries, load_indicators
from townhall.web.capabilities import CAPABILITIES
from townhall.workspace import Workspace

WEST, SOUTH, SIZE = -2.30, 53.40, 0.01
# Records in each of four squares (row, column): one square has 3, under the disclosure threshold.
RECORDS = {"E01000001": 32, "E01000002": 3, "E01000003": 18, "E01000004": 41}
POSTCODE_OF = {"E01000001": "M1 1AA", "E01000002": "M1 1AB", "E01000003": "M1 1AD", "E01000004": "M1 1AE"}


@pytest.fixture(scope="module")
def mapped_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: four square small areas in one ward, an indicator, and a source of repairs."""
    folder = tmp_path_factory.mktemp("places-web")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOWNHALL_SECRETS_DIR", str(folder / "secrets"))
        with Workspace.create(folder / "council", "Testshire") as workspace:
            _add_geography_and_repairs(workspace, folder)
    return folder / "council"


@pytest.fixture
def workspace(mapped_folder: Path, tmp_path: Path) -> Iterator[Workspace]:
    """The web fixtures (people, client) serve a fresh copy of the mapped workspace in this module."""
    shutil.copytree(mapped_folder, tmp_path / "council")
    with Workspace.open(tmp_path / "council") as opened:
        yield opened


@pytest.fixture
def mapped(workspace: Workspace) -> Workspace:
    """The workspace the client serves, for reading its audit log."""
    return workspace


def _add_geography_and_repairs(workspace: Workspace, tmp_path: Path) -> None:
    codes = ["E01000001", "E01000002", "E01000003", "E01000004"]
    boxes = [shapely.box(WEST + column * SIZE, SOUTH + row * SIZE, WEST + (column + 1) * SIZE,
                         SOUTH + (row + 1) * SIZE) for row, column in ((1, 1), (0, 1), (1, 0), (0, 0))]
    squares = gpd.GeoDataFrame({"LSOA21CD": codes, "LSOA21NM": [f"Square {code[-1]}" for code in codes]},
                               geometry=boxes, crs="EPSG:4326")
    boundaries = tmp_path / "squares.geojson"
    boundaries.write_text(squares.to_json(), encoding="utf-8")
    load_boundaries(workspace, boundaries, attribution="Hand-made squares for tests")
    wards = gpd.GeoDataFrame({"WD23CD": ["E05000001"], "WD23NM": ["Only ward"]},
                             geometry=[shapely.box(WEST, SOUTH, WEST + 2 * SIZE, SOUTH + 2 * SIZE)], crs="EPSG:4326")
    ward_file = tmp_path / "wards.geojson"
    ward_file.write_text(wards.to_json(), encoding="utf-8")
    load_boundaries(workspace, ward_file, attribution="Hand-made squares for tests")
    indicators = tmp_path / "indicators.csv"
    indicators.write_text("code,imd_decile\n" + "".join(f"{code},{number}\n" for number, code in enumerate(codes, 2)),
                          encoding="utf-8")
    load_indicators(workspace, indicators, period="2019", attribution="Test indicators")
    repairs = tmp_path / "repairs.csv"
    lines = ["repair_id,postcode,latitude,longitude"]
    centres = {code: box.centroid for code, box in zip(codes, boxes, strict=True)}
    for code, count in RECORDS.items():
        lines += [f"R{code[-1]}{number:03d},{POSTCODE_OF[code]},{centres[code].y},{centres[code].x}"
                  for number in range(count)]
    repairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workspace.catalogue.add_source(repairs, "repairs", owner="Housing", actor="test")


def test_every_role_may_open_the_maps_page(client: TestClient, people, sign_in, signed_in: Callable[...,
        TestClient]) -> None:  # type: ignore[no-untyped-def]
    maps = next(capability for capability in CAPABILITIES if capability.key == "places")
    assert set(maps.roles) == set(Role)  # published maps hold indicators and protected counts only
    page = signed_in(client, people[Role.PRACTITIONER]).get("/places")
    assert page.status_code == 200
    assert "Index of Multiple Deprivation decile" in page.text and 'href="/places"' in page.text


def test_an_indicator_map_has_its_figures_in_a_table_and_its_geojson_served(mapped: Workspace, client: TestClient,
         # type: ignore[no-untyped-def]
                                                                           people, sign_in, signed_in: Callable[...,
        TestClient], main_text: Callable[[Response], str]) -> None:
    signed_in(client, people[Role.MANAGER])
    page = client.get("/places", params={"what": "indicator:imd_decile", "level": "small_area"})
    text = main_text(page)
    for number, code in enumerate(sorted(RECORDS), 2):
        assert re.search(rf"Square {code[-1]} {code} {number} ", text)
    assert "Hand-made squares for tests" in text and "Test indicators" in text
    url = re.search(r'data-geojson-url="([^"]+)"', page.text).group(1)
    geojson = client.get(html.unescape(url))
    assert geojson.status_code == 200 and geojson.headers["content-type"].startswith("application/geo+json")
    data = geojson.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    assert {feature["properties"]["value"] for feature in data["features"]} == {2, 3, 4, 5}
    assert [entry["areas"] for entry in data["legend"]] == [1, 1, 1, 1]


def test_a_count_of_source_records_is_protected_on_the_page_and_in_the_geojson(mapped: Workspace, client: TestClient,
         # type: ignore[no-untyped-def]
                                                                              people, sign_in,
        signed_in: Callable[..., TestClient], main_text: Callable[[Response], str]) -> None:
    signed_in(client, people[Role.MANAGER])
    page = client.get("/places", params={"what": "source:repairs", "level": "small_area"})
    text = main_text(page)
    assert "Counts under 10 are hidden and other counts are rounded to the nearest 5." in text
    # 32 -> 30, 41 -> 40; 3 is hidden, and 18 is hidden too because the total (95) is published.
    assert re.search(r"Square 1 E01000001 30 ", text) and re.search(r"Square 4 E01000004 40 ", text)
    assert re.search(r"Square 2 E01000002 \[c\]", text) and re.search(r"Square 3 E01000003 \[c\]", text)
    assert re.search(r"Total 95", text)
    data = client.get("/places/geojson/small_area/source/repairs").json()
    shown = {feature["properties"]["code"]: feature["properties"]["value"] for feature in data["features"]}
    assert shown == {"E01000001": 30, "E01000002": None, "E01000003": None, "E01000004": 40}
    assert [entry["label"] for entry in data["legend"]] == ["30", "40", "Fewer than 10 — not shown"]
    entries = mapped.audit.entries(action="places.map")
    assert entries and entries[0].subject == "repairs"
    assert entries[0].details == {"source": "repairs", "level": "small_area", "areas": 4}


def test_the_map_downloads_as_png_and_as_an_offline_web_page(mapped: Workspace, client: TestClient,
         # type: ignore[no-untyped-def]
                                                            people, sign_in, signed_in: Callable[...,
        TestClient]) -> None:
    signed_in(client, people[Role.ANALYST])
    png = client.get("/places/download/small_area/indicator/imd_decile.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert "attachment" in png.headers["content-disposition"]
    page = client.get("/places/download/small_area/source/repairs.html", params={"classification": "natural_breaks"})
    assert page.status_code == 200 and "L.geoJSON" in page.text and "Counts under 10 are hidden" in page.text


def test_unknown_maps_are_not_found(client: TestClient, people, sign_in, signed_in: Callable[...,
        TestClient]) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, people[Role.ANALYST])
    for path in ("/places/geojson/small_area/source/identity", "/places/geojson/county/indicator/imd_decile",
                 "/places/geojson/small_area/indicator/no_such", "/places/download/ward/source/repairs.pdf",
                 "/places/geojson/small_area/source/repairs;drop", "/places/geojson/ward/indicator/imd_decile",
                 "/places?what=source:nothing"):
        assert client.get(path).status_code == 404, path


def test_ward_maps_add_up_counts_and_show_small_areas_for_a_small_area_indicator(  # type: ignore[no-untyped-def]
        client: TestClient, people, sign_in, signed_in: Callable[..., TestClient], main_text: Callable[[Response],
        str]) -> None:
    page = signed_in(client, people[Role.ANALYST]).get(
        "/places", params={"what": "indicator:imd_decile", "level": "ward"})
    assert page.status_code == 200 and "published for small areas only" in main_text(page)
    assert "/places/geojson/small_area/indicator/imd_decile" in page.text
    data = client.get("/places/geojson/ward/source/repairs").json()
    assert [feature["properties"]["display"] for feature in data["features"]] == ["95"]


def test_without_geography_the_page_says_how_to_load_it(mapped: Workspace, client: TestClient, people,
         # type: ignore[no-untyped-def]
                                                         sign_in, signed_in: Callable[..., TestClient]) -> None:
    with mapped.analytics.transaction() as connection:
        connection.execute("drop schema places cascade")
    page = signed_in(client, people[Role.ANALYST]).get("/places")
    assert page.status_code == 200 and "townhall places load" in page.text


def test_signed_out_visitors_cannot_fetch_the_geojson(mapped: Workspace, client: TestClient) -> None:
    assert client.get("/places/geojson/small_area/indicator/imd_decile").status_code in (303, 401)
