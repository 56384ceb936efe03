"""Rules and alerts: raised once when a condition has held long enough, cleared once past the clearing value, the
same whether the readings come in one batch or several."""

from __future__ import annotations

import pandas as pd
import pytest

from townhall.sensors import alert_history, ingest_file, reading

from .conftest import configure, room_rows

COLD = {"name": "cold", "asset_type": "sheltered_room", "measure": "temperature_c", "kind": "below",
        "threshold": 18, "clear": 19, "for_minutes": 180, "description": "Cold room."}


def _events(workspace) -> list[tuple[str, str, pd.Timestamp]]:  # type: ignore[no-untyped-def]
    with reading(workspace) as connection:
        rows = connection.execute("SELECT event, rule, event_time FROM sensors.alert_events "
                                  "ORDER BY event_time, event DESC").fetchall()
    return [(event, rule, pd.Timestamp(moment)) for event, rule, moment in rows]


def test_a_reading_hovering_around_the_threshold_raises_one_alert_and_clears_once(sensor_workspace,
                                                                                  write_rows) -> None:
    temperatures = [21.0, 21.0, 17.0, 17.0, 17.0, 17.0, 18.3, 17.7, 18.4, 17.8, 18.5, 20.5, 21.0]
    configured = configure(sensor_workspace, sensors={"rules": [COLD]})
    ingest_file(configured, write_rows(room_rows("R1", temperatures)), "rooms")
    # Below 18 from 02:00; three hours later (05:00) the alert is raised; 18.3-18.5 never reach 19; 20.5 clears it.
    assert _events(configured) == [("raised", "cold", pd.Timestamp("2026-01-05 05:00")),
                                   ("cleared", "cold", pd.Timestamp("2026-01-05 11:00"))]


def test_a_short_dip_raises_nothing(sensor_workspace, write_rows) -> None:
    configured = configure(sensor_workspace, sensors={"rules": [COLD]})
    ingest_file(configured, write_rows(room_rows("R1", [21.0, 17.0, 17.0, 17.0, 21.0])), "rooms")
    assert _events(configured) == []


def test_an_alert_carries_across_batches_as_if_they_were_one(sensor_workspace, write_rows) -> None:
    configured = configure(sensor_workspace, sensors={"rules": [COLD]})
    rows = room_rows("R1", [21.0, 17.0, 17.0, 17.0, 17.0, 17.0, 21.0])
    ingest_file(configured, write_rows(rows[:3], "first.csv"), "rooms")
    assert _events(configured) == []
    ingest_file(configured, write_rows(rows[3:5], "second.csv"), "rooms")
    ingest_file(configured, write_rows(rows[5:], "third.csv"), "rooms")
    assert [event for event, _, _ in _events(configured)] == ["raised", "cleared"]
    with reading(configured) as connection:
        history = alert_history(connection)
    assert history.loc[0, "raised_at"] == pd.Timestamp("2026-01-05 04:00") and history.loc[0, "raised_value"] == 17.0


@pytest.mark.parametrize(("rule", "temperatures", "expected"), [
    ({"kind": "falling", "threshold": 3, "clear": 0.5}, [20, 20, 16, 12, 11.8, 11.9], ["raised", "cleared"]),
    ({"kind": "between", "threshold": 20, "high": 45, "clear": 2}, [60, 60, 40, 41, 40, 47.5], ["raised", "cleared"]),
    ({"kind": "above", "threshold": 26, "clear": 24}, [22, 27, 25, 27, 23], ["raised", "cleared"]),
])
def test_rates_ranges_and_upper_limits_raise_and_clear(sensor_workspace, write_rows, rule, temperatures,
                                                        expected) -> None:
    configured = configure(sensor_workspace, sensors={"rules": [
        {"name": "rule", "asset_type": "sheltered_room", "measure": "temperature_c", **rule}]})
    ingest_file(configured, write_rows(room_rows("R1", [float(value) for value in temperatures])), "rooms")
    assert [event for event, _, _ in _events(configured)] == expected


def test_a_rule_that_cannot_clear_is_refused_when_settings_are_read(sensor_workspace) -> None:
    from townhall.settings import SettingsError

    configured = configure(sensor_workspace, sensors={"rules": [{**COLD, "clear": 17}]})
    with pytest.raises(SettingsError, match="must clear at or above its threshold"):
        _ = configured.settings.sensors
