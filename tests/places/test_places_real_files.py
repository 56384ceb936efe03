"""Real ONS and MHCLG files for Trafford, loaded as a council would, checked against facts known about them.

The files live in ../shared/data/uk-geography (not part of the project); the tests skip when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from townhall.places import (
    Geography,
    assign_to_areas,
    choropleth,
    load_boundaries,
    load_indicators,
    read_postcode_lookup,
)
from townhall.places.geography import ATTRIBUTION_IMD, ATTRIBUTION_ONS, ATTRIBUTION_OS, ATTRIBUTION_ROYAL_MAIL
from townhall.workspace import Workspace

REAL_FILES = Path(__file__).resolve().parents[3] / "shared" / "data" / "uk-geography"
LSOA_2011 = REAL_FILES / "trafford_lsoa_2011_trafford_lsoa_generalised.geojson"
LSOA_2021 = REAL_FILES / "trafford_lsoa_2021_trafford_lsoa_generalised.geojson"
POSTCODES = REAL_FILES / "trafford_postcodes_trafford_postcodes.csv"
TRAFFORD_IMD = REAL_FILES / "trafford_imd2019_2015_lsoa_long.csv"
ENGLAND_IMD = REAL_FILES / "england_imd2019_decile_lsoa11_huanfachen.csv"

pytestmark = pytest.mark.skipif(not REAL_FILES.exists(), reason=f"The real geography files are not in {REAL_FILES} "
                                                                "(they are kept outside the project).")


def test_placing_the_postcode_points_in_the_2021_small_areas_agrees_with_the_directory(workspace: Workspace) -> None:
    load_boundaries(workspace, LSOA_2021)
    geography = Geography.from_workspace(workspace)
    assert len(geography.areas("small_area")) == 139
    directory = read_postcode_lookup(POSTCODES)
    assert len(directory) == 11_264
    placed = assign_to_areas(directory, geography, latitude="latitude", longitude="longitude")
    agreement = (placed.frame["area_code"] == directory["small_area_code"]).mean()
    assert agreement >= 0.99  # the README says about 99.6%; generalised boundaries cause the rest


def test_imd_2019_deciles_join_to_all_138_small_areas_of_2011_and_match_the_england_file(
        workspace: Workspace) -> None:
    summary = load_boundaries(workspace, LSOA_2011, level="lsoa_2011")
    assert summary.rows == 138
    load_indicators(workspace, TRAFFORD_IMD)
    geography = Geography.from_workspace(workspace)
    deciles = geography.indicators("imd_decile", period="2019", level="lsoa_2011").set_index("area_code")["value"]
    assert set(deciles.index) == set(geography.areas("lsoa_2011")["code"]) and len(deciles) == 138
    england = pd.read_csv(ENGLAND_IMD, encoding="utf-8-sig").set_index("LSOA11CD")["IMD_Decile"]
    assert (england.value_counts().between(3284, 3285)).all()
    assert (deciles.astype(int) == england.reindex(deciles.index)).all()
    ranks = geography.indicators("imd_rank", period="2019")["value"]
    assert ranks.max() > 1000  # thousands commas read as numbers, not dropped


def test_the_two_self_intersecting_2011_polygons_are_repaired_and_kept(workspace: Workspace) -> None:
    summary = load_boundaries(workspace, LSOA_2011)
    assert sorted(summary.repaired) == ["E01006195", "E01006205"]
    areas = Geography.from_workspace(workspace).areas("small_area")
    assert len(areas) == 138 and areas.geometry.is_valid.all()
    repaired = areas[areas["code"].isin(summary.repaired)]
    assert (repaired["area_hectares"] > 5).all()


def test_attribution_strings_are_stored_and_shown_with_the_data(workspace: Workspace) -> None:
    load_boundaries(workspace, LSOA_2011)
    load_indicators(workspace, TRAFFORD_IMD)
    geography = Geography.from_workspace(workspace)
    assert {ATTRIBUTION_ONS, ATTRIBUTION_OS, ATTRIBUTION_IMD} <= set(geography.attribution)
    assert geography.attribution_for("small_area") == [ATTRIBUTION_ONS, ATTRIBUTION_OS]
    assert ATTRIBUTION_IMD in geography.attribution_for("small_area", indicators=["imd_decile"])
    values = geography.indicator_table(["imd_decile"], period="2019")["imd_decile"]
    values.name = "imd_decile"
    themed = choropleth(geography, values, level="small_area", title="Index of Multiple Deprivation decile",
                        measure="IMD decile")
    assert {ATTRIBUTION_ONS, ATTRIBUTION_OS, ATTRIBUTION_IMD} <= set(themed.footnotes())
    assert ATTRIBUTION_ROYAL_MAIL not in themed.footnotes()
