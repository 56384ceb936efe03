"""The State of the Borough report: wards against the borough, maps, demand over time, protected and attributed."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from townhall.demo.places_setup import DEMO_ATTRIBUTION, set_up_demo_geography
from townhall.errors import TownhallError
from townhall.places.geography import Geography
from townhall.places.report import build_report, find_chromium, report_html, ward_indicators, write_state_of_the_borough
from townhall.workspace import Workspace


@pytest.fixture(scope="module")
def demo(linked_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A copy of the linked demo with its geography loaded."""
    copy = tmp_path_factory.mktemp("borough-report") / "ashbury"
    shutil.copytree(linked_demo_folder, copy)
    with Workspace.open(copy) as opened:
        if not opened.analytics.table_exists("places", "areas"):
            set_up_demo_geography(opened)
        yield opened


def test_ward_figures_are_population_weighted_averages_of_their_small_areas(demo: Workspace) -> None:
    geography = Geography.from_workspace(demo)
    borough, wards = ward_indicators(geography, ["median_age", "population"])
    indicators = pd.read_csv(demo.path / "demo-data" / "geography" / "small_area_indicators.csv")
    first = wards[0]
    rows = indicators[indicators["ward_code"] == first.code]
    expected = (rows["median_age"] * rows["population"]).sum() / rows["population"].sum()
    assert first.values["median_age"] == pytest.approx(expected)
    assert first.values["population"] == rows["population"].sum()
    assert borough.values["population"] == indicators["population"].sum()
    assert len(wards) == indicators["ward_code"].nunique()


def test_the_report_is_written_atomically_with_every_ward_maps_the_rule_and_the_attribution(
        demo: Workspace) -> None:
    written = write_state_of_the_borough(demo, indicators=["median_age", "population"])
    assert written == [demo.path / "outputs" / "state-of-the-borough.html"]
    page = written[0].read_text(encoding="utf-8")
    geography = Geography.from_workspace(demo)
    for name in geography.area_names("ward").values():
        assert f"<h3>{name} <small>" in page
    assert page.count("<svg") == 2  # a map of median age (population is a size, not mapped) and the demand chart
    assert "Counts under 10 are hidden and other counts are rounded to the nearest 5." in page
    assert DEMO_ATTRIBUTION in page
    assert "Service requests over time" in page
    latest = re.findall(r"Service requests: ([\d,\[\]c]+) in the 12 months", page)
    assert latest and all(value == "[c]" or int(value.replace(",", "")) % 5 == 0 for value in latest)
    assert "problem" not in page.lower()
    assert not list(written[0].parent.glob("*.tmp*"))


def test_unknown_indicators_and_missing_chromium_give_plain_errors(demo: Workspace,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TownhallError, match="No values are loaded for happiness"):
        build_report(demo, indicators=["happiness"])
    monkeypatch.setattr("townhall.places.report.CHROMIUM_PATHS", ())
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(TownhallError, match="needs Chromium"):
        find_chromium()
    before = (demo.path / "outputs" / "state-of-the-borough.html").exists()
    with pytest.raises(TownhallError, match="needs Chromium"):
        write_state_of_the_borough(demo, out=demo.path / "outputs" / "refused.html", pdf=True)
    assert not (demo.path / "outputs" / "refused.html").exists()
    assert (demo.path / "outputs" / "state-of-the-borough.html").exists() == before


def test_the_report_has_no_script_and_every_chart_is_described() -> None:
    from townhall.governance.disclosure import DisclosureRule
    from townhall.places.report import AreaSummary, BoroughReport

    report = BoroughReport(council="Testshire", indicators=["median_age"],
                           borough=AreaSummary("E06000001", "Testshire", {"median_age": 40.0}),
                           wards=[AreaSummary("E05000001", "Abbey", {"median_age": 44.0})], demand=None,
                           rule=DisclosureRule(), attribution=["Test attribution"], notes=["No demand source."])
    page = report_html(report)
    assert "<script" not in page and "Abbey" in page and "above the borough's 40.0" in page
    assert "No demand source." in page and "Test attribution" in page
