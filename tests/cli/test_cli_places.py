"""`townhall places`: load boundaries and indicators, place a CSV's rows in areas, and draw a protected map."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from typer.testing import CliRunner

from townhall.cli import app
from townhall.workspace import Workspace

runner = CliRunner()


def _flat(output: str) -> str:
    """The output with table borders and line wrapping removed, so sentences can be searched for."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇╈┼┬┴╋┣┫├┤]", " ", output))


def _write_squares(path: Path) -> Path:
    """Four 0.01-degree squares (a 2 x 2 grid) with ONS field names, the lowest code top right."""
    codes = {(0, 0): "E01000004", (1, 0): "E01000002", (0, 1): "E01000003", (1, 1): "E01000001"}
    frame = gpd.GeoDataFrame(
        {"LSOA21CD": list(codes.values()), "LSOA21NM": [f"Square {code[-1]}" for code in codes.values()]},
        geometry=[shapely.box(-2.30 + column * 0.01, 53.40 + row * 0.01, -2.29 + column * 0.01, 53.41 + row * 0.01)
                  for column, row in codes], crs="EPSG:4326")
    path.write_text(frame.to_json(), encoding="utf-8")
    return path


def test_load_assign_and_map_from_the_command_line(workspace: Workspace, tmp_path: Path) -> None:
    squares_file = _write_squares(tmp_path / "squares.geojson")
    where = ["--workspace", str(workspace.path)]
    loaded = runner.invoke(app, ["places", "load", "boundaries", str(squares_file), "--attribution", "Test squares",
                                 *where])
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 4 small area boundaries" in _flat(loaded.output) and "Test squares" in loaded.output

    rows = tmp_path / "visits.csv"
    rows.write_text("visit,Latitude,Longitude,Postcode\nV1,53.405,-2.295,\nV2,,,\nV3,53.415,-2.285,\n"
                    "V4,60.0,-2.0,\n" + "".join(f"V{number},53.405,-2.285,\n" for number in range(5, 30)),
                    encoding="utf-8")
    out = tmp_path / "visits_placed.csv"
    assigned = runner.invoke(app, ["places", "assign", str(rows), "--out", str(out), *where])
    assert assigned.exit_code == 0, assigned.output
    text = _flat(assigned.output)
    assert "Placed 27 of 29 rows" in text and "no coordinates or postcode 1" in text
    assert "point outside every area 1" in text
    placed = pd.read_csv(out, dtype=str)
    assert list(placed["area_code"].iloc[[0, 2]]) == ["E01000004", "E01000001"]
    assert placed["area_code"].value_counts()["E01000002"] == 25

    counts = placed["area_code"].value_counts().rename_axis("area_code").reset_index(name="visits")
    counts_file = tmp_path / "counts.csv"
    counts.to_csv(counts_file, index=False)
    map_file = tmp_path / "visits.svg"
    drawn = runner.invoke(app, ["places", "map", str(map_file), "--csv", str(counts_file), "--count-column", "visits",
                                "--title", "Visits by small area", *where])
    assert drawn.exit_code == 0, drawn.output
    assert "Counts under 10 are hidden" in _flat(drawn.output)
    assert "Visits by small area" in map_file.read_text(encoding="utf-8")

    refused = runner.invoke(app, ["places", "map", str(tmp_path / "bad.png"), "--csv", str(counts_file),
                                  "--count-column", "visits", "--title", "Problem areas", *where])
    assert refused.exit_code != 0 and "Describe the measure instead" in _flat(refused.output)
    assert not (tmp_path / "bad.png").exists()
