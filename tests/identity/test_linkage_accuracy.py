"""Linkage accuracy at the default demo size: the issue's bar of 0.97 precision and recall, measured not assumed."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.demo.workspace_builder import build_demo_workspace
from townhall.identity import link_and_evaluate
from townhall.workspace import Workspace


@pytest.mark.slow
def test_people_at_the_default_demo_size_are_linked_with_precision_and_recall_of_at_least_097(tmp_path: Path) -> None:
    build_demo_workspace(tmp_path / "ashbury", residents=10_000, seed=2026)
    with Workspace.open(tmp_path / "ashbury") as workspace:
        summary, measured = link_and_evaluate(workspace)
    at_threshold = next(result for result in measured if result.threshold == summary.threshold)
    assert at_threshold.records > 20_000
    assert at_threshold.precision >= 0.97 and at_threshold.recall >= 0.97, at_threshold
