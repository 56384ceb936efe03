"""Feeds in: the same readings from CSV, JSON lines and Parquet; times read from their values; problems named."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from townhall.errors import InputFileError
from townhall.sensors import MessageError, parse_message, read_feed_file
from townhall.sensors.feeds import parse_times
from townhall.settings.sensors import FeedSettings

from .conftest import ROOM_FEED, room_rows

FEED = FeedSettings(**ROOM_FEED)


@pytest.mark.parametrize("name", ["readings.csv", "readings.jsonl", "readings.parquet"])
def test_csv_json_lines_and_parquet_give_the_same_readings(write_rows, name: str) -> None:
    rows = room_rows("R1", [20.5, 20.4, 20.1])
    batch = read_feed_file(write_rows(rows, name), FEED, "rooms")
    assert batch.rows_read == 3 and batch.rejected == 0
    temperatures = batch.readings.loc[batch.readings["measure"] == "temperature_c"]
    assert temperatures["value"].tolist() == [20.5, 20.4, 20.1]
    # 5 January is winter: the UK clock is UTC.
    assert temperatures["reading_time"].iloc[0] == pd.Timestamp("2026-01-05 00:00")
    assert set(batch.readings["measure"]) == {"temperature_c", "battery_pct"}
    assert batch.devices.loc[0, "asset_type"] == "sheltered_room" and batch.devices.loc[0, "asset_name"] == "Flat R1"


def test_clock_times_in_summer_are_moved_to_utc_and_offsets_are_kept() -> None:
    local, bad, note = parse_times(pd.Series(["01/07/2026 09:00", "2026-07-01T09:00:00+02:00",
                                              "2026-07-01T09:00:00Z"]), "Europe/London")
    assert not bad.any() and "day first" in note
    assert local.tolist() == [pd.Timestamp("2026-07-01 08:00"), pd.Timestamp("2026-07-01 07:00"),
                              pd.Timestamp("2026-07-01 09:00")]
    seconds, bad, note = parse_times(pd.Series([1_767_225_600, 1_767_229_200]), "Europe/London")
    assert seconds.iloc[0] == pd.Timestamp("2026-01-01 00:00") and "seconds since" in note


def test_rows_that_cannot_be_read_are_named_by_row_and_field_and_the_rest_kept(write_rows) -> None:
    rows = room_rows("R1", [20.5, 20.4, 20.1])
    rows[1]["taken"] = "yesterday"
    rows[2]["temp"] = "warm"
    batch = read_feed_file(write_rows(rows), FEED, "rooms")
    assert batch.rejected == 3  # row 3: both measures; row 4: its temperature
    assert any("row 3" in problem and "'taken'" in problem for problem in batch.problems)
    assert any("row 4" in problem and "'temp'" in problem and "'warm'" in problem for problem in batch.problems)
    assert len(batch.readings) == 3


def test_a_feed_whose_column_is_missing_says_which_setting_to_change(write_rows) -> None:
    rows = [{"device": "R1", "taken": "2026-01-05T00:00:00Z", "temp": 20}]
    with pytest.raises(InputFileError, match=r"no column 'sensor'.*\[sensors.feeds.rooms\] device"):
        read_feed_file(write_rows(rows), FEED, "rooms")


def test_a_device_message_can_list_readings_or_values_and_bad_ones_are_refused_plainly() -> None:
    listed = parse_message(b'{"readings": [{"time": "2026-01-05T08:00:00Z", "measure": "fill_pct", "value": 43}]}',
                           "LB-1")
    wide = parse_message({"time": 1_767_600_000, "values": {"fill_pct": 43, "battery_pct": 80}}, "LB-1")
    assert listed["reading_time"].iloc[0] == pd.Timestamp(dt.datetime(2026, 1, 5, 8))
    assert sorted(wide["measure"]) == ["battery_pct", "fill_pct"] and (wide["device_id"] == "LB-1").all()
    for body, words in ((b"not json", "not JSON"), (b'{"readings": []}', "holds no readings"),
                        (b'[{"measure": "x", "value": 1}]', "needs a time"),
                        (b'[{"time": "2026-01-05T08:00:00Z", "measure": "x", "value": "high"}]', "not a number"),
                        (b'[{"time": "soon", "measure": "x", "value": 1}]', "could not be read")):
        with pytest.raises(MessageError, match=words):
            parse_message(body, "LB-1")
