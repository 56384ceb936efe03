"""Fill forecasts checked by hand: a bin filling steadily, a weekly pattern found only where it is real, full
readings treated as 'at least', and times to the threshold with their interval."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from townhall.sensors import cycles_from_readings, fit_fill_model


def _readings(rate_per_hour, days: int = 28, bins: int = 3) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Bins read every two hours, emptied when they pass 90; ``rate_per_hour(times)`` gives each hour's rise."""
    times = pd.date_range("2026-02-02", periods=days * 12, freq="2h")
    rows = []
    for number in range(bins):
        fill = 0.0
        for moment in times:
            rows.append({"bin_id": f"B{number}", "time": moment, "fill": round(fill, 3)})
            fill += 2 * rate_per_hour(moment) * (1 + 0.5 * number)
            if fill > 90:
                fill = 0.0
    return pd.DataFrame(rows)


def test_a_bin_filling_two_points_an_hour_is_forecast_exactly() -> None:
    # One bin: the average bin it is pulled towards is itself, so its rate is exactly its own.
    model = fit_fill_model(cycles_from_readings(_readings(lambda _t: 2.0, bins=1)), pattern="flat")
    assert model.rate("B0") * 24 == pytest.approx(48.0, rel=1e-9)
    several = fit_fill_model(cycles_from_readings(_readings(lambda _t: 2.0)), pattern="flat")
    assert several.rate("B0") < several.rate("B1") < several.rate("B2")
    start = dt.datetime(2026, 3, 2, 6, 0)
    forecast = model.forecast("B0", 20.0, start, start + dt.timedelta(hours=10), threshold=80)
    assert forecast.expected == pytest.approx(40.0, rel=1e-6)
    # 60 points at 2 an hour: 30 hours.
    assert forecast.reaches_threshold == start + dt.timedelta(hours=30)
    assert forecast.low <= forecast.expected <= forecast.high


def test_a_weekly_pattern_is_used_only_where_the_data_has_one() -> None:
    daytime = _readings(lambda moment: 4.0 if 8 <= moment.hour < 20 else 0.2)
    steady = _readings(lambda _t: 2.0)
    found = fit_fill_model(cycles_from_readings(daytime))
    flat = fit_fill_model(cycles_from_readings(steady))
    assert found.uses_pattern and "weekly pattern" in found.pattern_reason
    assert not flat.uses_pattern
    noon, night = found.profile[12], found.profile[2]  # Monday 12:00 and 02:00
    assert noon > 3 * night


def test_a_cycle_that_ended_full_does_not_pull_the_rate_down() -> None:
    cycles = pd.DataFrame({"bin_id": ["B"] * 4, "start": pd.to_datetime(["2026-03-02 00:00", "2026-03-03 00:00",
                                                                        "2026-03-04 00:00", "2026-03-05 00:00"]),
                           "end": pd.to_datetime(["2026-03-02 10:00", "2026-03-03 10:00", "2026-03-04 20:00",
                                                  "2026-03-05 20:00"]),
                           "increase": [50.0, 50.0, 100.0, 100.0], "censored": [False, False, True, True]})
    model = fit_fill_model(cycles, pattern="flat")
    # 5 points an hour from the full cycles; the full ones say 'at least 5 an hour', not 'only 5 an hour'.
    assert model.rate("B") >= 5.0 - 1e-9
    naive = fit_fill_model(cycles.assign(censored=False), pattern="flat")
    assert model.rate("B") >= naive.rate("B")


def test_no_cycles_is_refused_plainly() -> None:
    from townhall.errors import TownhallError

    empty = pd.DataFrame({"bin_id": [], "start": pd.to_datetime([]), "end": pd.to_datetime([]),
                          "increase": np.array([]), "censored": np.array([], dtype=bool)})
    with pytest.raises(TownhallError, match="no fill cycles"):
        fit_fill_model(empty)
