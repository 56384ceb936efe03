"""Segmentation: small areas grouped on standardised indicators, deterministic, described in neutral plain English."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.places.geography import Geography
from townhall.places.maps import STIGMATISING_WORDS
from townhall.places.segmentation import indicator_table_for_segmentation, segment_areas, segment_map


def _three_kinds_of_area(seed: int = 4) -> pd.DataFrame:
    """30 areas of three planted kinds: older and less deprived, younger and more deprived, dense and diverse."""
    rng = np.random.default_rng(seed)
    centres = {"older": (48, 8, 80, 2), "younger": (31, 2, 60, 3), "dense": (36, 4, 35, 9)}
    rows, kinds = [], []
    for kind, (age, decile, white_british, density) in centres.items():
        for _ in range(10):
            rows.append({"median_age": age + rng.normal(0, 1), "imd_decile": decile + rng.normal(0, 0.4),
                         "pct_white_british": white_british + rng.normal(0, 2),
                         "homes_per_hectare": density + rng.normal(0, 0.3)})
            kinds.append(kind)
    table = pd.DataFrame(rows, index=[f"E0100{number:04d}" for number in range(30)])
    table.attrs["kinds"] = kinds
    return table


def test_the_same_indicators_always_give_the_same_segments() -> None:
    table = _three_kinds_of_area()
    first, second = segment_areas(table, seed=11), segment_areas(table, seed=11)
    assert first.assignments.equals(second.assignments)
    assert [segment.description for segment in first.segments] == [s.description for s in second.segments]


def test_the_planted_kinds_of_area_are_found_and_the_count_is_the_best_silhouette() -> None:
    table = _three_kinds_of_area()
    result = segment_areas(table)
    assert result.criterion == "silhouette" and result.chosen == max(result.scores, key=result.scores.get)
    assert result.chosen == 3
    found = pd.crosstab(pd.Series(table.attrs["kinds"]), result.assignments["segment"].to_numpy())
    assert (found.max(axis=1) == 10).all()  # each planted kind lands whole in one segment
    assert "3 segments" in result.describe_choice() and "highest silhouette score" in result.describe_choice()


def test_each_segment_is_described_neutrally_from_what_sets_it_apart() -> None:
    result = segment_areas(_three_kinds_of_area())
    titles = {segment.title for segment in result.segments}
    older = next(segment for segment in result.segments if "Older residents" in segment.title
                 or "Lower deprivation" in segment.title)
    assert "median age" in older.description or "deprivation decile" in older.description
    assert "across the borough" in older.description and "(10 areas)" in older.description
    assert len(titles) == 3
    for segment in result.segments:
        words = set(segment.description.lower().replace(",", " ").replace(":", " ").split())
        assert not words & set(STIGMATISING_WORDS), segment.description


def test_a_gaussian_mixture_picks_the_count_with_the_lowest_bic() -> None:
    result = segment_areas(_three_kinds_of_area(), method="gaussian-mixture", group_counts=range(2, 6))
    assert result.criterion == "BIC" and result.chosen == min(result.scores, key=result.scores.get)
    table = _three_kinds_of_area()
    mixed = pd.crosstab(result.assignments["segment"].to_numpy(), pd.Series(table.attrs["kinds"]))
    assert ((mixed > 0).sum(axis=1) == 1).all()  # no segment mixes two planted kinds


def test_impossible_requests_are_refused_plainly() -> None:
    with pytest.raises(TownhallError, match="cannot be split"):
        segment_areas(_three_kinds_of_area(), segments=40)
    with pytest.raises(TownhallError, match="Unknown segmentation method"):
        segment_areas(_three_kinds_of_area(), method="astrology")
    flat = pd.DataFrame({"median_age": [40.0] * 5}, index=list("abcde"))
    with pytest.raises(TownhallError, match="None of the indicators varies"):
        segment_areas(flat)


def test_the_demo_small_areas_are_segmented_and_mapped_one_colour_a_segment(linked_demo_folder: Path) -> None:
    folder = linked_demo_folder / "demo-data" / "geography"
    areas = gpd.read_file(folder / "small_areas.geojson")
    indicators = pd.read_csv(folder / "small_area_indicators.csv")
    long = indicators.melt(id_vars=["code"], value_vars=["imd_decile", "median_age", "pct_aged_65_plus", "homes",
                                                         "population"], var_name="indicator").rename(
        columns={"code": "area_code"}).assign(period="2025", source_file="small_area_indicators.csv")
    geography = Geography.from_frames(areas.assign(name=areas["name"]), indicators=long)
    table = indicator_table_for_segmentation(geography)
    assert "population" not in table.columns and "homes" not in table.columns  # sizes, not character
    result = segment_areas(table)
    themed = segment_map(geography, result)
    colours = themed.features.groupby("value")["colour"].nunique()
    assert (colours == 1).all() and themed.features["colour"].nunique() == result.chosen
    assert [entry.areas for entry in themed.legend] == [segment.areas for segment in result.segments]
    assert len(themed.to_geojson()["features"]) == len(areas)
