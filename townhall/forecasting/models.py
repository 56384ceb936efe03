"""Forecasting demand series with statsforecast: automatic ETS and ARIMA against a seasonal naive baseline.

Every series is forecast by each model with 80% and 95% prediction intervals, backtested over recent cut-off dates,
and given the simplest model that is not clearly worse than the best. Series shorter than two years cannot show a
seasonal pattern twice, so they are forecast without seasonality and against a naive baseline (last month repeated).
Demand cannot be negative, so forecasts and interval bounds below zero are shown as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from townhall.errors import TownhallError
from townhall.forecasting.backtest import (
    DEFAULT_TOLERANCE,
    MODEL_NAMES,
    ModelAccuracy,
    backtest_accuracy,
    choose_model,
)
from townhall.forecasting.series import DemandSeries

SEASON_LENGTH = 12  # months
LEVELS = (80, 95)
MINIMUM_MONTHS = 6
MINIMUM_TRAINING = 12  # months of history before a backtest cut-off, for series without seasonality
# A narrower ARIMA search than the default: about twice as fast on monthly council series, with the same accuracy.
ARIMA_SEARCH = {"max_p": 2, "max_q": 2, "max_P": 1, "max_Q": 1}

Progress = Callable[[str, float], None]


@dataclass
class SeriesForecast:
    """One series' forecasts from every model, their backtest accuracy, and the model chosen."""

    series: DemandSeries
    forecasts: pd.DataFrame  # month, model, forecast, low_80, high_80, low_95, high_95
    accuracy: list[ModelAccuracy]
    chosen_model: str
    reason: str
    seasonal: bool
    cutoffs: list[pd.Timestamp] = field(default_factory=list)

    @property
    def chosen_forecast(self) -> pd.DataFrame:
        """The chosen model's forecast: month, forecast and the 80% and 95% bounds."""
        return self.forecasts[self.forecasts["model"] == self.chosen_model].reset_index(drop=True)

    @property
    def chosen_name(self) -> str:
        """The chosen model's plain-English name."""
        return MODEL_NAMES.get(self.chosen_model, self.chosen_model)

    @property
    def baseline(self) -> str:
        """The baseline model the others are judged against."""
        return "SeasonalNaive" if self.seasonal else "Naive"


@dataclass
class ForecastRun:
    """Forecasts for a set of series, with what was asked for."""

    results: list[SeriesForecast]
    horizon: int
    backtest_windows: int
    backtest_horizon: int
    tolerance: float


def _models(seasonal: bool) -> list:  # type: ignore[type-arg]
    from statsforecast.models import AutoARIMA, AutoETS, Naive, SeasonalNaive

    if seasonal:
        return [SeasonalNaive(season_length=SEASON_LENGTH), AutoETS(season_length=SEASON_LENGTH),
                AutoARIMA(season_length=SEASON_LENGTH, **ARIMA_SEARCH)]
    return [Naive(), AutoETS(season_length=1), AutoARIMA(season_length=1, **ARIMA_SEARCH)]


def _long_frame(series: Sequence[DemandSeries]) -> pd.DataFrame:
    """statsforecast's layout: unique_id, ds, y."""
    return pd.concat([pd.DataFrame({"unique_id": item.key, "ds": item.history["month"].to_numpy(),
                                    "y": item.history["value"].to_numpy(dtype=float)}) for item in series],
                     ignore_index=True)


def _tidy_forecasts(frame: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """statsforecast's wide forecast table as one row per series, month and model, clipped at zero."""
    parts = []
    for model in models:
        part = pd.DataFrame({"key": frame["unique_id"].to_numpy(), "month": pd.to_datetime(frame["ds"]).to_numpy(),
                             "model": model, "forecast": frame[model].to_numpy(dtype=float)})
        for level in LEVELS:
            part[f"low_{level}"] = frame[f"{model}-lo-{level}"].to_numpy(dtype=float)
            part[f"high_{level}"] = frame[f"{model}-hi-{level}"].to_numpy(dtype=float)
        parts.append(part)
    tidy = pd.concat(parts, ignore_index=True)
    numbers = ["forecast", *(f"{side}_{level}" for level in LEVELS for side in ("low", "high"))]
    tidy[numbers] = tidy[numbers].clip(lower=0.0)
    return tidy


def forecast_demand(series: Sequence[DemandSeries], *, horizon: int = 12, backtest_windows: int = 3,
                    backtest_horizon: int = 6, tolerance: float = DEFAULT_TOLERANCE, backtest: bool = True,
                    jobs: int = 1, progress: Progress | None = None) -> ForecastRun:
    """Forecast each series ``horizon`` months ahead with every model, backtest them over ``backtest_windows``
    recent cut-offs ``backtest_horizon`` months apart, and choose the simplest model not worse than the best by more
    than ``tolerance`` (a share of MASE). Without ``backtest`` the baseline is kept and no accuracy is given."""
    if horizon < 1 or backtest_windows < 1 or backtest_horizon < 1:
        raise TownhallError("The forecast horizon, the number of backtest windows and the backtest horizon must each "
                            "be at least 1 month.")
    series = list(series)
    if not series:
        raise TownhallError("There are no demand series to forecast.")
    short = [item for item in series if item.months < MINIMUM_MONTHS]
    if short:
        raise TownhallError(f"{short[0].label} has only {short[0].months} months of history; forecasting needs at "
                            f"least {MINIMUM_MONTHS}.")
    from statsforecast import StatsForecast

    report = progress or (lambda step, fraction: None)
    backtest_span = backtest_windows * backtest_horizon
    groups = {True: [item for item in series if item.months >= 2 * SEASON_LENGTH],
              False: [item for item in series if item.months < 2 * SEASON_LENGTH]}
    results: dict[str, SeriesForecast] = {}
    done = 0
    for seasonal, members in groups.items():
        if not members:
            continue
        models = _models(seasonal)
        names = [str(model) for model in models]
        forecaster = StatsForecast(models=models, freq="MS", n_jobs=jobs)
        report(f"forecasting {len(members)} series", done / len(series))
        data = _long_frame(members)
        forecasts = _tidy_forecasts(forecaster.forecast(df=data, h=horizon, level=list(LEVELS)), names)
        # A backtest needs enough history before the first cut-off to fit the models (two seasons if seasonal).
        can_backtest = [item for item in members
                        if item.months - backtest_span >= (2 * SEASON_LENGTH if seasonal else MINIMUM_TRAINING)]
        validation = pd.DataFrame()
        if backtest and can_backtest:
            report(f"backtesting {len(can_backtest)} series", (done + 0.3 * len(members)) / len(series))
            validation = forecaster.cross_validation(df=_long_frame(can_backtest), h=backtest_horizon,
                                                     n_windows=backtest_windows, step_size=backtest_horizon,
                                                     level=list(LEVELS))
        for item in members:
            rows = validation[validation["unique_id"] == item.key] if not validation.empty else validation
            baseline = names[0]
            if rows.empty:
                accuracy: list[ModelAccuracy] = []
                chosen = baseline
                reason = (f"{MODEL_NAMES[baseline]} is used: the series was not backtested"
                          + ("." if not backtest else ", because its history is too short to hold back "
                             f"{backtest_span} months."))
            else:
                accuracy = backtest_accuracy(item.history, rows, names, SEASON_LENGTH if seasonal else 1)
                chosen, reason = choose_model(accuracy, tolerance)
            results[item.key] = SeriesForecast(
                series=item, forecasts=forecasts[forecasts["key"] == item.key].drop(columns="key")
                .reset_index(drop=True), accuracy=accuracy, chosen_model=chosen, reason=reason, seasonal=seasonal,
                cutoffs=sorted(pd.to_datetime(rows["cutoff"].unique())) if not rows.empty else [])
        done += len(members)
    report("done", 1.0)
    return ForecastRun(results=[results[item.key] for item in series], horizon=horizon,
                       backtest_windows=backtest_windows, backtest_horizon=backtest_horizon, tolerance=tolerance)


def published_forecast(result: SeriesForecast, rounding: int) -> pd.DataFrame:
    """The chosen forecast as it may be shown: rounded to whole numbers, or to ``rounding`` for series with small
    counts (their history is protected, so their forecasts are not shown more precisely than the rule allows)."""
    shown = result.chosen_forecast.copy()
    numbers = ["forecast", *(f"{side}_{level}" for level in LEVELS for side in ("low", "high"))]
    base = max(int(rounding), 1)
    shown[numbers] = (np.round(shown[numbers].to_numpy(dtype=float) / base) * base).astype(int)
    return shown
