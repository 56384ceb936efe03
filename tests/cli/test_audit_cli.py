"""`townhall audit verify` exits non-zero and explains when the log was altered."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from townhall.cli import app
from townhall.workspace import Workspace

runner = CliRunner()


def test_audit_verify_reports_intact_then_altered(workspace: Workspace) -> None:
    workspace.audit.record("alice", "person.viewed", "P00001")
    result = runner.invoke(app, ["audit", "verify", "--workspace", str(workspace.path)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    with sqlite3.connect(workspace.path / "app.db") as connection:
        connection.execute("drop trigger audit_log_no_update")
        connection.execute("update audit_log set actor = 'mallory' where id = 2")
    result = runner.invoke(app, ["audit", "verify", "--workspace", str(workspace.path)])
    assert result.exit_code == 4
    assert "altered" in result.output and "Entry 2" in result.output


def test_audit_list_and_users_commands_work_on_a_workspace(workspace: Workspace) -> None:
    added = runner.invoke(app, ["users", "add", "ana", "--role", "analyst", "--team", "BI",
                                "--workspace", str(workspace.path)])
    assert added.exit_code == 0, added.output
    assert "Password (shown once)" in added.output
    listed = runner.invoke(app, ["audit", "list", "--workspace", str(workspace.path)])
    assert "user.added" in listed.output


def test_a_missing_workspace_gives_a_plain_error_not_a_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["audit", "list", "--workspace", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "not a townhall workspace" in result.output and "Traceback" not in result.output
