"""The demo's geography: valid GeoJSON in WGS84, small areas tiling the authority, ONS-style codes, postcodes."""

from __future__ import annotations

import json
import re

import pandas as pd
import shapely

from townhall.demo import DemoCouncil


def _layer(council: DemoCouncil, name: str) -> tuple[list[dict], list[shapely.Geometry]]:
    collection = json.loads(council.geography_files[name].read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    return [feature["properties"] for feature in features], [shapely.geometry.shape(f["geometry"]) for f in features]


def test_every_boundary_is_a_valid_polygon_in_england(small_council: DemoCouncil) -> None:
    for name in ("small_areas", "wards", "authority"):
        _, shapes = _layer(small_council, name)
        assert all(shape.is_valid and shape.geom_type in ("Polygon", "MultiPolygon") for shape in shapes), name
        west, south, east, north = shapely.total_bounds(shapes)
        assert -3.5 < west < east < -1.0 and 52.5 < south < north < 54.5


def test_exterior_rings_run_anticlockwise_as_rfc_7946_asks(small_council: DemoCouncil) -> None:
    _, shapes = _layer(small_council, "small_areas")
    polygons = [part for shape in shapes for part in shapely.get_parts(shape)]
    assert all(shapely.LinearRing(polygon.exterior.coords).is_ccw for polygon in polygons)


def test_small_areas_tile_the_authority_and_wards_are_unions_of_small_areas(small_council: DemoCouncil) -> None:
    area_properties, areas = _layer(small_council, "small_areas")
    ward_properties, wards = _layer(small_council, "wards")
    _, (authority,) = _layer(small_council, "authority")
    total = sum(shape.area for shape in areas)
    assert abs(total - authority.area) / authority.area < 1e-6
    assert shapely.union_all(areas).symmetric_difference(authority).area / authority.area < 1e-6
    for ward_shape, ward in zip(wards, ward_properties, strict=True):
        members = [shape for shape, area in zip(areas, area_properties, strict=True)
                   if area["ward_code"] == ward["code"]]
        assert 1 <= len(members) <= 15
        assert ward_shape.symmetric_difference(shapely.union_all(members)).area / ward_shape.area < 1e-6


def test_codes_follow_the_ons_pattern_in_a_fictional_range(small_council: DemoCouncil) -> None:
    area_properties, _ = _layer(small_council, "small_areas")
    ward_properties, _ = _layer(small_council, "wards")
    authority_properties, _ = _layer(small_council, "authority")
    assert all(re.fullmatch(r"E0190\d{4}", area["code"]) for area in area_properties)
    assert all(re.fullmatch(r"Ashbury \d{3}[A-Z]", area["name"]) for area in area_properties)
    assert all(re.fullmatch(r"E0590\d{4}", ward["code"]) for ward in ward_properties)
    assert authority_properties == [{"code": "E06900001", "name": "Ashbury"}]
    assert len(area_properties) == 24  # the minimum, at 2,000 residents


def test_postcodes_are_valid_uk_format_and_sit_in_their_small_area(small_council: DemoCouncil) -> None:
    postcodes = pd.read_csv(small_council.geography_files["postcodes"])
    assert postcodes["postcode"].is_unique
    assert postcodes["postcode"].str.fullmatch(r"AY\d{1,2} \d[ABD-HJLNP-UW-Z]{2}").all()
    assert 8 <= postcodes["addresses"].median() <= 20
    area_properties, areas = _layer(small_council, "small_areas")
    shape_of = {area["code"]: shape for area, shape in zip(area_properties, areas, strict=True)}
    inside = [shape_of[row.small_area_code].covers(shapely.Point(row.longitude, row.latitude))
              for row in postcodes.itertuples()]
    assert sum(inside) / len(inside) > 0.98


def test_deprivation_deciles_have_spatial_structure(small_council: DemoCouncil) -> None:
    indicators = pd.read_csv(small_council.geography_files["small_area_indicators"])
    assert indicators["imd_decile"].between(1, 10).all() and indicators["imd_decile"].nunique() >= 6
    assert indicators["population"].sum() > 0.9 * small_council.residents
    area_properties, areas = _layer(small_council, "small_areas")
    decile = dict(zip(indicators["code"], indicators["imd_decile"], strict=True))
    tree = shapely.STRtree(areas)
    neighbour_gap, random_gap = [], []
    for index, shape in enumerate(areas):
        mine = decile[area_properties[index]["code"]]
        for other in tree.query(shape, predicate="touches"):
            neighbour_gap.append(abs(mine - decile[area_properties[other]["code"]]))
        random_gap.extend(abs(mine - value) for value in decile.values())
    assert sum(neighbour_gap) / len(neighbour_gap) < sum(random_gap) / len(random_gap)
