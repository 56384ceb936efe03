"""Storing readings: append-only, duplicates dropped and counted, conflicts kept aside, out-of-order and late
readings counted, and every reading given a status."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from townhall.sensors import ReadingBatch, ingest_file, reading, status_counts, store_batch
from townhall.sensors.feeds import empty_readings

from .conftest import configure, room_rows


def _stored(workspace) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    with reading(workspace) as connection:
        return connection.execute("SELECT * FROM sensors.readings ORDER BY device_id, measure, reading_time").df()


def test_a_file_stored_twice_is_stored_once_and_the_repeat_is_counted_as_duplicates(sensor_workspace,
                                                                                     write_rows) -> None:
    path = write_rows(room_rows("R1", [20.0, 20.2, 20.1, 20.3]))
    first = ingest_file(sensor_workspace, path, "rooms")
    again = ingest_file(sensor_workspace, path, "rooms")
    assert (first.stored, first.duplicates) == (8, 0) and first.new_devices == 1
    assert (again.stored, again.duplicates) == (0, 8)
    assert len(_stored(sensor_workspace)) == 8
    with reading(sensor_workspace) as connection:
        batches = connection.execute("SELECT stored, duplicates FROM sensors.batches ORDER BY stored_at").fetchall()
    assert batches == [(8, 0), (0, 8)]


def test_a_second_value_for_the_same_time_is_kept_aside_and_the_first_stands(sensor_workspace, write_rows) -> None:
    ingest_file(sensor_workspace, write_rows(room_rows("R1", [20.0, 20.2])), "rooms")
    report = ingest_file(sensor_workspace, write_rows(room_rows("R1", [20.0, 25.0]), "again.csv"), "rooms")
    assert (report.duplicates, report.conflicts, report.stored) == (3, 1, 1)  # temperature 2 conflicts
    stored = _stored(sensor_workspace)
    second = stored.loc[(stored["measure"] == "temperature_c")].sort_values("status")
    assert second[["value", "status"]].values.tolist() == [[25.0, "conflicting duplicate"], [20.0, "ok"],
                                                           [20.2, "ok"]]


def test_out_of_order_and_late_readings_are_stored_and_counted(sensor_workspace, write_rows) -> None:
    ingest_file(sensor_workspace, write_rows(room_rows("R1", [20.0, 20.1, 20.2])), "rooms")
    earlier = pd.DataFrame({"device_id": ["R1"], "measure": ["temperature_c"],
                            "reading_time": [pd.Timestamp("2026-01-04 23:00")], "value": [19.9], "flagged": [False]})
    report = store_batch(sensor_workspace, ReadingBatch(readings=earlier, origin="a device", rows_read=1),
                         channel="http", received_at=dt.datetime(2026, 1, 5, 9, 0))
    assert (report.stored, report.out_of_order, report.late) == (1, 1, 1)
    stored = _stored(sensor_workspace)
    earliest = stored.loc[stored["reading_time"] == pd.Timestamp("2026-01-04 23:00")]
    assert earliest[["late", "out_of_order"]].values.tolist() == [[True, True]]


def test_readings_from_devices_not_in_the_register_are_refused_with_their_names(sensor_workspace) -> None:
    readings = pd.DataFrame({"device_id": ["GHOST-1"], "measure": ["fill_pct"],
                             "reading_time": [pd.Timestamp("2026-01-05")], "value": [10.0], "flagged": [False]})
    report = store_batch(sensor_workspace, ReadingBatch(readings=readings, origin="mqtt", rows_read=1),
                         channel="mqtt")
    assert report.stored == 0 and report.rejected == 1 and "GHOST-1" in report.problems[-1]
    assert store_batch(sensor_workspace, ReadingBatch(readings=empty_readings(), origin="nothing"),
                       channel="mqtt").stored == 0


def test_each_reading_gets_its_status_spikes_stuck_values_range_and_flat_batteries(sensor_workspace,
                                                                                   write_rows) -> None:
    steady = [20.0 + 0.1 * (hour % 3) for hour in range(40)]
    steady[5] = 85.0  # a spike: a jump away and straight back
    steady[8] = 120.0  # beyond what the sensor can report
    stuck = [20.0 + 0.1 * (hour % 3) for hour in range(10)] + [19.7] * 30
    rows = room_rows("R1", steady) + room_rows("R2", stuck) + room_rows("R3", [20.0] * 5, battery=3.0)
    configured = configure(sensor_workspace, sensors={"measures": {
        "temperature_c": {"unit": "°C", "lowest": -30, "highest": 90, "max_change_per_hour": 10, "stuck_hours": 24},
        "battery_pct": {"lowest": 0, "highest": 100, "stuck_hours": 0}}})
    report = ingest_file(configured, write_rows(rows), "rooms")
    stored = _stored(configured)
    temperature = stored.loc[stored["measure"] == "temperature_c"].set_index(["device_id", "reading_time"])["status"]
    spike = temperature.xs("R1").iloc[5]
    assert spike == "jump" and temperature.xs("R1").iloc[6] == "ok"  # coming back down is not a jump
    assert temperature.xs("R1").iloc[8] == "out of range"
    stuck_status = temperature.xs("R2")
    # The run of 19.7 starts at hour 10; it is stuck once it has lasted 24 hours (hour 34 onwards).
    assert (stuck_status.iloc[10:34] == "ok").all() and (stuck_status.iloc[34:] == "stuck").all()
    assert (temperature.xs("R3") == "flat battery").all()
    assert report.statuses["jump"] == 1 and status_counts(configured)["stuck"] == 6


def test_a_bin_reading_full_for_days_is_full_not_stuck(workspace, write_rows) -> None:
    feed = {"device": "bin", "time": "at", "measures": {"fill_pct": "fill"}, "asset_type": "bin"}
    configured = configure(workspace, sensors={"feeds": {"bins": feed}})
    times = pd.date_range("2026-03-02", periods=40, freq="2h")
    rows = [{"bin": "LB-1", "at": moment.isoformat(), "fill": 100.0} for moment in times]
    report = ingest_file(configured, write_rows(rows), "bins")
    assert report.statuses == {"ok": 40}
    configured.close()
