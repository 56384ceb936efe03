"""`townhall sensors` and `townhall routes` from the command line: register a device, store a file, read the
health, alerts and forecasts, plan the day's routes into files, and refuse mistakes in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from townhall.cli import app
from townhall.workspace import Workspace

runner = CliRunner()
BINS = {"device": "bin", "time": "at", "measures": {"fill_pct": "fill"}, "asset_type": "bin",
        "asset_name": ["street"], "latitude": "lat", "longitude": "lon", "team": "Street Scene"}


def _flat(output: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


def _bins_file(path: Path) -> Path:
    times = pd.date_range("2026-03-02", periods=60, freq="2h")
    pd.DataFrame([{"bin": f"B{number}", "at": moment.isoformat(), "fill": min(100.0, (step * (3 + number)) % 105),
                   "street": f"Street {number}", "lat": 53.40 + 0.004 * number, "lon": -2.20}
                  for number in range(5) for step, moment in enumerate(times)]).to_csv(path, index=False)
    return path


def test_a_day_of_sensors_and_routes_from_the_command_line(workspace: Workspace, tmp_path: Path) -> None:
    workspace.config.extra["sensors"] = {"feeds": {"bins": BINS}}
    workspace.config.extra["routes"] = {"depot": {"name": "Depot", "latitude": 53.40, "longitude": -2.20},
                                        "solve_seconds": 0.3}
    workspace.save_config()
    where = ["--workspace", str(workspace.path)]
    added = runner.invoke(app, ["sensors", "devices", "add", "LB-9", "--asset-type", "bin", "--name", "Mill Road",
                                *where])
    assert added.exit_code == 0 and "Token (shown once" in added.output
    stored = runner.invoke(app, ["sensors", "ingest", str(_bins_file(tmp_path / "bins.csv")), "--feed", "bins",
                                 *where])
    assert stored.exit_code == 0, stored.output
    assert "300 readings stored from bins.csv" in _flat(stored.output)
    again = runner.invoke(app, ["sensors", "ingest", str(tmp_path / "bins.csv"), "--feed", "bins", *where])
    assert "300 exact duplicates dropped" in _flat(again.output)
    status = _flat(runner.invoke(app, ["sensors", "status", *where]).output)
    assert "300 readings stored" in status and "0 posts waiting" in status
    health = _flat(runner.invoke(app, ["sensors", "health", *where]).output)
    assert "LB-9" in health and "Has never sent a reading" in health
    alerts = runner.invoke(app, ["sensors", "alerts", "--team", "Street Scene", *where])
    assert alerts.exit_code == 0 and "bin-full" in alerts.output
    forecast = _flat(runner.invoke(app, ["sensors", "forecast", *where]).output)
    assert "Reaches 80%" in forecast and "B4" in forecast
    planned = runner.invoke(app, ["routes", "plan", "--day", "2026-03-07", "--out", str(tmp_path / "out"), *where])
    assert planned.exit_code == 0, planned.output
    assert sorted(path.suffix for path in (tmp_path / "out").iterdir()) == [".csv", ".geojson", ".html", ".html"]
    assert workspace.audit.entries(action="routes.plan")


def test_mistakes_are_refused_in_plain_words(workspace: Workspace, tmp_path: Path) -> None:
    where = ["--workspace", str(workspace.path)]
    unknown = runner.invoke(app, ["sensors", "ingest", str(_bins_file(tmp_path / "bins.csv")), "--feed", "lorries",
                                  *where])
    assert unknown.exit_code == 1 and "no sensor feed called 'lorries'" in _flat(unknown.output)
    wrong = runner.invoke(app, ["sensors", "devices", "add", "bad id!", "--asset-type", "bin", *where])
    assert wrong.exit_code == 1 and "cannot be a device id" in _flat(wrong.output)
    no_file = runner.invoke(app, ["routes", "cvrplib", str(tmp_path / "missing.vrp")])
    assert no_file.exit_code == 1 and "There is no file" in _flat(no_file.output)
