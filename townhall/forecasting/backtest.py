"""Backtests: how well each method would have forecast the recent past, and the choice of method that follows.

A backtest pretends it is an earlier period (the cut-off), fits each method on the history up to then, forecasts the
periods after, and compares with what happened. Accuracy is the mean absolute scaled error (MASE, Hyndman & Koehler
2006): the average error divided by the average error of the seasonal naive forecast (the same period one season
before; the period before for series without a season) within the history, so 1.0 means "as good as repeating last
season" and lower is better. Coverage is how often the real figure fell inside the 80% and 95% prediction intervals:
a well-calibrated method covers about 80% and 95%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Simplest first: a method is only chosen over a simpler one when it is clearly more accurate.
MODEL_ORDER = ("Naive", "SeasonalNaive", "AutoTheta", "AutoETS", "AutoCES", "AutoARIMA", "Ensemble")
MODEL_SHORT_NAMES = {"Naive": "naive", "SeasonalNaive": "seasonal naive", "AutoTheta": "Theta", "AutoETS": "ETS",
                     "AutoCES": "CES", "AutoARIMA": "ARIMA", "Ensemble": "the average of the methods"}
MODEL_NAMES = {
    "Naive": "Naive (the last period repeated)",
    "SeasonalNaive": "Seasonal naive (the same period last season)",
    "AutoTheta": "Theta (a smoothed level with a drift)",
    "AutoETS": "Exponential smoothing (ETS)",
    "AutoCES": "Complex exponential smoothing (CES)",
    "AutoARIMA": "ARIMA",
    "Ensemble": "Average of Theta, ETS, CES and ARIMA",
}
DEFAULT_TOLERANCE = 0.05  # a more complex method must beat the simplest by more than 5% of MASE to be chosen


@dataclass(frozen=True)
class ModelAccuracy:
    """One method's backtest results for one series."""

    model: str
    mase: float  # mean absolute scaled error over every backtest period (lower is better; 1 = the naive scale)
    coverage_80: float  # share of backtest periods whose real figure fell inside the 80% interval
    coverage_95: float
    months_tested: int  # how many periods were forecast in the backtests (kept under its old name for callers)

    @property
    def name(self) -> str:
        """The method's plain-English name."""
        return MODEL_NAMES.get(self.model, self.model)

    @property
    def periods_tested(self) -> int:
        """How many periods were forecast in the backtests."""
        return self.months_tested


def naive_scale(values: np.ndarray, season_length: int) -> float:
    """The in-sample error of the seasonal naive forecast (lag ``season_length``): the yardstick MASE divides by."""
    lag = season_length if len(values) > season_length else 1
    differences = np.abs(values[lag:] - values[:-lag])
    scale = float(differences.mean()) if differences.size else 0.0
    return scale if scale > 0 else 1.0  # a perfectly flat history: fall back to the unscaled error


@dataclass(frozen=True)
class WindowForecast:
    """One method's forecast from one cut-off: the point forecasts and the 80% and 95% bounds."""

    cutoff: int  # the number of periods of history the method saw
    mean: np.ndarray
    low_80: np.ndarray
    high_80: np.ndarray
    low_95: np.ndarray
    high_95: np.ndarray


def backtest_accuracy(values: np.ndarray, windows: Sequence[WindowForecast], model: str,
                      season_length: int) -> ModelAccuracy:
    """MASE and interval coverage of one method over its backtest windows; each window's errors are scaled by the
    seasonal naive error within the history up to that window's cut-off."""
    scaled, inside_80, inside_95 = [], [], []
    for window in windows:
        actual = values[window.cutoff:window.cutoff + len(window.mean)]
        scale = naive_scale(values[:window.cutoff], season_length)
        scaled.extend(np.abs(actual - window.mean) / scale)
        inside_80.extend((actual >= window.low_80) & (actual <= window.high_80))
        inside_95.extend((actual >= window.low_95) & (actual <= window.high_95))
    return ModelAccuracy(model=model, mase=float(np.mean(scaled)), coverage_80=float(np.mean(inside_80)),
                         coverage_95=float(np.mean(inside_95)), months_tested=len(scaled))


def choose_model(accuracy: Sequence[ModelAccuracy], tolerance: float = DEFAULT_TOLERANCE) -> tuple[str, str]:
    """The simplest method whose MASE is within ``tolerance`` (a share) of the best, and a sentence saying why."""
    ranked = sorted(accuracy, key=lambda result: MODEL_ORDER.index(result.model))
    best = min(ranked, key=lambda result: result.mase)
    allowed = best.mase * (1 + tolerance)
    chosen = next(result for result in ranked if result.mase <= allowed)
    simplest = ranked[0]
    percent = f"{tolerance:.0%}"
    if chosen is best and chosen is simplest:
        reason = (f"{chosen.name} was chosen: it was the most accurate in the backtests (MASE {chosen.mase:.2f}) "
                  "and it is also the simplest.")
    elif chosen is best:
        reason = (f"{chosen.name} was chosen: it was the most accurate in the backtests (MASE {chosen.mase:.2f}), "
                  f"and no simpler method came within {percent} of it ({MODEL_SHORT_NAMES[simplest.model]}: "
                  f"{simplest.mase:.2f}).")
    else:
        reason = (f"{chosen.name} was chosen: its backtest error (MASE {chosen.mase:.2f}) was within {percent} of "
                  f"the most accurate method ({MODEL_SHORT_NAMES[best.model]}, {best.mase:.2f}), and it is simpler.")
    return chosen.model, reason
