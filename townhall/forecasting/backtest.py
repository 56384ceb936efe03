"""Backtests: how well each model would have forecast the recent past, and the choice of model that follows.

A backtest pretends it is an earlier month (the cut-off), fits each model on the history up to then, forecasts the
months after, and compares with what happened. Accuracy is the mean absolute scaled error (MASE): the average error
divided by the average error of the seasonal naive forecast (same month last year) within the history, so 1.0 means
"as good as repeating last year" and lower is better. Coverage is how often the real figure fell inside the 80% and
95% prediction intervals: a well-calibrated model covers about 80% and 95%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Simplest first: a model is only chosen over a simpler one when it is clearly more accurate.
MODEL_ORDER = ("Naive", "SeasonalNaive", "AutoETS", "AutoARIMA")
MODEL_SHORT_NAMES = {"Naive": "naive", "SeasonalNaive": "seasonal naive", "AutoETS": "ETS", "AutoARIMA": "ARIMA"}
MODEL_NAMES = {
    "Naive": "Naive (last month repeated)",
    "SeasonalNaive": "Seasonal naive (same month last year)",
    "AutoETS": "Exponential smoothing (ETS)",
    "AutoARIMA": "ARIMA",
}
DEFAULT_TOLERANCE = 0.05  # a more complex model must beat the simplest by more than 5% of MASE to be chosen


@dataclass(frozen=True)
class ModelAccuracy:
    """One model's backtest results for one series."""

    model: str
    mase: float  # mean absolute scaled error over every backtest month (lower is better; 1 = the naive scale)
    coverage_80: float  # share of backtest months whose real figure fell inside the 80% interval
    coverage_95: float
    months_tested: int

    @property
    def name(self) -> str:
        """The model's plain-English name."""
        return MODEL_NAMES.get(self.model, self.model)


def naive_scale(values: np.ndarray, season_length: int) -> float:
    """The in-sample error of the seasonal naive forecast (lag ``season_length``): the yardstick MASE divides by."""
    lag = season_length if len(values) > season_length else 1
    differences = np.abs(values[lag:] - values[:-lag])
    scale = float(differences.mean()) if differences.size else 0.0
    return scale if scale > 0 else 1.0  # a perfectly flat history: fall back to the unscaled error


def backtest_accuracy(history: pd.DataFrame, cross_validation: pd.DataFrame, models: Sequence[str],
                      season_length: int) -> list[ModelAccuracy]:
    """MASE and interval coverage per model for one series, from statsforecast's cross-validation table.

    Each cut-off's errors are scaled by the seasonal naive error within the history up to that cut-off.
    """
    values = history.set_index("month")["value"]
    results = []
    for model in models:
        scaled_errors, inside_80, inside_95 = [], [], []
        for cutoff, window in cross_validation.groupby("cutoff", sort=True):
            scale = naive_scale(values[values.index <= cutoff].to_numpy(dtype=float), season_length)
            actual = window["y"].to_numpy(dtype=float)
            scaled_errors.extend(np.abs(actual - window[model].to_numpy(dtype=float)) / scale)
            for level, inside in ((80, inside_80), (95, inside_95)):
                low, high = window[f"{model}-lo-{level}"].to_numpy(), window[f"{model}-hi-{level}"].to_numpy()
                inside.extend((actual >= low) & (actual <= high))
        results.append(ModelAccuracy(model=model, mase=float(np.mean(scaled_errors)),
                                     coverage_80=float(np.mean(inside_80)), coverage_95=float(np.mean(inside_95)),
                                     months_tested=len(scaled_errors)))
    return results


def choose_model(accuracy: Sequence[ModelAccuracy], tolerance: float = DEFAULT_TOLERANCE) -> tuple[str, str]:
    """The simplest model whose MASE is within ``tolerance`` (a share) of the best, and a sentence saying why."""
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
                  f"and no simpler model came within {percent} of it ({MODEL_SHORT_NAMES[simplest.model]}: "
                  f"{simplest.mase:.2f}).")
    else:
        reason = (f"{chosen.name} was chosen: its backtest error (MASE {chosen.mase:.2f}) was within {percent} of "
                  f"the most accurate model ({MODEL_SHORT_NAMES[best.model]}, {best.mase:.2f}), and it is simpler.")
    return chosen.model, reason
