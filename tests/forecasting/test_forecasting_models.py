"""Forecasts with statsforecast, their backtests (MASE and interval coverage) and the choice of the simplest model
that is not clearly worse than the best."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.forecasting import (
    DemandSeries,
    ForecastRun,
    ModelAccuracy,
    choose_model,
    forecast_demand,
    naive_scale,
    published_forecast,
)
from townhall.forecasting.backtest import backtest_accuracy


def _accuracy(model: str, mase: float) -> ModelAccuracy:
    return ModelAccuracy(model=model, mase=mase, coverage_80=0.8, coverage_95=0.95, months_tested=12)


def test_the_simplest_model_within_the_tolerance_of_the_best_is_chosen() -> None:
    chosen, reason = choose_model([_accuracy("AutoARIMA", 0.80), _accuracy("AutoETS", 0.83),
                                   _accuracy("SeasonalNaive", 1.00)], tolerance=0.05)
    assert chosen == "AutoETS"
    assert "within 5%" in reason and "ARIMA, 0.80" in reason
    chosen, reason = choose_model([_accuracy("AutoARIMA", 0.80), _accuracy("AutoETS", 0.83),
                                   _accuracy("SeasonalNaive", 0.84)], tolerance=0.05)
    assert chosen == "SeasonalNaive"
    chosen, reason = choose_model([_accuracy("AutoARIMA", 0.60), _accuracy("AutoETS", 0.83),
                                   _accuracy("SeasonalNaive", 1.00)], tolerance=0.05)
    assert chosen == "AutoARIMA" and "most accurate" in reason and "seasonal naive: 1.00" in reason


def test_mase_divides_each_windows_error_by_the_seasonal_naive_error_before_its_cutoff() -> None:
    months = pd.date_range("2020-01", periods=28, freq="MS")
    values = np.array([10.0 + (index % 12) + 2 * (index // 12) for index in range(28)])  # +2 a year
    history = pd.DataFrame({"month": months, "value": values})
    assert naive_scale(values[:24], 12) == pytest.approx(2.0)
    cutoff = months[23]
    actual = values[24:28]
    validation = pd.DataFrame({"unique_id": "s", "ds": months[24:28], "cutoff": cutoff, "y": actual,
                               "Model": actual + np.array([1.0, -1.0, 3.0, -3.0]),
                               "Model-lo-80": actual - 0.5, "Model-hi-80": actual + 0.5,
                               "Model-lo-95": actual - 5.0, "Model-hi-95": actual - 4.0})
    (result,) = backtest_accuracy(history, validation, ["Model"], 12)
    assert result.mase == pytest.approx(np.mean([1, 1, 3, 3]) / 2.0)
    assert result.coverage_80 == 1.0 and result.coverage_95 == 0.0 and result.months_tested == 4


def test_forecasts_have_nested_intervals_that_never_go_below_zero(forecast_run: ForecastRun) -> None:
    for result in forecast_run.results:
        frame = result.forecasts
        assert set(frame["model"]) == {result.baseline, "AutoETS", "AutoARIMA"}
        assert len(result.chosen_forecast) == 6
        assert result.chosen_forecast["month"].iloc[0] == result.series.history["month"].iloc[-1] + pd.DateOffset(
            months=1)
        assert (frame["low_95"] <= frame["low_80"] + 1e-9).all() and (frame["low_80"] <= frame["forecast"] + 1e-9).all()
        assert (frame["forecast"] <= frame["high_80"] + 1e-9).all()
        assert (frame["high_80"] <= frame["high_95"] + 1e-9).all()
        assert (frame[["forecast", "low_95", "low_80"]] >= 0).all().all()


def test_backtests_judge_every_model_against_the_seasonal_naive_baseline(forecast_run: ForecastRun) -> None:
    seasonal, noise, short = forecast_run.results
    for result in (seasonal, noise):
        assert result.seasonal and result.baseline == "SeasonalNaive"
        assert [entry.model for entry in result.accuracy] == ["SeasonalNaive", "AutoETS", "AutoARIMA"]
        assert all(entry.months_tested == 12 for entry in result.accuracy)
        assert len(result.cutoffs) == 2 and result.cutoffs[-1] == result.series.history["month"].iloc[-7]
        assert result.chosen_model in {entry.model for entry in result.accuracy} and result.reason
    # Pure noise around a level: repeating last year's noise is worse than the smoothed level.
    noise_accuracy = {entry.model: entry.mase for entry in noise.accuracy}
    assert noise_accuracy["AutoETS"] < noise_accuracy["SeasonalNaive"]
    # A clean seasonal pattern: seasonal naive is near-perfect, and its 95% interval covers most months.
    seasonal_naive = next(entry for entry in seasonal.accuracy if entry.model == "SeasonalNaive")
    assert seasonal_naive.mase < 1.5 and seasonal_naive.coverage_95 >= 0.75
    # Shorter than two years: no seasonality, a naive baseline, and too short to backtest.
    assert not short.seasonal and short.baseline == "Naive" and short.chosen_model == "Naive"
    assert short.accuracy == [] and "too short" in short.reason


def test_forecasts_of_series_with_small_counts_are_rounded_as_published_counts_are(forecast_run: ForecastRun) -> None:
    result = forecast_run.results[2]
    shown = published_forecast(result, 5)
    assert (shown[["forecast", "low_80", "high_80", "low_95", "high_95"]] % 5 == 0).all().all()
    exact = published_forecast(result, 1)
    assert (abs(shown["forecast"] - exact["forecast"]) <= 2.5).all()


def test_a_series_too_short_to_forecast_is_refused_in_plain_english() -> None:
    history = pd.DataFrame({"month": pd.date_range("2024-01", periods=3, freq="MS"), "value": [1.0, 2.0, 3.0]})
    with pytest.raises(TownhallError, match="only 3 months of history"):
        forecast_demand([DemandSeries(key="tiny", groups={"service": "Tiny"}, history=history)])
