"""Every failure of a command is a plain message and a non-zero exit, never a traceback."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from townhall.cli.common import UNEXPECTED_ERROR_EXIT, friendly_errors
from townhall.errors import TownhallError

app = typer.Typer()


@app.command("fail")
@friendly_errors
def fail(kind: str) -> None:
    """Fail in the way asked."""
    if kind == "ours":
        raise TownhallError("the file has no header row")
    raise ValueError("math domain error")


@app.command("other")
def other() -> None:
    """A second command, so Typer keeps sub-command names."""


def test_an_unexpected_error_is_a_plain_message_and_its_detail_goes_to_an_owner_only_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_CRASH_DIR", str(tmp_path / "crashes"))
    result = CliRunner().invoke(app, ["fail", "theirs"])
    assert result.exit_code == UNEXPECTED_ERROR_EXIT
    assert "Traceback" not in result.output
    assert "did not expect (ValueError)" in " ".join(result.output.split())
    reports = list((tmp_path / "crashes").iterdir())
    assert len(reports) == 1
    assert "math domain error" in reports[0].read_text()
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600


def test_townhalls_own_errors_say_what_is_wrong_and_exit_non_zero() -> None:
    result = CliRunner().invoke(app, ["fail", "ours"])
    assert result.exit_code == 1
    assert "the file has no header row" in result.output
    assert "Traceback" not in result.output
