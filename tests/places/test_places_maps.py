"""Thematic maps: classification, disclosure control before classification, neutral wording and exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.governance.disclosure import DisclosureRule
from townhall.places import Geography, check_neutral_wording, choropleth, classify, heat_map, point_map
from townhall.reports import SEQUENTIAL_COLOURS

WEST, SOUTH, SIZE = -2.30, 53.40, 0.01


def test_quantiles_natural_breaks_and_equal_intervals_give_the_expected_classes() -> None:
    values = np.array([1, 2, 3, 4, 10, 11, 12, 30, 31, 32], dtype=float)
    quantile_classes, quantile_ranges = classify(values, method="quantiles", classes=2)
    assert list(quantile_classes) == [0] * 5 + [1] * 5 and quantile_ranges == [(1, 10), (11, 32)]
    natural_classes, natural_ranges = classify(values, method="natural_breaks", classes=3)
    assert natural_ranges == [(1, 4), (10, 12), (30, 32)]
    assert list(natural_classes) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    equal_classes, equal_ranges = classify(values, method="equal_interval", classes=2)
    assert equal_ranges == [(1, 12), (30, 32)] and list(equal_classes).count(0) == 7


def test_fewer_distinct_values_than_classes_gives_fewer_classes_and_unknown_methods_are_refused() -> None:
    classes, ranges = classify([5, 5, 7], method="quantiles", classes=5)
    assert ranges == [(5, 5), (7, 7)] and list(classes) == [0, 0, 1]
    with pytest.raises(TownhallError, match="Unknown classification"):
        classify([1, 2], method="jenkins")


def test_an_indicator_map_labels_its_classes_in_plain_english_in_a_light_to_dark_palette(squares: Geography) -> None:
    values = pd.Series({"E01000001": 2.0, "E01000002": 4.5, "E01000003": 7.25, "E01000004": 9.0})
    themed = choropleth(squares, values, level="small_area", title="Median age by small area",
                        measure="Median age (years)", classes=4)
    assert [entry.label for entry in themed.legend] == ["2.0", "4.5", "7.2", "9.0"]
    colours = [entry.colour for entry in themed.legend]
    assert all(colour in SEQUENTIAL_COLOURS for colour in colours)
    assert [SEQUENTIAL_COLOURS.index(colour) for colour in colours] == sorted(
        SEQUENTIAL_COLOURS.index(colour) for colour in colours)
    assert themed.rule_text is None and "Hand-made squares for tests" in themed.footnotes()


def test_small_counts_are_hidden_and_others_rounded_before_they_are_classified(squares: Geography) -> None:
    counts = {"E01000001": 3, "E01000002": 12, "E01000003": 48, "E01000004": 101}
    themed = choropleth(squares, counts, level="small_area", kind="count", title="Repairs reported by small area",
                        measure="Repairs reported", publish_total=False)
    shown = themed.features.set_index("code")
    assert shown.loc["E01000001", "display"] == "[c]" and np.isnan(shown.loc["E01000001", "value"])
    assert list(shown.loc[["E01000002", "E01000003", "E01000004"], "value"]) == [10, 50, 100]
    labels = [entry.label for entry in themed.legend]
    assert "Fewer than 10 — not shown" in labels
    assert not any(re.search(r"\b(3|12|48|101)\b", label) for label in labels)
    assert themed.rule_text == "Counts under 10 are hidden and other counts are rounded to the nearest 5."
    geojson = json.dumps(themed.to_geojson())
    assert '"value": 3' not in geojson and '"value": 12' not in geojson
    assert themed.rule_text in themed.to_geojson()["footnotes"]


def test_a_second_area_is_hidden_when_the_total_is_published(squares: Geography) -> None:
    counts = {"E01000001": 4, "E01000002": 20, "E01000003": 30, "E01000004": 40}
    with_total = choropleth(squares, counts, level="small_area", kind="count", title="Repairs by small area",
                            measure="Repairs")
    hidden = set(with_total.features.loc[with_total.features["display"] == "[c]", "code"])
    assert hidden == {"E01000001", "E01000002"}  # the smallest other count is hidden too
    assert with_total.total_display == "95" and with_total.table()["rows"][-1] == ["Total", "", "95", ""]
    without_total = choropleth(squares, counts, level="small_area", kind="count", title="Repairs by small area",
                               measure="Repairs", publish_total=False)
    assert set(without_total.features.loc[without_total.features["display"] == "[c]", "code"]) == {"E01000001"}


def test_rates_per_thousand_are_worked_out_from_the_protected_counts(squares: Geography) -> None:
    counts = {"E01000001": 12, "E01000002": 23, "E01000003": 38, "E01000004": 57}
    homes = {"E01000001": 200, "E01000002": 400, "E01000003": 500, "E01000004": 1000}
    themed = choropleth(squares, counts, level="small_area", kind="count", title="Homes on the register per 1,000",
                        measure="Homes on the register", per_thousand_of=homes, publish_total=False,
                        rate_measure="Homes on the register per 1,000 homes", classes=4)
    rates = themed.features.set_index("code")["value"]
    # 12 -> 10, 23 -> 25, 38 -> 40, 57 -> 55 before dividing.
    assert list(rates[["E01000001", "E01000002", "E01000003", "E01000004"]]) == [50.0, 62.5, 80.0, 55.0]
    assert themed.table()["head"][2:4] == ["Homes on the register", "Homes on the register per 1,000 homes"]


def test_a_custom_rule_is_applied_and_described(squares: Geography) -> None:
    rule = DisclosureRule(threshold=5, rounding=1)
    themed = choropleth(squares, {"E01000001": 4, "E01000002": 6, "E01000003": 7, "E01000004": 8}, level="small_area",
                        kind="count", title="Visits", measure="Visits", rule=rule, publish_total=False)
    assert themed.rule_text == rule.describe()
    assert list(themed.features.sort_values("code")["display"]) == ["[c]", "6", "7", "8"]


@pytest.mark.parametrize("title", ["Problem areas for anti-social behaviour", "The worst wards",
                                   "Sink estates by ward", "ASB HOTSPOTS", "No-go streets"])
def test_titles_that_label_places_are_refused(title: str, squares: Geography) -> None:
    with pytest.raises(TownhallError, match="Describe the measure instead"):
        check_neutral_wording(title)
    with pytest.raises(TownhallError):
        choropleth(squares, {"E01000001": 1.0}, level="small_area", title=title, measure="Reports")


def test_titles_that_describe_the_measure_are_accepted() -> None:
    for title in ("Households on the vulnerability register per 1,000 homes",
                  "Reports of anti-social behaviour by ward", "Index of Multiple Deprivation decile",
                  "Rough sleepers counted by ward", "Dangerous structures reported",
                  "Rent arrears per 1,000 tenancies"):
        assert check_neutral_wording(title) == title


def test_areas_without_a_figure_are_kept_and_labelled_and_unknown_codes_are_noted(squares: Geography) -> None:
    themed = choropleth(squares, {"E01000001": 1.0, "E01000002": 2.0, "E09999999": 5.0}, level="small_area",
                        title="Score", measure="Score")
    assert len(themed.features) == 4
    assert themed.legend[-1].label == "No figure" and themed.legend[-1].areas == 2
    assert any("not on this map" in note for note in themed.notes)


def test_maps_save_as_png_and_a_standalone_html_page_that_needs_no_network(squares: Geography,
                                                                                tmp_path: Path) -> None:
    themed = choropleth(squares, {"E01000001": 12, "E01000002": 25, "E01000003": 40, "E01000004": 3},
                        level="small_area", kind="count", title="Repairs reported by small area", measure="Repairs")
    png = themed.save(tmp_path / "map.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    spec = themed.vega_lite_spec()
    assert spec["title"]["text"] == "Repairs reported by small area" and themed.rule_text in spec["title"]["subtitle"]
    assert spec["encoding"]["color"]["scale"]["range"][-1] == "#9e9e9e"  # hidden areas grey, with a legend entry
    page = themed.save(tmp_path / "map.html").read_text(encoding="utf-8")
    assert "L.geoJSON" in page and "Leaflet" in page and "townhall-map-data" in page
    assert not re.search(r'<(script|link|img)[^>]*(src|href)="https?://', page)  # nothing fetched from elsewhere
    assert "<td>[c]</td>" in page and "Counts under 10 are hidden" in page
    with pytest.raises(TownhallError, match=r"\.png, \.svg or \.html"):
        themed.save(tmp_path / "map.pdf")


def test_a_heat_map_counts_points_in_hexagons_and_hides_small_counts() -> None:
    rng = np.random.default_rng(5)
    longitudes = np.concatenate([WEST + rng.normal(0, 0.0005, 60), WEST + 0.05 + rng.normal(0, 0.0005, 3)])
    latitudes = np.concatenate([SOUTH + rng.normal(0, 0.0005, 60), SOUTH + rng.normal(0, 0.0005, 3)])
    themed = heat_map(longitudes, latitudes, title="Repairs reported", measure="Repairs", cell_size_metres=500)
    shown = themed.features
    assert (shown["display"] == "[c]").any()
    values = shown["value"].dropna()
    assert (values >= 10).all() and (values % 5 == 0).all()
    assert any("never shown" in note for note in themed.notes)


def test_personal_points_are_only_drawn_for_case_work_roles() -> None:
    with pytest.raises(TownhallError, match="practitioner or governance"):
        point_map([WEST], [SOUTH], ["Resident"], title="Residents", measure="Residents", personal=True,
                  role="manager")
    libraries = point_map([WEST, WEST + 0.01], [SOUTH, SOUTH], ["Central library", "Branch library"],
                          title="Libraries", measure="Library", personal=False)
    assert list(libraries.features["name"]) == ["Central library", "Branch library"]
    case_map = point_map([WEST], [SOUTH], ["Resident"], title="Residents", measure="Residents", personal=True,
                         role="practitioner")
    assert "Not for publication" in " ".join(case_map.notes)
