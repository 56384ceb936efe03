"""The command line starts at once: the top-level help and a quick command load no heavy library, and each command
group's module is imported only when that command runs (bench/cli_startup.py measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.main import get_command
from typer.testing import CliRunner

from townhall.cli import COMMANDS, app

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "sqlalchemy", "pyarrow", "geopandas", "shapely", "sklearn", "scipy", "statsmodels",
         "splink", "fastapi", "lightgbm", "pydantic_settings", "townhall.places", "townhall.identity")


def _modules_loaded_by(arguments: list[str], environment: dict[str, str] | None = None) -> list[str]:
    """The heavy modules imported by running ``townhall ARGUMENTS`` in a fresh Python process."""
    script = ("import sys, json\nfrom townhall.cli import app\n"
              f"try:\n    app({arguments!r})\nexcept SystemExit:\n    pass\n"
              f"print(json.dumps(sorted(name for name in {list(HEAVY)!r} if name in sys.modules)))")
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT), **(environment or {})})
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_the_top_level_help_loads_no_heavy_library_and_lists_every_command() -> None:
    assert _modules_loaded_by(["--help"]) == []
    listed = CliRunner().invoke(app, ["--help"]).output
    for name, (_module, _attribute, one_line) in COMMANDS.items():
        assert name in listed and one_line.split()[0] in listed


def test_listing_sources_needs_neither_pandas_nor_the_application_database(workspace, isolated_secrets) -> None:
    loaded = _modules_loaded_by(["sources", "list", "--workspace", str(workspace.path)],
                                {"TOWNHALL_SECRETS_DIR": str(isolated_secrets)})
    assert loaded == []


def test_every_command_group_loads_on_demand_with_its_own_commands() -> None:
    group = get_command(app)
    commands = group.commands  # walking every command loads each module
    assert set(commands) == {*COMMANDS, "init"}
    assert {"add", "list", "show", "tag", "problems"} <= set(commands["sources"].commands)
    assert {"run"} == set(commands["cohort"].commands)
    assert all(command.name == name for name, command in commands.items())
