"""Fixtures for the forecasting tests: small hand-made monthly series and SEND transitions whose projections are
known, and one forecast run fitted once per session (statsforecast compiles its models on first use)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from townhall.forecasting import DemandSeries, ForecastRun, forecast_demand

SETTING = "MMSIB"
NEED = "ASD"
CENSUS = {0: 1000, 1: 900, 2: 810, 3: 729}  # every January: 1,000 join in year 0 and 10% of each year leave


def monthly(values: np.ndarray, start: str = "2021-01") -> pd.DataFrame:
    """A history frame (period, value) from consecutive monthly values."""
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="MS"),
                         "value": values.astype(float)})


@pytest.fixture(scope="session")
def demand_series() -> list[DemandSeries]:
    """Three series: strongly seasonal with little noise (36 months), pure noise (36), and a short one (18)."""
    rng = np.random.default_rng(11)
    months = np.arange(36)
    seasonal = 100 + 40 * np.cos(2 * np.pi * months / 12) + rng.normal(0, 3, 36)
    noise = 20 + rng.normal(0, 4, 36)
    short = 8 + rng.poisson(3, 18)
    return [DemandSeries(key="seasonal", groups={"service": "Seasonal"}, history=monthly(seasonal.round())),
            DemandSeries(key="noise", groups={"service": "Noise"}, history=monthly(noise.round())),
            DemandSeries(key="short", groups={"service": "Short"}, history=monthly(short.astype(float)))]


@pytest.fixture(scope="session")
def forecast_run(demand_series: list[DemandSeries]) -> ForecastRun:
    """The three series forecast 6 months ahead and backtested over two 6-month windows: fitted once."""
    return forecast_demand(demand_series, horizon=6, backtest_windows=2, backtest_horizon=6)


def _rows(calendar_year: int, setting_before: str, year_before: int, setting_after: str, year_after: int,
          count: int) -> dict[str, object]:
    return {"calendar-year": calendar_year, "setting-1": setting_before,
            "need-1": "NONSEND" if setting_before == "NONSEND" else NEED, "academic-year-1": year_before,
            "setting-2": setting_after, "need-2": "NONSEND" if setting_after == "NONSEND" else NEED,
            "academic-year-2": year_after, "count": count}


@pytest.fixture(scope="session")
def steady_transitions() -> pd.DataFrame:
    """Three years of a steady SEND population in one setting, school years 0 to 3, in the open SEND model layout:
    1,000 join in year 0 each year, 10% of every year leave, and everyone in year 3 leaves."""
    rows = []
    for calendar_year in (2021, 2022, 2023):
        rows.append(_rows(calendar_year, "NONSEND", -1, SETTING, 0, CENSUS[0]))
        for year in (0, 1, 2):
            rows.append(_rows(calendar_year, SETTING, year, SETTING, year + 1, CENSUS[year + 1]))
            rows.append(_rows(calendar_year, SETTING, year, "NONSEND", year + 1, CENSUS[year] - CENSUS[year + 1]))
        rows.append(_rows(calendar_year, SETTING, 3, "NONSEND", 4, CENSUS[3]))
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def make_population() -> Callable[[dict[int, float], range], pd.DataFrame]:
    """``make_population({year: children in school year 0}, calendar_years)``: nobody in older years joins."""

    def build(year_zero: dict[int, float], calendar_years: range) -> pd.DataFrame:
        rows = [(calendar_year, academic_year, year_zero.get(calendar_year, 0.0) if academic_year == 0 else 0.0)
                for calendar_year in calendar_years for academic_year in range(4)]
        return pd.DataFrame(rows, columns=["calendar_year", "academic_year", "population"])

    return build
