"""The demo's three feeds end to end: the sheltered-housing feed's planted cold spells and legionella-range water
raise exactly the alerts they should, its transmission faults are counted, and its faulty devices are listed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from townhall.sensors import alert_history, device_health, ingest_file, ingest_source, reading


@pytest.fixture(scope="module")
def demo_with_sensors(linked_demo_folder: Path, copy_and_open, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A copy of the linked demo with its sheltered-housing feed and building temperatures stored."""
    with copy_and_open(linked_demo_folder, tmp_path_factory.mktemp("sensors") / "ashbury") as workspace:
        feed = workspace.path / "demo-data" / "sources" / "sheltered_housing_sensors.jsonl"
        report = ingest_file(workspace, feed, "sheltered")
        buildings = ingest_source(workspace, "buildings")
        yield workspace, report, buildings


def _truth(workspace, name: str):  # type: ignore[no-untyped-def]
    return workspace.path / "demo-data" / "truth" / name


def test_every_planted_cold_spell_and_legionella_event_raises_one_alert_and_nothing_else_does(
        demo_with_sensors) -> None:
    workspace, report, _ = demo_with_sensors
    events = pd.read_csv(_truth(workspace, "sheltered_housing_events.csv"), parse_dates=["start", "end"])
    with reading(workspace) as connection:
        history = alert_history(connection)
    sheltered = history.loc[history["device_id"].str.startswith("SH")]
    expected = events.loc[events["should_alert"]]
    assert len(sheltered) == len(expected) and sheltered["cleared_at"].notna().all()
    for event in expected.itertuples(index=False):
        raised = sheltered.loc[sheltered["device_id"] == event.device_id, "raised_at"]
        assert len(raised) == 1, event
        assert event.start <= raised.iloc[0] <= event.end, event
    quiet = events.loc[~events["should_alert"] & (events["kind"] == "short dip"), "device_id"]
    assert not sheltered["device_id"].isin(quiet).any()
    assert report.alerts_raised == len(expected)


def test_the_feeds_transmission_faults_are_counted(demo_with_sensors) -> None:
    workspace, report, _ = demo_with_sensors
    planted = json.loads(_truth(workspace, "planted_effects.json").read_text())["sheltered_housing_sensors"]
    assert report.duplicates == planted["repeated_lines"]
    assert report.conflicts == planted["conflicting_lines"]
    assert report.out_of_order >= planted["late_lines"]
    assert report.statuses["stuck"] > 0 and report.statuses["flat battery"] > 0


def test_the_devices_to_fix_include_the_flat_battery_and_the_stuck_sensor(demo_with_sensors) -> None:
    workspace, _, buildings = demo_with_sensors
    events = pd.read_csv(_truth(workspace, "sheltered_housing_events.csv"))
    with reading(workspace) as connection:
        health = device_health(connection, workspace.settings.sensors, days=14)
    to_fix = {device.device_id: " ".join(device.problems) for device in health.to_fix}
    flat = events.loc[events["kind"] == "battery runs flat", "device_id"].iloc[0]
    assert "Not reporting" in to_fix[flat]
    stuck = events.loc[events["kind"] == "stuck sensor", "device_id"]
    with reading(workspace) as connection:
        whole = {device.device_id: device for device in device_health(
            connection, workspace.settings.sensors, days=120).devices}
    assert all(whole[device].statuses.get("stuck", 0) > 0 for device in stuck)
    # The planted faults of the building sensors show as the statuses and gaps they should.
    faults = pd.read_csv(_truth(workspace, "building_faults.csv"))
    assert buildings.stored > 0 and set(health.feeds) >= {"sheltered", "buildings"} and len(faults)
    for fault in faults.itertuples(index=False):
        device = whole[fault.sensor_id]
        if fault.fault == "dropout":
            assert device.gaps >= 1 and device.longest_gap_hours >= 24, fault
        elif fault.fault == "stuck sensor":
            assert device.statuses.get("stuck", 0) > 0, fault
        elif fault.fault == "spikes":
            assert device.statuses.get("jump", 0) + device.statuses.get("out of range", 0) > 0, fault
