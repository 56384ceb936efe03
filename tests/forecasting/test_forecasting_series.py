"""Demand series: periods read from the values at any frequency and sorted by time, gaps refused or filled as the
user chooses (never zero unless asked), grouped series keeping their own ranges, the demand source and its columns
read from [forecasting], and small counts protected before they are published."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.forecasting import (
    DemandSeries,
    demand_series,
    find_series,
    parse_periods,
    record_series,
    series_from_frame,
)
from townhall.governance.disclosure import DisclosureRule
from townhall.workspace import Workspace

DEMAND_ROWS = (
    "month,ward_code,ward_name,service,requests\n"
    "2024-01,E05000001,Walshaw,Housing repairs,40\n"
    "2024-01,E05000002,Tannery,Housing repairs,3\n"
    "2024-02,E05000001,Walshaw,Housing repairs,44\n"
    "2024-02,E05000002,Tannery,Housing repairs,0\n"
    "2024-04,E05000001,Walshaw,Housing repairs,38\n"
    "2024-04,E05000002,Tannery,Housing repairs,12\n"
    "2024-02,E05000001,Walshaw,Noise complaints,7\n"
    "2024-03,E05000001,Walshaw,Noise complaints,9\n"
)
REFERRAL_ROWS = (
    "referral_id,referral_date,team\n"
    "R1,03/01/2024,Early Help\n"
    "R2,2024-01-20,Early Help\n"
    "R3,15/03/2024,Social work\n"
    "R4,,Social work\n"
    "R5,2024-02-11,Early Help\n"
    "R6,2024-03-31,Early Help\n"
    "R7,2024-04-09,Social work\n"
)
# The same demand under another council's names: a quarterly extract with its own headings.
QUARTERLY_ROWS = (
    "Quarter,Area Code,Area,Queue,Calls\n"
    "Q4 2023,W1,North,Repairs,120\n"
    "2024Q1,W1,North,Repairs,130\n"
    "Q2 2024,W1,North,Repairs,125\n"
    "2023Q4,W2,South,Repairs,80\n"
    "2024Q1,W2,South,Repairs,90\n"
    "2024Q2,W2,South,Repairs,85\n"
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One workspace for the module with small sources registered (registering takes a second or two)."""
    folder = tmp_path_factory.mktemp("forecast-series")
    with Workspace.create(folder / "council", "Testshire") as created:
        for name, text in (("service_demand", DEMAND_ROWS), ("referrals", REFERRAL_ROWS),
                           ("contact_centre", QUARTERLY_ROWS)):
            csv_file = folder / f"{name}.csv"
            csv_file.write_text(text, encoding="utf-8")
            created.catalogue.add_source(csv_file, name, owner="Performance", description="Test rows.")
        yield created


def test_a_missing_month_is_refused_by_default_naming_the_series_and_the_month(sources: Workspace) -> None:
    with pytest.raises(TownhallError, match=r"Housing repairs.*no figure for 1 month.*March 2024.*--fill"):
        demand_series(sources)


def test_a_gap_is_filled_only_as_the_user_chooses_and_the_fill_is_stated(sources: Workspace) -> None:
    series = demand_series(sources, fill_gaps="interpolate")
    borough = find_series(series, "housing-repairs")
    assert borough.label == "Housing repairs, All areas" and borough.frequency.name == "monthly"
    assert borough.history["value"].tolist() == [43.0, 44.0, 47.0, 50.0]  # March: halfway between 44 and 50
    assert any("straight line" in note and "March 2024" in note for note in borough.notes)
    tannery = find_series(series, "housing-repairs--tannery")
    assert tannery.history["value"].tolist() == [3.0, 0.0, 6.0, 12.0]  # the recorded 0 stays 0
    assert demand_series(sources, fill_gaps="zero")[0].history["value"].tolist() == [43.0, 44.0, 0.0, 50.0]


def test_grouped_series_keep_their_own_date_ranges(sources: Workspace) -> None:
    noise = find_series(demand_series(sources, fill_gaps="zero"), "noise-complaints--walshaw")
    assert noise.history["value"].tolist() == [7.0, 9.0]  # February and March only: no zero months added
    assert noise.history["period"].iloc[0] == pd.Timestamp("2024-02-01")


def test_quarterly_data_stay_quarterly_under_another_councils_names(sources: Workspace) -> None:
    sources.config.extra["forecasting"] = {"demand_source": "contact_centre", "demand_columns": {
        "date": "Quarter", "area": "Area Code", "area_name": "Area", "service": "Queue", "value": "Calls"}}
    try:
        series = demand_series(sources)
    finally:
        del sources.config.extra["forecasting"]
    borough = find_series(series, "repairs")
    assert borough.frequency.name == "quarterly" and borough.frequency.season_length == 4
    assert borough.history["value"].tolist() == [200.0, 220.0, 210.0]
    assert borough.period_labels() == ["2023 Q4", "2024 Q1", "2024 Q2"]
    assert find_series(series, "repairs--north").label == "Repairs, North"


def test_a_demand_source_that_is_not_set_or_lacks_a_column_is_named_with_the_setting(sources: Workspace) -> None:
    sources.config.extra["forecasting"] = {"demand_source": ""}
    try:
        with pytest.raises(TownhallError, match=r"No demand source is set: name one in townhall.toml \[forecasting\]"):
            demand_series(sources)
        sources.config.extra["forecasting"] = {"demand_source": "referrals"}
        with pytest.raises(TownhallError, match=r"demand_columns.date = 'month'.*Set the right names"):
            demand_series(sources)
    finally:
        del sources.config.extra["forecasting"]


def test_records_are_counted_by_month_from_dates_written_either_way(sources: Workspace) -> None:
    (total,) = record_series(sources, "referrals", "referral_date", fill_gaps="refuse")
    # April is left out: the data stop on 9 April, part-way through it.
    assert total.history["value"].tolist() == [2.0, 1.0, 2.0]
    assert any("1 records with no 'referral_date' are left out" in note for note in total.notes)
    assert any("part-way through April 2024" in note for note in total.notes)
    (quarterly,) = record_series(sources, "referrals", "referral_date", frequency_name="quarterly")
    assert quarterly.history["value"].tolist() == [5.0]  # the second quarter has barely begun, so is left out


def test_an_unreadable_date_or_value_is_refused_with_its_row() -> None:
    frame = pd.DataFrame({"when": ["2024-01", "2024-02", "soon", "2024-04"], "value": ["1", "2", "3", "x"]})
    with pytest.raises(TownhallError, match=r"returns.csv: 1 value of 'when' could not be read as a period: "
                                            r"'soon' \(row 4\)"):
        series_from_frame(frame, date_column="when", value_column="value", where="returns.csv")
    frame.loc[2, "when"] = "2024-03"
    with pytest.raises(TownhallError, match=r"1 value of 'value' is not a number: 'x' \(row 5\)"):
        series_from_frame(frame, date_column="when", value_column="value", where="returns.csv")


def test_two_figures_for_the_same_period_and_area_are_refused_with_their_rows() -> None:
    frame = pd.DataFrame({"when": ["2024-01", "2024-02", "2024-02"], "area": ["A", "A", "A"], "value": [1, 2, 3]})
    with pytest.raises(TownhallError, match=r"rows 3, 4 all give February 2024 for A"):
        series_from_frame(frame, date_column="when", value_column="value", group_columns=["area"], where="f.csv")


def test_period_labels_are_sorted_by_time_not_as_text() -> None:
    labels = ["Q32011", "Q12012", "Q42011", "Q22012"]
    frame = pd.DataFrame({"quarter": labels, "value": [3.0, 1.0, 4.0, 2.0]})
    (series,) = series_from_frame(frame, date_column="quarter", value_column="value", where="q.csv")
    assert series.period_labels() == ["2011 Q3", "2011 Q4", "2012 Q1", "2012 Q2"]
    assert series.history["value"].tolist() == [3.0, 4.0, 1.0, 2.0]


@pytest.mark.parametrize(("labels", "expected", "frequency"), [
    (["2011-07-15", "2011-07-16"], ["2011-07-15", "2011-07-16"], "daily"),
    (["03/06/2024", "10/06/2024"], ["2024-06-03/2024-06-09", "2024-06-10/2024-06-16"], "weekly"),
    (["2011-W07", "2011W08"], ["2011-02-14/2011-02-20", "2011-02-21/2011-02-27"], "weekly"),
    (["Jul 2011", "August 2011"], ["2011-07", "2011-08"], "monthly"),
    (["2011-07", "2011-08"], ["2011-07", "2011-08"], "monthly"),
    (["2011Q3", "Q4 2011"], ["2011Q3", "2011Q4"], "quarterly"),
    (["2023/24", "2024/25"], ["2024", "2025"], "yearly"),
    ([2010, 2011], ["2010", "2011"], "yearly"),
])
def test_period_labels_are_read_as_real_periods(labels: list[object], expected: list[str], frequency: str) -> None:
    parsed = parse_periods(labels, field="period", where="test")
    assert [str(period) for period in parsed.periods] == expected
    assert parsed.frequency is not None and parsed.frequency.name == frequency


def test_mixed_kinds_of_period_are_refused() -> None:
    with pytest.raises(TownhallError, match="mixes kinds of period"):
        parse_periods(["2011-07", "2011Q3"], field="period", where="test")


def test_series_with_small_counts_publish_only_protected_history() -> None:
    history = pd.DataFrame({"period": pd.date_range("2024-01", periods=4, freq="MS"), "value": [3.0, 12.0, 27.0, 0.0]})
    series = DemandSeries(key="small", groups={"service": "Small"}, history=history)
    rule = DisclosureRule(threshold=10, rounding=5)
    assert series.has_small_counts(rule)
    assert series.published_history(rule) == [None, 10, 25, None]
    large = DemandSeries(key="large", groups={}, history=history.assign(value=np.array([30.0, 40.0, 50.0, 60.0])))
    assert not large.has_small_counts(rule)
