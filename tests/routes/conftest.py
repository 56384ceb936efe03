"""Fixtures for the routes tests: a small town of bins with sensors, a depot and a tip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from townhall.workspace import Workspace

DEPOT = {"name": "Depot", "latitude": 53.40, "longitude": -2.20}
TIP = {"name": "Tip", "latitude": 53.41, "longitude": -2.21}
BIN_FEED = {"device": "bin", "time": "at", "measures": {"fill_pct": "fill"}, "asset_type": "bin",
            "asset_name": ["street"], "latitude": "lat", "longitude": "lon", "team": "Street Scene"}


def configure(workspace: Workspace, **tables: object) -> Workspace:
    """Write settings tables into townhall.toml and reopen the workspace."""
    for name, table in tables.items():
        workspace.config.extra[name] = table
    workspace.save_config()
    return Workspace.open(workspace.path)


@pytest.fixture
def town(workspace: Workspace, tmp_path: Path) -> Workspace:
    """Twelve bins on a small grid, read every two hours for three weeks; bin 0 on Market Street fills fastest."""
    from townhall.sensors import ingest_file

    rng = np.random.default_rng(3)
    times = pd.date_range("2026-03-02", periods=21 * 12, freq="2h")
    rows = []
    for number in range(12):
        rate = 1.5 + 0.4 * number if number else 6.0  # points every two hours
        fill = 10.0 * (number % 5)
        for moment in times:
            rows.append({"bin": f"B{number:02d}", "at": moment.isoformat(), "fill": round(min(fill, 100), 1),
                         "street": "Market Street" if number == 0 else f"Street {number}",
                         "lat": 53.40 + 0.003 * (number % 4), "lon": -2.20 - 0.004 * (number // 4)})
            fill = 0.0 if fill >= 95 else fill + rate * (1 + 0.2 * rng.standard_normal())
    path = tmp_path / "bins.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    configured = configure(workspace, sensors={"feeds": {"bins": BIN_FEED}}, routes={
        "depot": DEPOT, "tip": TIP, "solve_seconds": 1,
        "vehicles": [{"name": "Small lorry", "count": 3, "capacity_kg": 25, "capacity_litres": 700,
                      "shift_start": "06:00", "shift_hours": 8}],
        "time_windows": [{"name_contains": "Market Street", "earliest": "06:00", "latest": "06:30"}]})
    ingest_file(configured, path, "bins")
    yield configured
    configured.close()
