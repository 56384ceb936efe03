"""Smoke test: every source of the demo council registers, in every format the generator writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.workspace import Workspace

demo = pytest.importorskip("townhall.demo", reason="the demo council generator is not available")


@pytest.mark.slow
def test_every_demo_source_registers(workspace: Workspace, tmp_path: Path) -> None:
    council = demo.generate_demo_council(tmp_path / "ashbury-data", residents=2000)
    registered = [
        workspace.catalogue.add_source(source.file, source.name, owner=source.owner, sheet=source.sheet,
                                       description=source.description, actor="demo")
        for source in council.sources
    ]
    assert len(registered) == len(council.sources) >= 10
    assert {source.file_format for source in registered} == {"csv", "xlsx", "parquet"}
    encodings = {source.encoding for source in registered if source.file_format == "csv"}
    assert {"UTF-8", "UTF-8 with BOM", "Windows-1252"} <= encodings
    assert ";" in {source.delimiter for source in registered}
    assert sum(source.personal_fields for source in registered) > 20
    assert all(0 < source.quality_score <= 1 for source in registered)
    assert len(workspace.catalogue.list_sources()) == len(registered)
