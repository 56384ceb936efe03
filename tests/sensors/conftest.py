"""Fixtures for the sensors tests: a workspace with a small room-sensor feed, and readings written as files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from townhall.workspace import Workspace

ROOM_FEED = {"device": "sensor", "time": "taken", "measures": {"temperature_c": "temp", "battery_pct": "battery"},
             "asset_type_column": "kind", "asset_name": ["place"], "team": "Sheltered Housing",
             "timezone": "Europe/London"}


def configure(workspace: Workspace, **tables: Any) -> Workspace:
    """Write settings tables into the workspace's townhall.toml and reopen it."""
    for name, table in tables.items():
        workspace.config.extra[name] = {**workspace.config.extra.get(name, {}), **table}
    workspace.save_config()
    return Workspace.open(workspace.path)


@pytest.fixture
def sensor_workspace(workspace: Workspace) -> Workspace:
    """An empty workspace with a 'rooms' feed: sensor, taken, temp, battery, kind, place columns."""
    opened = configure(workspace, sensors={"feeds": {"rooms": ROOM_FEED}})
    yield opened
    opened.close()


def room_rows(device: str, temperatures: list[float], *, start: str = "2026-01-05 00:00", hours: float = 1.0,
              kind: str = "sheltered_room", battery: float = 90.0) -> list[dict[str, Any]]:
    """One row per reading of a room sensor, ``hours`` apart, in the rooms feed's layout (UK clock times)."""
    times = pd.date_range(start, periods=len(temperatures), freq=pd.Timedelta(hours=hours))
    return [{"sensor": device, "taken": moment.strftime("%d/%m/%Y %H:%M"), "temp": value, "battery": battery,
             "kind": kind, "place": f"Flat {device}"} for moment, value in zip(times, temperatures, strict=True)]


@pytest.fixture
def write_rows(tmp_path: Path) -> Callable[..., Path]:
    """``write_rows(rows, name="readings.csv")``: rows written as CSV, JSON lines or Parquet by the name's ending."""
    def write(rows: list[dict[str, Any]], name: str = "readings.csv") -> Path:
        path = tmp_path / name
        frame = pd.DataFrame(rows)
        if name.endswith(".csv"):
            frame.to_csv(path, index=False)
        elif name.endswith(".jsonl"):
            path.write_text(frame.to_json(orient="records", lines=True), encoding="utf-8")
        else:
            frame.to_parquet(path, index=False)
        return path

    return write
