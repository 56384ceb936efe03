"""Monthly demand series from a registered source: counted or summed by month and group, gaps filled with 0, and
small counts protected before they are published."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.forecasting import DemandSeries, find_series, monthly_series, service_demand_series
from townhall.governance.disclosure import DisclosureRule
from townhall.workspace import Workspace

DEMAND_ROWS = (
    "month,ward_code,ward_name,service,requests\n"
    "2024-01,E05000001,Walshaw,Housing repairs,40\n"
    "2024-01,E05000002,Tannery,Housing repairs,3\n"
    "2024-02,E05000001,Walshaw,Housing repairs,44\n"
    "2024-04,E05000001,Walshaw,Housing repairs,38\n"
    "2024-04,E05000002,Tannery,Housing repairs,12\n"
    "2024-02,E05000001,Walshaw,Noise complaints,7\n"
)
REFERRAL_ROWS = (
    "referral_id,referral_date,team\n"
    "R1,03/01/2024,Early Help\n"
    "R2,2024-01-20,Early Help\n"
    "R3,15/03/2024,Social work\n"
    "R4,not a date,Social work\n"
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One workspace for the module with the two small sources registered (registering takes a second or two)."""
    folder = tmp_path_factory.mktemp("forecast-series")
    with Workspace.create(folder / "council", "Testshire") as created:
        for name, text in (("service_demand", DEMAND_ROWS), ("referrals", REFERRAL_ROWS)):
            csv_file = folder / f"{name}.csv"
            csv_file.write_text(text, encoding="utf-8")
            created.catalogue.add_source(csv_file, name, owner="Performance", description="Test rows.")
        yield created


def test_service_demand_gives_a_borough_series_per_service_and_a_series_per_ward(sources: Workspace) -> None:
    series = service_demand_series(sources)
    borough = find_series(series, "housing-repairs")
    assert borough.label == "Housing repairs, All wards"
    # January to April: March had no requests at all, so it counts as 0.
    assert borough.history["value"].tolist() == [43.0, 44.0, 0.0, 50.0]
    assert borough.history["month"].iloc[0] == pd.Timestamp("2024-01-01")
    tannery = find_series(series, "housing-repairs--tannery")
    assert tannery.history["value"].tolist() == [3.0, 0.0, 0.0, 12.0]
    # Every series spans the same months, even a service seen in one month only.
    assert find_series(series, "noise-complaints--walshaw").history["value"].tolist() == [0.0, 7.0, 0.0, 0.0]
    assert {item.key for item in series} == {"housing-repairs", "noise-complaints", "housing-repairs--tannery",
                                             "housing-repairs--walshaw", "noise-complaints--walshaw"}


def test_any_source_can_be_counted_by_month_from_dates_written_either_way(sources: Workspace) -> None:
    (total,) = monthly_series(sources, "referrals", "referral_date")
    assert total.history["value"].tolist() == [2.0, 0.0, 1.0]  # the unreadable date is left out
    by_team = monthly_series(sources, "referrals", "referral_date", group_fields=["team"])
    assert [item.label for item in by_team] == ["Early Help", "Social work"]
    assert by_team[1].history["value"].tolist() == [0.0, 0.0, 1.0]


def test_a_missing_field_is_named_with_the_fields_the_source_has(sources: Workspace) -> None:
    with pytest.raises(TownhallError, match=r"no field called 'date'.*referral_date"):
        monthly_series(sources, "referrals", "date")
    with pytest.raises(TownhallError, match="no demand series called 'nothing'"):
        find_series(service_demand_series(sources), "nothing")


def test_series_with_small_counts_publish_only_protected_history() -> None:
    history = pd.DataFrame({"month": pd.date_range("2024-01", periods=4, freq="MS"), "value": [3.0, 12.0, 27.0, 0.0]})
    series = DemandSeries(key="small", groups={"service": "Small"}, history=history)
    rule = DisclosureRule(threshold=10, rounding=5)
    assert series.has_small_counts(rule)
    assert series.published_history(rule) == [None, 10, 25, None]
    large = DemandSeries(key="large", groups={}, history=history.assign(value=[30.0, 40.0, 50.0, 60.0]))
    assert not large.has_small_counts(rule)
