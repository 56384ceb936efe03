"""Fill forecasts: how fast each bin fills, learnt from its own history, and when it will reach the collection
threshold, with an interval.

The model is deliberately simple and explained on the page. A bin's fill rises at its own rate times a pattern over
the week (busier on Saturday afternoons than on Tuesday nights), shared by all bins. The weekly pattern is used only
where the data supports it: it is fitted on the older three quarters of the history and kept only if it forecasts the
newest quarter better than a flat rate. Each bin's rate is a weighted average of its own fill cycles, recent ones
counting more (half the weight every ``half_life_days``), pulled towards the average bin when it has little history.
A cycle that ended full (the sensor's top reading) only says the bin filled at least that fast, and is treated so.
The interval comes from how far actual fills have been from one-step-ahead forecasts (10th to 90th percentile).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

HOURS_OF_WEEK = 168
HALF_LIFE_DAYS = 14.0
PRIOR_CYCLES = 0.5  # how many average cycles of the average bin's rate a bin's own rate is pulled towards
PROFILE_SHRINK = 0.3  # the weekly pattern is pulled this far towards flat, so a few odd weeks do not dominate
INTERVAL = (0.1, 0.9)  # an 80% interval
_PROFILE_ROUNDS = 30
_MIN_CYCLES_FOR_PROFILE = 200
CYCLE_COLUMNS = ("bin_id", "start", "end", "increase", "censored")


def hour_of_week(times: np.ndarray) -> np.ndarray:
    """0 for Monday 00:00-00:59 up to 167 for Sunday 23:00-23:59 (clock times)."""
    hours = np.asarray(times, dtype="datetime64[h]").astype(np.int64)
    # 1970-01-01 was a Thursday: day 0 is weekday 3.
    return ((hours // 24 + 3) % 7) * 24 + hours % 24


class Exposure:
    """Cumulative weekly-pattern hours on an hourly grid, so the expected fill between two times is a subtraction."""

    def __init__(self, start: np.datetime64, end: np.datetime64, profile: np.ndarray) -> None:
        self.origin = np.datetime64(start, "h") - np.timedelta64(1, "h")
        hours = int((np.datetime64(end, "h") - self.origin) / np.timedelta64(1, "h")) + 3
        grid = self.origin + np.arange(hours) * np.timedelta64(1, "h")
        self.weights = np.asarray(profile, dtype=float)[hour_of_week(grid)]
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.weights)])

    def _at(self, times: np.ndarray) -> np.ndarray:
        position = (np.asarray(times, dtype="datetime64[us]") - self.origin) / np.timedelta64(1, "h")
        position = np.clip(position, 0, len(self.weights) - 1e-9)
        whole = np.floor(position).astype(np.int64)
        return self.cumulative[whole] + (position - whole) * self.weights[whole]

    def between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Pattern-weighted hours between each start and end (plain hours when the pattern is flat)."""
        return self._at(end) - self._at(start)

    def hour_counts(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """How many whole hours of each hour of the week lie between each start and end (rows: cycles)."""
        grid_how = hour_of_week(self.origin + np.arange(len(self.weights)) * np.timedelta64(1, "h"))
        one_hot = np.zeros((len(self.weights) + 1, HOURS_OF_WEEK), dtype=np.float32)
        one_hot[np.arange(1, len(self.weights) + 1), grid_how] = 1.0
        cumulative = np.cumsum(one_hot, axis=0)
        first = np.clip(np.floor((np.asarray(start, dtype="datetime64[us]") - self.origin) / np.timedelta64(1, "h")),
                        0, len(self.weights)).astype(np.int64)
        last = np.clip(np.floor((np.asarray(end, dtype="datetime64[us]") - self.origin) / np.timedelta64(1, "h")),
                       0, len(self.weights)).astype(np.int64)
        return cumulative[last] - cumulative[first]


def fit_profile(cycles: pd.DataFrame, cap: float, *, start_from: np.ndarray | None = None,
                rounds: int = _PROFILE_ROUNDS) -> np.ndarray:
    """A weekly pattern (day of week times hour of day, mean 1) from cycles that did not end full, found by
    alternating between bins' rates and the pattern until it settles."""
    usable = cycles.loc[~cycles["censored"] & (cycles["increase"] >= 0)]
    flat = np.ones(HOURS_OF_WEEK)
    if len(usable) < _MIN_CYCLES_FOR_PROFILE:
        return flat
    start = usable["start"].to_numpy(dtype="datetime64[us]")
    end = usable["end"].to_numpy(dtype="datetime64[us]")
    counts = Exposure(start.min(), end.max(), flat).hour_counts(start, end)
    keep = counts.sum(axis=1) > 0
    counts, increase = counts[keep], usable["increase"].to_numpy(dtype=float)[keep]
    _, bin_index = np.unique(usable["bin_id"].to_numpy()[keep], return_inverse=True)
    profile = flat.copy() if start_from is None else np.asarray(start_from, dtype=float).copy()
    transposed = np.ascontiguousarray(counts.T)
    for _ in range(rounds):
        exposure = counts @ profile
        rate = np.bincount(bin_index, increase) / np.maximum(np.bincount(bin_index, exposure), 1e-9)
        cycle_rate = rate[bin_index]
        numerator = transposed @ (cycle_rate * increase)
        denominator = transposed @ (cycle_rate * cycle_rate * exposure)
        updated = profile * np.where(denominator > 0, numerator / np.maximum(denominator, 1e-12), 1.0)
        by_day_hour = updated.reshape(7, 24)
        updated = (np.outer(by_day_hour.mean(axis=1), by_day_hour.mean(axis=0))
                   / max(by_day_hour.mean(), 1e-12)).ravel()
        updated = updated / max(updated.mean(), 1e-12)
        updated = (1 - PROFILE_SHRINK) * updated + PROFILE_SHRINK
        settled = np.max(np.abs(updated - profile)) < 1e-3
        profile = updated
        if settled:
            break
    return profile / profile.mean()


def global_rate(increase: np.ndarray, exposure: np.ndarray, censored: np.ndarray) -> float:
    """The average bin's fill per pattern-hour, from cycles that did not end full."""
    keep = ~censored & (exposure > 0)
    if not keep.any():
        keep = exposure > 0
    return float(max(increase[keep].sum(), 0.0) / max(exposure[keep].sum(), 1e-9)) if keep.any() else 0.0


def sequential_rates(end: np.ndarray, increase: np.ndarray, exposure: np.ndarray, censored: np.ndarray,
                     prior_rate: float, *, half_life_days: float = HALF_LIFE_DAYS,
                     prior_cycles: float = PRIOR_CYCLES) -> tuple[np.ndarray, float]:
    """For one bin's cycles in time order: the rate known before each cycle (from earlier ones only) and the rate
    after the last. A cycle that ended full counts as having risen at least as far as forecast."""
    days = (np.asarray(end, dtype="datetime64[us]").astype(np.int64) / 86_400e6).tolist()
    rises = np.asarray(increase, dtype=float).tolist()
    hours = np.asarray(exposure, dtype=float).tolist()
    full = np.asarray(censored, dtype=bool).tolist()
    rates = [0.0] * len(days)
    weighted_increase = weighted_exposure = mean_exposure = 0.0
    last_day: float | None = None
    for position, (day, rise, hour, is_full) in enumerate(zip(days, rises, hours, full, strict=True)):
        prior_weight = prior_cycles * (mean_exposure if position else hour)
        rate = (weighted_increase + prior_rate * prior_weight) / max(weighted_exposure + prior_weight, 1e-12)
        rates[position] = rate
        if last_day is not None:
            decay = 0.5 ** ((day - last_day) / half_life_days)
            weighted_increase *= decay
            weighted_exposure *= decay
        weighted_increase += max(rise, rate * hour) if is_full else rise
        weighted_exposure += hour
        mean_exposure += (hour - mean_exposure) / (position + 1)
        last_day = day
    prior_weight = prior_cycles * (mean_exposure if days else 1.0)
    final = (weighted_increase + prior_rate * prior_weight) / max(weighted_exposure + prior_weight, 1e-12)
    return np.array(rates), float(final)


def one_step_forecasts(cycles: pd.DataFrame, exposure: np.ndarray, prior_rate: float, *,
                       half_life_days: float = HALF_LIFE_DAYS) -> tuple[np.ndarray, dict[str, float]]:
    """Each cycle's forecast increase from its bin's earlier cycles only, and each bin's rate after its last cycle.
    ``cycles`` must be sorted by bin and end time, with ``exposure`` aligned to it."""
    forecasts = np.empty(len(cycles))
    rates: dict[str, float] = {}
    bins = cycles["bin_id"].to_numpy()
    end = cycles["end"].to_numpy(dtype="datetime64[us]")
    increase = cycles["increase"].to_numpy(dtype=float)
    censored = cycles["censored"].to_numpy(dtype=bool)
    bounds = np.append(np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]]), len(bins)) if len(bins) else [0]
    for start, stop in itertools.pairwise(bounds):
        before, after = sequential_rates(end[start:stop], increase[start:stop], exposure[start:stop],
                                            censored[start:stop], prior_rate, half_life_days=half_life_days)
        forecasts[start:stop] = before * exposure[start:stop]
        rates[str(bins[start])] = after
    return forecasts, rates


def _sorted_cycles(cycles: pd.DataFrame) -> pd.DataFrame:
    frame = cycles.loc[:, list(CYCLE_COLUMNS)].copy()
    frame["bin_id"] = frame["bin_id"].astype(str)
    frame = frame.loc[frame["end"] > frame["start"]]
    return frame.sort_values(["bin_id", "end"], kind="stable", ignore_index=True)


@dataclass
class FillForecast:
    """One bin's forecast: its rate, the fill expected at a time, and when it reaches the threshold."""

    bin_id: str
    fill_now: float
    measured_at: dt.datetime
    rate_per_day: float  # average percentage points a day, over a typical week
    expected: float  # fill expected at ``at``
    low: float
    high: float
    at: dt.datetime
    reaches_threshold: dt.datetime | None  # central forecast of when it reaches the threshold
    reaches_earliest: dt.datetime | None  # the early end of the interval
    reaches_latest: dt.datetime | None
    cycles: int  # fill cycles its rate was learnt from


@dataclass
class FillModel:
    """Learnt fill rates: the weekly pattern, each bin's rate and the interval, as of a time."""

    profile: np.ndarray
    uses_pattern: bool
    pattern_reason: str
    prior_rate: float
    rates: dict[str, float]
    cycles: dict[str, int]
    ratio_low: float
    ratio_high: float
    cap: float
    as_of: np.datetime64
    one_step_mae: float | None = None
    notes: list[str] = field(default_factory=list)

    def exposure(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Pattern-weighted hours between times (clock times)."""
        start = np.asarray(start, dtype="datetime64[us]")
        end = np.asarray(end, dtype="datetime64[us]")
        if start.size == 0:
            return np.array([])
        clock = Exposure(min(start.min(), end.min()), max(start.max(), end.max()), self.profile)
        return clock.between(start, end)

    def rate(self, bin_id: str) -> float:
        """The bin's rate per pattern-hour (the average bin's when it has no history)."""
        return self.rates.get(str(bin_id), self.prior_rate)

    def forecast(self, bin_id: str, fill_now: float, measured_at: dt.datetime, at: dt.datetime, *,
                 threshold: float, horizon_days: float = 60.0) -> FillForecast:
        """The fill expected at ``at`` (capped at the sensor's top reading) and when the bin reaches ``threshold``."""
        rate = self.rate(bin_id)
        now = np.datetime64(measured_at, "us")
        later = np.datetime64(at, "us")
        rise = float(self.exposure(np.array([now]), np.array([later]))[0]) * rate
        expected = min(self.cap, fill_now + rise)
        low = min(self.cap, fill_now + rise * self.ratio_low)
        high = min(self.cap, fill_now + rise * self.ratio_high)
        hours = now + np.arange(int(horizon_days * 24) + 1) * np.timedelta64(1, "h")
        rises = self.exposure(np.full(hours.size, now), hours) * rate
        needed = threshold - fill_now

        def first(multiplier: float) -> dt.datetime | None:
            if needed <= 0:
                return pd.Timestamp(now).to_pydatetime()
            reached = np.flatnonzero(rises * multiplier >= needed)
            return pd.Timestamp(hours[reached[0]]).to_pydatetime() if reached.size else None

        return FillForecast(
            bin_id=str(bin_id), fill_now=fill_now, measured_at=measured_at,
            rate_per_day=rate * 24, expected=expected, low=low, high=high, at=at,
            reaches_threshold=first(1.0), reaches_earliest=first(self.ratio_high),
            reaches_latest=first(self.ratio_low), cycles=self.cycles.get(str(bin_id), 0))

    def describe(self) -> list[str]:
        """How the model was made, in plain English."""
        lines = [self.pattern_reason,
                 f"A bin's rate is learnt from its own fill cycles, recent ones counting more (a cycle "
                 f"{HALF_LIFE_DAYS:g} days old counts half), pulled towards the average bin's when it has little "
                 "history.",
                 f"The interval covers 80% of past forecast errors: actual fills were between "
                 f"{self.ratio_low:.0%} and {self.ratio_high:.0%} of the forecast rise."]
        return [*lines, *self.notes]


def fit_fill_model(cycles: pd.DataFrame, *, cap: float = 100.0, pattern: str = "auto",
                   half_life_days: float = HALF_LIFE_DAYS, as_of: np.datetime64 | None = None,
                   interval_cycles: pd.DataFrame | None = None) -> FillModel:
    """Learn fill rates from fill cycles (bin_id, start, end, increase, censored; clock times).

    ``pattern``: "auto" (use the weekly pattern only if it forecasts recent cycles better), "weekly" or "flat".
    ``interval_cycles``: longer cycles to judge the interval on, when ``cycles`` are short steps between readings
    (the error of a two-hour step says little about the error over a day).
    """
    from townhall.errors import TownhallError

    frame = _sorted_cycles(cycles)
    if frame.empty:
        raise TownhallError("There are no fill cycles to learn from: a bin needs at least two readings (or two "
                            "collections) before its fill rate can be learnt.")
    flat = np.ones(HOURS_OF_WEEK)
    chosen, reason = flat, "Bins are assumed to fill at a steady rate through the week."
    if pattern in ("auto", "weekly"):
        weekly, reason_weekly = _choose_pattern(frame, cap, half_life_days, forced=pattern == "weekly")
        if weekly is not None:
            chosen, reason = weekly, reason_weekly
        else:
            reason = reason_weekly
    start = frame["start"].to_numpy(dtype="datetime64[us]")
    end = frame["end"].to_numpy(dtype="datetime64[us]")
    exposure = Exposure(start.min(), end.max(), chosen).between(start, end)
    censored = frame["censored"].to_numpy(dtype=bool)
    increase = frame["increase"].to_numpy(dtype=float)
    prior = global_rate(increase, exposure, censored)
    forecasts, rates = one_step_forecasts(frame, exposure, prior, half_life_days=half_life_days)
    if interval_cycles is None:
        judged = ~censored & (forecasts > 1.0)
        ratios = increase[judged] / forecasts[judged]
    else:
        ratios = _interval_ratios(frame, forecasts / np.maximum(exposure, 1e-12), _sorted_cycles(interval_cycles),
                                  chosen)
    low, high = (np.quantile(ratios, INTERVAL) if ratios.size >= 20 else (0.5, 1.5))
    mae = float(np.mean(np.abs(np.minimum(forecasts, cap) - np.minimum(increase, cap)))) if len(frame) else None
    counts = frame.groupby("bin_id").size().to_dict()
    return FillModel(profile=chosen, uses_pattern=chosen is not flat, pattern_reason=reason, prior_rate=prior,
                     rates=rates, cycles={str(key): int(value) for key, value in counts.items()},
                     ratio_low=float(max(low, 0.0)), ratio_high=float(max(high, low)), cap=cap,
                     as_of=as_of if as_of is not None else end.max(), one_step_mae=mae)


def _interval_ratios(cycles: pd.DataFrame, rate_before: np.ndarray, longer: pd.DataFrame,
                     profile: np.ndarray) -> np.ndarray:
    """Actual over forecast rise for longer cycles, each forecast with the rate its bin had when the cycle began."""
    longer = longer.loc[~longer["censored"]]
    if longer.empty:
        return np.array([])
    bins = cycles["bin_id"].to_numpy()
    ends = cycles["end"].to_numpy(dtype="datetime64[us]")
    start = longer["start"].to_numpy(dtype="datetime64[us]")
    end = longer["end"].to_numpy(dtype="datetime64[us]")
    exposure = Exposure(min(start.min(), ends.min()), max(end.max(), ends.max()), profile).between(start, end)
    rate = np.full(len(longer), np.nan)
    for bin_id, positions in longer.groupby("bin_id").indices.items():
        mine = np.flatnonzero(bins == bin_id)
        if mine.size == 0:
            continue
        # The first short cycle ending after the long one starts was forecast with what was known at its start.
        after = np.searchsorted(ends[mine], start[positions], side="right")
        known = after < mine.size
        rate[positions[known]] = rate_before[mine[after[known]]]
    forecast = rate * exposure
    judged = np.isfinite(forecast) & (forecast > 1.0)
    return longer["increase"].to_numpy(dtype=float)[judged] / forecast[judged]


def _choose_pattern(frame: pd.DataFrame, cap: float, half_life_days: float,
                    *, forced: bool) -> tuple[np.ndarray | None, str]:
    """The weekly pattern, if it forecasts the newest quarter of cycles better than a flat rate (or if forced)."""
    if len(frame) < _MIN_CYCLES_FOR_PROFILE:
        return None, (f"Bins are assumed to fill at a steady rate through the week: {len(frame):,} fill cycles are "
                      f"too few to learn a weekly pattern (at least {_MIN_CYCLES_FOR_PROFILE} are needed).")
    cut = np.quantile(frame["end"].to_numpy(dtype="datetime64[us]").astype(np.int64), 0.75)
    older = frame.loc[frame["end"].to_numpy(dtype="datetime64[us]").astype(np.int64) <= cut]
    weekly = fit_profile(older, cap)
    if forced:
        return fit_profile(frame, cap, start_from=weekly, rounds=5), ("Bins fill following a weekly pattern (set "
                                                                      "in the command).")
    errors = {}
    start = frame["start"].to_numpy(dtype="datetime64[us]")
    end = frame["end"].to_numpy(dtype="datetime64[us]")
    newer = end.astype(np.int64) > cut
    for name, profile in (("flat", np.ones(HOURS_OF_WEEK)), ("weekly", weekly)):
        exposure = Exposure(start.min(), end.max(), profile).between(start, end)
        old = ~newer
        prior = global_rate(frame["increase"].to_numpy()[old], exposure[old], frame["censored"].to_numpy()[old])
        forecasts, _ = one_step_forecasts(frame, exposure, prior, half_life_days=half_life_days)
        actual = np.minimum(frame["increase"].to_numpy(dtype=float), cap)
        errors[name] = float(np.mean(np.abs(np.minimum(forecasts[newer], cap) - actual[newer])))
    if errors["weekly"] < errors["flat"] * 0.99:
        return fit_profile(frame, cap, start_from=weekly, rounds=5), (
            f"Bins fill following a weekly pattern (busier at some hours and days than others): on the newest "
            f"quarter of the history it forecast with an average error of {errors['weekly']:.1f} points, against "
            f"{errors['flat']:.1f} for a steady rate.")
    return None, (f"Bins are assumed to fill at a steady rate through the week: a weekly pattern did not forecast "
                  f"the newest quarter of the history better ({errors['weekly']:.1f} points against "
                  f"{errors['flat']:.1f}).")


# --- cycles from sensor readings -------------------------------------------------------------------------------------

def cycles_from_readings(readings: pd.DataFrame, *, cap: float = 100.0, emptied_drop: float = 25.0,
                         at_least_hours: float = 0.0) -> pd.DataFrame:
    """Fill cycles from a bin sensor's usable readings (bin_id, time, fill; clock times): from each reading to the
    next (or, with ``at_least_hours``, to the first reading that many hours on), never across an emptying (a fall of
    more than ``emptied_drop`` points)."""
    frame = readings.sort_values(["bin_id", "time"], kind="stable", ignore_index=True)
    bins = frame["bin_id"].to_numpy()
    fill = frame["fill"].to_numpy(dtype=float)
    times = frame["time"].to_numpy(dtype="datetime64[us]")
    fall = np.r_[False, (bins[1:] == bins[:-1]) & (fill[1:] - fill[:-1] <= -emptied_drop)]
    # A new stretch begins at each bin's first reading and after each emptying.
    stretch = np.cumsum(np.r_[True, bins[1:] != bins[:-1]] | fall)
    if at_least_hours <= 0:
        keep = stretch[1:] == stretch[:-1]
        first, last = np.flatnonzero(keep), np.flatnonzero(keep) + 1
    else:
        first_list, last_list = [], []
        step = np.timedelta64(int(at_least_hours * 3600), "s")
        position = 0
        while position < len(frame) - 1:
            target = np.searchsorted(times[position:], times[position] + step) + position
            if target < len(frame) and stretch[target] == stretch[position]:
                first_list.append(position)
                last_list.append(target)
                position = target
            else:
                position = int(np.searchsorted(stretch, stretch[position], side="right"))
        first, last = np.array(first_list, dtype=np.int64), np.array(last_list, dtype=np.int64)
    return pd.DataFrame({"bin_id": bins[last], "start": times[first], "end": times[last],
                         "increase": fill[last] - fill[first], "censored": fill[last] >= cap})
