"""Collection logs: a supplier's record of each collection with the fill level found (Edinburgh's 2016 litter-bin
export is one), used to learn fill rates, to test the fill forecast out of time, and to ask what a sensor-driven plan
would have skipped.

The out-of-time test predicts the fill found at each collection from earlier collections only (the weekly pattern and
the average bin refitted each week on the weeks before; each bin's rate from its own earlier collections), and sets it
beside the naive forecast "the same as last time". The skip analysis replays the log: at each collection a
sensor-driven plan skips the bin if, even at the high end of the forecast interval, it will not reach the collection
threshold by the next round; a skipped bin carries its fill into the next round, where the log says how much it
really gained.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from townhall.errors import InputFileError
from townhall.sensors.feeds import parse_times
from townhall.sensors.forecast import (
    HALF_LIFE_DAYS,
    INTERVAL,
    Exposure,
    _choose_pattern,
    global_rate,
    one_step_forecasts,
)
from townhall.settings.sensors import CollectionLogSettings

LOG_TOP = 100.0  # a log's highest fill reading
HALF = 50.0
_HEADER_SEARCH_ROWS = 30
_FIRST_WEEKS_TO_LEARN = 2


@dataclass
class CollectionLog:
    """Collections as read: one row per collection, with what was found and what could not be read."""

    frame: pd.DataFrame  # bin_id, bin_name, time, fill_before, fill_after, flagged, volume_litres, weight_kg
    origin: str
    full_means_pct: float
    problems: list[str] = field(default_factory=list)

    @property
    def bins(self) -> int:
        """How many bins the log covers."""
        return int(self.frame["bin_id"].nunique())

    def flag_summary(self) -> str | None:
        """What the supplier's flag marks, and whether flagged readings look any different."""
        if "flagged" not in self.frame or self.frame["flagged"].isna().all():
            return None
        flagged = self.frame["flagged"].astype(bool)
        share = flagged.mean()
        if share in (0.0, 1.0):
            return f"The supplier's flag is {'set on every' if share else 'set on no'} collection."
        with_flag = self.frame.loc[flagged, "fill_before"].mean()
        without = self.frame.loc[~flagged, "fill_before"].mean()
        text = (f"The supplier's flag is set on {share:.0%} of collections (average fill {with_flag:.0f} with it, "
                f"{without:.0f} without).")
        if share > 0.5:
            text += (" A flag on most readings cannot mean they are wrong, and the fills look alike either way, so "
                     "townhall reports it and uses every reading.")
        return text


def _match(columns: list[str], wanted: str | None, setting: str, origin: str, *, required: bool) -> str | None:
    """A column by exact name, ignoring capitals, or as the one heading that starts with the setting's text."""
    if wanted is None:
        return None
    if wanted in columns:
        return wanted
    folded = [str(column).strip().lower() for column in columns]
    target = wanted.strip().lower()
    if target in folded:
        return columns[folded.index(target)]
    starting = [column for column, name in zip(columns, folded, strict=True) if name.startswith(target)]
    if len(starting) == 1:
        return starting[0]
    if required:
        raise InputFileError(origin, f"it has no column '{wanted}' (the setting [sensors.collection_log] {setting} "
                                     f"names it). Its columns are: {', '.join(map(str, columns[:25]))}.")
    return None


def read_collection_log(path: str | Path, settings: CollectionLogSettings | None = None) -> CollectionLog:
    """Read a collection log (Excel, CSV or Parquet), finding its heading row among the first rows (exports often
    start with a title or totals), and checking every row."""
    settings = settings or CollectionLogSettings()
    file = Path(path)
    if not file.exists():
        raise InputFileError(file.name, f"there is no such file ({file}).")
    suffix = file.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            raw = pd.read_excel(file, sheet_name=settings.sheet or 0, header=None, dtype=object)
        elif suffix == ".parquet":
            raw = pd.read_parquet(file)
            raw = pd.concat([pd.DataFrame([raw.columns], columns=raw.columns), raw], ignore_index=True)
            raw.columns = range(raw.shape[1])
        else:
            raw = pd.read_csv(file, header=None, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise InputFileError(file.name, f"it could not be read ({error}).") from None
    header_row = _header_row(raw, settings, file.name)
    frame = raw.iloc[header_row + 1:].reset_index(drop=True)
    frame.columns = [str(value).strip() for value in raw.iloc[header_row]]
    columns = list(frame.columns)
    bin_column = _match(columns, settings.bin, "bin", file.name, required=True)
    time_column = _match(columns, settings.time, "time", file.name, required=True)
    fill_column = _match(columns, settings.fill_before, "fill_before", file.name, required=True)
    optional = {key: _match(columns, getattr(settings, key), key, file.name, required=False)
                for key in ("bin_name", "fill_after", "flag", "volume_litres", "weight_kg")}
    row_number = pd.Series(np.arange(len(frame)) + header_row + 2, index=frame.index)
    problems: list[str] = []
    bin_id = frame[bin_column].astype("string").fillna("").str.strip().str.replace(r"\.0$", "", regex=True)
    times, bad_time, _ = parse_times(frame[time_column].astype("string"), settings.timezone)
    fill = pd.to_numeric(frame[fill_column], errors="coerce")
    bad = (bin_id == "") | bad_time | fill.isna()
    for mask, name, what in (((bin_id == ""), bin_column, "no bin named"), (bad_time, time_column,
                                                                            "the time could not be read"),
                             (fill.isna(), fill_column, "the fill level is not a number")):
        if mask.any():
            rows = row_number[mask].head(5).tolist()
            problems.append(f"{file.name}, field '{name}': {what} on {int(mask.sum()):,} row(s) (first: "
                            f"{', '.join(map(str, rows))}); those collections were left out.")
    # Times are kept as the council's clock shows them: fill patterns follow people's days.
    local = times.dt.tz_localize("UTC").dt.tz_convert(settings.timezone).dt.tz_localize(None)
    result = pd.DataFrame({"bin_id": bin_id, "time": local.astype("datetime64[us]"), "fill_before": fill})
    result["bin_name"] = (frame[optional["bin_name"]].astype("string").fillna("") if optional["bin_name"]
                          else result["bin_id"])
    result["fill_after"] = pd.to_numeric(frame[optional["fill_after"]], errors="coerce").fillna(0.0) \
        if optional["fill_after"] else 0.0
    result["flagged"] = (frame[optional["flag"]].astype("string").str.strip().str.lower().isin(
        ["true", "yes", "y", "1", "t"])) if optional["flag"] else pd.NA
    for key in ("volume_litres", "weight_kg"):
        result[key] = pd.to_numeric(frame[optional[key]], errors="coerce") if optional[key] else np.nan
    result = result.loc[~bad]
    over = result["fill_before"] > LOG_TOP
    if over.any():
        problems.append(f"{file.name}: {int(over.sum()):,} fill levels above {LOG_TOP:g} were read as "
                        f"{LOG_TOP:g} (full).")
        result.loc[over, "fill_before"] = LOG_TOP
    duplicate = result.duplicated(["bin_id", "time"], keep="first")
    if duplicate.any():
        problems.append(f"{file.name}: {int(duplicate.sum()):,} collections repeat an earlier one (same bin and "
                        "time) and were counted once.")
        result = result.loc[~duplicate]
    result = result.sort_values(["bin_id", "time"], kind="stable", ignore_index=True)
    return CollectionLog(frame=result, origin=file.name, full_means_pct=settings.full_means_pct, problems=problems)


def _header_row(raw: pd.DataFrame, settings: CollectionLogSettings, origin: str) -> int:
    """The first row holding the bin and time headings."""
    for position in range(min(_HEADER_SEARCH_ROWS, len(raw))):
        cells = [str(value).strip() for value in raw.iloc[position].tolist() if pd.notna(value)]
        if (_match(cells, settings.bin, "bin", origin, required=False)
                and _match(cells, settings.time, "time", origin, required=False)):
            return position
    raise InputFileError(origin, f"none of its first {_HEADER_SEARCH_ROWS} rows holds the headings '{settings.bin}' "
                                 f"and '{settings.time}' ([sensors.collection_log] bin and time): set them to the "
                                 "log's own headings.")


def log_cycles(log: CollectionLog) -> pd.DataFrame:
    """Fill cycles between collections of the same bin: from the fill left after one to the fill found at the next."""
    frame = log.frame
    same = frame["bin_id"].to_numpy()[1:] == frame["bin_id"].to_numpy()[:-1]
    start = frame["time"].to_numpy(dtype="datetime64[us]")[:-1][same]
    end = frame["time"].to_numpy(dtype="datetime64[us]")[1:][same]
    before = frame["fill_before"].to_numpy(dtype=float)
    after = frame["fill_after"].to_numpy(dtype=float)
    return pd.DataFrame({"bin_id": frame["bin_id"].to_numpy()[1:][same], "start": start, "end": end,
                         "increase": before[1:][same] - after[:-1][same], "left_after": after[:-1][same],
                         "found": before[1:][same], "previous_found": before[:-1][same],
                         "censored": before[1:][same] >= LOG_TOP, "row": np.arange(1, len(frame))[same]})


@dataclass
class LogBacktest:
    """The out-of-time test of fill forecasts on a collection log, beside the naive forecast."""

    collections: int  # collections forecast (each has an earlier one of its bin)
    model_mae: float
    naive_mae: float
    interval_coverage: float  # share of collections found within the 80% interval (those not found full)
    weeks: int
    pattern_weeks: int  # weeks in which the weekly pattern was chosen
    per_week: pd.DataFrame  # week, collections, model_mae, naive_mae
    skip: SkipAnalysis | None = None

    @property
    def improvement(self) -> float:
        """How much smaller the model's error is than the naive forecast's (a share)."""
        return 1 - self.model_mae / self.naive_mae if self.naive_mae else 0.0

    def describe(self) -> list[str]:
        """The result in plain English."""
        return [
            f"Forecasting the fill found at {self.collections:,} collections from earlier collections only, the "
            f"model was wrong by {self.model_mae:.1f} points on average (mean absolute error), against "
            f"{self.naive_mae:.1f} for 'the same as last time': {self.improvement:.0%} smaller.",
            f"The 80% interval held the fill found at {self.interval_coverage:.0%} of collections (bins not found "
            "full).",
            f"The weekly pattern was used in {self.pattern_weeks} of {self.weeks} weeks (only where it forecast "
            "recent collections better than a steady rate).",
        ]


@dataclass
class SkipAnalysis:
    """What a sensor-driven plan would have done with the same visits: which collections it skips and at what risk."""

    visits: int  # visits with a next round to judge by
    skipped: int
    skipped_then_over: int  # skipped bins that passed the threshold before the next round
    threshold: float  # in the log's own scale
    log_collections: int
    log_found_over: int
    log_under_half: int
    plan_collections: int
    plan_found_over: int
    plan_under_half: int

    def describe(self, full_means_pct: float) -> list[str]:
        """The result in plain English."""
        share = self.skipped / self.visits if self.visits else 0.0
        risky = self.skipped_then_over / self.skipped if self.skipped else 0.0
        return [
            f"A sensor-driven plan would have skipped {self.skipped:,} of {self.visits:,} collections ({share:.0%}): "
            "those whose bin, even at the high end of its forecast, would not be full by the next round.",
            f"{self.skipped_then_over:,} of the skipped bins ({risky:.1%}) would then have passed {self.threshold:g}% "
            f"(the log's full, which is {full_means_pct:g}% physically full) before the next round.",
            f"As logged, {self.log_found_over:,} of {self.log_collections:,} collections found the bin at "
            f"{self.threshold:g}% and {self.log_under_half:,} found it under half full (under {HALF:g} on the log's "
            f"scale); the sensor-driven plan makes {self.plan_collections:,} collections, finding "
            f"{self.plan_found_over:,} at {self.threshold:g}% and {self.plan_under_half:,} under half full.",
        ]


def backtest_collection_log(log: CollectionLog, *, refit_days: int = 7, pattern: str = "auto",
                            threshold: float = LOG_TOP) -> LogBacktest:
    """Test fill forecasts out of time on a collection log, beside 'the same as last time', and replay the log with
    a sensor-driven plan that skips collections not needed before the next round."""
    cycles = log_cycles(log).sort_values(["bin_id", "end"], kind="stable", ignore_index=True)
    if cycles.empty:
        raise InputFileError(log.origin, "no bin was collected twice, so there is nothing to learn from.")
    end = cycles["end"].to_numpy(dtype="datetime64[us]")
    start = cycles["start"].to_numpy(dtype="datetime64[us]")
    first = end.min().astype("datetime64[D]") + np.timedelta64(_FIRST_WEEKS_TO_LEARN * 7, "D")
    cuts = np.arange(first, end.max() + np.timedelta64(refit_days, "D"), np.timedelta64(refit_days, "D"))
    forecast_at_end = np.full(len(cycles), np.nan)
    forecast_from_start = np.full(len(cycles), np.nan)
    high_from_start = np.full(len(cycles), np.nan)
    low_at_end = np.full(len(cycles), np.nan)
    high_at_end = np.full(len(cycles), np.nan)
    weeks = pattern_weeks = 0
    for cut_from, cut_to in itertools.pairwise(cuts):
        cut_from = cut_from.astype("datetime64[us]")
        cut_to = cut_to.astype("datetime64[us]")
        ends_in = (end >= cut_from) & (end < cut_to)
        starts_in = (start >= cut_from) & (start < cut_to)
        if not (ends_in.any() or starts_in.any()):
            continue
        known = cycles.loc[end < cut_from]
        profile = np.ones(168)
        if pattern != "flat":
            weekly, _ = _choose_pattern(known, LOG_TOP, HALF_LIFE_DAYS, forced=pattern == "weekly") if len(known) else (
                None, "")
            if weekly is not None:
                profile = weekly
                pattern_weeks += 1
        weeks += 1
        usable = start < cut_to
        exposure = Exposure(start.min(), end.max(), profile).between(start, end)
        prior = global_rate(cycles["increase"].to_numpy()[end < cut_from], exposure[end < cut_from],
                            cycles["censored"].to_numpy()[end < cut_from])
        subset = cycles.loc[usable]
        forecasts, _ = one_step_forecasts(subset, exposure[usable], prior)
        predicted = np.full(len(cycles), np.nan)
        predicted[usable] = forecasts
        judged = (end < cut_from) & ~cycles["censored"].to_numpy() & (predicted > 1.0)
        ratios = cycles["increase"].to_numpy()[judged] / predicted[judged]
        low, high = np.quantile(ratios, INTERVAL) if ratios.size >= 20 else (0.5, 1.5)
        forecast_at_end[ends_in] = predicted[ends_in]
        low_at_end[ends_in] = predicted[ends_in] * low
        high_at_end[ends_in] = predicted[ends_in] * high
        forecast_from_start[starts_in] = predicted[starts_in]
        high_from_start[starts_in] = predicted[starts_in] * high
    left = cycles["left_after"].to_numpy(dtype=float)
    found = cycles["found"].to_numpy(dtype=float)
    judged = ~np.isnan(forecast_at_end)
    model_fill = np.minimum(left + forecast_at_end, LOG_TOP)
    naive_fill = cycles["previous_found"].to_numpy(dtype=float)
    model_error = np.abs(model_fill - found)
    naive_error = np.abs(naive_fill - found)
    uncensored = judged & (found < LOG_TOP)
    inside = (found >= np.minimum(left + low_at_end, LOG_TOP)) & (found <= np.minimum(left + high_at_end, LOG_TOP))
    week = pd.Series(end.astype("datetime64[D]")).dt.to_period("W-SUN").dt.start_time
    per_week = pd.DataFrame({"week": week[judged].to_numpy(), "model": model_error[judged],
                             "naive": naive_error[judged]}).groupby("week").agg(
        collections=("model", "size"), model_mae=("model", "mean"), naive_mae=("naive", "mean")).reset_index()
    result = LogBacktest(collections=int(judged.sum()), model_mae=float(model_error[judged].mean()),
                         naive_mae=float(naive_error[judged].mean()),
                         interval_coverage=float(inside[uncensored].mean()) if uncensored.any() else float("nan"),
                         weeks=weeks, pattern_weeks=pattern_weeks, per_week=per_week)
    result.skip = _replay_skips(log, cycles, high_from_start, threshold)
    return result


def _replay_skips(log: CollectionLog, cycles: pd.DataFrame, high_from_start: np.ndarray,
                  threshold: float) -> SkipAnalysis:
    """Replay each bin's visits: skip when the high forecast of the fill at the next visit stays under the
    threshold; a skipped bin keeps its fill, and gains what the log says it gained by the next visit."""
    frame = log.frame
    found_all = frame["fill_before"].to_numpy(dtype=float)
    # The cycle starting at each visit (row of the log), if the bin was visited again.
    next_cycle = np.full(len(frame), -1)
    next_cycle[cycles["row"].to_numpy() - 1] = np.arange(len(cycles))
    bins = frame["bin_id"].to_numpy()
    visits = skipped = skipped_then_over = 0
    plan_collections = plan_over = plan_half = 0
    judged_rows = np.zeros(len(frame), dtype=bool)
    carry = 0.0
    gained = cycles["increase"].to_numpy(dtype=float)
    for row in range(len(frame)):
        if row == 0 or bins[row] != bins[row - 1]:
            carry = 0.0
        fill = min(carry + found_all[row], LOG_TOP) if carry else found_all[row]
        following = next_cycle[row]
        high = high_from_start[following] if following >= 0 else np.nan
        if following < 0 or np.isnan(high):
            carry = 0.0  # no next round to judge by, or too early to forecast: the plan collects as logged
            continue
        visits += 1
        judged_rows[row] = True
        gained_by_next = gained[following]
        if fill < threshold and fill + high < threshold:
            skipped += 1
            if fill + gained_by_next >= threshold:
                skipped_then_over += 1
            carry = fill
            continue
        plan_collections += 1
        plan_over += fill >= threshold
        plan_half += fill < HALF
        carry = 0.0
    logged = found_all[judged_rows]
    return SkipAnalysis(visits=visits, skipped=skipped, skipped_then_over=skipped_then_over, threshold=threshold,
                        log_collections=int(judged_rows.sum()), log_found_over=int((logged >= threshold).sum()),
                        log_under_half=int((logged < HALF).sum()), plan_collections=plan_collections,
                        plan_found_over=int(plan_over), plan_under_half=int(plan_half))
