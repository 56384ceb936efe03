"""Forecasts with statsforecast (seasonal naive, Theta, ETS, CES, ARIMA and their average), their backtests (MASE and
interval coverage) and the choice of the simplest method that is not clearly worse than the best, at any frequency."""

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
from townhall.forecasting.backtest import WindowForecast, backtest_accuracy
from townhall.forecasting.periods import frequency


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
    values = np.array([10.0 + (index % 12) + 2 * (index // 12) for index in range(28)])  # +2 a year
    assert naive_scale(values[:24], 12) == pytest.approx(2.0)
    actual = values[24:28]
    window = WindowForecast(cutoff=24, mean=actual + np.array([1.0, -1.0, 3.0, -3.0]), low_80=actual - 0.5,
                            high_80=actual + 0.5, low_95=actual - 5.0, high_95=actual - 4.0)
    result = backtest_accuracy(values, [window], "AutoETS", 12)
    assert result.mase == pytest.approx(np.mean([1, 1, 3, 3]) / 2.0)
    assert result.coverage_80 == 1.0 and result.coverage_95 == 0.0 and result.periods_tested == 4


def test_forecasts_have_nested_intervals_that_never_go_below_zero(forecast_run: ForecastRun) -> None:
    for result in forecast_run.results:
        frame = result.forecasts
        assert {result.baseline, "AutoTheta", "AutoARIMA"} <= set(frame["model"])
        assert len(result.chosen_forecast) == 6
        assert result.chosen_forecast["period"].iloc[0] == result.series.history["period"].iloc[-1] + pd.DateOffset(
            months=1)
        assert (frame["low_95"] <= frame["low_80"] + 1e-9).all() and (frame["low_80"] <= frame["forecast"] + 1e-9).all()
        assert (frame["forecast"] <= frame["high_80"] + 1e-9).all()
        assert (frame["high_80"] <= frame["high_95"] + 1e-9).all()
        assert (frame[["forecast", "low_95", "low_80"]] >= 0).all().all()


def test_backtests_judge_every_model_against_the_seasonal_naive_baseline(forecast_run: ForecastRun) -> None:
    seasonal, noise, short = forecast_run.results
    for result in (seasonal, noise):
        assert result.seasonal and result.baseline == "SeasonalNaive"
        assert [entry.model for entry in result.accuracy] == ["SeasonalNaive", "AutoTheta", "AutoETS", "AutoCES",
                                                              "AutoARIMA", "Ensemble"]
        assert all(entry.periods_tested == 12 for entry in result.accuracy)
        assert len(result.cutoffs) == 2 and result.cutoffs[-1] == result.series.history["period"].iloc[-7]
        assert result.chosen_model in {entry.model for entry in result.accuracy} and result.reason
    # Pure noise around a level: repeating last year's noise is worse than the smoothed level.
    noise_accuracy = {entry.model: entry.mase for entry in noise.accuracy}
    assert noise_accuracy["AutoETS"] < noise_accuracy["SeasonalNaive"]
    # A clean seasonal pattern: seasonal naive is near-perfect, and its 95% interval covers most months.
    seasonal_naive = next(entry for entry in seasonal.accuracy if entry.model == "SeasonalNaive")
    assert seasonal_naive.mase < 1.5 and seasonal_naive.coverage_95 >= 0.75
    # Shorter than two years: no season and a naive baseline; only one of the two backtest windows fits, and the
    # reason says so.
    assert not short.seasonal and short.baseline == "Naive"
    assert all(entry.periods_tested == 6 for entry in short.accuracy)
    assert "Only 1 of the 2 backtest windows fitted" in short.reason


def test_forecasts_of_series_with_small_counts_are_rounded_as_published_counts_are(forecast_run: ForecastRun) -> None:
    result = forecast_run.results[2]
    shown = published_forecast(result, 5)
    assert (shown[["forecast", "low_80", "high_80", "low_95", "high_95"]] % 5 == 0).all().all()
    exact = published_forecast(result, 1)
    assert (abs(shown["forecast"] - exact["forecast"]) <= 2.5).all()


def test_a_series_too_short_to_forecast_is_refused_in_plain_english() -> None:
    history = pd.DataFrame({"period": pd.date_range("2024-01", periods=3, freq="MS"), "value": [1.0, 2.0, 3.0]})
    with pytest.raises(TownhallError, match="only 3 months of history"):
        forecast_demand([DemandSeries(key="tiny", groups={"service": "Tiny"}, history=history)])


def test_six_periods_are_forecast_with_the_methods_that_fit_and_the_rest_named() -> None:
    history = pd.DataFrame({"period": pd.date_range("2024-01", periods=6, freq="MS"),
                            "value": [3.0, 4.0, 5.0, 4.0, 6.0, 5.0]})
    (result,) = forecast_demand([DemandSeries(key="six", groups={"service": "Six"}, history=history)]).results
    assert result.chosen_model == "Naive" and len(result.chosen_forecast) == 12
    assert "too few to hold 6 back" in result.reason and result.accuracy == []
    assert "no evidence that a more complex method would do better" in result.reason
    assert result.left_out["AutoETS"] == "too few periods (6) to fit it"
    assert "AutoTheta" in set(result.forecasts["model"])


def test_quarterly_and_yearly_series_use_their_own_season_and_horizon() -> None:
    rng = np.random.default_rng(4)
    quarters = np.arange(40)
    quarterly = DemandSeries(key="q", groups={}, frequency=frequency("quarterly"), history=pd.DataFrame({
        "period": pd.period_range("2014Q1", periods=40, freq="Q").start_time,
        "value": 100 + 30 * (quarters % 4 == 3) + rng.normal(0, 2, 40)}))
    yearly = DemandSeries(key="y", groups={}, frequency=frequency("yearly"), history=pd.DataFrame({
        "period": pd.period_range("1990", periods=30, freq="Y").start_time, "value": 50 + rng.normal(0, 5, 30)}))
    run = forecast_demand([quarterly, yearly], backtest_windows=2)
    seasonal, plain = run.results
    assert seasonal.seasonal and seasonal.season_length == 4 and len(seasonal.chosen_forecast) == 8
    assert seasonal.chosen_forecast["period"].iloc[0] == pd.Timestamp("2024-01-01")
    peaks = seasonal.chosen_forecast["forecast"].to_numpy()
    assert min(peaks[3], peaks[7]) > max(np.delete(peaks, [3, 7])) + 15  # the fourth-quarter peak is carried on
    assert not plain.seasonal and plain.baseline == "Naive" and len(plain.chosen_forecast) == 6
    assert all(entry.periods_tested == 6 for entry in plain.accuracy)
