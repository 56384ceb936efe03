"""Edinburgh's 2016 litter-bin export (real data in ../shared/data): read as exported, and the fill forecast tested
out of time against 'the same as last time'."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.sensors import backtest_collection_log, read_collection_log

EXPORT = Path(__file__).resolve().parents[3] / "shared" / "data" / "edinburgh-bins" / "edinburgh_raw_bin_data.xlsx"


@pytest.fixture(scope="module")
def edinburgh():  # type: ignore[no-untyped-def]
    if not EXPORT.exists():
        pytest.skip(f"The Edinburgh bin export is not here ({EXPORT}); it comes with the project's shared data.")
    return read_collection_log(EXPORT)


@pytest.mark.slow
def test_the_export_is_read_past_its_totals_row_with_every_collection(edinburgh) -> None:
    assert len(edinburgh.frame) == 10_000 and edinburgh.bins == 334
    assert edinburgh.frame["fill_before"].between(0, 100).all()
    assert "98% of collections" in edinburgh.flag_summary()


@pytest.mark.slow
def test_fill_forecasts_beat_the_same_as_last_time_out_of_time(edinburgh) -> None:
    result = backtest_collection_log(edinburgh)
    assert result.collections > 8_000
    assert result.model_mae < result.naive_mae * 0.95
    assert 0.6 < result.interval_coverage < 0.95
    skip = result.skip
    assert 0 < skip.skipped < skip.visits and skip.skipped_then_over <= skip.skipped
    assert skip.plan_collections == skip.visits - skip.skipped
    # As logged, about 13% of collections found the bin under half full (the figure).
    assert 0.10 < skip.log_under_half / skip.log_collections < 0.14
