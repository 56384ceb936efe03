"""`townhall serve`: a thin command over townhall.web.serve that warns when other computers could connect."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

import townhall.web
from townhall.cli.serve import serve
from townhall.workspace import Workspace


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("serve")(serve)
    return app


def _words(output: str) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(output.split())


def test_serve_opens_the_workspace_and_runs_the_web_app(workspace: Workspace, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr("townhall.web.assets.missing_assets", lambda: [])
    monkeypatch.setattr(townhall.web, "serve", lambda path, host, port: calls.append((path, host, port)))
    result = CliRunner().invoke(_app(), ["--workspace", str(workspace.path), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls == [(workspace.path, "127.0.0.1", 8123)]
    assert "Serving townhall for Testshire at http://127.0.0.1:8123/" in _words(result.output)
    assert "Warning" not in result.output


def test_serve_warns_when_listening_beyond_this_machine(workspace: Workspace, monkeypatch) -> None:
    monkeypatch.setattr("townhall.web.assets.missing_assets", lambda: [])
    monkeypatch.setattr(townhall.web, "serve", lambda path, host, port: None)
    result = CliRunner().invoke(_app(), ["--workspace", str(workspace.path), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "does not encrypt traffic" in _words(result.output)


def test_serve_says_to_build_the_assets_when_they_are_missing(workspace: Workspace, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("townhall.web.assets.REQUIRED_FILES", (tmp_path / "missing.css",))
    result = CliRunner().invoke(_app(), ["--workspace", str(workspace.path)])
    assert result.exit_code == 1
    assert "make assets" in _words(result.output)
