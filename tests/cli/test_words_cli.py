"""`townhall text` and `townhall assistant` on bad input: plain messages and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from townhall.cli import app
from townhall.workspace import Workspace

runner = CliRunner()


def test_redact_prints_placeholders_and_refuses_bytes_that_are_not_text(workspace: Workspace,
                                                                        tmp_path: Path) -> None:
    good = tmp_path / "comment.txt"
    good.write_bytes("Ring me on 07700 900123 – thanks".encode("cp1252"))
    result = runner.invoke(app, ["text", "redact", str(good), "-w", str(workspace.path)])
    assert result.exit_code == 0 and "Ring me on [PHONE] – thanks" in result.output
    assert "as Windows-1252" in result.output
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x81\x8d")
    result = runner.invoke(app, ["text", "redact", str(bad), "-w", str(workspace.path)])
    assert result.exit_code == 1 and "is not readable text" in result.output


def test_text_commands_before_their_inputs_exist_say_what_to_run(workspace: Workspace) -> None:
    result = runner.invoke(app, ["text", "themes", "-w", str(workspace.path)])
    assert result.exit_code == 1 and "Run 'townhall text prepare' first" in result.output


def test_check_flow_names_the_step_of_a_loop(tmp_path: Path) -> None:
    flow = tmp_path / "loop.yaml"
    flow.write_text("name: loop\nsteps:\n  - {id: one, type: text, ask: 'One', next: two}\n"
                    "  - {id: two, type: text, ask: 'Two', next: one}\n", encoding="utf-8")
    result = runner.invoke(app, ["assistant", "check-flow", str(flow)])
    assert result.exit_code == 1 and "step 'two' leads back to step 'one'" in result.output
