"""Forecasting demand series with statsforecast: Theta, ETS, CES, ARIMA and their average, against seasonal naive.

Every series is forecast by each method with 80% and 95% prediction intervals, backtested over recent cut-offs, and
given the simplest method that is not clearly worse than the best (by MASE; the intervals' coverage is shown beside
it). The seasonal naive forecast is always the yardstick. The season follows the series' frequency: 7 days, 52
weeks, 12 months, 4 quarters; yearly series have none. Series shorter than two seasons are forecast without a season
against a naive baseline (the last period repeated). A method that cannot be fitted to a series (too few periods,
say) is left out of that series' comparison and the reason is given. Series too short to backtest keep the baseline,
and say so. Demand cannot be negative, so for series that never go below zero, forecasts and interval bounds below
zero are shown as zero.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.forecasting.backtest import (
    DEFAULT_TOLERANCE,
    MODEL_NAMES,
    ModelAccuracy,
    WindowForecast,
    backtest_accuracy,
    choose_model,
)
from townhall.forecasting.series import DemandSeries

LEVELS = (80, 95)
MINIMUM_PERIODS = 6
MINIMUM_TRAINING = 10  # periods of history before a backtest cut-off, for series without a season
# Default forecast horizon and backtest horizon per frequency (in periods).
HORIZONS = {"daily": (28, 14), "weekly": (26, 13), "monthly": (12, 6), "quarterly": (8, 4), "yearly": (6, 3)}
# A narrower ARIMA search than the default: about twice as fast on monthly council series, with the same accuracy.
ARIMA_SEARCH = {"max_p": 2, "max_q": 2, "max_P": 1, "max_Q": 1}
LONGEST_ARIMA_SEASON = 24  # a seasonal ARIMA search over 52 weeks takes minutes a series: weekly ARIMA has no season
AVERAGED = ("AutoTheta", "AutoETS", "AutoCES", "AutoARIMA")

Progress = Callable[[str, float], None]


@dataclass
class SeriesForecast:
    """One series' forecasts from every method, their backtest accuracy, and the method chosen."""

    series: DemandSeries
    forecasts: pd.DataFrame  # period, model, forecast, low_80, high_80, low_95, high_95
    accuracy: list[ModelAccuracy]
    chosen_model: str
    reason: str
    seasonal: bool
    cutoffs: list[pd.Timestamp] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # method -> why it could not be used for this series

    @property
    def chosen_forecast(self) -> pd.DataFrame:
        """The chosen method's forecast: period, forecast and the 80% and 95% bounds."""
        return self.forecasts[self.forecasts["model"] == self.chosen_model].reset_index(drop=True)

    @property
    def chosen_name(self) -> str:
        """The chosen method's plain-English name."""
        return MODEL_NAMES.get(self.chosen_model, self.chosen_model)

    @property
    def baseline(self) -> str:
        """The baseline method the others are judged against."""
        return "SeasonalNaive" if self.seasonal else "Naive"

    @property
    def season_length(self) -> int:
        """Periods in the season used (1 when none was)."""
        return self.series.frequency.season_length if self.seasonal else 1


@dataclass
class ForecastRun:
    """Forecasts for a set of series, with what was asked for."""

    results: list[SeriesForecast]
    horizon: int
    backtest_windows: int
    backtest_horizon: int
    tolerance: float


def _statsforecast_models(season_length: int) -> dict[str, Any]:
    """The methods, by name, for a season length (1: no season). statsforecast compiles its methods with numba the
    first time they run (CES takes most of a minute); the compiled code is kept in the system temporary folder so
    later processes start at once."""
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "townhall-numba-cache"))
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, AutoTheta, Naive, SeasonalNaive

    seasonal = season_length > 1
    arima_season = season_length if season_length <= LONGEST_ARIMA_SEASON else 1
    return {
        ("SeasonalNaive" if seasonal else "Naive"): SeasonalNaive(season_length=season_length) if seasonal
        else Naive(),
        "AutoTheta": AutoTheta(season_length=season_length),
        "AutoETS": AutoETS(season_length=season_length),
        "AutoCES": AutoCES(season_length=season_length),
        "AutoARIMA": AutoARIMA(season_length=arima_season, **ARIMA_SEARCH),
    }


def _fit(model: Any, values: np.ndarray, horizon: int) -> WindowForecast:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast's notes on convergence are not the user's to act on
        result = model.forecast(y=values.astype(float), h=horizon, level=list(LEVELS))
    forecast = WindowForecast(len(values), *(np.asarray(result[key], dtype=float) for key in
                                              ("mean", "lo-80", "hi-80", "lo-95", "hi-95")))
    if not np.isfinite(forecast.mean).all():
        raise ValueError("it gave no finite forecast")
    return forecast


def _ensemble(parts: list[WindowForecast]) -> WindowForecast:
    """The average of several methods' forecasts; its bounds are the averages of theirs (quantile averaging)."""
    return WindowForecast(parts[0].cutoff, *(np.mean([getattr(part, key) for part in parts], axis=0)
                                             for key in ("mean", "low_80", "high_80", "low_95", "high_95")))


def _forecast_all(values: np.ndarray, horizon: int, season_length: int,
                  left_out: dict[str, str]) -> dict[str, WindowForecast]:
    """Every method's forecast from ``values``; a method that fails is recorded in ``left_out`` with the reason."""
    forecasts: dict[str, WindowForecast] = {}
    for name, model in _statsforecast_models(season_length).items():
        if name in left_out:
            continue
        try:
            forecasts[name] = _fit(model, values, horizon)
        except Exception as error:  # any method's failure is reported, never fatal
            left_out[name] = _failure(error, len(values))
    return forecasts


def _failure(error: Exception, periods: int) -> str:
    text = str(error)
    if "tiny" in text.lower() or isinstance(error, NotImplementedError):
        return f"too few periods ({periods}) to fit it"
    return f"it could not be fitted ({type(error).__name__}: {text[:120]})"


def forecast_series(series: DemandSeries, *, horizon: int | None = None, backtest_windows: int = 3,
                    backtest_horizon: int | None = None, tolerance: float = DEFAULT_TOLERANCE,
                    backtest: bool = True) -> SeriesForecast:
    """Forecast one series with every method, backtest them and choose one (see ``forecast_demand``)."""
    default_horizon, default_backtest = HORIZONS[series.frequency.name]
    horizon = horizon or default_horizon
    backtest_horizon = backtest_horizon or default_backtest
    values = series.history["value"].to_numpy(dtype=float)
    season = series.frequency.season_length
    seasonal = season > 1 and len(values) >= 2 * season
    season_length = season if seasonal else 1
    baseline = "SeasonalNaive" if seasonal else "Naive"
    left_out: dict[str, str] = {}
    forecasts = _forecast_all(values, horizon, season_length, left_out)
    training = 2 * season_length if seasonal else MINIMUM_TRAINING
    windows = min(backtest_windows, (len(values) - training) // backtest_horizon) if backtest else 0
    accuracy: list[ModelAccuracy] = []
    cutoffs: list[int] = []
    if windows >= 1:
        cutoffs = [len(values) - backtest_horizon * number for number in range(windows, 0, -1)]
        per_model: dict[str, list[WindowForecast]] = {name: [] for name in forecasts}
        for cutoff in cutoffs:
            window = _forecast_all(values[:cutoff], backtest_horizon, season_length, left_out)
            for name in list(per_model):
                if name in window:
                    per_model[name].append(window[name])
        members = [name for name in AVERAGED if name in forecasts and name not in left_out]
        if len(members) >= 2:
            per_model["Ensemble"] = [_ensemble([per_model[name][number] for name in members])
                                     for number in range(len(cutoffs))]
        accuracy = [backtest_accuracy(values, per_model[name], name, season_length)
                    for name in per_model if name not in left_out and len(per_model[name]) == len(cutoffs)]
        chosen, reason = choose_model(accuracy, tolerance)
        if windows < backtest_windows:
            reason += (f" Only {windows} of the {backtest_windows} backtest windows fitted in the history, so the "
                       "comparison rests on fewer periods than usual.")
    else:
        chosen = baseline
        need = training + backtest_horizon
        reason = (f"{MODEL_NAMES[baseline]} is used: the series was not backtested"
                  + ("." if not backtest else
                     f", because its {series.describe_length()} are too few to hold {backtest_horizon} back and "
                     f"still fit the methods (a backtest needs at least {series.frequency.describe(need)}). "
                     "Without a backtest there is no evidence that a more complex method would do better."))
    members = [name for name in AVERAGED if name in forecasts and name not in left_out]
    if len(members) >= 2:
        forecasts["Ensemble"] = _ensemble([forecasts[name] for name in members])
    periods = pd.period_range(series.periods()[-1] + 1, periods=horizon, freq=series.frequency.code)
    clip = bool((values >= 0).all())
    frames = []
    for name, forecast in forecasts.items():
        if name in left_out:
            continue
        frame = pd.DataFrame({"period": periods.start_time.normalize(), "model": name, "forecast": forecast.mean,
                              "low_80": forecast.low_80, "high_80": forecast.high_80, "low_95": forecast.low_95,
                              "high_95": forecast.high_95})
        frames.append(frame)
    tidy = pd.concat(frames, ignore_index=True)
    if clip:
        numbers = ["forecast", *(f"{side}_{level}" for level in LEVELS for side in ("low", "high"))]
        tidy[numbers] = tidy[numbers].clip(lower=0.0)
    cutoff_starts = [series.periods()[cutoff - 1].start_time.normalize() for cutoff in cutoffs]
    return SeriesForecast(series=series, forecasts=tidy, accuracy=accuracy, chosen_model=chosen, reason=reason,
                          seasonal=seasonal, cutoffs=cutoff_starts, left_out=left_out)


def _forecast_one(arguments: tuple[DemandSeries, dict[str, Any]]) -> SeriesForecast:
    series, options = arguments
    return forecast_series(series, **options)


def forecast_demand(series: Sequence[DemandSeries], *, horizon: int | None = None, backtest_windows: int = 3,
                    backtest_horizon: int | None = None, tolerance: float = DEFAULT_TOLERANCE, backtest: bool = True,
                    jobs: int = 1, progress: Progress | None = None) -> ForecastRun:
    """Forecast each series ``horizon`` periods ahead with every method, backtest them over ``backtest_windows``
    recent cut-offs ``backtest_horizon`` periods apart, and choose the simplest method not worse than the best by
    more than ``tolerance`` (a share of MASE). Horizons default by frequency (12 and 6 for months). Without
    ``backtest`` the baseline is kept and no accuracy is given. ``jobs`` above 1 forecasts series in that many
    processes."""
    if (horizon is not None and horizon < 1) or backtest_windows < 1 or (
            backtest_horizon is not None and backtest_horizon < 1):
        raise TownhallError("The forecast horizon, the number of backtest windows and the backtest horizon must each "
                            "be at least 1 period.")
    series = list(series)
    if not series:
        raise TownhallError("There are no demand series to forecast.")
    short = [item for item in series if item.length < MINIMUM_PERIODS]
    if short:
        raise TownhallError(f"{short[0].label} has only {short[0].describe_length()} of history; forecasting needs at "
                            f"least {MINIMUM_PERIODS} periods.")
    report = progress or (lambda step, fraction: None)
    options = {"horizon": horizon, "backtest_windows": backtest_windows, "backtest_horizon": backtest_horizon,
               "tolerance": tolerance, "backtest": backtest}
    results: list[SeriesForecast] = []
    if jobs > 1 and len(series) > 1:
        from concurrent.futures import ProcessPoolExecutor

        _statsforecast_models(1)  # sets the compiled-code cache for the workers before they start
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for number, result in enumerate(pool.map(_forecast_one, [(item, options) for item in series],
                                                     chunksize=max(1, len(series) // (jobs * 8)))):
                results.append(result)
                report(f"forecast {number + 1} of {len(series)} series", (number + 1) / len(series))
    else:
        for number, item in enumerate(series):
            report(f"forecasting {item.label}", number / len(series))
            results.append(forecast_series(item, **options))  # type: ignore[arg-type]
    report("done", 1.0)
    first = results[0]
    default_horizon, default_backtest = HORIZONS[first.series.frequency.name]
    return ForecastRun(results=results, horizon=horizon or default_horizon, backtest_windows=backtest_windows,
                       backtest_horizon=backtest_horizon or default_backtest, tolerance=tolerance)


def published_forecast(result: SeriesForecast, rounding: int) -> pd.DataFrame:
    """The chosen forecast as it may be shown: rounded to whole numbers, or to ``rounding`` for series with small
    counts (their history is protected, so their forecasts are not shown more precisely than the rule allows)."""
    shown = result.chosen_forecast.copy()
    numbers = ["forecast", *(f"{side}_{level}" for level in LEVELS for side in ("low", "high"))]
    base = max(int(rounding), 1)
    shown[numbers] = (np.round(shown[numbers].to_numpy(dtype=float) / base) * base).astype(int)
    return shown
