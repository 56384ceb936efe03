"""Was it worth it? The replay of the same readings under a fixed schedule and under sensor-driven collection."""

from __future__ import annotations

from townhall.routes import simulate_collections
from townhall.routes.simulate import current_schedule


def test_both_ways_of_working_are_replayed_over_the_same_days(town) -> None:
    result = simulate_collections(town, days=5, learn_days=10, iterations=60)
    # Thursday 12 to Monday 16 March: crews work Thursday, Friday and Monday.
    assert (result.first_day.isoformat(), result.round_days, result.bins) == ("2026-03-12", 3, 12)
    for way in (result.fixed, result.sensor):
        assert way.collections > 0 and way.miles > 0
        assert way.under_half <= way.collections and way.found_over_threshold <= way.collections
    assert len(result.per_day()) == 6 and result.table()[0][0] == "Miles driven"


def test_todays_schedule_is_read_from_when_bins_are_emptied(town) -> None:
    from townhall.sensors import bin_readings

    readings = bin_readings(town)
    schedule = dict(zip(sorted(readings["bin_id"].unique()), current_schedule(
        readings, sorted(readings["bin_id"].unique()), 7), strict=True))
    # Bin 0 fills 6 points every two hours from 0: full (95+) after about 32 hours, so emptied every day or two.
    assert schedule["B00"] <= 2 and schedule["B01"] > schedule["B00"]
