"""`townhall link` and `townhall link-charts`: what they print, save and record."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from townhall.cli import app
from townhall.workspace import Workspace


def _run(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(arguments))
    return result.exit_code, " ".join(result.output.split())


def test_link_with_evaluate_prints_sources_people_and_accuracy(linked_demo: Workspace,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, text = _run("link", "--evaluate", "--workspace", str(linked_demo.path))
    assert code == 0, text
    assert "Sources linked" in text and "school_attendance" in text
    assert "business_rates: " in text and "organisations, not people" in text
    assert "Accuracy against the demo's ground truth" in text and "Precision" in text


def test_link_with_evaluate_on_a_real_council_says_there_is_no_truth(workspace: Workspace, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("ref,forename,surname,dob\nA1,Ann,Lee,01/02/1980\nA2,Ann,Lee,01/02/1980\n", encoding="utf-8")
    workspace.catalogue.add_source(people, "people")
    code, text = _run("link", "--evaluate", "--workspace", str(workspace.path))
    assert code == 1
    assert "no ground truth" in text


def test_link_charts_saves_html_and_png_and_audits_the_waterfall(linked_demo: Workspace, tmp_path: Path) -> None:
    with linked_demo.analytics.connect(read_only=True) as connection:
        left, right = connection.execute(
            "select left_unique_id, right_unique_id from identity.pairs limit 1").fetchall()[0]
    out = tmp_path / "charts"
    code, text = _run("link-charts", "--out", str(out), "--pair", left, right, "--workspace", str(linked_demo.path))
    assert code == 0, text
    saved = sorted(path.name for path in out.iterdir())
    assert "match-weights.html" in saved and "match-weights.png" in saved
    assert any(name.startswith("waterfall-") and name.endswith(".png") for name in saved)
    assert (out / "match-weights.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" in (out / "match-weights.html").read_text(encoding="utf-8")
    assert any(entry.action == "link.waterfall_saved" for entry in linked_demo.audit.entries())


def test_link_charts_names_an_unknown_record_plainly(linked_demo: Workspace, tmp_path: Path) -> None:
    code, text = _run("link-charts", "--out", str(tmp_path), "--pair", "council_tax:NOPE", "benefits:NOPE",
                      "--workspace", str(linked_demo.path))
    assert code == 1
    assert "There is no linked record 'council_tax:NOPE'" in text
